/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ.security;

import java.util.List;
import java.util.Map;

import org.apache.lucene.tests.util.LuceneTestCase.AwaitsFix;
import org.junit.Before;

/**
 * Indexing through a {@code lloco_compress} pipeline as a real user (docs/security.md): the processor runs the
 * internal {@code cluster:internal/lloco/compress} action inside the user's bulk request, so today a writer needs that
 * cluster permission besides write access to the index — through any node, since the processor always executes the
 * action (which then runs here or on a {@code lloco} node). A refused document is not stored.
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

    /** Write access alone: every document is refused with a 403 naming the internal action, and nothing is stored. */
    @SuppressWarnings("unchecked")
    public void testWriteAloneIsRefusedTheCompressActionToday() throws Exception {
        String index = "sec-ingest-write-only";
        createFreshLlocoIndex(index);
        for (boolean lloco : List.of(false, true)) {
            Map<String, Object> r = call(as("writer", lloco), "POST", "/" + index + "/_bulk?pipeline=" + COMPRESS + "&refresh=true", BULK);
            assertEquals(r.toString(), true, r.get("errors"));
            for (Map<String, Object> item : items(r)) {
                Map<String, Object> op = (Map<String, Object>) item.get("index");
                assertEquals(op.toString(), 403, ((Number) op.get("status")).intValue());
                String reason = String.valueOf(((Map<String, Object>) op.get("error")).get("reason"));
                assertTrue(
                    reason,
                    reason.contains("no permissions for [cluster:internal/lloco/compress]") && reason.contains("name=writer")
                );
            }
            String single = fails(
                403,
                as("writer", lloco),
                "POST",
                "/" + index + "/_doc?pipeline=" + COMPRESS,
                "{\"body\":\"One more sentence.\"}"
            );
            assertTrue(single, single.contains("cluster:internal/lloco/compress"));
        }
        assertEquals(0, count(index));
        // control: the same writer may write to the index without the pipeline
        call(as("writer"), "POST", "/" + index + "/_doc?refresh=true", "{\"body\":\"plain\"}");
        assertEquals(1, count(index));
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
     * Target: indexing through the pipeline needs only write access to the index, like every other processor. Needs
     * the processor's internal compress action executed as the node ({@code ingest/RoutedCompressService}:
     * {@code threadContext.stashContext()} around {@code client.execute}, restoring the caller's context in the
     * listener), once the bulk request itself has been authorized.
     */
    @AwaitsFix(bugUrl = "issue 24: the internal compress action should not need a user permission (stash the context in ingest/)")
    public void testWriteAloneIndexesThroughThePipeline() throws Exception {
        String index = "sec-ingest-write-target";
        createFreshLlocoIndex(index);
        Map<String, Object> r = call(as("writer"), "POST", "/" + index + "/_bulk?pipeline=" + COMPRESS + "&refresh=true", BULK);
        assertEquals(r.toString(), false, r.get("errors"));
        assertEquals(2, count(index));
    }
}
