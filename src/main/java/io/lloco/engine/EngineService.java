/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.monitor.os.OsProbe;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.cuda.CudaUtils;

import io.lloco.common.DeviceList;
import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.runtime.DjlBootstrap;
import io.lloco.runtime.model.Precision;

/**
 * This node's neural engine: starts DJL offline once (cache under the node's data path, threads, libtorch and devices
 * from settings), resolves the compute devices and dtypes, and reports what it found. One instance per node, owned by
 * the plugin.
 *
 * <p>A failure (environment, libtorch directory missing or of the wrong version or flavor, a device that does not
 * exist) does not stop the node: the engine is marked {@code failed}, the node log and {@code GET /_plugins/lloco} give
 * the reason, and model loads on this node answer 503 with it.
 */
public class EngineService implements Placement {

    private static final Logger logger = LogManager.getLogger(EngineService.class);

    private final LlocoSettings settings;
    private final DjlBootstrap bootstrap;
    private final Path cacheDir;
    private final Path configDir;
    private volatile List<String> computeDevices = List.of();
    private volatile String deviceError;

    /**
     * Builds the service; call {@link #start()} to start the engine.
     *
     * @param configDir the node's config directory (a relative {@code plugins.lloco.engine.libtorch_path} is resolved
     *     against it), or null
     */
    public EngineService(LlocoSettings settings, DjlBootstrap bootstrap, Path cacheDir, Path configDir) {
        this.settings = settings;
        this.bootstrap = bootstrap;
        this.cacheDir = cacheDir;
        this.configDir = configDir;
    }

    /** The old form (the registry is no longer used; no config directory). */
    public EngineService(LlocoSettings settings, DjlBootstrap bootstrap, Path cacheDir, ModelRegistry unused) {
        this(settings, bootstrap, cacheDir, (Path) null);
    }

    /** Starts the engine if enabled and resolves the devices; never throws, logs the reason when it cannot start. */
    public DjlBootstrap.Status start() {
        if (settings.engineEnabled() == false) {
            logger.info("lloco engine disabled on this node by [{}]", LlocoSettings.ENGINE_ENABLED.getKey());
            return null;
        }
        long t0 = System.nanoTime();
        DjlBootstrap.Status s = bootstrap.start(
            new DjlBootstrap.Options(
                cacheDir,
                settings.engineNumThreads(),
                settings.engineNumInteropThreads(),
                settings.engineLibtorchPath(configDir),
                LlocoSettings.ENGINE_LIBTORCH_PATH.getKey()
            )
        );
        if (s.started() == false) {
            logger.error("lloco engine NOT started: {}", s.error());
            return s;
        }
        int cuda = cudaDevices(s.flavor(), (int) s.devices().stream().filter(d -> d.startsWith("gpu")).count(), EngineService::probeCuda);
        try {
            computeDevices = List.copyOf(settings.device().resolve(cuda, s.flavor(), LlocoSettings.DEVICE.getKey()));
        } catch (IllegalArgumentException e) {
            deviceError = e.getMessage();
            logger.error("lloco engine NOT usable: {}", deviceError);
            return s;
        }
        logger.info(
            "lloco engine started in {} ms: DJL {} PyTorch {} ({}, {} from [{}]) devices {} computing on {} at {} cache [{}]",
            (System.nanoTime() - t0) / 1_000_000,
            s.djlVersion(),
            s.pytorchVersion(),
            s.flavor(),
            s.source(),
            s.libraryPath(),
            s.devices(),
            computeDevices,
            computeDevices.stream().map(d -> d + "=" + ModelService.dtypeName(dtype(d))).toList(),
            s.cacheDir()
        );
        return s;
    }

    /** Whether the engine is up and its devices resolved. */
    public boolean started() {
        DjlBootstrap.Status s = bootstrap.status();
        return s != null && s.started() && deviceError == null;
    }

    /** Why no model can run here, or null when the engine is up. */
    public String failure() {
        if (settings.engineEnabled() == false) {
            return "the lloco engine is disabled on this node by [" + LlocoSettings.ENGINE_ENABLED.getKey() + "]";
        }
        DjlBootstrap.Status s = bootstrap.status();
        if (s == null) {
            return "the lloco engine has not started";
        }
        if (s.started() == false) {
            return s.error();
        }
        return deviceError;
    }

    @Override
    public List<String> devices() {
        String why = failure();
        if (why != null) {
            throw new LlocoException("no model can load on this node: " + why, RestStatus.SERVICE_UNAVAILABLE);
        }
        return computeDevices;
    }

    /**
     * {@code plugins.lloco.dtype} on {@code device} ({@code auto} is float16 on CUDA devices and float32 on the CPU), with
     * weights kept per {@code plugins.lloco.weights.dtype}.
     */
    @Override
    public Precision precision(String device) {
        DataType compute = switch (settings.dtype()) {
            case FLOAT32 -> DataType.FLOAT32;
            case FLOAT16 -> DataType.FLOAT16;
            case AUTO -> device.startsWith("cuda") ? DataType.FLOAT16 : DataType.FLOAT32;
        };
        return new Precision(compute, settings.weightsDtype().resolve(compute));
    }

    /** The compute dtype on {@code device} ({@link #precision}). */
    public DataType dtype(String device) {
        return precision(device).compute();
    }

