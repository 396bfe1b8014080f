/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.opensearch.Version;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

/**
 * The plugin installed from its zip into real 3.6.0 nodes (integTest/cluster.sh): a node with the data roles and a
 * node with only the {@code lloco} role.
 */
public class LlocoInfoRestIT extends OpenSearchRestTestCase {

    private static Map<String, Object> json(Response r) throws Exception {
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
    }

    @SuppressWarnings("unchecked")
    public void testInfoOnTheRealNodeReportsOfflinePytorch() throws Exception {
        Map<String, Object> info = json(client().performRequest(new Request("GET", "/_plugins/lloco")));
        assertEquals("lloco", ((Map<String, Object>) info.get("plugin")).get("name"));
        // the test client is built against the same OpenSearch as the plugin (-Dopensearch.version)
        assertEquals(Version.CURRENT.toString(), info.get("opensearch_version"));
        Map<String, Object> engine = (Map<String, Object>) info.get("engine");
        assertEquals(engine.toString(), "started", engine.get("status"));
        assertEquals(true, engine.get("offline"));
        assertEquals("2.7.1", engine.get("pytorch_version"));
        assertEquals("0.36.0", engine.get("djl_version"));
        assertTrue(((List<String>) engine.get("devices")).contains("cpu"));
        // the cache lives under the node's data path, not in a home directory
        assertTrue(engine.get("cache_dir").toString(), engine.get("cache_dir").toString().contains("/data/"));
        // a tensor operation really ran through libtorch inside the node
        Map<String, Object> selfTest = (Map<String, Object>) engine.get("self_test");
        assertEquals(selfTest.toString(), true, selfTest.get("ok"));
        assertEquals(List.of(21.0, 43.0), selfTest.get("result"));
    }

    @SuppressWarnings("unchecked")
    public void testEveryNodeAnswersAndTheLlocoRoleIsVisible() throws Exception {
        Map<String, Object> all = json(client().performRequest(new Request("GET", "/_plugins/lloco/_nodes")));
        Map<String, Map<String, Object>> nodes = (Map<String, Map<String, Object>>) all.get("nodes");
        int expected = Integer.parseInt(System.getProperty("tests.expected.nodes", "1"));
        assertEquals(expected, nodes.size());
        long llocoNodes = nodes.values().stream().filter(n -> Boolean.TRUE.equals(n.get("lloco_role"))).count();
        assertTrue("at least one node has the lloco role", llocoNodes >= 1);
        for (Map<String, Object> n : nodes.values()) {
            assertEquals("2.7.1", ((Map<String, Object>) n.get("engine")).get("pytorch_version"));
        }

        Response cat = client().performRequest(new Request("GET", "/_cat/nodes?h=name,node.roles"));
        String body = new String(cat.getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(body, llocoNodes, body.lines().filter(l -> l.contains("lloco")).count());
    }

    public void testPluginIsInstalledBesideKnn() throws Exception {
        Response cat = client().performRequest(new Request("GET", "/_cat/plugins?h=component"));
        String body = new String(cat.getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(body, body.contains("lloco"));
        if (Boolean.parseBoolean(System.getProperty("tests.with.knn", "true"))) {
            assertTrue(body, body.contains("opensearch-knn"));
        }
    }
}
