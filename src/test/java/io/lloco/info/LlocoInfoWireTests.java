/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.Version;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.engine.AdapterSummary;
import io.lloco.engine.EngineStatus;
import io.lloco.engine.ModelSummary;
import io.lloco.testing.MemoryFixtures;

/** The info node response renders what the former info map rendered and survives the transport wire. */
public class LlocoInfoWireTests extends OpenSearchTestCase {

    private static EngineStatus engine() {
        return new EngineStatus(
            "started",
            null,
            null,
            "0.36.0",
            null,
            "bundled",
            "/data/djl/pytorch",
            "cpu",
            List.of("cpu"),
            "auto",
            List.of("cpu"),
            "auto",
            "auto",
            Map.of("cpu", "float32"),
            2,
            1,
            "/data/djl",
            new EngineStatus.SelfTest("matmul", "cpu", List.of(21f, 43f), true, null, 123L)
        );
    }

    /** The engine section as the former map-building EngineService.describe had it (EngineStatusTests checks they agree). */
    private static Map<String, Object> engineMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "started");
        m.put("offline", true);
        m.put("djl_version", "0.36.0");
        m.put("pytorch_version", null);
        m.put("libtorch_source", "bundled");
        m.put("library_path", "/data/djl/pytorch");
        m.put("flavor", "cpu");
        m.put("devices", List.of("cpu"));
        m.put("device_setting", "auto");
        m.put("compute_devices", List.of("cpu"));
        m.put("dtype_setting", "auto");
        m.put("weights_dtype_setting", "auto");
        m.put("dtype", Map.of("cpu", "float32"));
        m.put("num_threads", 2);
        m.put("num_interop_threads", 1);
        m.put("cache_dir", "/data/djl");
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("op", "matmul");
        self.put("device", "cpu");
        self.put("result", List.of(21f, 43f));
        self.put("ok", true);
        self.put("micros", 123L);
        m.put("self_test", self);
        return m;
    }

    /** The former loadedSummary entry, verbatim but for reading the status map's values from arguments. */
    private static Map<String, Object> oldModel(ModelSummary m) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", m.id());
        s.put("kind", "base");
        s.put("path", m.path());
        s.put("parameters", m.parameters());
        s.put("bytes", m.bytes());
        s.put("device", m.device());
        s.put("dtype", m.dtype());
        return s;
    }

    /** The former adapterSummary entry. */
    private static Map<String, Object> oldAdapter(AdapterSummary a) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", a.id());
        s.put("kind", "lora");
        s.put("model", a.model());
        s.put("path", a.path());
        s.put("parameters", a.parameters());
        s.put("bytes", a.bytes());
        return s;
    }

    /** The former nodeOperation map and node response rendering. */
    private static String oldJson(LlocoInfoNodeResponse.Info i) throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", i.name());
        info.put("node_id", i.nodeId());
        info.put("roles", i.roles());
        info.put("lloco_role", i.llocoRole());
        Map<String, Object> plugin = new LinkedHashMap<>();
        plugin.put("name", i.pluginName());
        plugin.put("version", i.pluginVersion());
        info.put("plugin", plugin);
        info.put("opensearch_version", i.opensearchVersion());
        info.put("engine", engineMap());
        List<Map<String, Object>> models = new ArrayList<>();
        i.models().forEach(m -> models.add(oldModel(m)));
        info.put("models", models);
        List<Map<String, Object>> adapters = new ArrayList<>();
        i.adapters().forEach(a -> adapters.add(oldAdapter(a)));
        info.put("adapters", adapters);
        info.put("memory", MemoryFixtures.memoryMap());
        XContentBuilder b = XContentFactory.jsonBuilder().startObject();
        for (Map.Entry<String, Object> e : info.entrySet()) {
            b.field(e.getKey(), e.getValue());
        }
        return b.endObject().toString();
    }

    private static String json(LlocoInfoNodeResponse r) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder().startObject();
        r.toXContent(b, ToXContent.EMPTY_PARAMS);
        return b.endObject().toString();
    }

    public void testSameJsonAsTheMapAndWireRoundTrip() throws IOException {
        DiscoveryNode node = new DiscoveryNode("n1", buildNewFakeTransportAddress(), Version.CURRENT);
        List<LlocoInfoNodeResponse.Info> cases = List.of(
            new LlocoInfoNodeResponse.Info(
                "node-1",
                "n1",
                List.of("data", "lloco"),
                true,
                "lloco",
                "3.6.0.0",
                "3.6.0",
                engine(),
                List.of(
                    new ModelSummary("m", "/config/lloco/models/m", 1_100_048_384L, 2_200_096_768L, "cpu", "bfloat16"),
                    new ModelSummary("n", null, 7L, 14L, null, null)
                ),
                List.of(
                    new AdapterSummary("qa", "m", "/config/lloco/adapters/qa", 6_307_840L, 12_615_680L),
                    new AdapterSummary("own", "m", null, 1L, 2L)
                ),
                MemoryFixtures.memory()
            ),
            new LlocoInfoNodeResponse.Info(
                "node-2", "n2", List.of(), false, "lloco", null, "3.6.0", engine(), List.of(), List.of(), MemoryFixtures.memory()
            )
        );
        for (LlocoInfoNodeResponse.Info info : cases) {
            LlocoInfoNodeResponse r = new LlocoInfoNodeResponse(node, info);
            assertEquals(oldJson(info), json(r));
            BytesStreamOutput out = new BytesStreamOutput();
            r.writeTo(out);
            LlocoInfoNodeResponse back = new LlocoInfoNodeResponse(out.bytes().streamInput());
            assertEquals(info.models(), back.info().models());
            assertEquals(info.adapters(), back.info().adapters());
            assertEquals(oldJson(info), json(back));
        }
    }
}
