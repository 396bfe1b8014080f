/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.opensearch.client.ResponseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.lora.AdapterManifest;
import io.lloco.testing.LlocoIntegTestCase;
import io.lloco.train.large.LargeCheckpoint;

/**
 * The prompt template of a question on two in-JVM nodes (a data node and a {@code lloco}-only node, which alone reads
 * the adapter's files): the request's {@code template} &gt; the template the adapter declares (its {@code lloco.json},
 * or a registry adapter's stored template) &gt; {@code index.lloco.template} &gt; the default. The response's {@code template} says which, and the
 * prompt decoded is that template's: the answer and prompt tokens equal those of a request naming it.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class TemplatePrecedenceIT extends LlocoIntegTestCase {

    /** What adapter [qm] declares in its lloco.json. */
    static final String PATTERN = "Transcript above.\nQuery: {question}\nAnswer:";
    /** The same, as a JSON string. */
    static final String PATTERN_JSON = "\"Transcript above.\\nQuery: {question}\\nAnswer:\"";

    private static String llocoNode;

    private void startCluster() throws Exception {
        if (internalCluster().size() > 0) {
            return;
        }
        internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
        llocoNode = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
        ensureStableCluster(2);
        Path adapters = config().resolve("lloco/adapters");
        var modelConfig = Checkpoints.config(config().resolve("lloco/models/" + TEST_MODEL));
        LargeCheckpoint.writeAdapter(adapters.resolve("qm"), modelConfig, 2, 11, PATTERN);
        LargeCheckpoint.writeAdapter(adapters.resolve("broken"), modelConfig, 2, 12, null);
        Files.writeString(adapters.resolve("broken").resolve(AdapterManifest.FILE), "{\"template\": \"Query: {question} {topic}\"}");
        createCompressedIndex("transcripts");
        call("PUT", "/transcripts/_settings", "{\"index.lloco.adapter\": \"qm\"}");
        call("PUT", "/notes", llocoMapping());
        call("PUT", "/notes/_settings", "{\"index.lloco.adapter\": \"qm\", \"index.lloco.template\": \"qasper\"}");
        Map<String, Object> r = call(
            "POST",
            "/transcripts/_bulk?pipeline=compress&refresh=true",
            "{\"index\":{\"_id\":\"t1\"}}\n{\"body\":\"Ada Fenn opened the meeting. Bo Lind spoke about the river. "
                + "The group decided to build a bridge before winter.\"}\n"
        );
        assertEquals(r.toString(), false, r.get("errors"));
    }

    private static Map<String, Object> ask(String body) throws Exception {
        return call("POST", "/transcripts/_lloco_qa", body);
    }

    private static String question(String extra) {
        return "{\"question\":\"What did the group decide?\",\"doc_ids\":[\"t1\"],\"max_new_tokens\":4" + extra + "}";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> template(Map<String, Object> r) {
        return (Map<String, Object>) r.get("template");
    }

    @SuppressWarnings("unchecked")
    private static int promptTokens(Map<String, Object> r) {
        return ((Number) ((Map<String, Object>) r.get("usage")).get("prompt_tokens")).intValue();
    }

    /** Asserts that {@code r} decoded the same prompt as {@code same} (a request naming the template). */
    private static void samePrompt(Map<String, Object> r, Map<String, Object> same) {
        assertEquals(promptTokens(same), promptTokens(r));
        assertEquals(same.get("answer"), r.get("answer"));
    }

    public void testEachLevelOfThePrecedence() throws Exception {
        startCluster();
        // the adapter's lloco.json: the index binds adapter [qm], which declares the transcript pattern
        Map<String, Object> adapter = ask(question(""));
        assertEquals(llocoNode, adapter.get("node"));
        assertEquals("qm", adapter.get("adapter"));
        assertEquals(Map.of("name", "custom", "source", "adapter"), template(adapter));
        Map<String, Object> named = ask(question(",\"template\":" + PATTERN_JSON));
        assertEquals(Map.of("name", "custom", "source", "request"), template(named));
        samePrompt(adapter, named);

        // no adapter: the default, whose prompt is another one
        Map<String, Object> none = ask(question(",\"adapter\":\"none\""));
        assertNull(none.get("adapter"));
        assertEquals(Map.of("name", "narrativeqa", "source", "default"), template(none));
        assertNotEquals(promptTokens(adapter), promptTokens(none));

        try {
            // index.lloco.template: the adapter's template still applies (an adapter is asked as it was trained) ...
            call("PUT", "/transcripts/_settings", "{\"index.lloco.template\": \"qmsum\"}");
            Map<String, Object> bound = ask(question(""));
            assertEquals(Map.of("name", "custom", "source", "adapter"), template(bound));
            assertEquals("qm", bound.get("adapter"));
            samePrompt(bound, named);
            // ... and the index's applies where the adapter declares none (here: no adapter) instead of the default
            Map<String, Object> index = ask(question(",\"adapter\":\"none\""));
            assertEquals(Map.of("name", "qmsum", "source", "index"), template(index));
            samePrompt(index, ask(question(",\"adapter\":\"none\",\"template\":\"qmsum\"")));
            assertNotEquals(promptTokens(none), promptTokens(index));

            // the request's template overrides both
            Map<String, Object> request = ask(question(",\"template\":\"hotpotqa\""));
            assertEquals(Map.of("name", "hotpotqa", "source", "request"), template(request));
            assertEquals("qm", request.get("adapter"));
            assertNotEquals(promptTokens(bound), promptTokens(request));

            // a multiple-choice question: the free-form templates of the adapter and the index are passed over, with a
            // warning each, for the default multiple-choice template
            Map<String, Object> mc = ask(question(",\"choices\":[\"a bridge\",\"a dam\",\"a road\",\"a ferry\"],\"choice_mode\":\"rank\""));
            assertEquals(Map.of("name", "quality", "source", "default"), template(mc));
            String warnings = String.valueOf(mc.get("warnings"));
            assertTrue(warnings, warnings.contains("setting [index.lloco.template] names the free-form template [qmsum]"));
            assertTrue(warnings, warnings.contains("adapter [qm]'s manifest ["));
            assertTrue(warnings, warnings.contains(AdapterManifest.FILE + "] names the free-form template [custom]"));
        } finally {
            call("PUT", "/transcripts/_settings", "{\"index.lloco.template\": null}");
        }
    }

    @SuppressWarnings("unchecked")
    public void testTheSearchProcessorReportsTheTemplate() throws Exception {
        startCluster();
        call("PUT", "/_search/pipeline/qa-default", "{\"response_processors\":[{\"lloco_answer\":{\"size\":1,\"max_new_tokens\":3}}]}");
        call(
            "PUT",
            "/_search/pipeline/qa-qmsum",
            "{\"response_processors\":[{\"lloco_answer\":{\"size\":1,\"max_new_tokens\":3,\"template\":\"qmsum\"}}]}"
        );
        String search = "{\"query\":{\"ids\":{\"values\":[\"t1\"]}},\"ext\":{\"lloco\":{\"question\":\"What did the group decide?\"}}}";
        Map<String, Object> r = call("POST", "/transcripts/_search?search_pipeline=qa-default", search);
        Map<String, Object> ext = (Map<String, Object>) ((Map<String, Object>) r.get("ext")).get("lloco");
        assertEquals(Map.of("name", "custom", "source", "adapter"), ext.get("template"));
        r = call("POST", "/transcripts/_search?search_pipeline=qa-qmsum", search);
        ext = (Map<String, Object>) ((Map<String, Object>) r.get("ext")).get("lloco");
        assertEquals("the processor's template is the request's", Map.of("name", "qmsum", "source", "request"), ext.get("template"));
    }

    public void testBadTemplatesAre400sNamingTheSettingOrFile() throws Exception {
        startCluster();
        // two target indices that set different index.lloco.template values
        ResponseException e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/transcripts,notes/_lloco_qa", "{\"question\":\"q\",\"max_new_tokens\":1}")
        );
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("the target indices set different [index.lloco.template] values"));
        // ... unless the request names one
        Map<String, Object> r = call(
            "POST",
            "/transcripts,notes/_lloco_qa",
            "{\"question\":\"q\",\"doc_ids\":[\"t1\"],\"template\":\"qmsum\",\"max_new_tokens\":1}"
        );
        assertEquals(Map.of("name", "qmsum", "source", "request"), template(r));

        // an adapter whose lloco.json is invalid: 400 naming the file and the field
        e = expectThrows(ResponseException.class, () -> ask(question(",\"adapter\":\"broken\"")));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        String body = errorBody(e);
        assertTrue(body, body.contains("adapter [broken]: adapter manifest ["));
        assertTrue(body, body.contains("broken/" + AdapterManifest.FILE + "]: field [template]"));

        // a request template that cannot be rendered: a 400 before anything is searched
        e = expectThrows(ResponseException.class, () -> ask(question(",\"template\":\"Q: {question} {topic}\"")));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("Field [template]"));
        // and an index setting that cannot be is refused when it is put
        e = expectThrows(ResponseException.class, () -> call("PUT", "/notes/_settings", "{\"index.lloco.template\": \"sonnet\"}"));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("index.lloco.template"));
        // the node still answers
        assertEquals(Map.of("name", "custom", "source", "adapter"), template(ask(question(""))));
    }
}
