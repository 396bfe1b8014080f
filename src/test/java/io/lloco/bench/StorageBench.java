/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.opensearch.action.search.MultiSearchResponse;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.qa.LlocoQaRequest;
import io.lloco.qa.search.RetrievalSearch;
import io.lloco.qa.search.RetrievedDoc;
import io.lloco.qa.search.SegmentFetch;
import io.lloco.store.StorageScaleIT;
import io.lloco.store.StoreLayout;
import io.lloco.testing.LlocoIntegTestCase;

/**
 * The two storage designs at Llama-2-7B shape, side by side in one run on one node ({@code bench/storage/run.sh};
 * {@code -Dbench.docs}, {@code -Dbench.reps}): summaries in binary doc values and out of {@code _source} (the
 * documented mapping) against summaries in {@code _source} only. Per design: index bytes per source token right after
 * ingest (the index still keeps each document's original source as {@code _recovery_source} for peer recovery) and at
 * steady state (estimated: the same documents indexed without summaries, plus the summaries' doc values), the bytes and time of the retrieval search and of fetching the 3
 * segments a question reads, and of a plain {@code GET} of one document. Not a CI test (no *Tests or *IT suffix).
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 1, numClientNodes = 0, supportsDedicatedMasters = false)
public class StorageBench extends LlocoIntegTestCase {

    private static long storeBytes(String index) throws Exception {
        Map<String, Object> stats = call("GET", "/" + index + "/_stats/store", null);
        @SuppressWarnings("unchecked")
        Map<String, Object> store = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) stats.get("_all")).get("primaries"))
            .get("store");
        return ((Number) store.get("size_in_bytes")).longValue();
    }

    /**
     * Bytes of one kind of Lucene file (by extension, e.g. {@code dvd} for doc values data, {@code fdt} for stored
     * fields) in the index's live segments; null: every kind.
     */
    @SuppressWarnings("unchecked")
    private static long fileBytes(String index, String ext) throws Exception {
        call("POST", "/" + index + "/_refresh", null);
        Map<String, Object> stats = call("GET", "/" + index + "/_stats/segments?include_segment_file_sizes=true", null);
        Map<String, Object> seg = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) stats.get("_all")).get("primaries"))
            .get("segments");
        Map<String, Object> files = (Map<String, Object>) seg.get("file_sizes");
        long total = 0;
        for (Map.Entry<String, Object> e : files.entrySet()) {
            if (ext == null || ext.equals(e.getKey())) {
                total += ((Number) ((Map<String, Object>) e.getValue()).get("size_in_bytes")).longValue();
            }
        }
        return total;
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }

    public void testStorageDesigns() throws Exception {
        int docs = Integer.getInteger("bench.docs", 6);
        int reps = Integer.getInteger("bench.reps", 21);
        long tokens = (long) docs * StorageScaleIT.SEGMENTS * StorageScaleIT.SEGMENT_TOKENS;
        List<String> lines = new ArrayList<>();
        // the same documents without summaries: what the documented layout holds at steady state besides their doc values
        call("PUT", "/text", StorageScaleIT.mapping(false));
        Random rt = new Random(7);
        for (int d = 0; d < docs; d++) {
            call("PUT", "/text/_doc/doc" + d, StorageScaleIT.document(rt).replaceAll(",\"summaries\":\"[^\"]*\"", ""));
        }
        call("POST", "/text/_refresh", null);
        call("POST", "/text/_forcemerge?max_num_segments=1&flush=true", null);
        long textFdt = fileBytes("text", "fdt");
        for (boolean dv : new boolean[]{true, false}) {
            String index = dv ? "dv" : "src";
            String mapping = StorageScaleIT.mapping(dv)
                .replaceFirst(
                    "\\{",
                    "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0,\"index.soft_deletes.retention_lease.period\":\"0s\"},"
                );
            call("PUT", "/" + index, mapping);
            Random r = new Random(7);
            for (int d = 0; d < docs; d++) {
                call("PUT", "/" + index + "/_doc/doc" + d, StorageScaleIT.document(r));
            }
            call("POST", "/" + index + "/_refresh", null);
            call("POST", "/" + index + "/_forcemerge?max_num_segments=1&flush=true", null);
            // live segment files only (the store may still hold merged-away files for a while)
            long afterIngest = fileBytes(index, null);
            long fdt = fileBytes(index, "fdt");
            long dvd = fileBytes(index, "dvd");
            // the original source kept for peer recovery lives in the stored fields until pruned: without it, the stored
            // fields are those of the same documents indexed without summaries
            long steady = dv ? afterIngest - fdt + textFdt : afterIngest;
            StoreLayout layout = StoreLayout.of(clusterService().state().metadata().index(index), "lloco");
            long[] retrieve = new long[reps];
            long[] fetch = new long[reps];
            long[] get = new long[reps];
            long fetchBytes = 0;
            long retrieveBytes = 0;
            long getBytes = 0;
            for (int i = 0; i < reps; i++) {
                LlocoQaRequest q = new LlocoQaRequest(index).question("payment clause within days of notice " + i)
                    .size(1)
                    .granularity(LlocoQaRequest.Granularity.SEGMENT, 3);
                long t0 = System.nanoTime();
                var resp = client().search(RetrievalSearch.build(q, true)).actionGet();
                retrieve[i] = System.nanoTime() - t0;
                retrieveBytes = wire(resp);
                RetrievedDoc doc = RetrievalSearch.parse(resp, q).docs().get(0);
                List<Integer> ords = doc.matched().stream().map(RetrievedDoc.MatchedSegment::ord).toList();
                List<SegmentFetch.Item> items = List.of(new SegmentFetch.Item(doc, layout, ords, true, false, false));
                long t1 = System.nanoTime();
                MultiSearchResponse m = client().multiSearch(SegmentFetch.build(items)).actionGet();
                fetch[i] = System.nanoTime() - t1;
                fetchBytes = wire(m);
                assertNull(SegmentFetch.parse(items, m).docs().get(0).error());
                long t2 = System.nanoTime();
                var g = client().prepareGet(index, "doc" + (i % docs)).get();
                get[i] = System.nanoTime() - t2;
                getBytes = g.getSourceAsBytesRef().length();
            }
            lines.add(
                String.format(
                    Locale.ROOT,
                    "| %s | %.1f | %.1f / %.1f | %.1f | %,d B, %.1f ms | %,d B (%.3f× the 1,228,800 summary bytes), %.1f ms | %,d B, %.1f ms |",
                    dv ? "doc values, out of `_source` (documented)" : "`_source` only",
                    (double) afterIngest / tokens,
                    (double) dvd / tokens,
                    (double) fdt / tokens,
                    (double) steady / tokens,
                    retrieveBytes,
                    median(retrieve),
                    fetchBytes,
                    fetchBytes / 1_228_800.0,
                    median(fetch),
                    getBytes,
                    median(get)
                )
            );
        }
        logger.info(
            "STORAGE BENCH {} documents x {} segments of {} tokens, hidden {}, {} summaries, float16; medians of {} runs\n"
                + "| design | bytes/token after ingest | of which doc values / stored fields | bytes/token at steady state | retrieval (bytes, time) | fetch 3 segments (bytes, time) | GET one document (_source bytes, time) |\n"
                + "|---|---|---|---|---|---|---|\n{}",
            docs,
            StorageScaleIT.SEGMENTS,
            StorageScaleIT.SEGMENT_TOKENS,
            StorageScaleIT.HIDDEN,
            StorageScaleIT.L,
            reps,
            String.join("\n", lines)
        );
    }

    private static long wire(org.opensearch.core.common.io.stream.Writeable w) throws Exception {
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            w.writeTo(out);
            return out.size();
        }
    }
}
