/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;
import org.junit.After;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.WarningsHandler;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

import io.lloco.train.world.Document;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;

/**
 * The adapter workflow on the real nodes of integTest/run.sh (a data node and a {@code lloco}-only node) with the
 * embedded model {@code lloco-tiny}: register the shipped adapter from a directory under the nodes' config and again
 * from an upload; bind it and ask (its answers differ from no adapter's); train a new adapter from scratch with
 * {@code _train} on synthetic-world lookup questions indexed as plain {@code {doc_id, question, answer}} documents, as
 * a task whose progress shows in {@code _tasks}; {@code _evaluate} it on questions about held-out documents: it beats no
 * adapter by at least 20 exact-match points; cancel a training (nothing registered); refused registrations; deletion
 * refused while bound. Steps: {@code -Dtests.lloco.train_steps} (default 400).
 */
public class AdapterRestIT extends OpenSearchRestTestCase {

    private static final String MODEL = "lloco-tiny";
    private static final String DOCS = "adapter-it-docs";
    private static final String QUESTIONS = "adapter-it-questions";
    private static final String A = "/_plugins/lloco/adapters/";
    private static final int TRAIN_DOCS = 150;
    private static final int EVAL_DOCS = 40;
    private static final int DOC_TOKENS = 64;

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return true; // deleted by the test itself
    }

    /**
     * Removes the system indices this test makes (the registry and the stored task results): the suites that wipe the
     * cluster after them would fail on the warning their deletion gives.
     */
    @After
    public void deleteSystemIndices() throws IOException {
        Request del = new Request("DELETE", "/.lloco-adapters,.tasks?ignore_unavailable=true");
        RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
        options.setWarningsHandler(WarningsHandler.PERMISSIVE);
        del.setOptions(options);
        adminClient().performRequest(del);
    }

    private static Map<String, Object> json(Response r) throws IOException {
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
    }

    static Map<String, Object> call(String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        return json(client().performRequest(r));
    }

    private static String toJson(Object o) throws IOException {
        return org.opensearch.common.xcontent.XContentFactory.jsonBuilder().value(o).toString();
    }

    private static int status(ResponseException e) {
        return e.getResponse().getStatusLine().getStatusCode();
    }

    private static String body(ResponseException e) throws IOException {
        return new String(e.getResponse().getEntity().getContent().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The held-out lookup questions (one per TEST document), inline examples of {@code _evaluate}. */
    private static final List<Map<String, Object>> HELD_OUT = new ArrayList<>();

    private void setUpData() throws Exception {
        World world = new World(1);
        call(
            "PUT",
            "/_ingest/pipeline/adapter-it",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"" + MODEL + "\"}}]}"
        );
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        Map<String, Object> m = XContentHelper.convertToMap(JsonXContent.jsonXContent, mapping, false);
        m.put("settings", Map.of("number_of_shards", 1, "number_of_replicas", 0));
        call("PUT", "/" + DOCS, toJson(m));
        call("PUT", "/" + QUESTIONS, "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0}}");
        StringBuilder docs = new StringBuilder();
        StringBuilder qs = new StringBuilder();
        for (int i = 0; i < TRAIN_DOCS + EVAL_DOCS; i++) {
            boolean train = i < TRAIN_DOCS;
            Document d = train ? world.document(Split.TRAIN, i, DOC_TOKENS) : world.document(Split.TEST, i - TRAIN_DOCS, DOC_TOKENS);
            docs.append(toJson(Map.of("index", Map.of("_id", d.id())))).append('\n').append(toJson(Map.of("body", d.text()))).append('\n');
            for (QaExample q : world.questions(d, TaskFamily.LOOKUP, train ? 2 : 1)) {
                Map<String, Object> ex = new LinkedHashMap<>();
                ex.put("doc_id", d.id());
                ex.put("question", q.question());
                ex.put("answer", q.answer());
                if (train) {
                    qs.append("{\"index\":{}}\n").append(toJson(ex)).append('\n');
                } else {
                    HELD_OUT.add(ex);
                }
            }
        }
        Map<String, Object> r = call("POST", "/" + DOCS + "/_bulk?pipeline=adapter-it&refresh=true", docs.toString());
        assertEquals(false, r.get("errors"));
        r = call("POST", "/" + QUESTIONS + "/_bulk?refresh=true", qs.toString());
        assertEquals(false, r.get("errors"));
    }

    /** The shipped adapter's files, from the plugin's own resources (the same bytes the zip holds). */
    private static byte[] shipped(String file) throws IOException {
        try (InputStream in = AdapterRestIT.class.getResourceAsStream("/io/lloco/models/lloco-tiny/adapters/default/" + file)) {
            return in.readAllBytes();
        }
    }

    /**
     * Waits (up to {@code seconds}) for {@code task} to end: one {@code wait_for_completion} call, the client waiting
     * for its answer as long and 30 s more. The task's stored result.
     */
    private static Map<String, Object> waitForTask(String task, int seconds) throws Exception {
        Request r = new Request("GET", "/_tasks/" + task + "?wait_for_completion=true&timeout=" + seconds + "s");
        r.setOptions(
            RequestOptions.DEFAULT.toBuilder()
                .setRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(seconds + 30L)).build())
        );
        Map<String, Object> done = json(client().performRequest(r));
        assertEquals(done.toString(), true, done.get("completed"));
        return done;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> evaluate(String adapter) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source_index", DOCS);
        body.put("examples", HELD_OUT);
        body.put("template", "lookup");
        body.put("max_new_tokens", 16);
        body.put("sample", 3);
        return (Map<String, Object>) call("POST", A + adapter + "/_evaluate", toJson(body)).get("eval");
    }

    @SuppressWarnings("unchecked")
    public void testRegisterBindAskTrainEvaluateCancel() throws Exception {
        // register the shipped adapter from a directory under every node's config, and from an upload
        Path tmp = Files.createTempDirectory("adapter-it");
        Path dir = Files.createDirectories(tmp.resolve("shipped"));
        Files.write(dir.resolve("adapter_config.json"), shipped("adapter_config.json"));
        Files.write(dir.resolve("adapter_model.safetensors"), shipped("adapter_model.safetensors"));
        NodeModels.linkTree(dir, "lloco/adapters/it-shipped");
        setUpData();

        Map<String, Object> fromDir = (Map<String, Object>) call(
            "PUT",
            A + "shipped",
            "{\"path\":\"it-shipped\",\"base_model\":\"" + MODEL + "\",\"template\":\"lookup\"}"
        )
            .get("adapter");
        assertEquals(MODEL, fromDir.get("base_model"));
        assertEquals(32, fromDir.get("r"));
        String upload = "{\"adapter_config\":" + new String(shipped("adapter_config.json"), java.nio.charset.StandardCharsets.UTF_8)
            + ",\"weights\":\"" + Base64.getEncoder().encodeToString(shipped("adapter_model.safetensors")) + "\",\"base_model\":\"" + MODEL
            + "\"}";
        Map<String, Object> up = (Map<String, Object>) call("PUT", A + "shipped-upload", upload).get("adapter");
        assertEquals("upload", up.get("source"));
        assertEquals(fromDir.get("fingerprint"), up.get("fingerprint"));

        // refused: traversal, a path outside the config, another base model's fingerprint; nothing stored
        ResponseException e = expectThrows(ResponseException.class, () -> call("PUT", A + "bad", "{\"path\":\"../../config\"}"));
        assertEquals(400, status(e));
        e = expectThrows(
            ResponseException.class,
            () -> call("PUT", A + "bad", "{\"path\":\"" + dir + "\",\"base_model\":\"" + MODEL + "\"}")
        );
        assertEquals(body(e), 400, status(e));
        e = expectThrows(
            ResponseException.class,
            () -> call("PUT", A + "bad", upload.replace("}", ",\"base_fingerprint\":\"sha256:00\"}"))
        );
        assertEquals(400, status(e));
        assertEquals(404, status(expectThrows(ResponseException.class, () -> call("GET", A + "bad", null))));

        // bind and ask: the adapter answers (the base alone answers nothing in form)
        call("PUT", "/" + DOCS + "/_settings", "{\"index.lloco.adapter\":\"shipped\"}");
        Map<String, Object> q = HELD_OUT.get(0);
        String ask = String.format(
            Locale.ROOT,
            "{\"question\":%s,\"doc_ids\":[\"%s\"],\"template\":\"lookup\",\"max_new_tokens\":16%%s}",
            toJson(q.get("question")),
            q.get("doc_id")
        );
        Map<String, Object> bound = call("POST", "/" + DOCS + "/_lloco_qa", String.format(Locale.ROOT, ask, ""));
        assertEquals("shipped", bound.get("adapter"));
        Map<String, Object> none = call("POST", "/" + DOCS + "/_lloco_qa", String.format(Locale.ROOT, ask, ",\"adapter\":\"none\""));
        assertNotEquals(bound.get("answer"), none.get("answer"));
        Map<String, Object> shippedEval = evaluate("shipped");
        logger.info("shipped adapter on {} held-out lookups: {}", HELD_OUT.size(), shippedEval);
        e = expectThrows(ResponseException.class, () -> call("DELETE", A + "shipped", null));
        assertEquals(409, status(e));

        // train from scratch on the plain question documents
        int steps = Integer.getInteger("tests.lloco.train_steps", 400);
        long t0 = System.nanoTime();
        String task = (String) call(
            "POST",
            A + "team/_train",
            "{\"source_index\":\"" + DOCS + "\",\"examples\":\"" + QUESTIONS + "\",\"template\":\"lookup\",\"r\":16,\"alpha\":32,"
                + "\"steps\":" + steps + ",\"batch_size\":4,\"learning_rate\":0.002,\"eval_fraction\":0.1,\"max_new_tokens\":16,\"seed\":1}"
        ).get("task");
        assertBusy(() -> {
            Map<String, Object> t = call("GET", "/_tasks/" + task, null);
            Map<String, Object> s = (Map<String, Object>) ((Map<String, Object>) t.get("task")).get("status");
            assertTrue(s.toString(), Boolean.TRUE.equals(t.get("completed")) || s.get("step") != null);
        }, 300, TimeUnit.SECONDS);
        Map<String, Object> done = waitForTask(task, 1800);
        double minutes = (System.nanoTime() - t0) / 6e10;
        assertNull(String.valueOf(done.get("error")), done.get("error"));
        Map<String, Object> result = (Map<String, Object>) done.get("response");
        logger.info("training of [team] took {} min: {}", String.format(Locale.ROOT, "%.2f", minutes), result.get("training"));
        Map<String, Object> eval = evaluate("team");
        logger.info("trained adapter on {} held-out lookups: {}", HELD_OUT.size(), eval);
        double withEm = ((Number) ((Map<String, Object>) eval.get("adapter")).get("exact_match")).doubleValue();
        double noneEm = ((Number) ((Map<String, Object>) eval.get("no_adapter")).get("exact_match")).doubleValue();
        assertTrue("trained adapter " + withEm + " vs none " + noneEm + ": " + eval, withEm - noneEm >= 20);
        Map<String, Object> team = ((List<Map<String, Object>>) call("GET", A + "team", null).get("adapters")).get(0);
        assertEquals("train", team.get("source"));
        assertNotNull(team.get("eval"));

        // bind the trained adapter: questions use it
        call("PUT", "/" + DOCS + "/_settings", "{\"index.lloco.adapter\":\"team\"}");
        assertEquals("team", call("POST", "/" + DOCS + "/_lloco_qa", String.format(Locale.ROOT, ask, "")).get("adapter"));

        // cancel a training: nothing registered
        String cancelled = (String) call(
            "POST",
            A + "cancelled/_train",
            "{\"source_index\":\"" + DOCS + "\",\"examples\":\"" + QUESTIONS + "\",\"steps\":100000,\"eval_fraction\":0}"
        ).get("task");
        assertBusy(() -> {
            Map<String, Object> s = (Map<String, Object>) ((Map<String, Object>) call("GET", "/_tasks/" + cancelled, null).get("task"))
                .get("status");
            assertEquals(s.toString(), "training", s.get("phase"));
        }, 300, TimeUnit.SECONDS);
        call("POST", "/_tasks/" + cancelled + "/_cancel", null);
        Map<String, Object> c = waitForTask(cancelled, 120);
        assertNotNull(c.toString(), c.get("error"));
        assertEquals(404, status(expectThrows(ResponseException.class, () -> call("GET", A + "cancelled", null))));

        // clean up: unbind, delete
        call("PUT", "/" + DOCS + "/_settings", "{\"index.lloco.adapter\":null}");
        for (String name : List.of("shipped", "shipped-upload", "team")) {
            assertEquals("deleted", call("DELETE", A + name, null).get("result"));
        }
        adminClient().performRequest(new Request("DELETE", "/" + DOCS + "," + QUESTIONS));
    }
}
