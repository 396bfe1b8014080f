/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.List;
import java.util.Map;

import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.testing.LlocoIntegTestCase;

/**
 * One in-JVM node without the {@code lloco} role: documents compress here only while
 * {@code plugins.lloco.ingest.allow_local} is true; otherwise they fail with 503 naming the setting.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class IngestLocalFallbackIT extends LlocoIntegTestCase {

    private static String node;

    @SuppressWarnings("unchecked")
    public void testNoLlocoNodeFailsWith503UnlessLocalIsAllowed() throws Exception {
        if (internalCluster().size() == 0) {
            node = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
        }
        call(
            "PUT",
            "/_ingest/pipeline/compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"test-ac\"}}]}"
        );
        call("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.lloco.ingest.allow_local\":false}}");
        String bulk = "{\"index\":{\"_index\":\"d\",\"_id\":\"1\"}}\n{\"body\":\"" + IngestRoutingIT.text(1, 4) + "\"}\n";
        Map<String, Object> resp = call("POST", "/_bulk?pipeline=compress&refresh=true", bulk);
        Map<String, Object> item = (Map<String, Object>) ((List<Map<String, Object>>) resp.get("items")).get(0).get("index");
        assertEquals(item.toString(), 503, item.get("status"));
        assertTrue(item.toString(), item.get("error").toString().contains("plugins.lloco.ingest.allow_local"));
        assertEquals(List.of(), IngestRoutingIT.loadedModels(node));

        call("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.lloco.ingest.allow_local\":null}}");
        resp = call("POST", "/_bulk?pipeline=compress&refresh=true", bulk);
        item = (Map<String, Object>) ((List<Map<String, Object>>) resp.get("items")).get(0).get("index");
        assertEquals(item.toString(), 201, item.get("status"));
        assertEquals(List.of("test-ac"), IngestRoutingIT.loadedModels(node));
    }
}
