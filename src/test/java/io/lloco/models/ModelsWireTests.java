/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.Version;
import org.opensearch.action.FailedNodeException;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;
import io.lloco.engine.ModelStatus;
import io.lloco.testing.MemoryFixtures;

/** The models requests, responses and task status survive the transport wire; validation and the HTTP status. */
public class ModelsWireTests extends OpenSearchTestCase {

    public void testRequestsRoundTripAndValidate() throws Exception {
        ModelsLoadRequest load = new ModelsLoadRequest("m-1", "lloco:true");
        BytesStreamOutput out = new BytesStreamOutput();
        load.writeTo(out);
        ModelsLoadRequest back = new ModelsLoadRequest(out.bytes().streamInput());
        assertEquals("m-1", back.modelId());
        assertArrayEquals(new String[]{"lloco:true"}, back.nodesIds());
        assertNull(back.validate());

        ModelsGetRequest all = new ModelsGetRequest((String) null);
        out = new BytesStreamOutput();
        all.writeTo(out);
        assertNull(new ModelsGetRequest(out.bytes().streamInput()).modelId());
        assertNull("get may list every model", all.validate());

        assertTrue(
            new ModelsUnloadRequest((String) null).validate().getMessage(),
            new ModelsUnloadRequest((String) null).validate().getMessage().contains("[model_id] is required")
        );
        assertNotNull(new ModelsLoadRequest("../x").validate());
        assertNotNull(new ModelsLoadRequest("a\\b").validate());
        assertNotNull(new ModelsLoadRequest("x".repeat(256)).validate());
        assertNull(new ModelsLoadRequest("x".repeat(255)).validate());

        ModelsLoadNodeRequest node = new ModelsLoadNodeRequest("m-1");
        out = new BytesStreamOutput();
        node.writeTo(out);
        assertEquals("m-1", new ModelsLoadNodeRequest(out.bytes().streamInput()).modelId());
    }

    public void testStatusRoundTrip() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("model", "m");
        fields.put("phase", "weights");
        fields.put("tensors_loaded", 3L);
        ModelLoadStatus s = new ModelLoadStatus(fields);
        BytesStreamOutput out = new BytesStreamOutput();
        s.writeTo(out);
        ModelLoadStatus back = new ModelLoadStatus(out.bytes().streamInput());
        assertEquals(fields, back.fields());
        assertEquals(ModelLoadStatus.NAME, back.getWriteableName());
    }

    private static DiscoveryNode node(String id) {
        return new DiscoveryNode(id, buildNewFakeTransportAddress(), Version.CURRENT);
    }

    public void testResponseRoundTripAndStatus() throws Exception {
        ModelsNodeResponse ok = new ModelsNodeResponse(node("n1"), new ModelsNodeResponse.Loaded("m", List.of()));
        FailedNodeException failed = new FailedNodeException(
            "n2",
            "Failed node [n2]",
            new LlocoException("unknown model [m]", RestStatus.NOT_FOUND)
        );
        ModelsResponse mixed = new ModelsResponse(new ClusterName("c"), List.of(ok), List.of(failed));
        assertEquals("a node succeeded", RestStatus.OK, mixed.status());
        BytesStreamOutput out = new BytesStreamOutput();
        mixed.writeTo(out);
        ModelsResponse back = new ModelsResponse(out.bytes().streamInput());
        assertEquals(ok.body(), back.getNodes().get(0).body());
        assertEquals(1, back.failures().size());

        ModelsResponse allFailed = new ModelsResponse(new ClusterName("c"), List.of(), List.of(failed));
        assertEquals(RestStatus.NOT_FOUND, allFailed.status());
        String json = allFailed.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS).toString();
        assertTrue(json, json.contains("\"status\":404"));
        assertTrue(json, json.contains("unknown model [m]"));
    }

    private static ModelStatus loaded() {
        return new ModelStatus(
            "m",
            "loaded",
            "/config/lloco/models/m",
            "cpu",
            "bfloat16",
            1_100_048_384L,
            "sha256:abc",
            2_200_096_768L,
            45_088_768L,
            12_615_680L,
            2_412_615_680L,
            List.of(new ModelStatus.AdapterStatus("qa", "/config/lloco/adapters/qa", 6_307_840L, 12_615_680L)),
            1,
            1234L,
            1_700_000_000_000L,
            null,
            null
        );
    }

    private static ModelStatus failed() {
        return new ModelStatus(
            "big", "failed", null, null, null, null, null, null, null, null, null, null, null, null, 9L, null,
            new ModelStatus.Failure(503, "too big")
        );
    }

    /** A model status as the former map-building code had it (ModelStatusTests checks the two render alike). */
    private static Map<String, Object> asMap(ModelStatus s) throws IOException {
        BytesReference json = BytesReference.bytes(s.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS));
        return XContentHelper.convertToMap(json, true, XContentType.JSON).v2();
    }

    /** The former node response rendering: the name, then each body entry. */
    private static String oldJson(DiscoveryNode node, Map<String, Object> body) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder().startObject();
        b.field("name", node.getName());
        for (Map.Entry<String, Object> e : body.entrySet()) {
            b.field(e.getKey(), e.getValue());
        }
        return b.endObject().toString();
    }

    private static String json(ModelsNodeResponse r) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder().startObject();
        r.toXContent(b, ToXContent.EMPTY_PARAMS);
        return b.endObject().toString();
    }

    private static ModelsNodeResponse roundTrip(ModelsNodeResponse r) throws IOException {
        BytesStreamOutput out = new BytesStreamOutput();
        r.writeTo(out);
        ModelsNodeResponse back = new ModelsNodeResponse(out.bytes().streamInput());
        assertEquals(r.body(), back.body());
        assertEquals(r.getNode(), back.getNode());
        return back;
    }

    public void testNodeBodiesRenderAsTheMapsDid() throws IOException {
        DiscoveryNode n = node("n1");
        List<ModelStatus> models = List.of(failed(), loaded());
        List<Map<String, Object>> maps = new ArrayList<>();
        for (ModelStatus s : models) {
            maps.add(asMap(s));
        }

        for (boolean started : new boolean[]{true, false}) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("lloco_role", true);
            body.put("engine", started ? "started" : "failed");
            if (started == false) {
                body.put("engine_error", "the lloco engine is disabled on this node");
            }
            body.put("models", maps);
            body.put("available", List.of("big", "m"));
            body.put("memory", MemoryFixtures.memoryMap());
            ModelsNodeResponse r = new ModelsNodeResponse(
                n,
                new ModelsNodeResponse.Listing(
                    true,
                    started,
                    started ? null : "the lloco engine is disabled on this node",
                    models,
                    List.of("big", "m"),
                    MemoryFixtures.memory()
                )
            );
            assertEquals(oldJson(n, body), json(r));
            assertEquals(oldJson(n, body), json(roundTrip(r)));
        }

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", "m");
        body.put("result", "loaded");
        body.put("models", List.of(maps.get(1)));
        ModelsNodeResponse r = new ModelsNodeResponse(n, new ModelsNodeResponse.Loaded("m", List.of(loaded())));
        assertEquals(oldJson(n, body), json(r));
        assertEquals(oldJson(n, body), json(roundTrip(r)));

        body = new LinkedHashMap<>();
        body.put("model", "m");
        body.put("result", "unloading");
        body.put("users", 2);
        r = new ModelsNodeResponse(n, new ModelsNodeResponse.Unloaded("m", "unloading", 2));
        assertEquals(oldJson(n, body), json(r));
        assertEquals(oldJson(n, body), json(roundTrip(r)));
    }
}
