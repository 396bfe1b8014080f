/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.opensearch.client.ResponseException;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;
import io.lloco.testing.LlocoIntegTestCase;

/**
 * The two ways a node used to die, on one node with the embedded {@code lloco-tiny} (hidden 256, 16 summaries per
 * 64-token segment), and what a question does with stored data that is corrupt or written by hand:
 * <ul>
 *   <li>{@code size: 25} over 25 documents of 63k tokens (985 segments, 8 MB of summaries each): only the segments that
 *   fit the window are fetched; the rest are counted in {@code usage.truncated_segments} with a warning, or a 400 with
 *   {@code truncate: false};</li>
 *   <li>a stored document declaring {@code summary_length: 50000, hidden: 10000}: refused before anything is allocated
 *   from it, every time it is retrieved;</li>
 *   <li>mis-sized, non-finite and hand-written summaries: skipped with a warning naming the document and the field;</li>
 * </ul>
 * and the node answers ordinary questions afterwards.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 1, numClientNodes = 0, supportsDedicatedMasters = false)
public class QaRobustnessIT extends LlocoIntegTestCase {

    static final int HIDDEN = 256;
    static final int L = 16;
    static final int SEGMENT_TOKENS = 64;

    /** A document in lloco-tiny's shape with {@code segments} segments; {@code overrides} replace header fields (null: removed). */
    static String document(Random r, int segments, Map<String, Object> overrides, byte[] firstBlock) {
        StringBuilder body = new StringBuilder();
        StringBuilder segs = new StringBuilder();
        int at = 0;
        for (int s = 0; s < segments; s++) {
            String t = "Segment " + s + " says the harbour of Tallowmere keeps its lamps lit all night. ";
            float[] v = new float[L * HIDDEN];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            byte[] block = s == 0 && firstBlock != null ? firstBlock : SummaryBlock.toBytes(v, SummaryDtype.FLOAT16);
            if (s > 0) {
                segs.append(',');
            }
            segs.append(
                String.format(
                    Locale.ROOT,
                    "{\"ord\":%d,\"start\":%d,\"end\":%d,\"tokens\":%d,\"text\":\"%s\",\"summaries\":\"%s\"}",
                    s,
                    at,
                    at + t.length(),
                    SEGMENT_TOKENS,
                    t,
                    Base64.getEncoder().encodeToString(block)
                )
            );
            at += t.length();
            body.append(t);
        }
        Map<String, Object> header = new java.util.LinkedHashMap<>();
        header.put("model", "lloco-tiny");
        header.put("fingerprint", "sha256:hand");
        header.put("source_field", "body");
        header.put("mode", "independent");
        header.put("dtype", "float16");
        header.put("tokens", segments * SEGMENT_TOKENS);
        header.put("segment_tokens", SEGMENT_TOKENS);
        header.put("segment_boundary", "tokens");
        header.put("summary_length", L);
        header.put("hidden", HIDDEN);
        header.put("segment_count", segments);
        overrides.forEach((k, v) -> {
            if (v == null) {
                header.remove(k);
            } else {
                header.put(k, v);
            }
        });
        StringBuilder h = new StringBuilder();
        header.forEach(
            (k, v) -> h.append(h.length() == 0 ? "" : ",").append('"').append(k).append("\":")
                .append(v instanceof String ? "\"" + v + "\"" : v)
        );
        return String.format(Locale.ROOT, "{\"body\":\"%s\",\"lloco\":{%s,\"segments\":[%s]}}", body, h, segs);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> usage(Map<String, Object> r) {
        return (Map<String, Object>) r.get("usage");
    }

    @SuppressWarnings("unchecked")
    public void testManyLargeDocumentsAndHostileStoredDataNeverKillTheNode() throws Exception {
        Random r = new Random(42);
        call("PUT", "/big", llocoMapping());
        // 25 documents of 63k tokens: 985 segments and 8 MB of float16 summaries each
        int segments = 63_000 / SEGMENT_TOKENS;
        for (int d = 0; d < 25; d++) {
            call("PUT", "/big/_doc/d" + d, document(r, segments, Map.of(), null));
        }
        call("POST", "/big/_refresh", null);
        Map<String, Object> answer = call("POST", "/big/_lloco_qa", "{\"question\":\"Which harbour keeps its lamps lit?\",\"size\":25}");
        Map<String, Object> u = usage(answer);
        int read = (Integer) u.get("summary_positions") / L;
        assertTrue("the window holds at most 2048 / 16 segments, read " + read, read > 0 && read <= 2048 / L);
        assertEquals(25 * segments - read, u.get("truncated_segments"));
        assertEquals((long) read * L * HIDDEN * 2, ((Number) u.get("summary_bytes_read")).longValue());
        assertEquals(0, ((Number) u.get("source_bytes_fetched")).intValue());
        List<String> warnings = (List<String>) answer.get("warnings");
        assertTrue(
            warnings.toString(),
            warnings.stream().anyMatch(w -> w.contains("did not fit the window") && w.contains("max_summary_positions"))
        );
        ResponseException strict = expectThrows(
            ResponseException.class,
            () -> call("POST", "/big/_lloco_qa", "{\"question\":\"Which harbour?\",\"size\":25,\"truncate\":false}")
        );
        assertEquals(400, strict.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(strict), errorBody(strict).contains("summary positions, the window leaves"));

        // hostile stored documents beside a good one
        call("PUT", "/odd", llocoMapping());
        call("PUT", "/odd/_doc/good", document(r, 3, Map.of(), null));
        call("PUT", "/odd/_doc/huge", document(r, 3, Map.of("summary_length", 50000, "hidden", 10000), null));
        call("PUT", "/odd/_doc/short", document(r, 3, Map.of(), new byte[100]));
        float[] nan = new float[L * HIDDEN];
        nan[17] = Float.NaN;
        call("PUT", "/odd/_doc/nan", document(r, 3, Map.of(), SummaryBlock.toBytes(nan, SummaryDtype.FLOAT16)));
        call("PUT", "/odd/_doc/bf16", document(r, 3, Map.of("dtype", "bfloat16"), null));
        call("PUT", "/odd/_doc/nohidden", document(r, 3, java.util.Collections.singletonMap("hidden", null), null));
        call("PUT", "/odd/_doc/wide", document(r, 3, Map.of("hidden", 512), null));
        call("POST", "/odd/_refresh", null);
        String all = "[\"huge\",\"short\",\"nan\",\"bf16\",\"nohidden\",\"wide\",\"good\"]";
        for (int rep = 0; rep < 2; rep++) {
            Map<String, Object> a = call("POST", "/odd/_lloco_qa", "{\"question\":\"Which harbour?\",\"doc_ids\":" + all + "}");
            List<Map<String, Object>> sources = (List<Map<String, Object>>) a.get("sources");
            assertEquals(List.of("good"), sources.stream().map(s -> s.get("_id")).toList());
            String w = String.join("\n", (List<String>) a.get("warnings"));
            assertTrue(w, w.contains("[odd][huge]: field [lloco.summary_length] must be between 1 and 4096, got [50000]"));
            assertTrue(w, w.contains("[odd][short]: field [lloco.segments.summaries] of segment 0 holds 100 bytes, expected 8192"));
            assertTrue(
                w,
                w.contains("[odd][nan]: field [lloco.segments.summaries] of segment 0 holds a NaN or infinite value (row 0, column 17)")
            );
            assertTrue(w, w.contains("[odd][bf16]: field [lloco.dtype] must be one of [float16, float32], got [bfloat16]"));
            assertTrue(w, w.contains("[odd][nohidden]: field [lloco.hidden] is missing"));
            assertTrue(w, w.contains("[odd][wide]: field [lloco.hidden] declares vectors of 512 values, model [lloco-tiny] reads 256"));
        }
        // nothing usable left: a 400 that says why, naming the document and the field
        ResponseException only = expectThrows(
            ResponseException.class,
            () -> call("POST", "/odd/_lloco_qa", "{\"question\":\"Which harbour?\",\"doc_ids\":[\"huge\",\"short\"]}")
        );
        assertEquals(400, only.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorBody(only), errorBody(only).contains("[odd][huge]") && errorBody(only).contains("[odd][short]"));
        // full_context reads text: the corrupt summaries do not matter there, the malformed headers still do
        Map<String, Object> full = call(
            "POST",
            "/odd/_lloco_qa",
            "{\"question\":\"Which harbour?\",\"doc_ids\":[\"short\",\"good\"],\"mode\":\"full_context\",\"max_new_tokens\":4}"
        );
        assertEquals(2, ((List<?>) full.get("sources")).size());

        // and the node goes on answering
        Map<String, Object> after = call(
            "POST",
            "/odd/_lloco_qa",
            "{\"question\":\"Which harbour?\",\"doc_ids\":[\"good\"],\"max_new_tokens\":4}"
        );
        assertNotNull(after.get("answer"));
        assertEquals(3 * L, usage(after).get("summary_positions"));
        Map<String, Object> breakers = call("GET", "/_nodes/stats/breaker", null);
        assertTrue(breakers.toString(), breakers.toString().contains("request"));
    }
}
