/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;

/**
 * The adapter registry, training and evaluation with the security plugin (docs/security.md): every action needs its
 * cluster permission ({@code cluster:admin/lloco/adapters/*}, {@code cluster:monitor/lloco/adapters/get}), the
 * {@code lloco_admin} role of docs/security.md can do all of it, and {@code _train} and {@code _evaluate} read the
 * source and examples indices as the caller, through either node: a caller without read access is refused (403) and a
 * training under document-level security never reads a hidden document.
 */
public class AdapterSecurityRestIT extends SecureRestTestCase {

    static final String A = "/_plugins/lloco/adapters/";
    /** Questions about {@link #DOCS}, readable by the trainers. */
    static final String EXAMPLES = "sec-examples";
    static final String MODEL = "lloco-tiny";

    private static boolean examples;

    private void ensureExamples() throws IOException {
        ensureFixtures();
        if (examples) {
            return;
        }
        if (adminClient().performRequest(new Request("HEAD", "/" + EXAMPLES)).getStatusLine().getStatusCode() != 200) {
            Map<String, Object> r = admin(
                "POST",
                "/" + EXAMPLES + "/_bulk?refresh=true",
                "{\"index\":{\"_id\":\"q1\"}}\n{\"doc_id\":\"pub-1\",\"question\":\"Where did Ada Fenn walk on Monday?\",\"answer\":\"to the market\"}\n"
                    + "{\"index\":{\"_id\":\"q2\"}}\n{\"doc_id\":\"pub-2\",\"question\":\"Where did Mara Quill sail?\",\"answer\":\"Orlen\"}\n"
            );
            assertEquals(r.toString(), false, r.get("errors"));
        }
        examples = true;
    }

    /** An upload of the shipped adapter (the plugin's own resources, the bytes the zip holds). */
    private static String upload() throws IOException {
        return "{\"adapter_config\":" + new String(shipped("adapter_config.json"), StandardCharsets.UTF_8) + ",\"weights\":\""
            + Base64.getEncoder().encodeToString(shipped("adapter_model.safetensors")) + "\",\"base_model\":\"" + MODEL + "\"}";
    }

    private static byte[] shipped(String file) throws IOException {
        try (InputStream in = AdapterSecurityRestIT.class.getResourceAsStream("/io/lloco/models/lloco-tiny/adapters/default/" + file)) {
            assertNotNull(file, in);
            return in.readAllBytes();
        }
    }

    private static String trainBody(String source, String examplesIndex) {
        return "{\"source_index\":\"" + source + "\",\"examples\":\"" + examplesIndex
            + "\",\"steps\":2,\"batch_size\":1,\"r\":2,\"eval_fraction\":0,\"max_new_tokens\":4}";
    }

    private static String evalBody(String source, String examplesIndex) {
        return "{\"source_index\":\"" + source + "\",\"examples\":\"" + examplesIndex + "\",\"max_new_tokens\":4,\"sample\":0}";
    }

    /** The request is a 403 naming {@code permission} and the user. */
    private static void forbidden(User user, String method, String path, String body, String permission) throws IOException {
        String e = fails(403, user, method, path, body);
        assertTrue(e, e.contains("no permissions for [" + permission + "]") && e.contains("name=" + user.name()));
    }

