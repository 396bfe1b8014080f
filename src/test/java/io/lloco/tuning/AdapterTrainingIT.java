/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.opensearch.client.ResponseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.testing.LlocoIntegTestCase;

/**
 * {@code _train} and {@code _evaluate} on two in-JVM nodes (a data node and a {@code lloco}-only node) with the random
 * test model: the training runs as a task on the lloco node with its progress in {@code _tasks}, registers the adapter
 * with its training and evaluation figures, its loss falls on the questions it trains on, and a cancelled training
 * registers nothing.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class AdapterTrainingIT extends LlocoIntegTestCase {

    private static String llocoNode;

    private void startCluster() throws Exception {
        if (internalCluster().size() == 0) {
            internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
            llocoNode = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
            ensureStableCluster(2);
            createCompressedIndex("docs");
            StringBuilder bulk = new StringBuilder();
            StringBuilder qs = new StringBuilder();
            String[] places = {"Orlen", "Velden", "Brisk", "Tallow"};
            for (int i = 0; i < 4; i++) {
                bulk.append("{\"index\":{\"_id\":\"d").append(i).append("\"}}\n");
                bulk.append("{\"body\":\"")
                    .append(String.format(Locale.ROOT, "Ada Brook lives in %s. She keeps %d goats there. ", places[i], i + 3).repeat(3))
                    .append("\"}\n");
                for (String[] q : new String[][]{{"Where does Ada Brook live?", places[i]}, {"How many goats?", Integer.toString(i + 3)}}) {
                    qs.append("{\"index\":{}}\n");
                    qs.append(String.format(Locale.ROOT, "{\"doc_id\":\"d%d\",\"question\":\"%s\",\"answer\":\"%s\"}\n", i, q[0], q[1]));
                }
            }
            assertEquals(false, call("POST", "/docs/_bulk?pipeline=compress&refresh=true", bulk.toString()).get("errors"));
            assertEquals(false, call("POST", "/questions/_bulk?refresh=true", qs.toString()).get("errors"));
        }
    }

    /** Waits (up to 120 s) for {@code task} to end; its stored result. */
    private static Map<String, Object> waitForTask(String task) throws Exception {
        Map<String, Object> done = waitForCompletion("/_tasks/" + task, 120);
        assertEquals(done.toString(), true, done.get("completed"));
        return done;
    }

    @SuppressWarnings("unchecked")
    public void testTrainRegistersTheAdapterWithItsFiguresAndEvaluateComparesItWithNone() throws Exception {
        startCluster();
        Map<String, Object> started = call(
            "POST",
            "/_plugins/lloco/adapters/goats/_train",
            "{\"source_index\":\"docs\",\"examples\":\"questions\",\"steps\":30,\"batch_size\":2,\"learning_rate\":0.01,"
                + "\"r\":4,\"target_modules\":[\"q_proj\",\"v_proj\"],\"eval_fraction\":0.25,\"max_new_tokens\":4,\"seed\":3}"
        );
        String task = (String) started.get("task");
        String llocoId = (String) ((Map<String, Object>) call("GET", "/_nodes/" + llocoNode, null).get("nodes")).keySet().iterator().next();
        assertTrue(task, task.startsWith(llocoId + ":"));
        Map<String, Object> done = waitForTask(task);
        assertNull(done.toString(), done.get("error"));
        Map<String, Object> response = (Map<String, Object>) done.get("response");
        Map<String, Object> training = (Map<String, Object>) response.get("training");
        assertEquals(6, training.get("train_examples"));
        assertEquals(2, training.get("eval_examples"));
        assertEquals(30, ((Number) training.get("steps")).intValue());
        double first = ((Number) training.get("first_loss")).doubleValue();
        double last = ((Number) training.get("final_loss")).doubleValue();
        assertTrue("loss falls on the training questions: " + first + " -> " + last, last < first);
        assertTrue(((Number) training.get("mean_summary_positions")).doubleValue() > 0);
        Map<String, Object> status = (Map<String, Object>) ((Map<String, Object>) done.get("task")).get("status");
        assertEquals("goats", status.get("adapter"));

        Map<String, Object> adapter = ((List<Map<String, Object>>) call("GET", "/_plugins/lloco/adapters/goats", null).get("adapters"))
            .get(0);
        assertEquals("train", adapter.get("source"));
        assertEquals(TEST_MODEL, adapter.get("base_model"));
        assertEquals(4, adapter.get("r"));
        Map<String, Object> eval = (Map<String, Object>) adapter.get("eval");
        assertEquals(2, eval.get("examples"));
        for (String side : List.of("adapter", "no_adapter")) {
            Map<String, Object> s = (Map<String, Object>) eval.get(side);
            assertTrue(s.toString(), s.containsKey("exact_match") && s.containsKey("f1") && s.containsKey("mean_decoder_positions"));
        }
        assertTrue(((Number) eval.get("mean_full_context_tokens")).doubleValue() > 0);

        // _evaluate on inline examples (with choices): both sides, and the sample of answers
        Map<String, Object> ev = call(
            "POST",
            "/_plugins/lloco/adapters/goats/_evaluate",
            "{\"source_index\":\"docs\",\"examples\":[{\"doc_id\":\"d1\",\"question\":\"Where does Ada Brook live?\",\"answer\":\"Velden\","
                + "\"choices\":[\"Orlen\",\"Velden\",\"Brisk\",\"Tallow\"]}],\"max_new_tokens\":4,\"sample\":1}"
        );
        Map<String, Object> e2 = (Map<String, Object>) ev.get("eval");
        assertTrue(e2.toString(), ((Map<String, Object>) e2.get("adapter")).containsKey("choice_accuracy"));
        assertEquals(1, ((List<Object>) e2.get("sample")).size());

        // the same _evaluate with wait_for_completion=false: a task id at once, the same response stored for _tasks
        Map<String, Object> background = call(
            "POST",
            "/_plugins/lloco/adapters/goats/_evaluate?wait_for_completion=false",
            "{\"source_index\":\"docs\",\"examples\":[{\"doc_id\":\"d1\",\"question\":\"Where does Ada Brook live?\",\"answer\":\"Velden\","
                + "\"choices\":[\"Orlen\",\"Velden\",\"Brisk\",\"Tallow\"]}],\"max_new_tokens\":4,\"sample\":1}"
        );
        assertEquals(background.toString(), List.of("task"), List.copyOf(background.keySet()));
        Map<String, Object> evalDone = call("GET", "/_tasks/" + background.get("task") + "?wait_for_completion=true&timeout=120s", null);
        assertEquals(evalDone.toString(), true, evalDone.get("completed"));
        assertNull(evalDone.toString(), evalDone.get("error"));
        assertEquals("the stored response is the synchronous one", ev, evalDone.get("response"));
        Map<String, Object> evalTask = (Map<String, Object>) evalDone.get("task");
        assertEquals(AdapterEvaluateAction.NAME, evalTask.get("action"));
        assertEquals(
            Map.of("adapter", "goats", "phase", "done", "examples", 1, "adapter_done", 1, "no_adapter_done", 1),
            evalTask.get("status")
        );
        ResponseException badFlag = expectThrows(
            ResponseException.class,
            () -> call(
                "POST",
                "/_plugins/lloco/adapters/goats/_evaluate?wait_for_completion=later",
                "{\"source_index\":\"docs\",\"examples\":\"questions\"}"
            )
        );
        assertEquals(400, badFlag.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(badFlag), errorBody(badFlag).contains("wait_for_completion"));
        // what fails before the evaluation begins is the answer to the call, not a stored task
        ResponseException unknown = expectThrows(
            ResponseException.class,
            () -> call(
                "POST",
                "/_plugins/lloco/adapters/nobody/_evaluate?wait_for_completion=false",
                "{\"source_index\":\"docs\",\"examples\":\"questions\"}"
            )
        );
        assertEquals(404, unknown.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(unknown), errorBody(unknown).contains("nobody"));
        ResponseException bad = expectThrows(
            ResponseException.class,
            () -> call(
                "POST",
                "/_plugins/lloco/adapters/goats/_evaluate",
                "{\"source_index\":\"docs\",\"examples\":\"questions\",\"colour\":1}"
            )
        );
        assertEquals(400, bad.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(bad), errorBody(bad).contains("colour"));
        call("DELETE", "/_plugins/lloco/adapters/goats", null);
    }

    @SuppressWarnings("unchecked")
    public void testCancelledTrainingRegistersNothing() throws Exception {
        startCluster();
        String task = (String) call(
            "POST",
            "/_plugins/lloco/adapters/never/_train",
            "{\"source_index\":\"docs\",\"examples\":\"questions\",\"steps\":100000,\"batch_size\":1,\"eval_fraction\":0}"
        ).get("task");
        // progress shows in _tasks while it trains
        assertBusy(() -> {
            Map<String, Object> t = call("GET", "/_tasks/" + task, null);
            Map<String, Object> status = (Map<String, Object>) ((Map<String, Object>) t.get("task")).get("status");
            assertEquals(status.toString(), "training", status.get("phase"));
            assertTrue(status.toString(), ((Number) status.get("step")).longValue() >= 1);
            for (String k : List.of("total_steps", "loss", "tokens_per_second", "eta_ms")) {
                assertTrue(k, status.containsKey(k));
            }
        }, 120, java.util.concurrent.TimeUnit.SECONDS);
        // one training per node: the next one waits, queued; beyond plugins.lloco.train.queue_size, 429
        String second = (String) call(
            "POST",
            "/_plugins/lloco/adapters/second/_train",
            "{\"source_index\":\"docs\",\"examples\":\"questions\",\"steps\":1,\"eval_fraction\":0}"
        ).get("task");
        Map<String, Object> secondStatus = (Map<String, Object>) ((Map<String, Object>) call("GET", "/_tasks/" + second, null).get("task"))
            .get("status");
        assertEquals(secondStatus.toString(), "queued", secondStatus.get("phase"));
        call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.train.queue_size\":1}}");
        try {
            ResponseException full = expectThrows(
                ResponseException.class,
                () -> call("POST", "/_plugins/lloco/adapters/third/_train", "{\"source_index\":\"docs\",\"examples\":\"questions\"}")
            );
            assertEquals(429, full.getResponse().getStatusLine().getStatusCode());
            assertTrue(errorBody(full), errorBody(full).contains("plugins.lloco.train.queue_size"));
        } finally {
            call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.train.queue_size\":null}}");
        }
        call("POST", "/_tasks/" + second + "/_cancel", null);
        call("POST", "/_tasks/" + task + "/_cancel", null);
        Map<String, Object> secondDone = waitForTask(second);
        assertTrue(secondDone.toString(), String.valueOf(secondDone.get("error")).contains("cancel"));
        Map<String, Object> done = waitForTask(task);
        assertNotNull(done.toString(), done.get("error"));
        assertTrue(done.toString(), done.get("error").toString().contains("cancel"));
        for (String name : List.of("never", "second", "third")) {
            ResponseException e = expectThrows(ResponseException.class, () -> call("GET", "/_plugins/lloco/adapters/" + name, null));
            assertEquals(404, e.getResponse().getStatusLine().getStatusCode());
        }
        List<Object> running = new ArrayList<>();
        Map<String, Object> tasks = call("GET", "/_tasks?actions=cluster:admin/lloco/adapters/train*", null);
        ((Map<String, Object>) tasks.get("nodes")).values()
            .forEach(n -> running.addAll(((Map<String, Object>) ((Map<String, Object>) n).get("tasks")).values()));
        assertEquals(List.of(), running);
    }

    private static ResponseException refused(String path, String body) {
        ResponseException e = expectThrows(ResponseException.class, () -> call("POST", path, body));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        return e;
    }

    /**
     * Examples are held to _lloco_qa's rules for a question, and the steps epochs make to the bound of steps: inline, a
     * 400 to _train itself; read from an index, the training task fails with the same error before planning anything.
     */
    @SuppressWarnings("unchecked")
    public void testExamplesAndStepsOutOfBoundsAreRefused() throws Exception {
        startCluster();
        String trainPath = "/_plugins/lloco/adapters/bounded/_train";
        String longQuestion = "{\"source_index\":\"docs\",\"examples\":[{\"doc_id\":\"d0\",\"question\":\"" + "q".repeat(4097)
            + "\",\"answer\":\"Orlen\"}]}";
        ResponseException e = refused(trainPath, longQuestion);
        assertTrue(errorBody(e), errorBody(e).contains("[examples][0] cannot be asked as a _lloco_qa question"));
        assertTrue(errorBody(e), errorBody(e).contains("Field [question] has 4097 characters"));
        e = refused(
            "/_plugins/lloco/adapters/bounded/_evaluate",
            "{\"source_index\":\"docs\",\"examples\":[{\"doc_id\":\"d0\",\"question\":\"Where?\",\"answer\":\"Orlen\","
                + "\"choices\":[\"Orlen\"]}]}"
        );
        assertTrue(errorBody(e), errorBody(e).contains("[examples][0]") && errorBody(e).contains("Field [choices] must hold between 2"));

        // 1,001 inline examples, 1,000 epochs at batch size 1: 1,001,000 steps
        StringBuilder many = new StringBuilder(
            "{\"source_index\":\"docs\",\"epochs\":1000,\"batch_size\":1,\"eval_fraction\":0,\"examples\":["
        );
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            many.append(i == 0 ? "" : ",").append("{\"doc_id\":\"d0\",\"question\":\"Where does Ada Brook live?\",\"answer\":\"Orlen\"}");
            bulk.append("{\"index\":{}}\n{\"doc_id\":\"d0\",\"question\":\"Where does Ada Brook live?\",\"answer\":\"Orlen\"}\n");
        }
        e = refused(trainPath, many.append("]}").toString());
        assertTrue(errorBody(e), errorBody(e).contains("[epochs] = 1000 over 1001 training examples at [batch_size] = 1 is 1001000 steps"));

        // the same examples in an index: counted when the training starts, the task fails with the 400's message
        assertEquals(false, call("POST", "/many-questions/_bulk?refresh=true", bulk.toString()).get("errors"));
        String task = (String) call(
            "POST",
            trainPath,
            "{\"source_index\":\"docs\",\"examples\":\"many-questions\",\"epochs\":1000,\"batch_size\":1,\"eval_fraction\":0}"
        ).get("task");
        Map<String, Object> done = waitForTask(task);
        Map<String, Object> error = (Map<String, Object>) done.get("error");
        assertNotNull(done.toString(), error);
        assertTrue(error.toString(), String.valueOf(error.get("reason")).contains("[epochs] = 1000 over 1001 training examples"));
        ResponseException none = expectThrows(ResponseException.class, () -> call("GET", "/_plugins/lloco/adapters/bounded", null));
        assertEquals(404, none.getResponse().getStatusLine().getStatusCode());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> adapter(String name) throws Exception {
        return ((List<Map<String, Object>>) call("GET", "/_plugins/lloco/adapters/" + name, null).get("adapters")).get(0);
    }

    private static void train(String name, String extra) throws Exception {
        String task = (String) call(
            "POST",
            "/_plugins/lloco/adapters/" + name + "/_train",
            "{\"source_index\":\"docs\",\"examples\":\"questions\",\"steps\":1,\"batch_size\":1,\"r\":2,\"eval_fraction\":0,"
                + "\"max_new_tokens\":2" + extra + "}"
        ).get("task");
        Map<String, Object> done = waitForTask(task);
        assertNull(done.toString(), done.get("error"));
    }

    private static Map<String, Object> ask(String extra) throws Exception {
        return call(
            "POST",
            "/docs/_lloco_qa",
            "{\"question\":\"Where does Ada Brook live?\",\"doc_ids\":[\"d1\"],\"max_new_tokens\":2" + extra + "}"
        );
    }

    @SuppressWarnings("unchecked")
    private static int decoderPositions(Map<String, Object> qa) {
        return ((Number) ((Map<String, Object>) qa.get("usage")).get("decoder_positions")).intValue();
    }

    /**
     * The template of a trained adapter: {@code _train} trains with the request's template, else the one the adapter
     * was trained with before (retraining a registered name), else the source index's {@code index.lloco.template}, and
     * the adapter stores it; {@code _lloco_qa} and {@code _evaluate} then ask the adapter with it unless the request
     * names another, whatever {@code index.lloco.template} says now (which still applies to questions without adapter).
     */
    @SuppressWarnings("unchecked")
    public void testATrainedAdapterIsAskedWithItsTemplateUnlessTheRequestNamesOne() throws Exception {
        startCluster();
        call("PUT", "/docs/_settings", "{\"index.lloco.template\": \"qmsum\"}");
        try {
            train("tpl", "");
            assertEquals("trained with the index's template, stored with the adapter", "qmsum", adapter("tpl").get("template"));
            assertEquals("qmsum", ((Map<String, Object>) adapter("tpl").get("training")).get("template"));

            call("PUT", "/docs/_settings", "{\"index.lloco.template\": \"hotpotqa\"}");
            Map<String, Object> withAdapter = ask(",\"adapter\":\"tpl\"");
            assertEquals(Map.of("name", "qmsum", "source", "adapter"), withAdapter.get("template"));
            Map<String, Object> requested = ask(",\"adapter\":\"tpl\",\"template\":\"narrativeqa\"");
            assertEquals(Map.of("name", "narrativeqa", "source", "request"), requested.get("template"));
            Map<String, Object> without = ask(",\"adapter\":\"none\"");
            assertEquals(Map.of("name", "hotpotqa", "source", "index"), without.get("template"));
            assertEquals(decoderPositions(ask(",\"adapter\":\"tpl\",\"template\":\"qmsum\"")), decoderPositions(withAdapter));
            assertEquals(decoderPositions(ask(",\"adapter\":\"none\",\"template\":\"hotpotqa\"")), decoderPositions(without));

            // _evaluate: the adapter side with the adapter's template, the no-adapter side with the index's
            Map<String, Object> eval = (Map<String, Object>) call(
                "POST",
                "/_plugins/lloco/adapters/tpl/_evaluate",
                "{\"source_index\":\"docs\",\"examples\":[{\"doc_id\":\"d1\",\"question\":\"Where does Ada Brook live?\","
                    + "\"answer\":\"Velden\"}],\"max_new_tokens\":2}"
            ).get("eval");
            assertEquals(
                (double) decoderPositions(withAdapter),
                ((Number) ((Map<String, Object>) eval.get("adapter")).get("mean_decoder_positions")).doubleValue(),
                0.0
            );
            assertEquals(
                (double) decoderPositions(without),
                ((Number) ((Map<String, Object>) eval.get("no_adapter")).get("mean_decoder_positions")).doubleValue(),
                0.0
            );

            // retraining without a template keeps the adapter's (not the index's new one); a request's template wins
            train("tpl", "");
            assertEquals(2, ((Number) adapter("tpl").get("version")).intValue());
            assertEquals("qmsum", adapter("tpl").get("template"));
            train("tpl", ",\"template\":\"narrativeqa\"");
            assertEquals("narrativeqa", adapter("tpl").get("template"));
            assertEquals(Map.of("name", "narrativeqa", "source", "adapter"), ask(",\"adapter\":\"tpl\"").get("template"));
        } finally {
            call("PUT", "/docs/_settings", "{\"index.lloco.template\": null}");
            call("DELETE", "/_plugins/lloco/adapters/tpl", null);
        }
    }
}
