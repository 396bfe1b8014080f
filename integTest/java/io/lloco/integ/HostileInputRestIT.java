/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The hostile-input corpus ({@code integTest/resources/hostile/*.json}) replayed through the REST API of real nodes
 * (integTest/run.sh). Each case is a method, a path, a body (JSON, a raw string for malformed JSON and escapes such as
 * lone surrogates, or base64 bytes for invalid UTF-8; {@code {"$repeat": x, "times": n}} expands to a long string or
 * array, {@code {"$words": n}} to n distinct words), the status range it must get and message fragments the answer must hold (the field it names). Around every
 * case the test compares the cluster's state — indices and their document counts, ingest and search pipelines, the
 * plugin's cluster settings, the fixture index's settings — so that a refused request is seen to have stored nothing
 * ({@code "stores": n}: a case that must add n documents). After each file: cluster health, every node's info, and a
 * normal question still answers. Every mismatch of a file is reported together.
 */
public class HostileInputRestIT extends OpenSearchRestTestCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUESTION = "{\"question\":\"Where did Ada Fenn walk?\",\"max_new_tokens\":4}";
    /** Cases replayed and their outcomes, by file: the figures of docs/RELIABILITY.md. */
    static final Map<String, int[]> FIGURES = new TreeMap<>();

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }

    private static Map<String, Object> call(String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        Response resp = client().performRequest(r);
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, resp.getEntity().getContent(), false);
    }

    private static Object get(String path) throws IOException {
        Request r = new Request("GET", path);
        Response resp = client().performRequest(r);
        return JSON.readValue(resp.getEntity().getContent(), Object.class);
    }

    /** The fixtures the corpus refers to. */
    private void fixtures() throws Exception {
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        call(
            "PUT",
            "/_ingest/pipeline/hostile-compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"lloco-tiny\"}}]}"
        );
        call(
            "PUT",
            "/_ingest/pipeline/hostile-ok",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"lloco-tiny\",\"max_tokens\":64,\"max_bytes\":65536}}]}"
        );
        call("PUT", "/_search/pipeline/hostile-answer", "{\"response_processors\":[{\"lloco_answer\":{\"max_new_tokens\":4}}]}");
        for (String index : List.of("hostile", "hostile-ingest")) {
            call("PUT", "/" + index, mapping);
        }
        call("PUT", "/plain", "{}");
        StringBuilder bulk = new StringBuilder();
        String[] docs = {
            "Ada Fenn walked to the harbour of Tallowmere on Tuesday. She owned three boats and a red goat.",
            "Mara Quill of Tallowmere keeps bees. Her brother Otto sells honey at the market on Fridays.",
            "The lighthouse of Brindle Point was painted green in the spring. Its keeper is called Ivo Marsh."};
        for (int i = 0; i < docs.length; i++) {
            bulk.append("{\"index\":{\"_id\":\"d").append(i + 1).append("\"}}\n{\"body\":\"").append(docs[i]).append("\"}\n");
        }
        Request b = new Request("POST", "/hostile/_bulk?pipeline=hostile-compress&refresh=true");
        b.setEntity(new ByteArrayEntity(bulk.toString().getBytes(StandardCharsets.UTF_8), ContentType.create("application/x-ndjson")));
        Map<String, Object> r = XContentHelper.convertToMap(
            JsonXContent.jsonXContent,
            client().performRequest(b).getEntity().getContent(),
            false
        );
        assertEquals(r.toString(), false, r.get("errors"));
    }

    /** Every file of the corpus; the mismatches of all files are reported together. */
    public void testCorpus() throws Exception {
        fixtures();
        List<String> failures = new ArrayList<>();
        try {
            for (String file : List.of("qa.json", "ingest.json", "apis.json")) {
                failures.addAll(replay(file));
            }
        } finally {
            for (String p : List.of("hostile-compress", "hostile-ok", "hostile-bad")) {
                deleteIfThere("/_ingest/pipeline/" + p);
            }
            for (String p : List.of("hostile-answer", "hostile-bad")) {
                deleteIfThere("/_search/pipeline/" + p);
            }
            call("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.lloco.*\":null}}");
        }
        assertTrue(failures.size() + " cases failed:\n" + String.join("\n", failures), failures.isEmpty());
    }

    private static void deleteIfThere(String path) throws IOException {
        try {
            client().performRequest(new Request("DELETE", path));
        } catch (ResponseException e) {
            if (e.getResponse().getStatusLine().getStatusCode() != 404) {
                throw e;
            }
        }
    }

    private List<String> replay(String file) throws Exception {
        Path p = Path.of(System.getProperty("lloco.project.dir", "."), "integTest", "resources", "hostile", file);
        JsonNode corpus = JSON.readTree(p.toFile());
        List<String> failures = new ArrayList<>();
        int cases = 0;
        int fourXX = 0;
        int twoXX = 0;
        for (JsonNode c : corpus.get("cases")) {
            cases++;
            String name = file + " " + c.get("name").asText();
            Map<String, Object> before = state();
            int status;
            String text;
            try {
                Response resp = client().performRequest(request(c));
                status = resp.getStatusLine().getStatusCode();
                text = resp.getEntity() == null ? "" : new String(resp.getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
            } catch (ResponseException e) {
                status = e.getResponse().getStatusLine().getStatusCode();
                text = e.getResponse().getEntity() == null
                    ? ""
                    : new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
            }
            if (status >= 400 && status < 500) {
                fourXX++;
            } else if (status < 300) {
                twoXX++;
            }
            int lo = c.get("status").get(0).asInt();
            int hi = c.get("status").get(1).asInt();
            String clipped = text.length() > 600 ? text.substring(0, 600) + "..." : text;
            if (status < lo || status > hi) {
                failures.add(name + ": status " + status + " not in [" + lo + ", " + hi + "]: " + clipped);
            } else if (status >= 500) {
                failures.add(name + ": a server error " + status + ": " + clipped);
            }
            for (JsonNode m : c.path("message")) {
                if (text.toLowerCase(Locale.ROOT).contains(m.asText().toLowerCase(Locale.ROOT)) == false) {
                    failures.add(name + ": the answer does not name [" + m.asText() + "]: " + clipped);
                }
            }
            if (text.length() > 20_000 && status >= 400) {
                failures.add(name + ": an error of " + text.length() + " characters (a message should quote a clipped input)");
            }
            Map<String, Object> after = state();
            int stores = c.path("stores").asInt(0);
            if (stores > 0) {
                @SuppressWarnings("unchecked")
                Map<String, Object> counts = (Map<String, Object>) before.get("indices");
                counts.put("hostile-ingest", ((Number) counts.get("hostile-ingest")).longValue() + stores);
            }
            if (before.equals(after) == false) {
                failures.add(name + ": the cluster's state changed: before " + before + " after " + after);
            }
        }
        assertHealthyAndAnswering(failures);
        FIGURES.put(file, new int[]{cases, fourXX, twoXX, failures.size()});
        logger.info("hostile corpus {}: {} cases, {} answered 4xx, {} 2xx, {} mismatches", file, cases, fourXX, twoXX, failures.size());
        return failures;
    }

    private static Request request(JsonNode c) {
        Request r = new Request(c.get("method").asText(), c.get("path").asText());
        String ct = c.path("content_type").asText("application/json");
        byte[] body = null;
        if (c.has("body")) {
            try {
                body = JSON.writeValueAsBytes(expand(c.get("body")));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError(c.get("name").asText() + ": cannot write its body", e);
            }
        } else if (c.has("raw")) {
            JsonNode raw = c.get("raw");
            StringBuilder sb = new StringBuilder();
            Iterator<JsonNode> parts = raw.isArray() ? raw.elements() : List.of(raw).iterator();
            while (parts.hasNext()) {
                sb.append(expand(parts.next()).asText());
            }
            body = sb.toString().getBytes(StandardCharsets.UTF_8);
        } else if (c.has("raw_base64")) {
            body = Base64.getDecoder().decode(c.get("raw_base64").asText());
        }
        if (body != null) {
            r.setEntity(new ByteArrayEntity(body, ContentType.parse(ct)));
        }
        return r;
    }

    /** {@code {"$repeat": x, "times": n}}: a string repeated n times, or an array of n copies of anything else. */
    static JsonNode expand(JsonNode v) {
        if (v.isObject()) {
            if (v.has("$words")) {
                return new TextNode(words(v.get("from") == null ? 0 : v.get("from").asInt(), v.get("$words").asInt()));
            }
            if (v.size() == 2 && v.has("$repeat") && v.has("times")) {
                JsonNode x = expand(v.get("$repeat"));
                int n = v.get("times").asInt();
                if (x.isTextual()) {
                    return new TextNode(x.asText().repeat(n));
                }
                ArrayNode a = JSON.createArrayNode();
                for (int i = 0; i < n; i++) {
                    a.add(x);
                }
                return a;
            }
            ObjectNode o = JSON.createObjectNode();
            v.fields().forEachRemaining(e -> o.set(e.getKey(), expand(e.getValue())));
            return o;
        }
        if (v.isArray()) {
            ArrayNode a = JSON.createArrayNode();
            v.forEach(x -> a.add(expand(x)));
            return a;
        }
        return v;
    }

    /**
     * {@code {"$words": n, "from": k}}: n distinct three-letter words ({@code aaa baa caa ...}) from the k-th, joined by
     * spaces (a question of 1,020 distinct terms in 4,079 characters).
     */
    static String words(int from, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < from + n; i++) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append((char) ('a' + i / 676 % 26)).append((char) ('a' + i / 26 % 26)).append((char) ('a' + i % 26));
        }
        return sb.toString();
    }

    /** What a refused request must leave as it was. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> state() throws IOException {
        call("POST", "/_refresh", null);
        Map<String, Object> s = new TreeMap<>();
        Map<String, Object> indices = new TreeMap<>();
        for (Object row : (List<Object>) get("/_cat/indices?format=json&h=index,docs.count&expand_wildcards=all")) {
            Map<String, Object> m = (Map<String, Object>) row;
            String index = (String) m.get("index");
            if (index.startsWith(".") == false) {
                // _count: documents, not Lucene's nested segment and sentence objects that docs.count adds
                indices.put(index, ((Number) call("GET", "/" + index + "/_count", null).get("count")).longValue());
            }
        }
        s.put("indices", indices);
        s.put("ingest_pipelines", new TreeMap<>((Map<String, Object>) get("/_ingest/pipeline")).keySet());
        Object search;
        try {
            search = new TreeMap<>((Map<String, Object>) get("/_search/pipeline")).keySet();
        } catch (ResponseException e) {
            if (e.getResponse().getStatusLine().getStatusCode() != 404) {
                throw e;
            }
            search = List.of(); // 404 when there is none
        }
        s.put("search_pipelines", search);
        Map<String, Object> settings = (Map<String, Object>) get("/_cluster/settings?flat_settings=true");
        s.put("cluster_settings", new TreeMap<>(settings));
        Map<String, Object> idx = (Map<String, Object>) get("/hostile/_settings/index.lloco*?flat_settings=true");
        s.put("hostile_settings", idx);
        return s;
    }

    /** The cluster answers health with every node, every node's info, and a normal question. */
    @SuppressWarnings("unchecked")
    static void assertHealthyAndAnswering(List<String> failures) throws IOException {
        int nodes = Integer.parseInt(System.getProperty("tests.expected.nodes", "1"));
        Map<String, Object> health = call("GET", "/_cluster/health?wait_for_nodes=" + nodes + "&timeout=30s", null);
        if ("red".equals(health.get("status")) || ((Number) health.get("number_of_nodes")).intValue() != nodes) {
            failures.add("cluster not healthy after the corpus: " + health);
        }
        Map<String, Object> info = call("GET", "/_plugins/lloco/_nodes", null);
        Map<String, Object> header = (Map<String, Object>) info.get("_nodes");
        if (((Number) header.get("failed")).intValue() != 0) {
            failures.add("lloco info failed on some nodes: " + header);
        }
        Map<String, Object> answer = call("POST", "/hostile/_lloco_qa", QUESTION);
        if (answer.get("answer") == null || answer.get("sources") == null) {
            failures.add("a normal question did not answer: " + answer);
        }
    }
}
