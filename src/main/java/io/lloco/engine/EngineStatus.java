/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The engine of a node as the info API describes it ({@link EngineService#describe}): {@code {status, reason, error,
 * offline: true, djl_version, pytorch_version, libtorch_source, library_path, flavor, devices, device_setting,
 * compute_devices, dtype_setting, weights_dtype_setting, dtype: {<device>: <dtype>}, num_threads,
 * num_interop_threads, cache_dir, self_test}}. {@code reason}, {@code error} and {@code self_test} are there only when
 * set; the libtorch fields are written as null before the engine started.
 *
 * @param status {@code disabled}, {@code not_started}, {@code started} or {@code failed}
 * @param reason why it is disabled, else null
 * @param error why it failed, else null
 * @param djlVersion the DJL version, null before a start
 * @param pytorchVersion the libtorch version, null before a start
 * @param libtorchSource where libtorch came from, null before a start
 * @param libraryPath the libtorch directory, null before a start
 * @param flavor the libtorch flavor, null before a start
 * @param devices the devices libtorch sees
 * @param deviceSetting the {@code plugins.lloco.device} value
 * @param computeDevices the devices models load on
 * @param dtypeSetting the {@code plugins.lloco.dtype} value
 * @param weightsDtypeSetting the weights dtype setting's value
 * @param dtype the dtype per compute device
 * @param numThreads libtorch's intra-op threads
 * @param numInteropThreads libtorch's inter-op threads
 * @param cacheDir the DJL cache directory
 * @param selfTest the self test's outcome, when one ran
 */
public record EngineStatus(
    String status,
    String reason,
    String error,
    String djlVersion,
    String pytorchVersion,
    String libtorchSource,
    String libraryPath,
    String flavor,
    List<String> devices,
    String deviceSetting,
    List<String> computeDevices,
    String dtypeSetting,
    String weightsDtypeSetting,
    Map<String, String> dtype,
    int numThreads,
    int numInteropThreads,
    String cacheDir,
    SelfTest selfTest) implements Writeable, ToXContentObject {

    /**
     * A tiny matmul run through libtorch: {@code {op, device, result, ok, error, micros}}; {@code op}, {@code device},
     * {@code result} are there once it ran, {@code error} when it threw.
     *
     * @param op the operation, null when it did not run
     * @param device the device it ran on, null when it did not run
     * @param result what it computed, null when it did not run
     * @param ok whether it computed the expected result
     * @param error what it threw, else null
     * @param micros time it took
     */
    public record SelfTest(String op, String device, List<Float> result, boolean ok, String error, long micros)
        implements
            Writeable,
            ToXContentObject {

        /** Reads what {@link #writeTo} wrote. */
        public static SelfTest readFrom(StreamInput in) throws IOException {
            return new SelfTest(
                in.readOptionalString(),
                in.readOptionalString(),
                in.readBoolean() ? in.readList(StreamInput::readFloat) : null,
                in.readBoolean(),
                in.readOptionalString(),
                in.readLong()
            );
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeOptionalString(op);
            out.writeOptionalString(device);
            out.writeBoolean(result != null);
            if (result != null) {
                out.writeCollection(result, StreamOutput::writeFloat);
            }
            out.writeBoolean(ok);
            out.writeOptionalString(error);
            out.writeLong(micros);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.startObject();
            if (op != null) {
                b.field("op", op);
            }
            if (device != null) {
                b.field("device", device);
            }
            if (result != null) {
                b.field("result", result);
            }
            b.field("ok", ok);
            if (error != null) {
                b.field("error", error);
            }
            return b.field("micros", micros).endObject();
        }
    }

    /** Reads what {@link #writeTo} wrote. */
    public static EngineStatus readFrom(StreamInput in) throws IOException {
        String status = in.readString();
        String reason = in.readOptionalString();
        String error = in.readOptionalString();
        String djlVersion = in.readOptionalString();
        String pytorchVersion = in.readOptionalString();
        String libtorchSource = in.readOptionalString();
        String libraryPath = in.readOptionalString();
        String flavor = in.readOptionalString();
        List<String> devices = in.readStringList();
        String deviceSetting = in.readString();
        List<String> computeDevices = in.readStringList();
        String dtypeSetting = in.readString();
        String weightsDtypeSetting = in.readString();
        int n = in.readVInt();
        Map<String, String> dtype = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            dtype.put(in.readString(), in.readString());
        }
        return new EngineStatus(
            status,
            reason,
            error,
            djlVersion,
            pytorchVersion,
            libtorchSource,
            libraryPath,
            flavor,
            devices,
            deviceSetting,
            computeDevices,
            dtypeSetting,
            weightsDtypeSetting,
            dtype,
            in.readInt(),
            in.readInt(),
            in.readString(),
            in.readOptionalWriteable(SelfTest::readFrom)
        );
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(status);
        out.writeOptionalString(reason);
        out.writeOptionalString(error);
        out.writeOptionalString(djlVersion);
        out.writeOptionalString(pytorchVersion);
        out.writeOptionalString(libtorchSource);
        out.writeOptionalString(libraryPath);
        out.writeOptionalString(flavor);
        out.writeStringCollection(devices);
        out.writeString(deviceSetting);
        out.writeStringCollection(computeDevices);
        out.writeString(dtypeSetting);
        out.writeString(weightsDtypeSetting);
        out.writeVInt(dtype.size());
        for (Map.Entry<String, String> d : dtype.entrySet()) {
            out.writeString(d.getKey());
            out.writeString(d.getValue());
        }
        out.writeInt(numThreads);
        out.writeInt(numInteropThreads);
        out.writeString(cacheDir);
        out.writeOptionalWriteable(selfTest);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject();
        b.field("status", status);
        if (reason != null) {
            b.field("reason", reason);
        }
        if (error != null) {
            b.field("error", error);
        }
        b.field("offline", true);
        b.field("djl_version", djlVersion);
        b.field("pytorch_version", pytorchVersion);
        b.field("libtorch_source", libtorchSource);
        b.field("library_path", libraryPath);
        b.field("flavor", flavor);
        b.field("devices", devices);
        b.field("device_setting", deviceSetting);
        b.field("compute_devices", computeDevices);
        b.field("dtype_setting", dtypeSetting);
        b.field("weights_dtype_setting", weightsDtypeSetting);
        b.startObject("dtype");
        for (Map.Entry<String, String> d : dtype.entrySet()) {
            b.field(d.getKey(), d.getValue());
        }
        b.endObject();
        b.field("num_threads", numThreads);
        b.field("num_interop_threads", numInteropThreads);
        b.field("cache_dir", cacheDir);
        if (selfTest != null) {
            b.field("self_test", selfTest, params);
        }
        return b.endObject();
    }
}
