/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.ExceptionsHelper;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;
import io.lloco.engine.ModelService.AdapterInfo;
import io.lloco.runtime.model.MemoryEstimate;

/**
 * {@link ModelStatus} renders exactly what the map-building {@code ModelService.describe} rendered (same keys, order,
 * optional fields and numbers) and survives the transport wire.
 */
public class ModelStatusTests extends OpenSearchTestCase {

    /** What a loaded model reported (the {@link ModelService.LoadedModel} and {@code info()} getters). */
    record Model(String device, String dtype, long parameters, String fingerprint, long weightBytes, int users) {
    }

    /** The memory estimate's figures. */
    record Estimate(long parameters, long weightBytes, long kvCacheBytes, long totalBytes) {
    }

    /** An entry's fields, as describe read them. */
    record Entry(
        String id,
        String state,
        String dir,
        Model model,
        Estimate est,
        List<AdapterInfo> adapters,
        String fingerprint,
        long loadMillis,
        long startedMillis,
        Map<String, Object> progress,
        Exception failure) {
    }

    /** The former ModelService.describe, verbatim but for reading the entry's fields from {@link Entry}. */
    private static Map<String, Object> oldDescribe(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id);
        m.put("state", e.state);
        m.put("path", e.dir == null ? null : e.dir);
        Model model = e.model;
        Estimate est = e.est;
        if (model != null) {
            m.put("device", model.device());
            m.put("dtype", model.dtype());
            m.put("parameters", model.parameters());
            m.put("fingerprint", model.fingerprint());
            m.put("weight_bytes", model.weightBytes());
            m.put("kv_cache_budget_bytes", est == null ? 0 : est.kvCacheBytes());
            long adapterBytes = 0;
            List<Map<String, Object>> adapters = new ArrayList<>();
            for (AdapterInfo a : e.adapters) {
                adapterBytes += a.bytes();
                Map<String, Object> am = new LinkedHashMap<>();
                am.put("name", a.name());
                am.put("path", a.path());
                am.put("parameters", a.parameters());
                am.put("bytes", a.bytes());
                adapters.add(am);
            }
            m.put("adapter_bytes", adapterBytes);
            m.put("reserved_bytes", (est == null ? 0 : est.totalBytes()) + adapterBytes);
            m.put("adapters", adapters);
            m.put("users", model.users());
            m.put("load_millis", e.loadMillis);
        } else {
            if (est != null) {
                m.put("parameters", est.parameters());
                m.put("weight_bytes", est.weightBytes());
                m.put("kv_cache_budget_bytes", est.kvCacheBytes());
            }
            if (e.fingerprint != null) {
                m.put("fingerprint", e.fingerprint);
            }
        }
        m.put("started_at_millis", e.startedMillis);
        if ("loading".equals(e.state)) {
            m.put("progress", e.progress);
        }
        Exception f = e.failure;
        if (f != null && "failed".equals(e.state)) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("status", ExceptionsHelper.status(f).getStatus());
            err.put("reason", f.getMessage());
            m.put("error", err);
        }
        return m;
    }

    /** The estimate as the runtime holds it (the scratch makes up the rest of its total). */
    private static MemoryEstimate estimate(Estimate e) {
        return e == null
            ? null
            : new MemoryEstimate(
                e.parameters(), e.weightBytes(), e.kvCacheBytes(), 0, 2, 0, 0, e.totalBytes() - e.weightBytes() - e.kvCacheBytes()
            );
    }

    /** ModelService.describe's call of the ModelStatus factories, over the same fields. */
    private static ModelStatus newDescribe(Entry e) {
        Map<String, Object> progress = "loading".equals(e.state) ? e.progress : null;
        ModelStatus.Failure error = e.failure != null && "failed".equals(e.state)
            ? new ModelStatus.Failure(ExceptionsHelper.status(e.failure).getStatus(), e.failure.getMessage())
            : null;
        Model model = e.model;
        if (model != null) {
            List<ModelStatus.AdapterStatus> adapters = new ArrayList<>();
            for (AdapterInfo a : e.adapters) {
                adapters.add(new ModelStatus.AdapterStatus(a.name(), a.path(), a.parameters(), a.bytes()));
            }
            return ModelStatus.inMemory(
                e.id,
                e.state,
                e.dir,
                model.device(),
                model.dtype(),
                model.parameters(),
                model.fingerprint(),
                model.weightBytes(),
                estimate(e.est),
                adapters,
                model.users(),
                e.loadMillis,
                e.startedMillis,
                progress,
                error
            );
        }
        return ModelStatus.notInMemory(e.id, e.state, e.dir, estimate(e.est), e.fingerprint, e.startedMillis, progress, error);
    }

    private static Map<String, Object> progress() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", "m");
        m.put("phase", "weights");
        m.put("device", "cpu");
        m.put("dtype", "bfloat16");
        m.put("fingerprint_bytes_hashed", 10L);
        m.put("fingerprint_bytes_total", 10L);
        m.put("tensors_loaded", 3L);
        m.put("tensors_total", 291L);
        m.put("bytes_loaded", 1234L);
        m.put("bytes_total", 99999L);
        m.put("running_millis", 42L);
        return m;
    }

    private static List<Entry> entries() {
        Model model = new Model("cpu", "bfloat16", 1_100_048_384L, "sha256:abc", 2_200_096_768L, 2);
        Estimate est = new Estimate(1_100_048_384L, 2_200_096_768L, 45_088_768L, 2_400_000_000L);
        List<AdapterInfo> two = List.of(
            new AdapterInfo("qa", "/config/lloco/adapters/qa", 6_307_840L, 12_615_680L),
            new AdapterInfo("own", null, 1L, 2L)
        );
        return List.of(
            new Entry("m", "loaded", "/config/lloco/models/m", model, est, two, "sha256:abc", 1234L, 1_700_000_000_000L, null, null),
            new Entry("m", "unloading", null, new Model("cuda:0", "float16", 7L, null, 14L, 0), null, List.of(), null, 0L, 5L, null, null),
            new Entry("m", "loading", null, null, null, List.of(), null, 0L, 6L, progress(), null),
            new Entry("m", "loading", "/d", null, est, List.of(), "sha256:abc", 0L, 7L, progress(), null),
            new Entry("m", "loading", "/d", null, est, List.of(), null, 0L, 7L, progress(), null),
            new Entry(
                "big", "failed", "/d", null, est, List.of(), null, 0L, 8L, null,
                new LlocoException("too big", RestStatus.SERVICE_UNAVAILABLE)
            ),
            new Entry("x", "failed", null, null, null, List.of(), "fp", 0L, 9L, null, new IllegalStateException()),
            // a failure kept on an entry no longer failed is not shown
            new Entry("y", "loading", null, null, null, List.of(), null, 0L, 9L, progress(), new IllegalStateException("old"))
        );
    }

    private static String json(Map<String, Object> m) throws IOException {
        return XContentFactory.jsonBuilder().map(m).toString();
    }

    private static String json(ModelStatus s) throws IOException {
        return s.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS).toString();
    }

    public void testSameJsonAsTheMaps() throws IOException {
        for (Entry e : entries()) {
            assertEquals(e.toString(), json(oldDescribe(e)), json(newDescribe(e)));
        }
    }

    public void testSameJsonInsideAnObject() throws IOException {
        // rendered as a field value (how the node response writes it), still the same
        List<Map<String, Object>> maps = entries().stream().map(ModelStatusTests::oldDescribe).toList();
        XContentBuilder old = XContentFactory.jsonBuilder().startObject().field("models", maps).endObject();
        XContentBuilder now = XContentFactory.jsonBuilder().startObject().startArray("models");
        for (Entry e : entries()) {
            newDescribe(e).toXContent(now, ToXContent.EMPTY_PARAMS);
        }
        now.endArray().endObject();
        assertEquals(old.toString(), now.toString());
    }

    public void testWireRoundTrip() throws IOException {
        for (Entry e : entries()) {
            ModelStatus s = newDescribe(e);
            BytesStreamOutput out = new BytesStreamOutput();
            s.writeTo(out);
            ModelStatus back = ModelStatus.readFrom(out.bytes().streamInput());
            assertEquals(s, back);
            assertEquals(json(s), json(back));
            assertEquals(s.inMemory(), e.model() != null);
        }
    }
}