    /**
     * How many CUDA devices this libtorch can use. DJL counts them through {@code libcudart.so}, which JNA must find
     * on the system's library path (the libtorch zip's own, renamed copy does not count); when it reports none with a
     * CUDA libtorch, each ordinal is probed by placing a tensor on it.
     */
    static int cudaDevices(String flavor, int djlCount, java.util.function.IntPredicate probe) {
        if (flavor == null || flavor.startsWith("cu") == false) {
            return 0;
        }
        if (djlCount > 0) {
            return djlCount;
        }
        int n = 0;
        while (n <= DeviceList.MAX_CUDA_ORDINAL && probe.test(n)) {
            n++;
        }
        return n;
    }

    /** Whether libtorch can place a tensor on CUDA device {@code ordinal}. */
    private static boolean probeCuda(int ordinal) {
        try (NDManager m = DjlBootstrap.withRuntimeClassLoader(() -> NDManager.newBaseManager(Device.gpu(ordinal)))) {
            return m.zeros(new ai.djl.ndarray.types.Shape(1)).toFloatArray().length == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The DJL device of {@code cpu} or {@code cuda:N}. */
    public static Device djlDevice(String device) {
        if (device == null || device.equals(DeviceList.CPU)) {
            return Device.cpu();
        }
        if (device.startsWith("cuda:")) {
            return Device.gpu(Integer.parseInt(device.substring(5)));
        }
        throw new IllegalArgumentException("unknown device [" + device + "]");
    }

    /**
     * A device's total memory: physical memory for the CPU, the GPU's memory as CUDA reports it (DJL asks
     * {@code libcudart.so} through JNA; 503 naming the fix when it cannot).
     */
    public static long deviceMemoryBytes(String device) {
        if (device.startsWith("cuda:")) {
            try {
                return CudaUtils.getGpuMemory(djlDevice(device)).getMax();
            } catch (RuntimeException | LinkageError e) {
                throw new LlocoException(
                    "cannot tell the memory of ["
                        + device
                        + "]: DJL reads it from the CUDA runtime (libcudart.so.12), which was not found on the library path ("
                        + e.getMessage()
                        + "); install the CUDA 12.8 runtime (ldconfig) or set ["
                        + LlocoSettings.MEMORY_LIMIT.getKey()
                        + "] to a size such as 20gb",
                    RestStatus.SERVICE_UNAVAILABLE,
                    e
                );
            }
        }
        return OsProbe.getInstance().getTotalPhysicalMemorySize();
    }

    /** The devices models load on (empty before a successful start). */
    public List<String> computeDevices() {
        return computeDevices;
    }

    /** A description of the engine, optionally with a tiny tensor operation run through it. */
    public EngineStatus describe(boolean selfTest) {
        DjlBootstrap.Status s = bootstrap.status();
        String status;
        String reason = null;
        String error = null;
        if (settings.engineEnabled() == false) {
            status = "disabled";
            reason = "[" + LlocoSettings.ENGINE_ENABLED.getKey() + "] is false on this node";
        } else if (s == null) {
            status = "not_started";
        } else {
            status = started() ? "started" : "failed";
            error = failure();
        }
        Map<String, String> dtypes = new LinkedHashMap<>();
        for (String d : computeDevices) {
            dtypes.put(d, ModelService.dtypeName(dtype(d)));
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
            s == null ? List.of() : s.devices().stream().map(EngineService::deviceName).toList(),
            settings.device().toString(),
            computeDevices,
            settings.dtype().id(),
            settings.weightsDtype().id(),
            dtypes,
            settings.engineNumThreads(),
            settings.engineNumInteropThreads(),
            cacheDir.toString(),
            selfTest && started() ? selfTest() : null
        );
    }

    /** Runs [[1,2],[3,4]] x [1,10] through libtorch on the first compute device; expects [21, 43]. */
    EngineStatus.SelfTest selfTest() {
        String op = null;
        String ran = null;
        List<Float> result = null;
        boolean ok;
        String error = null;
        long t0 = System.nanoTime();
        String device = computeDevices.isEmpty() ? DeviceList.CPU : computeDevices.get(0);
        try (NDManager m = NDManager.newBaseManager(djlDevice(device))) {
            NDArray a = m.create(new float[]{1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            NDArray x = m.create(new float[]{1, 10}, new ai.djl.ndarray.types.Shape(2, 1));
            float[] y = a.matMul(x).toFloatArray();
            op = "matmul [[1,2],[3,4]] x [1,10]";
            ran = device;
            result = List.of(y[0], y[1]);
            ok = y[0] == 21f && y[1] == 43f;
        } catch (Throwable t) {
            ok = false;
            error = t.toString();
        }
        return new EngineStatus.SelfTest(op, ran, result, ok, error, (System.nanoTime() - t0) / 1000);
    }

    /** DJL device names as the {@code plugins.lloco.device} setting spells them: {@code cpu}, {@code cuda:0}. */
    static String deviceName(String djl) {
        // DJL prints "cpu()" and "gpu(0)"
        String d = djl.replace("()", "");
        if (d.endsWith(")") && d.contains("(")) {
            d = d.substring(0, d.indexOf('(')) + ":" + d.substring(d.indexOf('(') + 1, d.length() - 1);
        }
        d = d.toLowerCase(Locale.ROOT);
        return d.startsWith("gpu:") ? "cuda:" + d.substring(4) : d;
    }
}
