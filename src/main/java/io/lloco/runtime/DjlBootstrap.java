/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Starts DJL's PyTorch engine offline, once per JVM, with the bundled libtorch.
 *
 * <p>Knows nothing of OpenSearch: the plugin and the CLI both call {@link #start(Options)}. DJL reads
 * environment variables before system properties, so variables that would send it to the network or to
 * another libtorch are refused rather than silently obeyed.
 */
public final class DjlBootstrap {

    /** Environment variables that override our system properties inside DJL and must not be set. */
    public static final List<String> FORBIDDEN_ENV = List.of(
        "PYTORCH_VERSION",
        "PYTORCH_LIBRARY_PATH",
        "PYTORCH_FLAVOR",
        "PYTORCH_PRECXX11",
        "DJL_CACHE_DIR",
        "ENGINE_CACHE_DIR",
        "DJL_DEFAULT_ENGINE"
    );

    /** The libtorch version bundled in pytorch-native-cpu. */
    public static final String EXPECTED_PYTORCH_VERSION = "2.7.1";

    /** Bootstrap options. */
    public record Options(Path cacheDir, int numThreads, int numInteropThreads) {
    }

    /** What the bootstrap found. */
    public record Status(boolean started, String error, String djlVersion, String pytorchVersion, List<String> devices, Path cacheDir) {
    }

    private final Map<String, String> env;
    private volatile Status status;

    /** Uses the real process environment. */
    public DjlBootstrap() {
        this(System.getenv());
    }

    /** Visible for tests: an explicit environment. */
    public DjlBootstrap(Map<String, String> env) {
        this.env = env;
    }

    /** Environment variables that would redirect DJL, with their values; empty when it is safe to start. */
    public List<String> forbiddenEnvironment() {
        List<String> bad = new ArrayList<>();
        for (String name : FORBIDDEN_ENV) {
            String v = env.get(name);
            if (v != null && v.isEmpty() == false) {
                bad.add(name + "=" + v);
            }
        }
        return bad;
    }

    /**
     * Starts the engine if not yet started. Never throws: the returned status carries the error, so a node
     * without a working engine still starts and reports why.
     */
    public synchronized Status start(Options options) {
        if (status != null && status.started()) {
            return status;
        }
        List<String> bad = forbiddenEnvironment();
        if (bad.isEmpty() == false) {
            status = new Status(
                false,
                String.format(
                    Locale.ROOT,
                    "refusing to start DJL: environment variable(s) %s would send DJL to the network or to another libtorch; unset them",
                    bad
                ),
                Engine.getDjlVersion(),
                null,
                List.of(),
                options.cacheDir()
            );
            return status;
        }
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.default_engine", "PyTorch");
        System.setProperty("DJL_CACHE_DIR", options.cacheDir().toAbsolutePath().toString());
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(options.numThreads()));
        System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(options.numInteropThreads()));
        ClassLoader old = Thread.currentThread().getContextClassLoader();
        try {
            Thread.currentThread().setContextClassLoader(DjlBootstrap.class.getClassLoader());
            Engine engine = Engine.getEngine("PyTorch");
            List<String> devices = new ArrayList<>();
            for (Device d : engine.getDevices()) {
                devices.add(d.toString());
            }
            status = new Status(true, null, Engine.getDjlVersion(), engine.getVersion(), List.copyOf(devices), options.cacheDir());
        } catch (Throwable t) {
            status = new Status(false, "DJL failed to start: " + t, Engine.getDjlVersion(), null, List.of(), options.cacheDir());
        } finally {
            Thread.currentThread().setContextClassLoader(old);
        }
        return status;
    }

    /** The last status, or null before {@link #start(Options)}. */
    public Status status() {
        return status;
    }

    /** Runs {@code body} with the runtime's class loader as context loader (needed by DJL's tokenizers and engine lookup). */
    public static <T> T withRuntimeClassLoader(java.util.function.Supplier<T> body) {
        ClassLoader old = Thread.currentThread().getContextClassLoader();
        try {
            Thread.currentThread().setContextClassLoader(DjlBootstrap.class.getClassLoader());
            return body.get();
        } finally {
            Thread.currentThread().setContextClassLoader(old);
        }
    }
}
