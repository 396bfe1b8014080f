/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import static org.junit.Assume.assumeTrue;

import java.util.List;
import java.util.Map;

import org.junit.BeforeClass;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

/**
 * A second real cluster (integTest/run.sh) whose nodes each run with {@code plugins.lloco.engine.libtorch_path} set:
 * {@code lt-0} to {@code lloco/libtorch} (relative to its config directory), a link to the bundled CPU libtorch
 * unzipped from its jar; {@code lt-1} to that directory by its absolute path, outside the config directory, which
 * OpenSearch's agent does not let a plugin read. (A wrong version and a missing directory are tested on in-JVM nodes:
 * ModelsApiIT.) The nodes have a small heap (384 MB) to show that model bytes never count against it.
 */
public class LibtorchPathRestIT extends OpenSearchRestTestCase {

    static final String CLUSTER = "tests.lloco.libtorch_cluster";
    static final String DIR = "tests.lloco.libtorch_dir";

    @BeforeClass
    public static void needsTheLibtorchCluster() {
        String c = System.getProperty(CLUSTER);
        assumeTrue(
            "run through integTest/run.sh, which starts the libtorch cluster and sets -D" + CLUSTER,
            c != null && c.isBlank() == false
        );
    }

    @Override
    protected String getTestRestCluster() {
        return System.getProperty(CLUSTER);
    }

    @Override
    protected boolean preserveClusterUponCompletion() {
        return true;
    }

    private static Map<String, Object> json(Response r) throws Exception {
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
    }

    private static Map<String, Object> call(String method, String path, String body) throws Exception {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        return json(client().performRequest(r));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> engineOf(String node) throws Exception {
        Map<String, Object> all = call("GET", "/_plugins/lloco/_nodes/" + node, null);
        Map<String, Object> n = (Map<String, Object>) ((Map<String, Object>) all.get("nodes")).values().iterator().next();
        assertEquals(node, n.get("name"));
        return (Map<String, Object>) n.get("engine");
    }

    @SuppressWarnings("unchecked")
    public void testTheNodeRunsLibtorchFromTheDirectory() throws Exception {
        Map<String, Object> e = engineOf("lt-0");
        assertEquals(e.toString(), "started", e.get("status"));
        assertEquals("libtorch_path", e.get("libtorch_source"));
        assertTrue(
            e.get("library_path").toString(),
            e.get("library_path").toString().endsWith("/config/lloco/libtorch/pytorch/cpu/linux-x86_64")
        );
        assertEquals("cpu", e.get("flavor"));
        assertEquals("2.7.1", e.get("pytorch_version"));
        assertEquals(List.of("cpu"), e.get("compute_devices"));
        assertEquals(Map.of("cpu", "float32"), e.get("dtype"));
        Map<String, Object> selfTest = (Map<String, Object>) e.get("self_test");
        assertEquals(selfTest.toString(), true, selfTest.get("ok"));
        assertEquals(List.of(21.0, 43.0), selfTest.get("result"));
        // the bundled libtorch was never extracted: the node's DJL cache holds the JNI library only
        java.nio.file.Path cache = java.nio.file.Path.of(e.get("cache_dir").toString());
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(cache)) {
            List<String> names = files.filter(java.nio.file.Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
            assertTrue(names.toString(), names.contains("0.36.0-libdjl_torch.so"));
            assertFalse(names.toString(), names.contains("libtorch_cpu.so"));
        }
    }

    public void testADirectoryThePluginMayNotReadFailsTheEngineNotTheNode() throws Exception {
        Map<String, Object> denied = engineOf("lt-1");
        assertEquals(denied.toString(), "failed", denied.get("status"));
        String error = denied.get("error").toString();
        assertTrue(error, error.contains("[plugins.lloco.engine.libtorch_path] = [" + System.getProperty(DIR) + "/djl-cpu]"));
        assertTrue(error, error.contains("cannot be read by the plugin"));
        assertTrue(error, error.contains("under <config>/lloco/"));

        // the node keeps serving; a model load there answers 503 with the engine's error
        ResponseException e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/_plugins/lloco/models/lloco-tiny/_load?nodes=lt-1", null)
        );
        assertEquals(503, e.getResponse().getStatusLine().getStatusCode());
        String body = new String(e.getResponse().getEntity().getContent().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(body, body.contains("no model can load on this node"));
        assertTrue(body, body.contains("cannot be read by the plugin"));
    }

    @SuppressWarnings("unchecked")
    public void testModelBytesBeyondTheHeapNeverTripTheParentBreaker() throws Exception {
        // a KV-cache budget of 64 sequences x 2048 positions x 4 KiB makes lloco-tiny reserve 512 MiB + weights,
        // more than this node's whole heap
        call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.qa.max_batch\":64}}");
        try {
            Map<String, Object> loaded = call("POST", "/_plugins/lloco/models/lloco-tiny/_load?nodes=lt-0", null);
            Map<String, Object> node = (Map<String, Object>) ((Map<String, Object>) loaded.get("nodes")).values().iterator().next();
            Map<String, Object> model = ((List<Map<String, Object>>) node.get("models")).get(0);
            long reserved = ((Number) model.get("reserved_bytes")).longValue();

            Map<String, Object> stats = call("GET", "/_nodes/lt-0/stats/jvm,breaker", null);
            Map<String, Object> n = (Map<String, Object>) ((Map<String, Object>) stats.get("nodes")).values().iterator().next();
            long heapMax = ((Number) ((Map<String, Object>) ((Map<String, Object>) n.get("jvm")).get("mem")).get("heap_max_in_bytes"))
                .longValue();
            Map<String, Object> breakers = (Map<String, Object>) n.get("breakers");
            Map<String, Object> lloco = (Map<String, Object>) breakers.get("lloco");
            Map<String, Object> parent = (Map<String, Object>) breakers.get("parent");
            assertTrue(reserved + " > heap " + heapMax, reserved > heapMax);
            assertEquals(reserved, ((Number) lloco.get("estimated_size_in_bytes")).longValue());
            assertTrue(parent.toString(), ((Number) parent.get("estimated_size_in_bytes")).longValue() < heapMax);

            // heap-accounted work still goes through
            call("PUT", "/heap-check/_doc/1?refresh=true", "{\"text\":\"still serving\"}");
            Map<String, Object> found = call("GET", "/heap-check/_search?q=serving", null);
            assertEquals(1, ((Map<String, Object>) ((Map<String, Object>) found.get("hits")).get("total")).get("value"));
        } finally {
            call("POST", "/_plugins/lloco/models/lloco-tiny/_unload?nodes=lt-0", null);
            call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.qa.max_batch\":null}}");
            client().performRequest(new Request("DELETE", "/heap-check?ignore_unavailable=true"));
        }
        Map<String, Object> after = call("GET", "/_nodes/lt-0/stats/breaker", null);
        Map<String, Object> n = (Map<String, Object>) ((Map<String, Object>) after.get("nodes")).values().iterator().next();
        assertEquals(0, ((Map<String, Object>) ((Map<String, Object>) n.get("breakers")).get("lloco")).get("estimated_size_in_bytes"));
    }
}
