/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.opensearch.client.ResponseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.testing.LlocoIntegTestCase;
import io.lloco.testing.TestAdapters;

/**
 * The adapter registry on two in-JVM nodes (a data node and a {@code lloco}-only node): registration from a directory
 * of the receiving node's config and from an upload, the listing, binding with {@code index.lloco.adapter}, questions
 * decoded on the lloco node with the registry's weights (fetched from {@code .lloco-adapters}, not from the lloco node's
 * config), a new version replacing the old one on the lloco node, refused registrations leaving nothing stored, and
 * deletion refused while bound.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class AdapterRegistryIT extends LlocoIntegTestCase {

    private static final String A = "/_plugins/lloco/adapters/";
    private static String llocoNode;

    private void startCluster() throws Exception {
        if (internalCluster().size() == 0) {
            internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
            llocoNode = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
            ensureStableCluster(2);
            createCompressedIndex("docs");
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                bulk.append("{\"index\":{\"_id\":\"d").append(i).append("\"}}\n");
                bulk.append("{\"body\":\"").append(text(i)).append("\"}\n");
            }
            Map<String, Object> r = call("POST", "/docs/_bulk?pipeline=compress&refresh=true", bulk.toString());
            assertEquals(r.toString(), false, r.get("errors"));
        }
    }

    static String text(int i) {
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < 5 + i; s++) {
            sb.append(String.format(Locale.ROOT, "Ada Brook planted %d trees at Orlen on day %d. ", s + 2 * i, s));
        }
        return sb.toString().trim();
    }

    private Path model() {
        return config().resolve("lloco/models/" + TEST_MODEL);
    }

    private static ResponseException fails(String method, String path, String body) {
        return expectThrows(ResponseException.class, () -> call(method, path, body));
    }

    private static int status(ResponseException e) {
        return e.getResponse().getStatusLine().getStatusCode();
    }

    private static String answer(String body) throws Exception {
        return (String) call("POST", "/docs/_lloco_qa", body).get("answer");
    }

    private String upload(int r, long seed, Map<String, float[]> tensors) throws Exception {
        byte[] st = TestAdapters.safetensors(tensors, r, createTempDir());
        return "{\"adapter_config\":" + TestAdapters.configJson(r, 2.0 * r) + ",\"weights\":\"" + Base64.getEncoder().encodeToString(st)
            + "\",\"base_model\":\"" + TEST_MODEL + "\"}";
    }

    @SuppressWarnings("unchecked")
    public void testRegisterBindAskReplaceDelete() throws Exception {
        startCluster();
        LlamaConfig c = Checkpoints.config(model());
        // a directory under the config of the node that receives the request (every in-JVM node shares the config dir)
        TestAdapters.write(config().resolve("lloco/adapters/src-dir"), model(), 4, 7);
        Map<String, Object> put = call("PUT", A + "from-dir", "{\"path\":\"src-dir\",\"template\":\"lookup\"}");
        assertEquals("created", put.get("result"));
        Map<String, Object> meta = (Map<String, Object>) put.get("adapter");
        assertEquals(1, ((Number) meta.get("version")).intValue());
        assertEquals(TEST_MODEL, meta.get("base_model"));
        assertTrue(meta.toString(), ((String) meta.get("fingerprint")).startsWith("sha256:"));
        assertEquals(4, meta.get("r"));
        assertEquals(8.0, ((Number) meta.get("alpha")).doubleValue(), 0);
        assertEquals(List.of("q_proj", "v_proj"), meta.get("target_modules"));
        assertEquals("path", meta.get("source"));
        assertTrue(((Number) meta.get("size_bytes")).longValue() > 0);
        assertEquals(List.of(), meta.get("bound_indices"));

        // an upload
        Map<String, Object> up = call("PUT", A + "up", upload(4, 11, TestAdapters.random(c, 4, 11, 0.5)));
        assertEquals("upload", ((Map<String, Object>) up.get("adapter")).get("source"));

        Map<String, Object> list = call("GET", A.substring(0, A.length() - 1), null);
        List<Map<String, Object>> adapters = (List<Map<String, Object>>) list.get("adapters");
        assertEquals("lookup", adapters.get(0).get("template"));
        assertEquals(List.of("from-dir", "up"), adapters.stream().map(a -> a.get("name")).toList());
        for (String k : List.of(
            "name",
            "version",
            "base_model",
            "fingerprint",
            "r",
            "alpha",
            "target_modules",
            "template",
            "size_bytes",
            "created",
            "bound_indices"
        )) {
            assertTrue(k, adapters.get(0).containsKey(k));
        }
        assertEquals("up", ((List<Map<String, Object>>) call("GET", A + "up", null).get("adapters")).get(0).get("name"));
        assertEquals(404, status(fails("GET", A + "ghost", null)));

        // bind and ask: the registry's weights answer, differently from no adapter
        String q = "{\"question\":\"How many trees did Ada Brook plant?\",\"doc_ids\":[\"d1\"],\"max_new_tokens\":8%s}";
        String none = answer(String.format(Locale.ROOT, q, ",\"adapter\":\"none\""));
        call("PUT", "/docs/_settings", "{\"index.lloco.adapter\":\"up\"}");
        Map<String, Object> bound = call("POST", "/docs/_lloco_qa", String.format(Locale.ROOT, q, ""));
        assertEquals("up", bound.get("adapter"));
        String withUp = (String) bound.get("answer");
        assertNotEquals("a random adapter changes the greedy answer", none, withUp);
        assertEquals(
            List.of("docs"),
            ((List<Map<String, Object>>) call("GET", A + "up", null).get("adapters")).get(0).get("bound_indices")
        );

        // a new version of "up" (other weights) replaces the old one on the lloco node
        Map<String, Object> v2 = call("PUT", A + "up", upload(4, 12, TestAdapters.random(c, 4, 12, 0.5)));
        assertEquals("updated", v2.get("result"));
        assertEquals(2, ((Number) ((Map<String, Object>) v2.get("adapter")).get("version")).intValue());
        String withUp2 = answer(String.format(Locale.ROOT, q, ""));
        // re-registering the first weights under another name answers as "up" version 1 did
        call("PUT", A + "up-v1", upload(4, 11, TestAdapters.random(c, 4, 11, 0.5)));
        assertEquals(withUp, answer(String.format(Locale.ROOT, q, ",\"adapter\":\"up-v1\"")));
        assertNotEquals("version 2 answers with its own weights", withUp, withUp2);

        // deletion: refused while bound, forced or after unbinding
        ResponseException e = fails("DELETE", A + "up", null);
        assertEquals(409, status(e));
        assertTrue(errorBody(e), errorBody(e).contains("[docs]"));
        call("PUT", "/docs/_settings", "{\"index.lloco.adapter\":null}");
        assertEquals("deleted", call("DELETE", A + "up", null).get("result"));
        assertEquals(404, status(fails("GET", A + "up", null)));
        call("PUT", "/docs/_settings", "{\"index.lloco.adapter\":\"up-v1\"}");
        assertEquals(withUp, answer(String.format(Locale.ROOT, q, ""))); // up-v1, bound, is ready on the lloco node
        assertEquals("deleted", call("DELETE", A + "up-v1?force=true", null).get("result"));
        // once the deletion has answered, no question gets the deleted adapter (the node reads the registry again)
        ResponseException gone = fails("POST", "/docs/_lloco_qa", String.format(Locale.ROOT, q, ""));
        assertEquals(errorBody(gone), 404, status(gone));
        call("PUT", "/docs/_settings", "{\"index.lloco.adapter\":null}");
        assertEquals("deleted", call("DELETE", A + "from-dir", null).get("result"));
        assertEquals(List.of(), call("GET", A.substring(0, A.length() - 1), null).get("adapters"));
    }

    @SuppressWarnings("unchecked")
    public void testBadRegistrationsAreRefusedWith400AndStoreNothing() throws Exception {
        startCluster();
        LlamaConfig c = Checkpoints.config(model());
        Path adapters = config().resolve("lloco/adapters");
        Files.createDirectories(adapters);
        // traversal and absolute paths outside the config directory
        assertBad(fails("PUT", A + "x", "{\"path\":\"../models/" + TEST_MODEL + "\"}"), "must not contain '..'");
        Path outside = TestAdapters.write(createTempDir().resolve("outside"), model(), 4, 1);
        assertBad(fails("PUT", A + "x", "{\"path\":\"" + outside + "\"}"), "outside the node's config directory");
        // a symbolic link out of the config directory
        Files.createSymbolicLink(adapters.resolve("link-out"), outside);
        assertBad(fails("PUT", A + "x", "{\"path\":\"link-out\"}"), "outside the node's config directory");
        Path linkFile = Files.createDirectories(adapters.resolve("file-link"));
        Files.copy(outside.resolve("adapter_config.json"), linkFile.resolve("adapter_config.json"));
        Files.createSymbolicLink(linkFile.resolve("adapter_model.safetensors"), outside.resolve("adapter_model.safetensors"));
        assertBad(fails("PUT", A + "x", "{\"path\":\"file-link\"}"), "links outside the node's config directory");
        // wrong shapes (rank 4 config, rank 2 weights)
        String wrongShape = upload(2, 1, TestAdapters.random(c, 2, 1, 0.5)).replace("\"r\":2", "\"r\":4");
        assertBad(fails("PUT", A + "x", wrongShape), "does not fit base model");
        // NaN
        Map<String, float[]> nan = TestAdapters.random(c, 4, 1, 0.5);
        nan.values().iterator().next()[3] = Float.NaN;
        assertBad(fails("PUT", A + "x", upload(4, 1, nan)), "NaN");
        Map<String, float[]> inf = TestAdapters.random(c, 4, 1, 0.5);
        inf.values().iterator().next()[0] = Float.POSITIVE_INFINITY;
        assertBad(fails("PUT", A + "x", upload(4, 1, inf)), "Infinity");
        // a truncated file
        byte[] st = TestAdapters.safetensors(TestAdapters.random(c, 4, 1, 0.5), 4, createTempDir());
        String truncated = "{\"adapter_config\":" + TestAdapters.configJson(4, 8) + ",\"weights\":\""
            + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(st, st.length - 100)) + "\",\"base_model\":\"" + TEST_MODEL
            + "\"}";
        assertBad(fails("PUT", A + "x", truncated), "x");
        // another base model's fingerprint, an unknown base model, bad base64, an unknown field
        assertBad(
            fails(
                "PUT",
                A + "x",
                upload(4, 1, TestAdapters.random(c, 4, 1, 0.5)).replace("}", ",\"base_fingerprint\":\"sha256:0000000000000000\"}")
            ),
            "[base_fingerprint]"
        );
        assertBad(fails("PUT", A + "x", upload(4, 1, TestAdapters.random(c, 4, 1, 0.5)).replace(TEST_MODEL, "ghost")), "[base_model]");
        assertBad(fails("PUT", A + "x", "{\"adapter_config\":{},\"weights\":\"***\"}"), "base64");
        assertBad(fails("PUT", A + "x", "{\"path\":\"src\",\"colour\":1}"), "colour");
        // oversize: the setting bounds the body
        call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.adapters.max_upload_size\":\"2kb\"}}");
        try {
            assertBad(fails("PUT", A + "x", upload(4, 1, TestAdapters.random(c, 4, 1, 0.5))), "plugins.lloco.adapters.max_upload_size");
        } finally {
            call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.adapters.max_upload_size\":null}}");
        }
        assertEquals(404, status(fails("GET", A + "x", null)));
        // nothing stored: no metadata, no chunks
        Map<String, Object> hits = (Map<String, Object>) call(
            "POST",
            "/.lloco-adapters*/_search?ignore_unavailable=true&allow_no_indices=true",
            "{\"query\":{\"term\":{\"name\":\"x\"}}}"
        ).get("hits");
        assertEquals(0, ((Number) ((Map<String, Object>) hits.get("total")).get("value")).intValue());
    }

    @SuppressWarnings("unchecked")
    public void testAnAdapterOfAnotherBaseModelIsRefusedAtBindingAndAtQuestionTime() throws Exception {
        startCluster();
        // the embedded model's own adapter, registered for the embedded model: the documents were compressed by the test model
        Path dir = Files.createDirectories(config().resolve("lloco/adapters/tiny-default"));
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            try (var in = getClass().getResourceAsStream("/io/lloco/models/lloco-tiny/adapters/default/" + f)) {
                Files.copy(in, dir.resolve(f));
            }
        }
        Map<String, Object> meta = (Map<String, Object>) call(
            "PUT",
            A + "tiny",
            "{\"path\":\"tiny-default\",\"base_model\":\"lloco-tiny\"}"
        )
            .get("adapter");
        assertEquals("lloco-tiny", meta.get("base_model"));
        String tinyFingerprint = (String) meta.get("fingerprint");
        ResponseException e = fails("PUT", "/docs/_settings", "{\"index.lloco.adapter\":\"tiny\"}");
        assertBad(e, "was registered for base model [lloco-tiny] with fingerprint [" + tinyFingerprint + "]");
        // without the "index." prefix OpenSearch adds later (was: not checked, the binding was made)
        assertBad(fails("PUT", "/docs/_settings", "{\"lloco.adapter\":\"tiny\"}"), "with fingerprint [" + tinyFingerprint + "]");
        Map<String, Object> docs = (Map<String, Object>) call("GET", "/docs/_settings/index.lloco.adapter", null).get("docs");
        assertEquals("the refused binding was not made", Map.of(), docs == null ? Map.of() : docs.get("settings"));
        // named by the request: refused when the question is read
        e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/docs/_lloco_qa", "{\"question\":\"q\",\"doc_ids\":[\"d0\"],\"adapter\":\"tiny\",\"max_new_tokens\":2}")
        );
        assertBad(e, "was registered for base model [lloco-tiny]");
        assertEquals("deleted", call("DELETE", A + "tiny", null).get("result"));
    }

    public void testARestartedLlocoNodeStillAnswersWithTheBoundAdapter() throws Exception {
        startCluster();
        LlamaConfig c = Checkpoints.config(model());
        call("PUT", A + "durable", upload(4, 21, TestAdapters.random(c, 4, 21, 0.5)));
        call("PUT", "/docs/_settings", "{\"index.lloco.adapter\":\"durable\"}");
        String q = "{\"question\":\"How many trees?\",\"doc_ids\":[\"d2\"],\"max_new_tokens\":8}";
        Map<String, Object> before = call("POST", "/docs/_lloco_qa", q);
        assertEquals("durable", before.get("adapter"));
        internalCluster().restartNode(llocoNode);
        ensureStableCluster(2);
        Map<String, Object> after = call("POST", "/docs/_lloco_qa", q);
        assertEquals("durable", after.get("adapter"));
        assertEquals(llocoNode, after.get("node"));
        assertEquals("the same registered weights answer after the restart", before.get("answer"), after.get("answer"));
        call("PUT", "/docs/_settings", "{\"index.lloco.adapter\":null}");
        call("DELETE", A + "durable", null);
    }

    private static void assertBad(ResponseException e, String needle) throws Exception {
        assertEquals(errorBody(e), 400, status(e));
        assertTrue(errorBody(e), errorBody(e).contains(needle));
    }
}
