/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.opensearch.client.ResponseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;
import org.opensearch.transport.Netty4ModulePlugin;

import io.lloco.LlocoPlugin;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.testing.LlocoIntegTestCase;

/**
 * The models API on three in-JVM nodes: a data node, a {@code lloco} node the tests load on, and a {@code lloco} node
 * that preloads {@code test-ac} and a model that does not exist. Loads go through {@link GatedLoaderPlugin}, which a
 * test can pause after a chosen tensor to look at the load's task.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class ModelsApiIT extends LlocoIntegTestCase {

    private static String llocoNode;
    private static String preloadNode;
    private static String wrongLibtorchNode;
    private static String missingLibtorchNode;
    private static Path libtorchDirs;

    /** A pause in the next load of {@code model}: after {@code afterTensors} tensors it signals and waits. */
    record Gate(String model, int afterTensors, CountDownLatch reached, CountDownLatch release) {
    }

    /** The plugin, with a loader a test can pause ({@link Gate}). */
    public static class GatedLoaderPlugin extends LlocoPlugin {

        static final AtomicReference<Gate> GATE = new AtomicReference<>();

        @Override
        protected ModelService.ModelLoader modelLoader() {
            return (spec, progress) -> {
                Gate g = GATE.get();
                if (g != null && g.model().equals(spec.id()) && GATE.compareAndSet(g, null)) {
                    progress.afterEachTensor(p -> {
                        if (p.tensorsLoaded() == g.afterTensors()) {
                            g.reached().countDown();
                            try {
                                assertTrue(g.release().await(60, TimeUnit.SECONDS));
                            } catch (InterruptedException e) {
                                throw new AssertionError(e);
                            }
                        }
                    });
                }
                return RuntimeModel.load(spec, progress);
            };
        }
    }

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(GatedLoaderPlugin.class, Netty4ModulePlugin.class);
    }

    private void startCluster() {
        if (internalCluster().size() == 0) {
            internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
            llocoNode = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
            preloadNode = internalCluster().startNode(
                Settings.builder().putList("node.roles", "lloco").putList("plugins.lloco.models.preload", TEST_MODEL, "ghost")
            );
            // coordinating-only nodes whose engine cannot start (the JVM's own libtorch is untouched: they fail first)
            libtorchDirs = createTempDir();
            try {
                Path wrong = Files.createDirectories(libtorchDirs.resolve("wrong/lib"));
                Files.writeString(libtorchDirs.resolve("wrong/build-version"), "2.6.0+cpu");
                Files.write(wrong.resolve("libtorch.so"), new byte[0]);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            wrongLibtorchNode = internalCluster().startNode(
                Settings.builder().putList("node.roles").put("plugins.lloco.engine.libtorch_path", libtorchDirs.resolve("wrong").toString())
            );
            missingLibtorchNode = internalCluster().startNode(
                Settings.builder().putList("node.roles")
                    .put("plugins.lloco.engine.libtorch_path", libtorchDirs.resolve("missing").toString())
            );
            ensureStableCluster(5);
        }
    }

    private static String on() {
        return "?nodes=" + llocoNode;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> node(Map<String, Object> response, String name) {
        for (Object n : ((Map<String, Object>) response.get("nodes")).values()) {
            Map<String, Object> m = (Map<String, Object>) n;
            if (name.equals(m.get("name"))) {
                return m;
            }
        }
        throw new AssertionError("node [" + name + "] not in " + response);
    }

    @SuppressWarnings("unchecked")
    private static long breakerBytes(String nodeName) throws Exception {
        Map<String, Object> stats = call("GET", "/_nodes/" + nodeName + "/stats/breaker", null);
        Map<String, Object> n = (Map<String, Object>) ((Map<String, Object>) stats.get("nodes")).values().iterator().next();
        Map<String, Object> lloco = (Map<String, Object>) ((Map<String, Object>) n.get("breakers")).get("lloco");
        assertNotNull("the lloco breaker is registered: " + n.get("breakers"), lloco);
        assertEquals(0.0, ((Number) lloco.get("overhead")).doubleValue(), 0.0);
        return ((Number) lloco.get("estimated_size_in_bytes")).longValue();
    }

    @SuppressWarnings("unchecked")
    public void testLoadListUnloadOnTheLlocoNode() throws Exception {
        startCluster();
        Map<String, Object> loaded = call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_load" + on(), null);
        assertEquals(loaded.toString(), 1, ((Map<String, Object>) loaded.get("_nodes")).get("successful"));
        Map<String, Object> mine = node(loaded, llocoNode);
        assertEquals("loaded", mine.get("result"));
        Map<String, Object> model = ((List<Map<String, Object>>) mine.get("models")).get(0);
        assertEquals(TEST_MODEL, model.get("id"));
        assertEquals("loaded", model.get("state"));
        assertEquals("cpu", model.get("device"));
        assertEquals("float32", model.get("dtype"));
        assertTrue(model.get("fingerprint").toString().startsWith("sha256:"));
        long params = ((Number) model.get("parameters")).longValue();
        assertEquals(params * 4, ((Number) model.get("weight_bytes")).longValue());
        long reserved = ((Number) model.get("reserved_bytes")).longValue();
        assertTrue(reserved > params * 4);
        assertEquals("the breaker holds what the model reserved", reserved, breakerBytes(llocoNode));

        Map<String, Object> all = call("GET", "/_plugins/lloco/models", null);
        assertEquals(5, ((Map<String, Object>) all.get("_nodes")).get("successful"));
        Map<String, Object> lloco = node(all, llocoNode);
        assertEquals(true, lloco.get("lloco_role"));
        assertEquals("started", lloco.get("engine"));
        assertEquals(1, ((List<?>) lloco.get("models")).size());
        assertTrue(((List<String>) lloco.get("available")).contains(TEST_MODEL));
        Map<String, Object> cpu = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) lloco.get("memory")).get("devices"))
            .get(
                "cpu"
            );
        assertEquals(reserved, ((Number) cpu.get("reserved_in_bytes")).longValue());
        for (Object n : ((Map<String, Object>) all.get("nodes")).values()) {
            Map<String, Object> other = (Map<String, Object>) n;
            if (Boolean.FALSE.equals(other.get("lloco_role"))) {
                assertEquals("the data node loaded nothing", List.of(), other.get("models"));
            }
        }
        Map<String, Object> one = call("GET", "/_plugins/lloco/models/" + TEST_MODEL + on(), null);
        assertEquals(1, ((Map<String, Object>) one.get("nodes")).size());

        // the info API lists it too, with the engine's device and dtype
        Map<String, Object> info = call("GET", "/_plugins/lloco/_nodes/" + llocoNode, null);
        Map<String, Object> infoNode = (Map<String, Object>) ((Map<String, Object>) info.get("nodes")).values().iterator().next();
        assertEquals(TEST_MODEL, ((List<Map<String, Object>>) infoNode.get("models")).get(0).get("id"));
        Map<String, Object> engine = (Map<String, Object>) infoNode.get("engine");
        assertEquals(List.of("cpu"), engine.get("compute_devices"));
        assertEquals(Map.of("cpu", "float32"), engine.get("dtype"));
        assertEquals("bundled", engine.get("libtorch_source"));
        assertEquals("cpu", engine.get("flavor"));

        Map<String, Object> unloaded = call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_unload" + on(), null);
        assertEquals("unloaded", node(unloaded, llocoNode).get("result"));
        assertEquals(List.of(), node(call("GET", "/_plugins/lloco/models", null), llocoNode).get("models"));
        assertEquals(0, breakerBytes(llocoNode));
        assertEquals(
            "not_loaded",
            node(call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_unload" + on(), null), llocoNode).get("result")
        );
    }

    @SuppressWarnings("unchecked")
    public void testUnknownModelIs404AndLeavesNothing() throws Exception {
        startCluster();
        // by default every lloco node is asked: both answer 404
        ResponseException e = expectThrows(ResponseException.class, () -> call("POST", "/_plugins/lloco/models/no-such-model/_load", null));
        assertEquals(404, e.getResponse().getStatusLine().getStatusCode());
        String body = errorBody(e);
        assertTrue(body, body.contains("\"total\":2"));
        assertTrue(body, body.contains("unknown model [no-such-model]"));
        assertTrue(body, body.contains(TEST_MODEL));
        for (String n : List.of(llocoNode, preloadNode)) {
            List<Map<String, Object>> models = (List<Map<String, Object>>) node(call("GET", "/_plugins/lloco/models", null), n)
                .get("models");
            assertTrue(models.toString(), models.stream().noneMatch(m -> m.get("id").equals("no-such-model")));
        }
    }

    public void testBadRequests() throws Exception {
        startCluster();
        ResponseException e = expectThrows(ResponseException.class, () -> call("POST", "/_plugins/lloco/models/a..b/_load", null));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("[model_id] = [a..b] must not be [.] or contain [..]"));
        e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_load?nodes=nowhere", null)
        );
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("no node matches [nodes] = [nowhere]"));
        e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_unload?nodes=nowhere", null)
        );
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("no node matches [nodes] = [nowhere]"));
        // listing a selection of no node is an empty answer, not an error
        Map<String, Object> none = call("GET", "/_plugins/lloco/models?nodes=nowhere", null);
        assertEquals(Map.of("total", 0, "successful", 0, "failed", 0), none.get("_nodes"));
        e = expectThrows(ResponseException.class, () -> call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_load?node=x", null));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("unrecognized parameter: [node]"));
        // in the background too, a bad request is the answer, not a task id whose failure nobody sees
        e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/_plugins/lloco/models/a..b/_load?wait_for_completion=false", null)
        );
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("[model_id] = [a..b] must not be [.] or contain [..]"));
        e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_load?wait_for_completion=false&nodes=nowhere", null)
        );
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("no node matches [nodes] = [nowhere]"));
    }

    @SuppressWarnings("unchecked")
    public void testModelTooLargeForTheLimitIs503AndNothingStays() throws Exception {
        startCluster();
        call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.memory.limit\":\"1mb\"}}");
        try {
            ResponseException e = expectThrows(
                ResponseException.class,
                () -> call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_load" + on(), null)
            );
            assertEquals(503, e.getResponse().getStatusLine().getStatusCode());
            String body = errorBody(e);
            assertTrue(body, body.contains("not enough memory for model [" + TEST_MODEL + "]"));
            assertTrue(body, body.contains("1048576 bytes (1mb) free of the limit of 1048576 bytes"));
            assertTrue(body, body.contains("[plugins.lloco.memory.limit] = [1mb]"));
            Map<String, Object> model = ((List<Map<String, Object>>) node(call("GET", "/_plugins/lloco/models", null), llocoNode).get(
                "models"
            )).get(0);
            assertEquals("failed", model.get("state"));
            assertEquals(503, ((Map<String, Object>) model.get("error")).get("status"));
            assertNull("nothing loaded", model.get("device"));
            assertEquals(0, breakerBytes(llocoNode));
        } finally {
            call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.memory.limit\":null}}");
        }
        // with the limit back to auto the same model loads
        assertEquals("loaded", node(call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_load" + on(), null), llocoNode).get("result"));
        call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_unload" + on(), null);
    }

    @SuppressWarnings("unchecked")
    public void testABadLibtorchFailsTheEngineNotTheNode() throws Exception {
        startCluster();
        Map<String, Object> wrong = (Map<String, Object>) node(call("GET", "/_plugins/lloco/_nodes", null), wrongLibtorchNode)
            .get("engine");
        assertEquals("failed", wrong.get("status"));
        String error = wrong.get("error").toString();
        assertTrue(error, error.contains("[plugins.lloco.engine.libtorch_path] = [" + libtorchDirs.resolve("wrong") + "]"));
        assertTrue(error, error.contains("holds libtorch 2.6.0 (flavor cpu"));
        assertTrue(error, error.contains("needs libtorch 2.7.1 with flavor cpu or cu128"));
        Map<String, Object> missing = (Map<String, Object>) node(call("GET", "/_plugins/lloco/_nodes", null), missingLibtorchNode).get(
            "engine"
        );
        assertEquals("failed", missing.get("status"));
        assertEquals(
            "[plugins.lloco.engine.libtorch_path] = [" + libtorchDirs.resolve("missing") + "] does not exist",
            missing.get("error")
        );
        // the node keeps serving: a load there answers 503 with the engine's error, and nothing is registered
        ResponseException e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_load?nodes=" + wrongLibtorchNode, null)
        );
        assertEquals(503, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(e), errorBody(e).contains("no model can load on this node"));
        assertTrue(errorBody(e), errorBody(e).contains("needs libtorch 2.7.1"));
        Map<String, Object> models = node(call("GET", "/_plugins/lloco/models", null), wrongLibtorchNode);
        assertEquals("failed", models.get("engine"));
        assertTrue(models.get("engine_error").toString().contains("2.6.0"));
        assertEquals("failed", ((List<Map<String, Object>>) models.get("models")).get(0).get("state"));
        assertEquals(0, breakerBytes(wrongLibtorchNode));
    }

    @SuppressWarnings("unchecked")
    public void testPreloadAtStartLoadsInTheBackgroundAndShowsFailures() throws Exception {
        startCluster();
        assertBusy(() -> {
            List<Map<String, Object>> models = (List<Map<String, Object>>) node(call("GET", "/_plugins/lloco/models", null), preloadNode)
                .get(
                    "models"
                );
            assertEquals(models.toString(), 2, models.size());
            Map<String, Object> ghost = models.get(0);
            assertEquals("ghost", ghost.get("id"));
            assertEquals("failed", ghost.get("state"));
            Map<String, Object> error = (Map<String, Object>) ghost.get("error");
            assertEquals(404, error.get("status"));
            assertTrue(error.toString(), error.get("reason").toString().contains("unknown model [ghost]"));
            assertEquals(TEST_MODEL, models.get(1).get("id"));
            assertEquals("loaded", models.get(1).get("state"));
        });
    }

    @SuppressWarnings("unchecked")
    public void testLoadIsATaskWithProgress() throws Exception {
        startCluster();
        Gate gate = new Gate(TEST_MODEL, 3, new CountDownLatch(1), new CountDownLatch(1));
        GatedLoaderPlugin.GATE.set(gate);
        try {
            Map<String, Object> started = call(
                "POST",
                "/_plugins/lloco/models/" + TEST_MODEL + "/_load" + on() + "&wait_for_completion=false",
                null
            );
            String task = (String) started.get("task");
            assertNotNull(started.toString(), task);
            assertTrue(gate.reached().await(60, TimeUnit.SECONDS));

            Map<String, Object> tasks = call("GET", "/_tasks?actions=cluster:admin/lloco/models/load*&detailed", null);
            Map<String, Object> nodeTask = null;
            boolean parentSeen = false;
            for (Object n : ((Map<String, Object>) tasks.get("nodes")).values()) {
                for (Object t : ((Map<String, Object>) ((Map<String, Object>) n).get("tasks")).values()) {
                    Map<String, Object> tm = (Map<String, Object>) t;
                    if (tm.get("action").equals(ModelsLoadAction.NAME + "[n]")) {
                        nodeTask = tm;
                    } else if (tm.get("action").equals(ModelsLoadAction.NAME)) {
                        parentSeen = true;
                        assertEquals(task, tm.get("node") + ":" + tm.get("id"));
                    }
                }
            }
            assertTrue(tasks.toString(), parentSeen);
            assertNotNull(tasks.toString(), nodeTask);
            assertEquals(task, nodeTask.get("parent_task_id"));
            assertEquals("load model [" + TEST_MODEL + "]", nodeTask.get("description"));
            Map<String, Object> status = (Map<String, Object>) nodeTask.get("status");
            assertEquals("weights", status.get("phase"));
            assertEquals(3, status.get("tensors_loaded"));
            // test-ac: embeddings, 2 x 9 layer tensors, final norm, summary table (head tied)
            assertEquals(21, status.get("tensors_total"));
            assertEquals("cpu", status.get("device"));
            assertEquals("float32", status.get("dtype"));
            assertTrue(status.toString(), ((Number) status.get("bytes_loaded")).longValue() > 0);
            assertEquals(status.get("fingerprint_bytes_total"), status.get("fingerprint_bytes_hashed"));

            Map<String, Object> loading = ((List<Map<String, Object>>) node(
                call("GET", "/_plugins/lloco/models/" + TEST_MODEL + on(), null),
                llocoNode
            )
                .get("models")).get(0);
            assertEquals("loading", loading.get("state"));
            assertEquals(3, ((Map<String, Object>) loading.get("progress")).get("tensors_loaded"));
        } finally {
            gate.release().countDown();
        }
        // the load task stores no result, so GET _tasks/<task> could 404 once it has ended: wait instead on the load
        // tasks listed now (none if it has already ended); the task ends once the model is loaded on its node
        Map<String, Object> waited = waitForCompletion("/_tasks?actions=" + ModelsLoadAction.NAME + "*", 60);
        assertNull(waited.toString(), waited.get("node_failures"));
        assertNull(waited.toString(), waited.get("task_failures"));
        Map<String, Object> m = ((List<Map<String, Object>>) node(
            call("GET", "/_plugins/lloco/models/" + TEST_MODEL + on(), null),
            llocoNode
        )
            .get("models")).get(0);
        assertEquals("loaded", m.get("state"));
        call("POST", "/_plugins/lloco/models/" + TEST_MODEL + "/_unload" + on(), null);
    }
}