    /**
     * Waits (up to 180 s) for task {@code task} to end, read as {@code user}: one {@code wait_for_completion} call, the
     * client waiting for its answer as long and 30 s more. The task's final view.
     */
    private static Map<String, Object> waitForTask(User user, String task) throws Exception {
        Request r = new Request("GET", "/_tasks/" + task + "?wait_for_completion=true&timeout=180s");
        r.setOptions(
            RequestOptions.DEFAULT.toBuilder().setRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(210)).build())
        );
        Map<String, Object> done = json(user.perform(r));
        assertEquals(done.toString(), true, done.get("completed"));
        return done;
    }

    private static void deleteQuietly(String name) throws IOException {
        try {
            admin("DELETE", A + name, null);
        } catch (org.opensearch.client.ResponseException e) {
            assertEquals(404, e.getResponse().getStatusLine().getStatusCode());
        }
    }

    /**
     * A QA user (read on the documents, no cluster permission of ours) is refused every registry action on either node,
     * with a 403 naming the action's permission, and nothing is stored or deleted.
     */
    public void testEveryAdapterActionNeedsItsClusterPermission() throws Exception {
        ensureExamples();
        String upload = upload();
        admin("PUT", A + "sec-shipped", upload);
        try {
            for (boolean lloco : List.of(false, true)) {
                User asker = as("asker", lloco);
                forbidden(asker, "GET", "/_plugins/lloco/adapters", null, "cluster:monitor/lloco/adapters/get");
                forbidden(asker, "GET", A + "sec-shipped", null, "cluster:monitor/lloco/adapters/get");
                forbidden(asker, "PUT", A + "sec-denied", upload, "cluster:admin/lloco/adapters/put");
                forbidden(asker, "DELETE", A + "sec-shipped", null, "cluster:admin/lloco/adapters/delete");
                forbidden(asker, "POST", A + "sec-denied/_train", trainBody(DOCS, EXAMPLES), "cluster:admin/lloco/adapters/train");
                forbidden(asker, "POST", A + "sec-shipped/_evaluate", evalBody(DOCS, EXAMPLES), "cluster:admin/lloco/adapters/evaluate");
                // the monitor role of the suite holds cluster:monitor/lloco/info only: the registry's get is another permission
                forbidden(as("monitor", lloco), "GET", "/_plugins/lloco/adapters", null, "cluster:monitor/lloco/adapters/get");
            }
            fails(404, as("admin"), "GET", A + "sec-denied", null);
            assertEquals(1, ((List<?>) admin("GET", A + "sec-shipped", null).get("adapters")).size());
        } finally {
            deleteQuietly("sec-shipped");
        }
    }

    /**
     * The {@code lloco_admin} role of docs/security.md (instantiated on the suite's indices) registers, lists, evaluates,
     * trains (and follows the training in {@code _tasks}) and deletes adapters, through the data node and the
     * {@code lloco} node.
     */
    @SuppressWarnings("unchecked")
    public void testTheLlocoAdminRoleRegistersTrainsEvaluatesAndDeletes() throws Exception {
        ensureExamples();
        User dataNode = as("trainer", false);
        User llocoNode = as("trainer", true);
        try {
            Map<String, Object> put = (Map<String, Object>) call(dataNode, "PUT", A + "sec-team", upload()).get("adapter");
            assertEquals("upload", put.get("source"));
            List<Map<String, Object>> listed = (List<Map<String, Object>>) call(llocoNode, "GET", "/_plugins/lloco/adapters", null)
                .get("adapters");
            assertTrue(listed.toString(), listed.stream().anyMatch(a -> "sec-team".equals(a.get("name"))));

            Map<String, Object> eval = (Map<String, Object>) call(dataNode, "POST", A + "sec-team/_evaluate", evalBody(DOCS, EXAMPLES))
                .get("eval");
            assertEquals(eval.toString(), 2, eval.get("examples"));
            assertTrue(eval.toString(), eval.containsKey("adapter") && eval.containsKey("no_adapter"));

            String task = (String) call(dataNode, "POST", A + "sec-trained/_train", trainBody(DOCS, EXAMPLES)).get("task");
            Map<String, Object> done = waitForTask(dataNode, task);
            assertNull(done.toString(), done.get("error"));
            Map<String, Object> trained = ((List<Map<String, Object>>) call(llocoNode, "GET", A + "sec-trained", null).get("adapters"))
                .get(0);
            assertEquals("train", trained.get("source"));
            assertEquals(2, ((Map<String, Object>) trained.get("training")).get("train_examples"));

            call(llocoNode, "DELETE", A + "sec-team", null);
            call(dataNode, "DELETE", A + "sec-trained", null);
            fails(404, dataNode, "GET", A + "sec-team", null);
            fails(404, dataNode, "GET", A + "sec-trained", null);
        } finally {
            deleteQuietly("sec-team");
            deleteQuietly("sec-trained");
        }
    }

    /**
     * {@code _train} and {@code _evaluate} read as the caller on either node: without read access to the source or the
     * examples index (named, or the source of inline examples) the answer is a 403 and no training starts.
     */
    public void testTrainingAndEvaluationNeedReadAccessToWhatTheyRead() throws Exception {
        ensureExamples();
        admin("PUT", A + "sec-eval", upload());
        try {
            for (boolean lloco : List.of(false, true)) {
                User t = as("trainer", lloco);
                forbidden(t, "POST", A + "sec-denied/_train", trainBody(PRIVATE, EXAMPLES), "indices:data/read/search");
                forbidden(t, "POST", A + "sec-denied/_train", trainBody(DOCS, PRIVATE), "indices:data/read/search");
                forbidden(
                    t,
                    "POST",
                    A + "sec-denied/_train",
                    "{\"source_index\":\"" + PRIVATE + "\",\"examples\":[{\"doc_id\":\"secret-1\",\"question\":\"What is the vault code?\","
                        + "\"answer\":\"Velden\"}],\"steps\":1,\"eval_fraction\":0}",
                    "indices:data/read/search"
                );
                fails(403, t, "POST", A + "sec-eval/_evaluate", evalBody(PRIVATE, EXAMPLES));
                forbidden(t, "POST", A + "sec-eval/_evaluate", evalBody(DOCS, PRIVATE), "indices:data/read/search");
            }
            fails(404, as("admin"), "GET", A + "sec-denied", null);
        } finally {
            deleteQuietly("sec-eval");
        }
    }

    /**
     * A training under document-level security: the caller may read {@code sec-docs} except its secret document, and
     * asks to train on a question about that document. The training reads the documents as the caller on the
     * {@code lloco} node (the request goes there with the caller's identity), so it finds no such document and fails;
     * nothing is registered. Sent through the data node, the case where the work crosses to another node.
     */
    @SuppressWarnings("unchecked")
    public void testATrainingUnderDocumentLevelSecurityNeverReadsAHiddenDocument() throws Exception {
        ensureExamples();
        User t = as("dls_trainer", false);
        String task = (String) call(
            t,
            "POST",
            A + "sec-dls/_train",
            "{\"source_index\":\"" + DOCS
                + "\",\"examples\":[{\"doc_id\":\"secret-1\",\"question\":\"What is the vault code of Tallowmere?\","
                + "\"answer\":\"Velden\"}],\"steps\":1,\"batch_size\":1,\"r\":2,\"eval_fraction\":0,\"max_new_tokens\":4}"
        ).get("task");
        Map<String, Object> done = waitForTask(as("admin"), task);
        Map<String, Object> error = (Map<String, Object>) done.get("error");
        assertNotNull("the training must fail: " + done, error);
        assertTrue(error.toString(), error.toString().contains("no compressed document matched"));
        fails(404, as("admin"), "GET", A + "sec-dls", null);
        // the same question about a document the caller may read trains
        task = (String) call(
            t,
            "POST",
            A + "sec-dls/_train",
            "{\"source_index\":\"" + DOCS + "\",\"examples\":[{\"doc_id\":\"pub-2\",\"question\":\"Where did Mara Quill sail?\","
                + "\"answer\":\"Orlen\"}],\"steps\":1,\"batch_size\":1,\"r\":2,\"eval_fraction\":0,\"max_new_tokens\":4}"
        ).get("task");
        try {
            done = waitForTask(as("admin"), task);
            assertNull(done.toString(), done.get("error"));
            assertEquals(1, ((List<?>) admin("GET", A + "sec-dls", null).get("adapters")).size());
        } finally {
            deleteQuietly("sec-dls");
        }
    }
}
