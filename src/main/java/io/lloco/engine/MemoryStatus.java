/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * A node's memory limit and reservations per compute device ({@link MemoryBudget#describe}): {@code {limit_setting,
 * devices: {<device>: {limit_in_bytes, free_in_bytes, error, reserved_in_bytes}}}}.
 *
 * @param limitSetting the {@code plugins.lloco.memory.limit} value
 * @param devices each device's figures, in device order
 */
public record MemoryStatus(String limitSetting, Map<String, Device> devices) implements Writeable, ToXContentObject {

    /**
     * One device's figures. {@code limit_in_bytes} and {@code free_in_bytes} are there when its memory could be read,
     * {@code error} when it could not (why).
     *
     * @param limitBytes its limit, null when unreadable
     * @param freeBytes what is free of the limit, null when unreadable
     * @param error why its memory could not be read, else null
     * @param reservedBytes bytes held on it
     */
    public record Device(Long limitBytes, Long freeBytes, String error, long reservedBytes) implements Writeable, ToXContentObject {

        /** Reads what {@link #writeTo} wrote. */
        public static Device readFrom(StreamInput in) throws IOException {
            return new Device(in.readOptionalLong(), in.readOptionalLong(), in.readOptionalString(), in.readLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeOptionalLong(limitBytes);
            out.writeOptionalLong(freeBytes);
            out.writeOptionalString(error);
            out.writeLong(reservedBytes);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.startObject();
            if (limitBytes != null) {
                b.field("limit_in_bytes", limitBytes);
            }
            if (freeBytes != null) {
                b.field("free_in_bytes", freeBytes);
            }
            if (error != null) {
                b.field("error", error);
            }
            return b.field("reserved_in_bytes", reservedBytes).endObject();
        }
    }

    /** Reads what {@link #writeTo} wrote. */
    public static MemoryStatus readFrom(StreamInput in) throws IOException {
        String limitSetting = in.readString();
        int n = in.readVInt();
        Map<String, Device> devices = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            devices.put(in.readString(), Device.readFrom(in));
        }
        return new MemoryStatus(limitSetting, devices);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(limitSetting);
        out.writeVInt(devices.size());
        for (Map.Entry<String, Device> d : devices.entrySet()) {
            out.writeString(d.getKey());
            d.getValue().writeTo(out);
        }
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject();
        b.field("limit_setting", limitSetting);
        b.startObject("devices");
        for (Map.Entry<String, Device> d : devices.entrySet()) {
            b.field(d.getKey());
            d.getValue().toXContent(b, params);
        }
        b.endObject();
        return b.endObject();
    }
}
