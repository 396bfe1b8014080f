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

    /** Was: {@code (int) num(..)} read {@code "r": 8.5} as 8 and {@code "r": 4294967297} as 1; integers are whole or a 400 naming the field. */
    public void testIntegerFieldsRefuseFractionsAndOverflowNamingTheField() throws IOException {
        String base = "{\"source_index\": \"d\", \"examples\": \"q\", ";
        for (String f : new String[]{"r", "batch_size", "epochs", "steps", "seed", "max_new_tokens"}) {
            for (String v : new String[]{"8.5", "-0.25", "1e-3", "8.000001"}) {
                LlocoException e = expectThrows(
                    LlocoException.class,
                    () -> AdapterTrainRequest.parse("a", json(base + "\"" + f + "\": " + v + "}"))
                );
                assertEquals(RestStatus.BAD_REQUEST, e.status());
                assertTrue(f + "=" + v + " -> " + e.getMessage(), e.getMessage().startsWith("[" + f + "] must be a whole number, got ["));
            }
        }
        for (String f : new String[]{"r", "batch_size", "epochs", "max_new_tokens"}) {
            LlocoException e = expectThrows(
                LlocoException.class,
                () -> AdapterTrainRequest.parse("a", json(base + "\"" + f + "\": 4294967297}"))
            );
            assertTrue(
                f + " -> " + e.getMessage(),
                e.getMessage().startsWith("[" + f + "] must be between -2147483648 and 2147483647, got [4294967297]")
            );
        }
        LlocoException big = expectThrows(LlocoException.class, () -> AdapterTrainRequest.parse("a", json(base + "\"steps\": 1e30}")));
        assertTrue(big.getMessage(), big.getMessage().startsWith("[steps] must be between"));
        big = expectThrows(LlocoException.class, () -> AdapterTrainRequest.parse("a", json(base + "\"seed\": 99999999999999999999}")));
        assertTrue(big.getMessage(), big.getMessage().startsWith("[seed] must be between"));
        LlocoException sample = expectThrows(
            LlocoException.class,
            () -> AdapterEvaluateRequest.parse("a", json(INLINE + ", \"sample\": 2.5}"))
        );
        assertEquals(RestStatus.BAD_REQUEST, sample.status());
        assertTrue(sample.getMessage(), sample.getMessage().startsWith("[sample] must be a whole number, got [2.5]"));
        // whole numbers written as decimals still read exactly, and a long seed beyond 2^53 is not rounded
        AdapterTrainRequest t = AdapterTrainRequest.parse(
            "a",
            json(base + "\"r\": 8.0, \"batch_size\": 2E0, \"epochs\": 3, \"seed\": 9007199254740993, \"max_new_tokens\": 16.00}")
        );
        assertNull(t.validate());
        assertEquals(8, t.r);
        assertEquals(2, t.batchSize);
        assertEquals(3, t.epochs);
        assertEquals(9007199254740993L, t.seed);
        assertEquals(16, t.qa.maxNewTokens);
        assertEquals(2, AdapterEvaluateRequest.parse("a", json(INLINE + ", \"sample\": 2.0}")).sample);
    }

    /** Every field of {@code _train} given the wrong type: a 400 naming it, never a ClassCastException. */
    public void testEveryTrainFieldOfTheWrongTypeIsA400NamingIt() throws IOException {
        String[][] cases = {
            {"r", "\"eight\"", "[r] must be a number"},
            {"r", "[8]", "[r] must be a number"},
            {"r", "true", "[r] must be a number"},
            {"alpha", "\"16\"", "[alpha] must be a number"},
            {"target_modules", "\"q_proj\"", "[target_modules] must be a list of module names"},
            {"target_modules", "[\"q_proj\", 3]", "[target_modules] must be a list of module names"},
            {"target_modules", "[{\"q\": 1}]", "[target_modules] must be a list of module names"},
            {"steps", "{\"n\": 1}", "[steps] must be a number"},
            {"epochs", "\"1\"", "[epochs] must be a number"},
            {"learning_rate", "\"fast\"", "[learning_rate] must be a number"},
            {"batch_size", "null", null},
            {"batch_size", "\"4\"", "[batch_size] must be a number"},
            {"seed", "\"x\"", "[seed] must be a number"},
            {"eval_fraction", "[0.1]", "[eval_fraction] must be a number"},
            {"description", "5", "[description] must be a string"},
            {"template", "{\"name\": \"qmsum\"}", "[template] must be a string"},
            {"max_new_tokens", "\"32\"", "[max_new_tokens] must be a number"},
            {"source_index", "[\"d\"]", "[source_index] must be a string"},
            {"examples", "true", "[examples] must be an index name or a list"}};
        for (String[] c : cases) {
            String others = c[0].equals("source_index") || c[0].equals("examples") ? "" : "\"source_index\": \"d\", \"examples\": \"q\", ";
            String body = "{" + others + "\"" + c[0] + "\": " + c[1] + "}";
            if (c[2] == null) {
                assertEquals(body, 4, AdapterTrainRequest.parse("a", json(body)).batchSize); // null: the default
                continue;
            }
            LlocoException e = expectThrows(LlocoException.class, () -> AdapterTrainRequest.parse("a", json(body)));
            assertEquals(body, RestStatus.BAD_REQUEST, e.status());
            assertTrue(body + " -> " + e.getMessage(), e.getMessage().startsWith(c[2]));
        }
        LlocoException e = expectThrows(
            LlocoException.class,
            () -> AdapterEvaluateRequest.parse("a", json(INLINE + ", \"sample\": \"3\"}"))
        );
        assertTrue(e.getMessage(), e.getMessage().startsWith("[sample] must be a number"));
    }
}
