/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.LinkedHashMap;
import java.util.Map;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.OpenSearchTestCase;

/** A training's task status crosses the wire and renders its fields as {@code _tasks} shows them. */
public class TrainStatusTests extends OpenSearchTestCase {

    public void testRoundTripAndRendering() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("adapter", "a1");
        fields.put("phase", "training");
        fields.put("step", 12);
        fields.put("total_steps", 400);
        fields.put("loss", 0.75);
        TrainStatus s = new TrainStatus(fields);
        BytesStreamOutput out = new BytesStreamOutput();
        s.writeTo(out);
        TrainStatus back = new TrainStatus(out.bytes().streamInput());
        assertEquals(fields, back.fields());
        assertEquals("lloco_adapter_train", back.getWriteableName());
        XContentBuilder b = JsonXContent.contentBuilder();
        back.toXContent(b, ToXContent.EMPTY_PARAMS);
        assertEquals(
            "{\"adapter\":\"a1\",\"phase\":\"training\",\"step\":12,\"total_steps\":400,\"loss\":0.75}",
            BytesReference.bytes(b).utf8ToString()
        );
    }
}
