/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.testing.LlocoIntegTestCase;

/**
 * Two in-JVM nodes, each with the same random test model under its config dir: a data/ingest node and a node with only
 * the {@code lloco} role. A bulk through a {@code lloco_compress} pipeline is compressed on the lloco node: the model
 * is loaded there and never on the ingest node.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class IngestRoutingIT extends LlocoIntegTestCase {

    private static String dataNode;
    private static String llocoNode;

    private void startCluster() {
        if (internalCluster().size() == 0) {
            dataNode = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
            llocoNode = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
            ensureStableCluster(2);
        }
    }

    static String text(int i, int sentences) {
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < sentences; s++) {
            sb.append(String.format(Locale.ROOT, "Document %d: Mara Quill sailed %d boats to Tallowmere on day %d. ", i, s + i, s));
        }
        return sb.toString().trim();
    }

    @SuppressWarnings("unchecked")
    static List<String> loadedModels(String nodeName) throws Exception {
        Map<String, Object> all = call("GET", "/_plugins/lloco/_nodes", null);
        for (Map<String, Object> n : ((Map<String, Map<String, Object>>) all.get("nodes")).values()) {
            if (n.get("name").equals(nodeName)) {
                return ((List<Map<String, Object>>) n.get("models")).stream().map(m -> (String) m.get("id")).toList();
            }
        }
        throw new AssertionError("node [" + nodeName + "] not in " + all);
    }

    @SuppressWarnings("unchecked")
    public void testBulkIsCompressedOnTheLlocoNode() throws Exception {
        startCluster();
        assertEquals(List.of(), loadedModels(llocoNode));
        call(
            "PUT",
            "/_ingest/pipeline/compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"test-ac\",\"batch_size\":4}}]}"
        );
        String mapping = Files
            .readString(Path.of(System.getProperty("lloco.project.dir"), "docs", "lloco-mapping.json"), StandardCharsets.UTF_8);
        call("PUT", "/docs", mapping);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
            bulk.append("{\"body\":\"").append(text(i, 3 + i)).append("\"}\n");
        }
        bulk.append("{\"index\":{\"_id\":\"bad\"}}\n{\"body\":42}\n");
        Map<String, Object> resp = call("POST", "/docs/_bulk?pipeline=compress&refresh=true", bulk.toString());
        assertEquals(resp.toString(), true, resp.get("errors"));
        List<Map<String, Object>> items = (List<Map<String, Object>>) resp.get("items");
        for (Map<String, Object> item : items) {
            Map<String, Object> idx = (Map<String, Object>) item.get("index");
            if ("bad".equals(idx.get("_id"))) {
                assertEquals(400, idx.get("status"));
                assertTrue(idx.toString(), idx.get("error").toString().contains("must be a string"));
            } else {
                assertEquals(idx.toString(), 201, idx.get("status"));
            }
        }
        Map<String, Object> doc = call("GET", "/docs/_doc/3", null);
        Map<String, Object> lloco = (Map<String, Object>) ((Map<String, Object>) doc.get("_source")).get("lloco");
        assertEquals("test-ac", lloco.get("model"));
        assertEquals(32, lloco.get("hidden"));
        assertEquals(4, lloco.get("summary_length"));
        assertTrue(lloco.toString(), (Integer) lloco.get("segment_count") >= 2);

        // the model ran on the lloco node only
        assertEquals(List.of("test-ac"), loadedModels(llocoNode));
        assertEquals(List.of(), loadedModels(dataNode));

        // segment text is searchable at segment level (nested)
        Map<String, Object> hits = call(
            "GET",
            "/docs/_search",
            "{\"query\":{\"nested\":{\"path\":\"lloco.segments\",\"query\":{\"match\":{\"lloco.segments.text\":\"Tallowmere\"}}}}}"
        );
        assertEquals(6, ((Map<String, Object>) ((Map<String, Object>) hits.get("hits")).get("total")).get("value"));
    }
}
