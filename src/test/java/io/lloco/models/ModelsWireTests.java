/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.Version;
import org.opensearch.action.FailedNodeException;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;

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
        ModelsNodeResponse ok = new ModelsNodeResponse(node("n1"), Map.of("model", "m", "result", "loaded"));
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
        assertEquals("loaded", back.getNodes().get(0).body().get("result"));
        assertEquals(1, back.failures().size());

        ModelsResponse allFailed = new ModelsResponse(new ClusterName("c"), List.of(), List.of(failed));
        assertEquals(RestStatus.NOT_FOUND, allFailed.status());
        String json = allFailed.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS).toString();
        assertTrue(json, json.contains("\"status\":404"));
        assertTrue(json, json.contains("unknown model [m]"));
    }
}
