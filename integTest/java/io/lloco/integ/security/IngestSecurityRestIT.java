/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ.security;

import java.util.List;
import java.util.Map;

import org.junit.Before;

/**
 * Indexing through a {@code lloco_compress} pipeline as a real user (docs/security.md): write access to the index is
 * all it takes, through any node; the processor's internal {@code cluster:internal/lloco/compress} action runs as the
 * node. A refused document is not stored.
 */
public class IngestSecurityRestIT extends SecureRestTestCase {

    private static final String BULK = "{\"index\":{}}\n{\"body\":\"Ada Fenn walked to the market on Monday.\"}\n"
        + "{\"index\":{}}\n{\"body\":\"Mara Quill sailed to Orlen on Tuesday. The sea was calm.\"}\n";

    @Before
    public void fixtures() throws Exception {
        ensureFixtures();
    }

    private int count(String index) throws Exception {
        return ((Number) admin("GET", "/" + index + "/_count", null).get("count")).intValue();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Map<String, Object> bulk) {
        return (List<Map<String, Object>>) bulk.get("items");
    }

    /** The documented lloco_writer role: write access plus {@code cluster:internal/lloco/compress}. */
    @SuppressWarnings("unchecked")
    public void testTheLlocoWriterRoleIndexesThroughThePipelineOnEveryNode() throws Exception {
        String index = "sec-ingest-writer";
        createFreshLlocoIndex(index);
        for (boolean lloco : List.of(false, true)) {
            Map<String, Object> r = call(
                as("writer_compress", lloco),
                "POST",
                "/" + index + "/_bulk?pipeline=" + COMPRESS + "&refresh=true",
                BULK
            );
            assertEquals(r.toString(), false, r.get("errors"));
        }
        assertEquals(4, count(index));
        Map<String, Object> hits = (Map<String, Object>) admin("POST", "/" + index + "/_search", "{\"size\":10}").get("hits");
        for (Map<String, Object> h : (List<Map<String, Object>>) hits.get("hits")) {
            Map<String, Object> lloco = (Map<String, Object>) ((Map<String, Object>) h.get("_source")).get("lloco");
            assertNotNull(h.toString(), lloco);
            assertEquals("lloco-tiny", lloco.get("model"));
            assertTrue(lloco.toString(), ((Number) lloco.get("segment_count")).intValue() > 0);
        }
    }

    /**
     * Indexing through the pipeline needs only write access to the index, like every other processor, through any
     * node: the processor's internal compress action runs as the node once the bulk request has been authorized. A
     * user without write access is still refused, and nothing is stored.
     */
    public void testWriteAloneIndexesThroughThePipeline() throws Exception {
        String index = "sec-ingest-write-target";
        createFreshLlocoIndex(index);
        for (boolean lloco : List.of(false, true)) {
            Map<String, Object> r = call(as("writer", lloco), "POST", "/" + index + "/_bulk?pipeline=" + COMPRESS + "&refresh=true", BULK);
            assertEquals(r.toString(), false, r.get("errors"));
        }
        assertEquals(4, count(index));
        fails(403, as("asker_bare"), "POST", "/" + index + "/_doc?pipeline=" + COMPRESS, "{\"body\":\"One more sentence.\"}");
        assertEquals(4, count(index));
    }
}
