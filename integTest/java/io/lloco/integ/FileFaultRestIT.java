/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.junit.After;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.WarningsHandler;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

/**
 * Faults of files on the real cluster of integTest/faults/run.sh (a data node, two {@code lloco}-only nodes; skipped
 * elsewhere):
 *
 * <ol>
 * <li>a copy of the model whose files are truncated or garbled — while it is loaded, then at its next {@code _load} —
 * is a 422 naming the model and the file, the other model serves on, the {@code lloco} breaker back at its baseline;
 * <li>a full disk where a node writes a registry adapter's files ({@code <path.data>/lloco/adapters}, a small tmpfs that
 * run.sh mounts on each {@code lloco} node and this test fills) is a 507 naming the folder and what to do, with nothing
 * partially written, the breaker unchanged, the model still answering without the adapter; once space is freed the
 * same question answers with the adapter;
 * <li>ingest failures through {@code lloco_compress} (a corrupt model, a model missing on the {@code lloco} nodes, a
 * text with nothing to compress): the pipeline's {@code on_failure} path when it has one (the document indexed with
 * the failure's fields, without a compressed form), else the bulk item fails with the status and a reason naming what to
 * fix; never a document stored half compressed.
 * </ol>
 */
public class FileFaultRestIT extends OpenSearchRestTestCase {

