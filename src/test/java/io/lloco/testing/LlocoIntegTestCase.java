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

import org.junit.AfterClass;
import org.opensearch.client.Request;
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
}
