/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

import io.lloco.runtime.model.MemoryEstimate;

/**
 * One model entry of a node, as the models API lists it: {@code {id, state, path, device, dtype, parameters,
 * fingerprint, weight_bytes, kv_cache_budget_bytes, adapter_bytes, reserved_bytes, adapters: [...], users,
 * load_millis, started_at_millis, progress, error: {status, reason}}}. A model in memory ({@link #inMemory()}) has
 * every field up to {@code load_millis}; one that is not (loading, failed) has {@code parameters},
 * {@code weight_bytes} and {@code kv_cache_budget_bytes} once its size is estimated, then {@code fingerprint} once
 * hashed. {@code progress} is there while loading, {@code error} once failed.
 *
 * @param id the model id
 * @param state {@code loading}, {@code loaded}, {@code failed} or {@code unloading}
 * @param path its checkpoint directory, null until resolved (written as null)
 * @param device the compute device, in memory only
 * @param dtype the weights' dtype, in memory only
 * @param parameters parameters of the base model, null when not known yet
 * @param fingerprint the checkpoint's fingerprint, null when not known yet
 * @param weightBytes bytes of the weights, null when not known yet
 * @param kvCacheBudgetBytes bytes set aside for the KV cache, null when not known yet
 * @param adapterBytes bytes of the adapters held for it, in memory only
 * @param reservedBytes bytes it holds of the memory limit (estimate plus adapters), in memory only
 * @param adapters the adapters held for it; null exactly when the model is not in memory
 * @param users running calls that hold it, in memory only
 * @param loadMillis time its load took, in memory only
 * @param startedAtMillis when its load started (epoch millis)
 * @param progress the load's progress ({@link LoadProgress#toMap()}, also the load task's status), while loading
 * @param error why it failed, once failed
 */
