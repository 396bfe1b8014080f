/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;

/**
 * Training and evaluation examples are held to the rules of a {@code _lloco_qa} question, and a training's steps
 * (epochs x examples / batch_size) to the bound of {@code steps}.
 */
public class TrainLimitsTests extends OpenSearchTestCase {

    private static XContentParser json(String body) throws IOException {
        return JsonXContent.jsonXContent.createParser(NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, body);
    }

    private static Map<String, Object> example(String question, List<String> choices) {
        Map<String, Object> m = new HashMap<>();
        m.put("doc_id", "d1");
        m.put("question", question);
        m.put("answer", choices == null ? "Ada" : choices.get(0));
        if (choices != null) {
            m.put("choices", choices);
        }
        return m;
    }

    private static List<String> options(int n, int chars) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add((char) ('a' + i % 26) + "x".repeat(chars - 1));
        }
        return out;
    }

    private static void assertRefused(Map<String, Object> example, String... expected) {
        LlocoException e = expectThrows(LlocoException.class, () -> TrainExample.fromMap(example, "[examples][3]", true));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().startsWith("[examples][3] cannot be asked as a _lloco_qa question: "));
        for (String s : expected) {
            assertTrue(e.getMessage(), e.getMessage().contains(s));
        }
    }

    public void testExamplesAreHeldToTheRulesOfAQuestion() {
        // at the bounds: accepted
        assertEquals(4096, TrainExample.fromMap(example("q".repeat(4096), null), "[examples][3]", true).question().length());
        assertEquals(2, TrainExample.fromMap(example("q", options(2, 1)), "[examples][3]", true).choices().size());
        assertEquals(26, TrainExample.fromMap(example("q", options(26, 1024)), "[examples][3]", true).choices().size());
        // past them: was accepted by _train and planned without _lloco_qa's checks
        assertRefused(example("q".repeat(4097), null), "Field [question] has 4097 characters, over the limit of 4096");
        assertRefused(example("q", options(1, 1)), "Field [choices] must hold between 2 and 26 options", "got 1");
        assertRefused(example("q", options(27, 1)), "Field [choices] must hold between 2 and 26 options", "got 27");
        assertRefused(example("q", options(2, 1025)), "Field [choices] holds an empty option or one over 1024 characters");
        Map<String, Object> longId = example("q", null);
        longId.put("doc_id", "d".repeat(513));
        assertRefused(longId, "over 512 bytes");
    }

    public void testInlineExamplesOfTrainAndEvaluateNameTheExample() throws IOException {
        String body = "{\"source_index\": \"docs\", \"examples\": [{\"doc_id\": \"1\", \"question\": \"who?\", \"answer\": \"Ada\"},"
            + " {\"doc_id\": \"2\", \"question\": \"pick\", \"answer\": \"a\", \"choices\": [\"a\"]}]}";
        for (boolean train : new boolean[]{true, false}) {
            LlocoException e = expectThrows(LlocoException.class, () -> {
                if (train) {
                    AdapterTrainRequest.parse("a", json(body));
                } else {
                    AdapterEvaluateRequest.parse("a", json(body));
                }
            });
            assertEquals(RestStatus.BAD_REQUEST, e.status());
            assertTrue(e.getMessage(), e.getMessage().startsWith("[examples][1] cannot be asked as a _lloco_qa question"));
            assertTrue(e.getMessage(), e.getMessage().contains("[choices]"));
        }
    }

    private static AdapterTrainRequest train(String fields) throws IOException {
        AdapterTrainRequest r = AdapterTrainRequest.parse("a", json("{\"source_index\": \"d\", \"examples\": \"q\"" + fields + "}"));
        assertNull(r.validate());
        return r;
    }

    public void testStepsFromEpochsAreBoundedLikeSteps() throws IOException {
        AdapterTrainRequest r = train(", \"epochs\": 1000, \"batch_size\": 1, \"eval_fraction\": 0");
        assertEquals(1_000_000, AdapterTrainRunTransportAction.trainSteps(r, 1000));
        LlocoException e = expectThrows(LlocoException.class, () -> AdapterTrainRunTransportAction.trainSteps(r, 1001));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().startsWith("[epochs] = 1000 over 1001 training examples at [batch_size] = 1"));
        assertTrue(e.getMessage(), e.getMessage().contains("is 1001000 steps, over the limit of 1000000"));

        // ceil(examples / batch_size) steps an epoch
        AdapterTrainRequest batched = train(", \"epochs\": 3, \"batch_size\": 4");
        assertEquals(3 * 3, AdapterTrainRunTransportAction.trainSteps(batched, 9));
        // the default: one epoch
        AdapterTrainRequest dflt = train(", \"batch_size\": 1");
        assertEquals(7, AdapterTrainRunTransportAction.trainSteps(dflt, 7));
        e = expectThrows(LlocoException.class, () -> AdapterTrainRunTransportAction.trainSteps(dflt, 1_000_001));
        assertTrue(e.getMessage(), e.getMessage().startsWith("[epochs] = 1 (the default) over 1000001 training examples"));
        // steps given: taken as they are (validate bounds them)
        assertEquals(40, AdapterTrainRunTransportAction.trainSteps(train(", \"steps\": 40, \"batch_size\": 1"), 10_000_000));
    }

    public void testTrainCountLeavesOutTheHeldOutExamples() throws IOException {
        assertEquals(9, AdapterTrainRunTransportAction.trainCount(train(", \"eval_fraction\": 0.1"), 10));
        assertEquals(10, AdapterTrainRunTransportAction.trainCount(train(", \"eval_fraction\": 0"), 10));
        assertEquals(1, AdapterTrainRunTransportAction.trainCount(train(", \"eval_fraction\": 0.9"), 2));
    }
}
