/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import java.io.IOException;
import java.util.List;

import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

import io.lloco.engine.AdapterSummary;
import io.lloco.engine.EngineStatus;
import io.lloco.engine.MemoryStatus;
import io.lloco.engine.ModelSummary;

/**
 * One node's info: {@code {name, node_id, roles, lloco_role, plugin: {name, version}, opensearch_version, engine,
 * models, adapters, memory}}.
 */
public class LlocoInfoNodeResponse extends BaseNodeResponse implements ToXContentFragment {

    /**
     * What a node tells about itself.
     *
     * @param name the node's name
     * @param nodeId its id
     * @param roles its role names, sorted
     * @param llocoRole whether it has the {@code lloco} role
     * @param pluginName the plugin's name
     * @param pluginVersion the plugin's version
     * @param opensearchVersion the OpenSearch version it runs
     * @param engine the engine's description
     * @param models its loaded models
     * @param adapters the adapters held for them
     * @param memory its memory limit and reservations per device
     */
    public record Info(
        String name,
        String nodeId,
        List<String> roles,
        boolean llocoRole,
        String pluginName,
        String pluginVersion,
        String opensearchVersion,
        EngineStatus engine,
        List<ModelSummary> models,
        List<AdapterSummary> adapters,
        MemoryStatus memory) implements Writeable, ToXContentFragment {

        static Info readFrom(StreamInput in) throws IOException {
            return new Info(
                in.readString(),
                in.readString(),
                in.readStringList(),
                in.readBoolean(),
                in.readString(),
                in.readOptionalString(),
                in.readString(),
                EngineStatus.readFrom(in),
                in.readList(ModelSummary::readFrom),
                in.readList(AdapterSummary::readFrom),
                MemoryStatus.readFrom(in)
            );
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(name);
            out.writeString(nodeId);
            out.writeStringCollection(roles);
            out.writeBoolean(llocoRole);
            out.writeString(pluginName);
            out.writeOptionalString(pluginVersion);
            out.writeString(opensearchVersion);
            engine.writeTo(out);
            out.writeList(models);
            out.writeList(adapters);
            memory.writeTo(out);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.field("name", name);
            b.field("node_id", nodeId);
            b.field("roles", roles);
            b.field("lloco_role", llocoRole);
            b.startObject("plugin").field("name", pluginName).field("version", pluginVersion).endObject();
            b.field("opensearch_version", opensearchVersion);
            b.field("engine", engine, params);
            array(b, "models", models, params);
            array(b, "adapters", adapters, params);
            return b.field("memory", memory, params);
        }

        private static void array(XContentBuilder b, String name, List<? extends ToXContent> items, Params params) throws IOException {
            b.startArray(name);
            for (ToXContent item : items) {
                item.toXContent(b, params);
            }
            b.endArray();
        }
    }

    private final Info info;

    /** Info of {@code node}. */
    public LlocoInfoNodeResponse(DiscoveryNode node, Info info) {
        super(node);
        this.info = info;
    }

    /** Wire constructor. */
    public LlocoInfoNodeResponse(StreamInput in) throws IOException {
        super(in);
        this.info = Info.readFrom(in);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        info.writeTo(out);
    }

    /** The node's info. */
    public Info info() {
        return info;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return info.toXContent(builder, params);
    }
}
