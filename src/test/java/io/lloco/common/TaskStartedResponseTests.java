/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.util.Map;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.OpenSearchTestCase;

/** {@code {"task": "node:id"}} crosses the wire and renders as the hand-built map did. */
public class TaskStartedResponseTests extends OpenSearchTestCase {

    public void testRoundTripAndRendering() throws Exception {
        TaskStartedResponse r = new TaskStartedResponse(new TaskId("Xk2mN0de", 1234));
        BytesStreamOutput out = new BytesStreamOutput();
        r.writeTo(out);
        TaskStartedResponse back = new TaskStartedResponse(out.bytes().streamInput());
        assertEquals(new TaskId("Xk2mN0de", 1234), back.task());
        assertFalse(back.isFragment());

        String json = json(back);
        assertEquals("{\"task\":\"Xk2mN0de:1234\"}", json);
        // what _train (a map) and _load (a hand-built object) answered before
        assertEquals(
            BytesReference.bytes(JsonXContent.contentBuilder().map(Map.of("task", "Xk2mN0de" + ":" + 1234L))).utf8ToString(),
            json
        );
        XContentBuilder byHand = JsonXContent.contentBuilder().startObject().field("task", "Xk2mN0de" + ":" + 1234L).endObject();
        assertEquals(BytesReference.bytes(byHand).utf8ToString(), json);
    }

    private static String json(ToXContent x) throws Exception {
        return BytesReference.bytes(x.toXContent(JsonXContent.contentBuilder(), ToXContent.EMPTY_PARAMS)).utf8ToString();
    }
}
