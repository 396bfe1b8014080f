/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;
import java.util.List;

import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

import io.lloco.engine.MemoryStatus;
import io.lloco.engine.ModelStatus;

/**
 * One node's answer to a models API request: {@code {name, ...}} with the node's name first, then the fields of its
 * {@link Body} ({@link Listing} for {@code GET}, {@link Loaded} for {@code _load}, {@link Unloaded} for
 * {@code _unload}).
 */
public class ModelsNodeResponse extends BaseNodeResponse implements ToXContentFragment {

    /** What a node answers, after its name. */
    public sealed interface Body extends Writeable, ToXContentFragment permits Listing, Loaded, Unloaded {
    }

    /**
     * The node's models ({@code GET _plugins/lloco/models[/<id>]}): {@code {lloco_role, engine, engine_error, models,
     * available, memory}}.
     *
     * @param llocoRole whether the node has the {@code lloco} role
     * @param engineStarted whether its engine started ({@code engine: started}, else {@code failed})
     * @param engineError why the engine is down, written only when it is ({@code engine_error})
     * @param models its model entries, or the asked model's
     * @param available the model ids it knows
     * @param memory its memory limit and reservations per device
     */
    public record Listing(
        boolean llocoRole,
        boolean engineStarted,
        String engineError,
        List<ModelStatus> models,
        List<String> available,
        MemoryStatus memory) implements Body {

        static Listing readFrom(StreamInput in) throws IOException {
            return new Listing(
                in.readBoolean(),
                in.readBoolean(),
                in.readOptionalString(),
                in.readList(ModelStatus::readFrom),
                in.readStringList(),
                MemoryStatus.readFrom(in)
            );
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeBoolean(llocoRole);
            out.writeBoolean(engineStarted);
            out.writeOptionalString(engineError);
            out.writeList(models);
            out.writeStringCollection(available);
            memory.writeTo(out);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.field("lloco_role", llocoRole);
            b.field("engine", engineStarted ? "started" : "failed");
            if (engineStarted == false) {
                b.field("engine_error", engineError);
            }
            writeModels(b, models, params);
            b.field("available", available);
            return b.field("memory", memory, params);
        }
    }

    /**
     * A model loaded on the node ({@code _load}): {@code {model, result: loaded, models}}.
     *
     * @param model the model id
     * @param models its entries on the node
     */
    public record Loaded(String model, List<ModelStatus> models) implements Body {

        static Loaded readFrom(StreamInput in) throws IOException {
            return new Loaded(in.readString(), in.readList(ModelStatus::readFrom));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            out.writeList(models);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.field("model", model);
            b.field("result", "loaded");
            return writeModels(b, models, params);
        }
    }

    /**
     * What an unload did on the node ({@code _unload}): {@code {model, result, users}}.
     *
     * @param model the model id
     * @param result {@code unloaded}, {@code unloading} (freed when its users finish), {@code cancelled} (a load was
     *     running) or {@code not_loaded}
     * @param users running calls still holding it
     */
    public record Unloaded(String model, String result, int users) implements Body {

        static Unloaded readFrom(StreamInput in) throws IOException {
            return new Unloaded(in.readString(), in.readString(), in.readVInt());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            out.writeString(result);
            out.writeVInt(users);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.field("model", model).field("result", result).field("users", users);
        }
    }

    private static XContentBuilder writeModels(XContentBuilder b, List<ModelStatus> models, Params params) throws IOException {
        b.startArray("models");
        for (ModelStatus m : models) {
            m.toXContent(b, params);
        }
        return b.endArray();
    }

    private final Body body;

    /** The answer of {@code node}. */
    public ModelsNodeResponse(DiscoveryNode node, Body body) {
        super(node);
        this.body = body;
    }

    /** Wire constructor. */
    public ModelsNodeResponse(StreamInput in) throws IOException {
        super(in);
        byte kind = in.readByte();
        this.body = switch (kind) {
            case 0 -> Listing.readFrom(in);
            case 1 -> Loaded.readFrom(in);
            case 2 -> Unloaded.readFrom(in);
            default -> throw new IOException("unknown models node response kind [" + kind + "]");
        };
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeByte(switch (body) {
            case Listing l -> (byte) 0;
            case Loaded l -> (byte) 1;
            case Unloaded u -> (byte) 2;
        });
        body.writeTo(out);
    }

    /** The answer. */
    public Body body() {
        return body;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.field("name", getNode().getName());
        return body.toXContent(builder, params);
    }
}
