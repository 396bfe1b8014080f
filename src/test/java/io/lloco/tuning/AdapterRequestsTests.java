/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.List;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;

/** The bodies of {@code _train} and {@code _evaluate}: one parser for what they share, strict, and sent whole. */
public class AdapterRequestsTests extends OpenSearchTestCase {

    private static XContentParser json(String body) throws IOException {
        return JsonXContent.jsonXContent.createParser(NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, body);
    }

    private static final String INLINE = """
        {"source_index": "docs", "template": "Q: {question}", "max_new_tokens": 12,
         "examples": [{"doc_id": "1", "question": "who?", "answer": "Ada"}, {"doc_id": "2", "question": "pick", "answer": "b", "choices": ["a", "b"]}]""";

    public void testEvaluateParsesTheSharedFieldsAndRoundTrips() throws IOException {
        AdapterEvaluateRequest r = AdapterEvaluateRequest.parse("legal", json(INLINE + ", \"sample\": 3}"));
        assertNull(r.validate());
        BytesStreamOutput out = new BytesStreamOutput();
        r.writeTo(out);
        AdapterEvaluateRequest back = new AdapterEvaluateRequest(out.bytes().streamInput());
        for (AdapterEvaluateRequest x : List.of(r, back)) {
            assertEquals("legal", x.name);
            assertEquals("docs", x.qa.sourceIndex);
            assertNull(x.qa.examplesIndex);
            assertEquals(List.of("a", "b"), x.qa.examples.get(1).choices());
            assertEquals("Ada", x.qa.examples.get(0).answer());
            assertEquals("Q: {question}", x.qa.template);
            assertEquals(12, x.qa.maxNewTokens);
            assertEquals(3, x.sample);
        }
    }

    public void testTrainParsesTheSharedFieldsAndItsOwnAndRoundTrips() throws IOException {
        // every field away from its default, so a field the wire drops or swaps fails here
        AdapterTrainRequest r = AdapterTrainRequest.parse("legal", json("""
            {"source_index": "docs", "examples": "qa", "template": "Q: {question}", "max_new_tokens": 12, "r": 16, "alpha": 48,
             "target_modules": ["q_proj", "v_proj"], "steps": 40, "learning_rate": 0.002, "batch_size": 3, "seed": 9,
             "eval_fraction": 0.25, "description": "contracts"}"""));
        assertNull(r.validate());
        BytesStreamOutput out = new BytesStreamOutput();
        r.forRun().writeTo(out);
        StreamInput in = out.bytes().streamInput();
        AdapterTrainRequest back = new AdapterTrainRequest(in);
        for (AdapterTrainRequest x : List.of(r, back)) {
            assertEquals("legal", x.name());
            assertEquals("docs", x.qa.sourceIndex);
            assertEquals("qa", x.qa.examplesIndex);
            assertTrue(x.qa.examples.isEmpty());
            assertEquals("Q: {question}", x.qa.template);
            assertEquals(12, x.qa.maxNewTokens);
            assertEquals(16, x.r);
            assertEquals(48.0, x.alpha, 0.0);
            assertEquals(List.of("q_proj", "v_proj"), x.targetModules);
            assertEquals(40, x.steps);
            assertEquals(0, x.epochs);
            assertEquals(0.002, x.learningRate, 0.0);
            assertEquals(3, x.batchSize);
            assertEquals(9, x.seed);
            assertEquals(0.25, x.evalFraction, 0.0);
            assertEquals("contracts", x.description);
        }
        assertEquals(0, in.available());
        assertFalse(r.getShouldStoreResult());
        assertTrue(back.getShouldStoreResult());
        assertEquals("train adapter [legal] on [docs] with examples from [qa]", back.getDescription());
        AdapterTrainRequest epochs = AdapterTrainRequest.parse("e", json("{\"source_index\": \"d\", \"examples\": \"q\", \"epochs\": 3}"));
        out = new BytesStreamOutput();
        epochs.writeTo(out);
        assertEquals(3, new AdapterTrainRequest(out.bytes().streamInput()).epochs);
    }

    public void testEachBodyRefusesTheOthersFieldsNamingThem() throws IOException {
        LlocoException e = expectThrows(LlocoException.class, () -> AdapterEvaluateRequest.parse("a", json(INLINE + ", \"r\": 8}")));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().startsWith("[_evaluate] does not take [r]"));
        assertTrue(e.getMessage(), e.getMessage().contains("max_new_tokens") && e.getMessage().contains("sample"));
        e = expectThrows(LlocoException.class, () -> AdapterTrainRequest.parse("a", json(INLINE + ", \"sample\": 2}")));
        assertTrue(e.getMessage(), e.getMessage().startsWith("[_train] does not take [sample]"));
        assertTrue(e.getMessage(), e.getMessage().contains("source_index") && e.getMessage().contains("learning_rate"));
    }

    public void testWrongTypesAndMissingFieldsNameTheField() throws IOException {
        String[][] cases = {
            {"{\"source_index\": 3}", "[source_index] must be a string"},
            {"{\"examples\": 3}", "[examples] must be an index name or a list"},
            {"{\"examples\": [3]}", "[examples][0] must be an object"},
            {"{\"max_new_tokens\": \"many\"}", "[max_new_tokens] must be a number"},
            {"{\"examples\": [{\"doc_id\": \"1\", \"question\": \"q\", \"answer\": \"a\", \"extra\": 1}]}",
                "[examples][0] has unknown field [extra]"}};
        for (String[] c : cases) {
            for (boolean train : new boolean[]{true, false}) {
                LlocoException e = expectThrows(
                    LlocoException.class,
                    () -> {
                        if (train)
                            AdapterTrainRequest.parse("a", json(c[0]));
                        else
                            AdapterEvaluateRequest.parse("a", json(c[0]));
                    }
                );
                assertEquals(RestStatus.BAD_REQUEST, e.status());
                assertTrue(c[0] + " -> " + e.getMessage(), e.getMessage().contains(c[1]));
            }
        }
        String missing = AdapterEvaluateRequest.parse("a", json("{\"max_new_tokens\": 0, \"sample\": 101}")).validate().getMessage();
        assertTrue(missing, missing.contains("[source_index] must name"));
        assertTrue(missing, missing.contains("[examples] must name"));
        assertTrue(missing, missing.contains("[max_new_tokens] must be between 1 and 1024, got [0]"));
        assertTrue(missing, missing.contains("[sample] must be between 0 and 100, got [101]"));
        missing = AdapterTrainRequest.parse("a", json("{\"max_new_tokens\": 2000}")).validate().getMessage();
        assertTrue(missing, missing.contains("[source_index] must name"));
        assertTrue(missing, missing.contains("[max_new_tokens] must be between 1 and 1024, got [2000]"));
    }
}
