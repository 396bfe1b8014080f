/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.test.OpenSearchTestCase;

/** {@link EngineStatus} renders what the map-building {@code EngineService.describe} rendered and survives the wire. */
public class EngineStatusTests extends OpenSearchTestCase {

    /** What describe read from the bootstrap status (null before a start). */
    record Boot(String djlVersion, String pytorchVersion, String source, String libraryPath, String flavor, List<String> devices) {
    }

    /**
     * The former EngineService.describe, verbatim but for its inputs passed in ({@code enabled}, the bootstrap status,
     * {@code started()}, {@code failure()}, the settings, the compute devices and their dtypes, the self test).
     */
    private static Map<String, Object> oldDescribe(
        boolean enabled,
        Boot s,
        boolean started,
        String failure,
        Map<String, String> dtypeOf,
        List<String> computeDevices,
        Map<String, Object> selfTest
    ) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (enabled == false) {
            m.put("status", "disabled");
            m.put("reason", "[plugins.lloco.engine.enabled] is false on this node");
        } else if (s == null) {
            m.put("status", "not_started");
        } else {
            m.put("status", started ? "started" : "failed");
            if (failure != null) {
                m.put("error", failure);
            }
        }
        m.put("offline", true);
        m.put("djl_version", s == null ? null : s.djlVersion());
        m.put("pytorch_version", s == null ? null : s.pytorchVersion());
        m.put("libtorch_source", s == null ? null : s.source());
        m.put("library_path", s == null ? null : s.libraryPath());
        m.put("flavor", s == null ? null : s.flavor());
        m.put("devices", s == null ? List.of() : s.devices());
        m.put("device_setting", "auto");
        m.put("compute_devices", computeDevices);
        Map<String, Object> dtypes = new LinkedHashMap<>();
        for (String d : computeDevices) {
            dtypes.put(d, dtypeOf.get(d));
        }
        m.put("dtype_setting", "auto");
        m.put("weights_dtype_setting", "auto");
        m.put("dtype", dtypes);
        m.put("num_threads", 4);
        m.put("num_interop_threads", 1);
        m.put("cache_dir", "/data/djl");
        if (selfTest != null && started) {
            m.put("self_test", selfTest);
        }
        return m;
    }

    /** The new describe over the same inputs. */
    private static EngineStatus newDescribe(
        boolean enabled,
        Boot s,
        boolean started,
        String failure,
        Map<String, String> dtypeOf,
        List<String> computeDevices,
        EngineStatus.SelfTest selfTest
    ) {
        String status;
        String reason = null;
        String error = null;
        if (enabled == false) {
            status = "disabled";
            reason = "[plugins.lloco.engine.enabled] is false on this node";
        } else if (s == null) {
            status = "not_started";
        } else {
            status = started ? "started" : "failed";
            error = failure;
        }
        Map<String, String> dtypes = new LinkedHashMap<>();
        for (String d : computeDevices) {
            dtypes.put(d, dtypeOf.get(d));
        }
        return new EngineStatus(
            status,
            reason,
            error,
            s == null ? null : s.djlVersion(),
            s == null ? null : s.pytorchVersion(),
            s == null ? null : s.source(),
            s == null ? null : s.libraryPath(),
            s == null ? null : s.flavor(),
            s == null ? List.of() : s.devices(),
            "auto",
            computeDevices,
            "auto",
            "auto",
            dtypes,
            4,
            1,
            "/data/djl",
            selfTest != null && started ? selfTest : null
        );
    }

    /** The former selfTest map, for a run that computed {@code y} (null: threw {@code thrown}). */
    private static Map<String, Object> oldSelfTest(float[] y, String thrown, long micros) {
        Map<String, Object> r = new LinkedHashMap<>();
        if (y != null) {
            r.put("op", "matmul [[1,2],[3,4]] x [1,10]");
            r.put("device", "cpu");
            r.put("result", List.of(y[0], y[1]));
            r.put("ok", y[0] == 21f && y[1] == 43f);
        }
        if (thrown != null) {
            r.put("ok", false);
            r.put("error", thrown);
        }
        r.put("micros", micros);
        return r;
    }

    private static EngineStatus.SelfTest newSelfTest(float[] y, String thrown, long micros) {
        boolean ok = y != null && thrown == null && y[0] == 21f && y[1] == 43f;
        return y == null
            ? new EngineStatus.SelfTest(null, null, null, ok, thrown, micros)
            : new EngineStatus.SelfTest("matmul [[1,2],[3,4]] x [1,10]", "cpu", List.of(y[0], y[1]), ok, thrown, micros);
    }

    private static String json(Object map) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return XContentFactory.jsonBuilder().map(m).toString();
    }

    private static String json(EngineStatus s) throws IOException {
        return s.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS).toString();
    }

    public void testSameJsonAsTheMapAndWireRoundTrip() throws IOException {
        Boot started = new Boot("0.36.0", "2.7.1", "bundled", "/data/djl/pytorch/2.7.1-cpu", "cpu", List.of("cpu", "cuda:0"));
        Boot failed = new Boot("0.36.0", null, "libtorch_path", null, null, List.of());
        Map<String, String> dtypeOf = Map.of("cpu", "float32", "cuda:0", "bfloat16");
        List<float[]> runs = java.util.Arrays.asList(new float[]{21f, 43f}, new float[]{1f, 2f}, null);
        int cases = 0;
        for (boolean enabled : new boolean[]{true, false}) {
            for (Boot s : java.util.Arrays.asList(started, failed, null)) {
                for (boolean isStarted : new boolean[]{true, false}) {
                    for (String failure : java.util.Arrays.asList(null, "no libtorch")) {
                        for (List<String> devices : List.<List<String>>of(List.of(), List.of("cuda:0", "cpu"))) {
                            for (float[] y : runs) {
                                for (String thrown : java.util.Arrays.asList(null, "java.lang.IllegalStateException: boom")) {
                                    if (y == null && thrown == null) {
                                        continue;
                                    }
                                    for (boolean selfTest : new boolean[]{true, false}) {
                                        Map<String, Object> old = oldDescribe(
                                            enabled,
                                            s,
                                            isStarted,
                                            failure,
                                            dtypeOf,
                                            devices,
                                            selfTest ? oldSelfTest(y, thrown, 17L) : null
                                        );
                                        EngineStatus now = newDescribe(
                                            enabled,
                                            s,
                                            isStarted,
                                            failure,
                                            dtypeOf,
                                            devices,
                                            selfTest ? newSelfTest(y, thrown, 17L) : null
                                        );
                                        assertEquals(json(old), json(now));
                                        BytesStreamOutput out = new BytesStreamOutput();
                                        now.writeTo(out);
                                        EngineStatus back = EngineStatus.readFrom(out.bytes().streamInput());
                                        assertEquals(now, back);
                                        assertEquals(json(old), json(back));
                                        cases++;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(cases > 100);
    }
}