public record ModelStatus(
    String id,
    String state,
    String path,
    String device,
    String dtype,
    Long parameters,
    String fingerprint,
    Long weightBytes,
    Long kvCacheBudgetBytes,
    Long adapterBytes,
    Long reservedBytes,
    List<AdapterStatus> adapters,
    Integer users,
    Long loadMillis,
    long startedAtMillis,
    Map<String, Object> progress,
    Failure error) implements Writeable, ToXContentObject {

    /**
     * A model in memory: {@code adapter_bytes} adds up its adapters, {@code reserved_bytes} is the estimate's total
     * plus them; a model with no estimate counts 0 for the KV cache and the estimate.
     */
    static ModelStatus inMemory(
        String id,
        String state,
        String path,
        String device,
        String dtype,
        long parameters,
        String fingerprint,
        long weightBytes,
        MemoryEstimate estimate,
        List<AdapterStatus> adapters,
        int users,
        long loadMillis,
        long startedAtMillis,
        Map<String, Object> progress,
        Failure error
    ) {
        long adapterBytes = adapters.stream().mapToLong(AdapterStatus::bytes).sum();
        return new ModelStatus(
            id,
            state,
            path,
            device,
            dtype,
            parameters,
            fingerprint,
            weightBytes,
            estimate == null ? 0 : estimate.kvCacheBytes(),
            adapterBytes,
            (estimate == null ? 0 : estimate.totalBytes()) + adapterBytes,
            List.copyOf(adapters),
            users,
            loadMillis,
            startedAtMillis,
            progress,
            error
        );
    }

    /** A model not in memory (loading, failed): the estimate's sizes once there is one, the fingerprint once hashed. */
    static ModelStatus notInMemory(
        String id,
        String state,
        String path,
        MemoryEstimate estimate,
        String fingerprint,
        long startedAtMillis,
        Map<String, Object> progress,
        Failure error
    ) {
        return new ModelStatus(
            id,
            state,
            path,
            null,
            null,
            estimate == null ? null : estimate.parameters(),
            fingerprint,
            estimate == null ? null : estimate.weightBytes(),
            estimate == null ? null : estimate.kvCacheBytes(),
            null,
            null,
            null,
            null,
            null,
            startedAtMillis,
            progress,
            error
        );
    }

    /** Whether the model is in memory (loaded, or unloading under running calls): the fields it has follow. */
    public boolean inMemory() {
        return adapters != null;
    }

    /**
     * One adapter held for a model in memory: {@code {name, path, parameters, bytes}}.
     *
     * @param name the adapter's name
     * @param path its directory
     * @param parameters its LoRA parameters
     * @param bytes bytes it holds
     */
    public record AdapterStatus(String name, String path, long parameters, long bytes) implements Writeable, ToXContentObject {

        /** Reads what {@link #writeTo} wrote. */
        public static AdapterStatus readFrom(StreamInput in) throws IOException {
            return new AdapterStatus(in.readString(), in.readOptionalString(), in.readLong(), in.readLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(name);
            out.writeOptionalString(path);
            out.writeLong(parameters);
            out.writeLong(bytes);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.startObject().field("name", name).field("path", path).field("parameters", parameters).field("bytes", bytes)
                .endObject();
        }
    }

    /**
     * Why a load failed: {@code {status, reason}}.
     *
     * @param status the HTTP status of the failure
     * @param reason its message (may be null)
     */
    public record Failure(int status, String reason) implements Writeable, ToXContentObject {

        /** Reads what {@link #writeTo} wrote. */
        public static Failure readFrom(StreamInput in) throws IOException {
            return new Failure(in.readInt(), in.readOptionalString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeInt(status);
            out.writeOptionalString(reason);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.startObject().field("status", status).field("reason", reason).endObject();
        }
    }

    /** Reads what {@link #writeTo} wrote. */
    public static ModelStatus readFrom(StreamInput in) throws IOException {
        return new ModelStatus(
            in.readString(),
            in.readString(),
            in.readOptionalString(),
            in.readOptionalString(),
            in.readOptionalString(),
            in.readOptionalLong(),
            in.readOptionalString(),
            in.readOptionalLong(),
            in.readOptionalLong(),
            in.readOptionalLong(),
            in.readOptionalLong(),
            in.readBoolean() ? in.readList(AdapterStatus::readFrom) : null,
            in.readOptionalInt(),
            in.readOptionalLong(),
            in.readLong(),
            in.readBoolean() ? in.readMap() : null,
            in.readOptionalWriteable(Failure::readFrom)
        );
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(id);
        out.writeString(state);
        out.writeOptionalString(path);
        out.writeOptionalString(device);
        out.writeOptionalString(dtype);
        out.writeOptionalLong(parameters);
        out.writeOptionalString(fingerprint);
        out.writeOptionalLong(weightBytes);
        out.writeOptionalLong(kvCacheBudgetBytes);
        out.writeOptionalLong(adapterBytes);
        out.writeOptionalLong(reservedBytes);
        out.writeBoolean(adapters != null);
        if (adapters != null) {
            out.writeList(adapters);
        }
        out.writeOptionalInt(users);
        out.writeOptionalLong(loadMillis);
        out.writeLong(startedAtMillis);
        out.writeBoolean(progress != null);
        if (progress != null) {
            out.writeMap(progress);
        }
        out.writeOptionalWriteable(error);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject();
        b.field("id", id);
        b.field("state", state);
        b.field("path", path);
        if (inMemory()) {
            b.field("device", device);
            b.field("dtype", dtype);
            b.field("parameters", parameters);
            b.field("fingerprint", fingerprint);
            b.field("weight_bytes", weightBytes);
            b.field("kv_cache_budget_bytes", kvCacheBudgetBytes);
            b.field("adapter_bytes", adapterBytes);
            b.field("reserved_bytes", reservedBytes);
            b.startArray("adapters");
            for (AdapterStatus a : adapters) {
                a.toXContent(b, params);
            }
            b.endArray();
            b.field("users", users);
            b.field("load_millis", loadMillis);
        } else {
            if (parameters != null) {
                b.field("parameters", parameters);
                b.field("weight_bytes", weightBytes);
                b.field("kv_cache_budget_bytes", kvCacheBudgetBytes);
            }
            if (fingerprint != null) {
                b.field("fingerprint", fingerprint);
            }
        }
        b.field("started_at_millis", startedAtMillis);
        if (progress != null) {
            b.field("progress", progress);
        }
        if (error != null) {
            b.field("error", error, params);
        }
        return b.endObject();
    }
}
