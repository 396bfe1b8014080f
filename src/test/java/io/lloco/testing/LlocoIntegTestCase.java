/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;
import org.junit.AfterClass;
import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.OpenSearchIntegTestCase;
import org.opensearch.transport.Netty4ModulePlugin;

import io.lloco.LlocoPlugin;

/**
 * Base of the in-JVM cluster tests: the plugin with real HTTP, every node agreeing on the processor count (Netty sets
 * it once per JVM), and one config directory per suite holding a random AutoCompressor {@code test-ac} (segments of
 * 16 tokens, 4 summary vectors of 32 dims) under {@code lloco/models/}.
 */
public abstract class LlocoIntegTestCase extends OpenSearchIntegTestCase {

    /** Id of the suite's test model. */
    public static final String TEST_MODEL = "test-ac";

    private static Path configDir;

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(LlocoPlugin.class, Netty4ModulePlugin.class);
    }

    @Override
    protected Settings nodeSettings(int nodeOrdinal) {
        return Settings.builder().put(super.nodeSettings(nodeOrdinal)).put("node.processors", 1).build();
    }

    @Override
    protected Path nodeConfigPath(int nodeOrdinal) {
        return config();
    }

    @Override
    protected boolean addMockHttpTransport() {
        return false;
    }

    /** Seed of the suite's random test model. */
    protected long testModelSeed() {
        return 23;
    }

    /** The suite's config directory (created with the test model on first use). */
    protected synchronized Path config() {
        if (configDir == null) {
            try {
                Path dir = createTempDir();
                TestModels.writeRandomAutoCompressor(dir.resolve("lloco/models/" + TEST_MODEL), testModelSeed(), 16);
                configDir = dir;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return configDir;
    }

    /** Drops the suite's config directory (temp dirs are removed by the framework). */
    @AfterClass
    public static void forgetConfig() {
        configDir = null;
    }

    /** Starts a node with these roles and returns its name. */
    protected String startNode(String... roles) {
        return internalCluster().startNode(Settings.builder().putList("node.roles", roles));
    }

    /** A REST call through the suite's client; the JSON body of the answer. */
    public static Map<String, Object> call(String method, String path, String body) throws Exception {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        Response resp = getRestClient().performRequest(r);
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, resp.getEntity().getContent(), false);
    }

    /**
     * {@code GET path} with {@code wait_for_completion=true&timeout=<seconds>s} (a wait for tasks to end): the client
     * waits for the answer those seconds and 30 more, past its default response timeout. The JSON body of the answer.
     */
    public static Map<String, Object> waitForCompletion(String path, int seconds) throws Exception {
        Request r = new Request("GET", path + (path.contains("?") ? "&" : "?") + "wait_for_completion=true&timeout=" + seconds + "s");
        r.setOptions(
            RequestOptions.DEFAULT.toBuilder()
                .setRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(seconds + 30L)).build())
        );
        Response resp = getRestClient().performRequest(r);
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, resp.getEntity().getContent(), false);
    }

    /** The body of a failed REST call. */
    public static String errorBody(ResponseException e) throws Exception {
        return new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The project's documented index mapping ({@code docs/lloco-mapping.json}). */
    public static String llocoMapping() throws Exception {
        return Files.readString(Path.of(System.getProperty("lloco.project.dir"), "docs", "lloco-mapping.json"), StandardCharsets.UTF_8);
    }

    /** Creates {@code index} with the documented mapping and a {@code compress} pipeline over field {@code body}. */
    protected static void createCompressedIndex(String index) throws Exception {
        call(
            "PUT",
            "/_ingest/pipeline/compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"" + TEST_MODEL + "\"}}]}"
        );
        call("PUT", "/" + index, llocoMapping());
    }

    /**
     * The stored summary bytes of every segment of a document, in segment order: read back from doc values (the
     * documented mapping keeps them out of {@code _source}) with an inner-hits search, as a user would.
     */
    @SuppressWarnings("unchecked")
    public static List<byte[]> storedSummaries(String index, String id) throws Exception {
        Map<String, Object> r = call(
            "POST",
            "/" + index + "/_search",
            "{\"query\":{\"bool\":{\"filter\":[{\"ids\":{\"values\":[\"" + id + "\"]}},"
                + "{\"nested\":{\"path\":\"lloco.segments\",\"query\":{\"match_all\":{}},\"inner_hits\":{\"size\":100,"
                + "\"_source\":false,\"docvalue_fields\":[\"lloco.segments.ord\",\"lloco.segments.summaries\"]}}}]}},\"_source\":false}"
        );
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits");
        Map<String, Object> inner = (Map<String, Object>) ((Map<String, Object>) hits.get(0).get("inner_hits")).get("lloco.segments");
        List<Map<String, Object>> segs = (List<Map<String, Object>>) ((Map<String, Object>) inner.get("hits")).get("hits");
        byte[][] out = new byte[segs.size()][];
        for (Map<String, Object> s : segs) {
            Map<String, Object> fields = (Map<String, Object>) s.get("fields");
            int ord = ((Number) ((List<Object>) fields.get("lloco.segments.ord")).get(0)).intValue();
            out[ord] = java.util.Base64.getDecoder().decode((String) ((List<Object>) fields.get("lloco.segments.summaries")).get(0));
        }
        return List.of(out);
    }
}