    private static final String MODEL = "lloco-tiny";
    private static final String INDEX = "file-faults";
    private static final String QUESTION = "{\"question\":\"How many boats did Ada Fenn own?\",\"size\":4,\"max_new_tokens\":16%s}";
    private static final String A = "/_plugins/lloco/adapters/";
    private static final List<String> LLOCO_NODES = List.of("lloco-0", "lloco-1");

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }

    /** The registry's system index: deleted here (a wipe of the cluster would fail on the warning its deletion gives). */
    @After
    public void deleteRegistry() throws IOException {
        Request del = new Request("DELETE", "/.lloco-adapters?ignore_unavailable=true");
        RequestOptions.Builder options = RequestOptions.DEFAULT.toBuilder();
        options.setWarningsHandler(WarningsHandler.PERMISSIVE);
        del.setOptions(options);
        adminClient().performRequest(del);
    }

    private static void requireFaultCluster() {
        assumeTrue("run by integTest/faults/run.sh (-Dtests.lloco.faults=true)", Boolean.getBoolean("tests.lloco.faults"));
    }

    static Map<String, Object> json(Response r) throws IOException {
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
    }

    static Map<String, Object> call(String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        return json(client().performRequest(r));
    }

    private static String body(ResponseException e) throws IOException {
        return new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static int status(ResponseException e) {
        return e.getResponse().getStatusLine().getStatusCode();
    }

    private static Path nodeDir(String name) {
        return Path.of(System.getProperty(NodeModels.NODES_DIR)).resolve(name);
    }

    /** The embedded model's top-level files (no adapters) in a fresh folder {@code <tmp>/<id>}. */
    private static Path modelCopy(Path tmp, String id) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(id));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "lloco.json")) {
            try (InputStream in = FileFaultRestIT.class.getResourceAsStream("/io/lloco/models/" + MODEL + "/" + f)) {
                assertNotNull(f, in);
                Files.copy(in, dir.resolve(f));
            }
        }
        return dir;
    }

    /** The {@code lloco} breaker's estimate on each {@code lloco} node. */
    @SuppressWarnings("unchecked")
    static Map<String, Long> llocoBreaker() throws IOException {
        Map<String, Object> stats = call("GET", "/_nodes/lloco:true/stats/breaker", null);
        Map<String, Long> out = new TreeMap<>();
        for (Object n : ((Map<String, Object>) stats.get("nodes")).values()) {
            Map<String, Object> node = (Map<String, Object>) n;
            Map<String, Object> lloco = (Map<String, Object>) ((Map<String, Object>) node.get("breakers")).get("lloco");
            out.put((String) node.get("name"), ((Number) lloco.get("estimated_size_in_bytes")).longValue());
        }
        return out;
    }

    private static void indexDocuments() throws IOException {
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        call(
            "PUT",
            "/_ingest/pipeline/ff-compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"" + MODEL + "\"}}]}"
        );
        call("PUT", "/" + INDEX, mapping);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            sb.append("{\"index\":{\"_id\":\"d").append(i).append("\"}}\n{\"body\":\"Ada Fenn walked to harbour number ").append(i)
                .append(". She owned ").append(i + 2).append(" boats and a red goat.\"}\n");
        }
        Request r = new Request("POST", "/" + INDEX + "/_bulk?pipeline=ff-compress&refresh=true");
        r.setEntity(new ByteArrayEntity(sb.toString().getBytes(StandardCharsets.UTF_8), ContentType.create("application/x-ndjson")));
        Map<String, Object> m = json(client().performRequest(r));
        assertEquals(m.toString(), false, m.get("errors"));
    }

    /**
     * Asks bursts of concurrent questions until both {@code lloco} nodes have answered (their model and default adapter
     * loaded): sequential questions may all go to one node (the router picks the least busy node, round robin on ties,
     * and a question makes more than one routed call).
     */
    static Set<String> answerOnBothNodes(String question) throws Exception {
        Set<String> served = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.ConcurrentLinkedQueue<String> problems = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int round = 0; round < 5 && served.size() < 2; round++) {
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(6);
            for (int i = 0; i < 6; i++) {
                Request q = new Request("POST", "/" + INDEX + "/_lloco_qa");
                q.setJsonEntity(question);
                client().performRequestAsync(q, new org.opensearch.client.ResponseListener() {

                    @Override
                    public void onSuccess(Response r) {
                        try {
                            served.add(String.valueOf(json(r).get("node")));
                        } catch (IOException e) {
                            problems.add(e.toString());
                        }
                        done.countDown();
                    }

                    @Override
                    public void onFailure(Exception e) {
                        problems.add(e.toString());
                        done.countDown();
                    }
                });
            }
            assertTrue(done.await(5, java.util.concurrent.TimeUnit.MINUTES));
        }
        assertTrue(String.join("\n", problems), problems.isEmpty());
        assertEquals("both lloco nodes answered: " + served, 2, served.size());
        return served;
    }

    private static void warmBothNodes() throws Exception {
        call("POST", "/_plugins/lloco/models/" + MODEL + "/_load", null);
        answerOnBothNodes(String.format(Locale.ROOT, QUESTION, ""));
    }

    // -----------------------------------------------------------------------------------------------------------------
    // 1. corrupt model files

    @SuppressWarnings("unchecked")
    public void testACorruptModelCopyIs422NamingTheFileAndTheOtherModelServesOn() throws Exception {
        requireFaultCluster();
        indexDocuments();
        warmBothNodes();
        Map<String, Long> baseline = llocoBreaker();
        Path tmp = Files.createTempDirectory("ff-models");
        modelCopy(tmp, "ff-copy");
        NodeModels.install(tmp, List.of("ff-copy"));

        // the copy loads on both lloco nodes
        Map<String, Object> load = call("POST", "/_plugins/lloco/models/ff-copy/_load", null);
        assertEquals(load.toString(), 2, ((Number) ((Map<String, Object>) load.get("_nodes")).get("successful")).intValue());
        // its weights truncated while it is loaded (on every node): the loaded copy is not affected (its weights were
        // read at load), the embedded model answers
        for (String n : LLOCO_NODES) {
            Path f = nodeDir(n).resolve("config/lloco/models/ff-copy/model.safetensors");
            byte[] b = Files.readAllBytes(f);
            try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(b.length / 3); // in place, as a copy cut short by a full disk or an interrupted transfer would be
            }
        }
        assertNotNull(call("POST", "/" + INDEX + "/_lloco_qa", String.format(Locale.ROOT, QUESTION, "")).get("answer"));
        String models = call("GET", "/_plugins/lloco/models/ff-copy", null).toString();
        assertTrue(models, models.contains("state=loaded"));

        // unloaded and loaded again: 422 naming the model and the file, on each node; nothing stays loaded
        Map<String, Object> unload = call("POST", "/_plugins/lloco/models/ff-copy/_unload", null);
        assertFalse(unload.toString(), unload.toString().contains("result=unloading"));
        List<String> statuses = new ArrayList<>();
        ResponseException e = expectThrows(ResponseException.class, () -> call("POST", "/_plugins/lloco/models/ff-copy/_load", null));
        String err = body(e);
        statuses.add("truncated safetensors: " + status(e));
        assertEquals(err, 422, status(e));
        assertTrue(err, err.contains("ff-copy") && err.contains("model.safetensors"));
        assertEquals(err, 2, ((Number) ((Map<String, Object>) json(e.getResponse()).get("_nodes")).get("failed")).intValue());
        String failed = call("GET", "/_plugins/lloco/models/ff-copy", null).toString();
        assertTrue(failed, failed.contains("state=failed") && failed.contains("status=422"));
        assertFalse(failed, failed.contains("state=loaded"));

        // a garbled config.json; a garbled tokenizer.json (the weights whole again)
        for (String n : LLOCO_NODES) {
            Path m = nodeDir(n).resolve("config/lloco/models/ff-copy");
            Files.copy(
                tmp.resolve("ff-copy/model.safetensors"),
                m.resolve("model.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING
            );
            Files.writeString(m.resolve("config.json"), "{\"hidden_size\": 64, \"num_hidd");
        }
        e = expectThrows(ResponseException.class, () -> call("POST", "/_plugins/lloco/models/ff-copy/_load", null));
        err = body(e);
        statuses.add("garbled config.json: " + status(e));
        assertEquals(err, 422, status(e));
        assertTrue(err, err.contains("ff-copy") && err.contains("config.json"));
        for (String n : LLOCO_NODES) {
            Path m = nodeDir(n).resolve("config/lloco/models/ff-copy");
            Files.copy(tmp.resolve("ff-copy/config.json"), m.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(m.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a");
        }
        e = expectThrows(ResponseException.class, () -> call("POST", "/_plugins/lloco/models/ff-copy/_load", null));
        err = body(e);
        statuses.add("garbled tokenizer.json: " + status(e));
        assertEquals(err, 422, status(e));
        assertTrue(err, err.contains("ff-copy") && err.contains("tokenizer.json"));

        // the embedded model serves on; the lloco breaker holds what it held before the copy was loaded
        assertNotNull(call("POST", "/" + INDEX + "/_lloco_qa", String.format(Locale.ROOT, QUESTION, "")).get("answer"));
        Map<String, Long> after = llocoBreaker();
        logger.info("file fault 1 (corrupt model copy): {}; lloco breaker {} -> {}", statuses, baseline, after);
        assertEquals(baseline, after);
        call("POST", "/_plugins/lloco/models/ff-copy/_unload", null);
    }

    // -----------------------------------------------------------------------------------------------------------------
    // 2. a full disk where registry adapters are written

    /** Fills the file system of {@code dir} but {@code leave} bytes with a file of zeros (written: no sparse file). */
    private static Path fill(Path dir, long leave) throws IOException {
        Path filler = dir.resolve(".ff-filler");
        long todo = Files.getFileStore(dir).getUsableSpace() - leave;
        byte[] zeros = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (todo > 0) {
                int n = (int) Math.min(zeros.length, todo);
                out.write(zeros, 0, n);
                todo -= n;
            }
        }
        return filler;
    }

    private static List<String> listTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.equals(dir) == false).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @SuppressWarnings("unchecked")
    public void testAFullDiskForARegistryAdapterIs507NothingHalfWrittenAndItWorksOnceSpaceIsFreed() throws Exception {
        requireFaultCluster();
        assumeTrue(
            "integTest/faults/run.sh mounted a small tmpfs on each lloco node's <path.data>/lloco/adapters (as root)",
            Boolean.getBoolean("tests.lloco.faults.small_disk")
        );
        indexDocuments();
        warmBothNodes();
        // register the embedded model's default adapter under a registry name, from a folder of every node's config
        Path tmp = Files.createTempDirectory("ff-adapter");
        Path src = Files.createDirectories(tmp.resolve("ff-shipped"));
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            try (InputStream in = FileFaultRestIT.class.getResourceAsStream("/io/lloco/models/" + MODEL + "/adapters/default/" + f)) {
                Files.copy(in, src.resolve(f));
            }
        }
        NodeModels.linkTree(src, "lloco/adapters/ff-shipped");
        call("PUT", A + "ff-adapter", "{\"path\":\"ff-shipped\",\"base_model\":\"" + MODEL + "\"}");

        List<Path> disks = new ArrayList<>();
        List<Path> fillers = new ArrayList<>();
        for (String n : LLOCO_NODES) {
            Path d = nodeDir(n).resolve("data/lloco/adapters");
            assertEquals(d + " is a tmpfs", "tmpfs", Files.getFileStore(d).type());
            disks.add(d);
            fillers.add(fill(d, 64 * 1024)); // room for the config, not for the 462,904 bytes of weights
        }
        Map<String, Long> before = llocoBreaker();
        String withAdapter = String.format(Locale.ROOT, QUESTION, ",\"adapter\":\"ff-adapter\"");
        ResponseException e = expectThrows(ResponseException.class, () -> call("POST", "/" + INDEX + "/_lloco_qa", withAdapter));
        String err = body(e);
        assertEquals(err, 507, status(e));
        assertTrue(err, err.contains("no space left") && err.contains("ff-adapter") && err.contains("free space"));
        assertTrue(err, err.contains("/lloco/adapters/ff-adapter"));
        // nothing partially written: the temporary folders are gone, no version folder exists
        List<String> left = new ArrayList<>();
        for (Path d : disks) {
            for (String f : listTree(d)) {
                // its folder may exist (empty); no version folder, no temporary ".fetch-" folder
                if (f.startsWith("ff-adapter/") || f.startsWith(".fetch")) {
                    left.add(d + ": " + f);
                }
            }
        }
        assertTrue("left on the full disks: " + left, left.isEmpty());
        assertEquals("the lloco breaker is unchanged", before, llocoBreaker());
        // the model answers without the adapter
        Map<String, Object> plain = call("POST", "/" + INDEX + "/_lloco_qa", String.format(Locale.ROOT, QUESTION, ""));
        assertNotNull(plain.get("answer"));

        // space freed: the same question answers with the adapter, whose files are whole on the node that fetched them
        for (Path f : fillers) {
            Files.delete(f);
        }
        Map<String, Object> ok = call("POST", "/" + INDEX + "/_lloco_qa", withAdapter);
        assertEquals(ok.toString(), "ff-adapter", ok.get("adapter"));
        List<String> fetched = new ArrayList<>();
        for (Path d : disks) {
            fetched.addAll(listTree(d).stream().filter(f -> f.endsWith("adapter_model.safetensors")).map(f -> d + ": " + f).toList());
        }
        assertFalse("the adapter's files were written", fetched.isEmpty());
        for (String f : fetched) {
            Path p = Path.of(f.substring(0, f.indexOf(": "))).resolve(f.substring(f.indexOf(": ") + 2));
            assertEquals(f, Files.size(src.resolve("adapter_model.safetensors")), Files.size(p));
        }
        logger.info(
            "file fault 2 (full disk under <path.data>/lloco/adapters of {}): 507 [{}]; after freeing space: answered with [{}] by [{}]",
            LLOCO_NODES,
            err.length() > 400 ? err.substring(0, 400) : err,
            ok.get("adapter"),
            ok.get("node")
        );
        assertEquals("deleted", call("DELETE", A + "ff-adapter", null).get("result"));
    }

    // -----------------------------------------------------------------------------------------------------------------
    // 3. ingest failures: on_failure, or a failed bulk item; never a half-compressed document

    private static Map<String, Object> bulk(String pipeline, String... bodies) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bodies.length; i++) {
            sb.append("{\"create\":{\"_id\":\"").append(pipeline).append('-').append(i).append("\"}}\n{\"body\":").append(bodies[i])
                .append("}\n");
        }
        Request r = new Request("POST", "/ff-ingest/_bulk?pipeline=" + pipeline + "&refresh=true");
        r.setEntity(new ByteArrayEntity(sb.toString().getBytes(StandardCharsets.UTF_8), ContentType.create("application/x-ndjson")));
        return json(client().performRequest(r));
    }

    private static String pipeline(String model, boolean onFailure) {
        String p = "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"" + model + "\"}}]";
        if (onFailure) {
            p += ",\"on_failure\":[{\"set\":{\"field\":\"lloco_failure\",\"value\":\"{{ _ingest.on_failure_message }}\"}},"
                + "{\"set\":{\"field\":\"lloco_failed_processor\",\"value\":\"{{ _ingest.on_failure_processor_type }}\"}}]";
        }
        return p + "}";
    }

    @SuppressWarnings("unchecked")
    public void testIngestFailuresTakeOnFailureOrFailTheItemNeverAHalfCompressedDocument() throws Exception {
        requireFaultCluster();
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        call("PUT", "/ff-ingest", mapping);
        Path tmp = Files.createTempDirectory("ff-ingest-models");
        // a model whose weights are cut short on every node; a model that the lloco nodes do not have (the ingest node
        // that parses the pipeline knows it)
        Path broken = modelCopy(tmp, "ff-broken");
        byte[] w = Files.readAllBytes(broken.resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), java.util.Arrays.copyOf(w, w.length / 2));
        modelCopy(tmp, "ff-gone");
        NodeModels.install(tmp, List.of("ff-broken", "ff-gone"));
        for (String p : List.of("broken", "gone")) {
            call("PUT", "/_ingest/pipeline/ff-" + p + "-handled", pipeline("ff-" + p, true));
            call("PUT", "/_ingest/pipeline/ff-" + p + "-plain", pipeline("ff-" + p, false));
        }
        call("PUT", "/_ingest/pipeline/ff-sound-handled", pipeline(MODEL, true));
        call("PUT", "/_ingest/pipeline/ff-sound-plain", pipeline(MODEL, false));
        for (String n : LLOCO_NODES) {
            org.opensearch.common.util.io.IOUtils.rm(nodeDir(n).resolve("config/lloco/models/ff-gone"));
        }
        String doc = "\"Ada Fenn walked to the harbour. She owned three boats.\"";
        String nothing = "\"\\u0007\\u0000\\u001b\"";
        // pipeline -> bodies, the status each item must fail with (plain pipelines) and what its reason must name
        record Case(String pipeline, String[] bodies, int status, String[] names) {
        }
        List<Case> cases = List.of(
            new Case("ff-broken", new String[]{doc, doc, doc}, 422, new String[]{"ff-broken", "model.safetensors"}),
            new Case("ff-gone", new String[]{doc, doc}, 404, new String[]{"ff-gone", "config/lloco/models"}),
            new Case("ff-sound", new String[]{nothing}, 400, new String[]{"body", "empty"})
        );
        List<String> problems = new ArrayList<>();
        int handled = 0;
        int failedItems = 0;
        for (Case c : cases) {
            // with on_failure: every document indexed, carrying the failure, without a compressed form
            Map<String, Object> r = bulk(c.pipeline() + "-handled", c.bodies());
            if (Boolean.FALSE.equals(r.get("errors")) == false) {
                problems.add(c.pipeline() + "-handled: bulk errors " + r);
            }
            for (int i = 0; i < c.bodies().length; i++) {
                Map<String, Object> got = call("GET", "/ff-ingest/_doc/" + c.pipeline() + "-handled-" + i, null);
                Map<String, Object> source = (Map<String, Object>) got.get("_source");
                String failure = String.valueOf(source.get("lloco_failure"));
                if (source.containsKey("lloco") || "lloco_compress".equals(source.get("lloco_failed_processor")) == false
                    || List.of(c.names()).stream().allMatch(failure::contains) == false) {
                    problems.add(c.pipeline() + "-handled-" + i + ": " + source);
                }
                handled++;
            }
            // without: every item fails with the status and a reason naming what to fix; nothing of it is stored
            r = bulk(c.pipeline() + "-plain", c.bodies());
            for (Object item : (List<Object>) r.get("items")) {
                Map<String, Object> it = (Map<String, Object>) ((Map<String, Object>) item).get("create");
                Map<String, Object> error = (Map<String, Object>) it.get("error");
                String reason = error == null ? "" : String.valueOf(error); // the reason and its causes
                if (((Number) it.get("status")).intValue() != c.status()
                    || List.of(c.names()).stream().allMatch(reason::contains) == false) {
                    problems.add(c.pipeline() + "-plain: item " + it);
                }
                failedItems++;
            }
        }
        call("POST", "/ff-ingest/_refresh", null);
        long count = ((Number) call("GET", "/ff-ingest/_count", null).get("count")).longValue();
        long compressed = ((Number) call("GET", "/ff-ingest/_count", "{\"query\":{\"exists\":{\"field\":\"lloco\"}}}").get("count"))
            .longValue();
        logger.info(
            "file fault 3 (ingest failures): {} documents through on_failure, {} bulk items failed, {} documents in the index, {} with"
                + " a compressed form",
            handled,
            failedItems,
            count,
            compressed
        );
        assertTrue(String.join("\n", problems), problems.isEmpty());
        assertEquals("only the documents of the on_failure path are stored", handled, count);
        assertEquals("none of them half compressed", 0, compressed);
        // the sound model still compresses through the same pipelines
        Map<String, Object> ok = bulk("ff-sound-plain", doc);
        assertEquals(ok.toString(), false, ok.get("errors"));
        Map<String, Object> source = (Map<String, Object>) call("GET", "/ff-ingest/_doc/ff-sound-plain-0", null).get("_source");
        assertNotNull(source.toString(), ((Map<String, Object>) source.get("lloco")).get("segments"));
        for (String p : List.of("broken", "gone", "sound")) {
            call("DELETE", "/_ingest/pipeline/ff-" + p + "-handled", null);
            call("DELETE", "/_ingest/pipeline/ff-" + p + "-plain", null);
        }
    }
}
