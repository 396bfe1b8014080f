/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import java.util.List;
import java.util.Map;

import org.opensearch.Version;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.testing.LlocoIntegTestCase;

/** Two in-JVM nodes: a data node and a node with only the {@code lloco} role. */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class LlocoInfoIT extends LlocoIntegTestCase {

    private static String dataNode;
    private static String llocoNode;

    private void startCluster() {
        if (internalCluster().size() == 0) {
            dataNode = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
            llocoNode = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
            ensureStableCluster(2);
        }
    }

    private static Map<String, Object> get(String path) throws Exception {
        Response r = getRestClient().performRequest(new Request("GET", path));
        assertEquals(200, r.getStatusLine().getStatusCode());
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
    }

    @SuppressWarnings("unchecked")
    public void testInfoOfEveryNodeShowsEngineAndRoles() throws Exception {
        startCluster();
        Map<String, Object> all = get("/_plugins/lloco/_nodes");
        assertEquals(2, ((Map<String, Object>) all.get("_nodes")).get("successful"));
        Map<String, Map<String, Object>> nodes = (Map<String, Map<String, Object>>) all.get("nodes");
        int llocoNodes = 0;
        for (Map<String, Object> n : nodes.values()) {
            Map<String, Object> engine = (Map<String, Object>) n.get("engine");
            assertEquals("started", engine.get("status"));
            assertEquals(true, engine.get("offline"));
            assertEquals("2.7.1", engine.get("pytorch_version"));
            assertEquals(true, ((Map<String, Object>) engine.get("self_test")).get("ok"));
            assertEquals(List.of(), n.get("models"));
            List<String> roles = (List<String>) n.get("roles");
            if (n.get("name").equals(llocoNode)) {
                assertEquals(List.of("lloco"), roles);
                assertEquals(true, n.get("lloco_role"));
                llocoNodes++;
            } else {
                assertFalse(roles.contains("lloco"));
                assertEquals(false, n.get("lloco_role"));
            }
        }
        assertEquals(1, llocoNodes);

        // a role filter selects the lloco node only
        Map<String, Object> filtered = get("/_plugins/lloco/_nodes/lloco:true");
        assertEquals(1, ((Map<String, Object>) filtered.get("nodes")).size());
    }

    @SuppressWarnings("unchecked")
    public void testSingleNodeInfo() throws Exception {
        startCluster();
        Map<String, Object> one = get("/_plugins/lloco");
        assertNotNull(one.get("name"));
        assertEquals("lloco", ((Map<String, Object>) one.get("plugin")).get("name"));
        assertEquals(Version.CURRENT.toString(), one.get("opensearch_version"));
        assertNull(one.get("nodes"));
    }

    public void testCatNodesShowsTheRole() throws Exception {
        startCluster();
        Response r = getRestClient().performRequest(new Request("GET", "/_cat/nodes?h=name,node.roles"));
        String body = new String(r.getEntity().getContent().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String llocoLine = body.lines().filter(l -> l.startsWith(llocoNode + " ")).findFirst().orElseThrow();
        assertTrue(llocoLine, llocoLine.contains("lloco"));
        String dataLine = body.lines().filter(l -> l.startsWith(dataNode + " ")).findFirst().orElseThrow();
        assertFalse(dataLine, dataLine.contains("lloco"));
    }
}
