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
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Platform;

/**
 * Starts DJL's PyTorch engine offline, once per JVM, with the bundled CPU libtorch or with a libtorch the operator
 * installed ({@link Options#libtorchPath()}, checked by {@link LibtorchDirectory} and handed to DJL through its own
 * {@code PYTORCH_LIBRARY_PATH} / {@code PYTORCH_VERSION} / {@code PYTORCH_FLAVOR} system properties).
 *
 * <p>Knows nothing of OpenSearch: the plugin and the CLI both call {@link #start(Options)}. DJL reads
 * environment variables before system properties, so variables that would send it to the network or to
 * another libtorch are refused rather than silently obeyed.
 */
public final class DjlBootstrap {

    /**
     * Environment variables DJL 0.36.0 reads before (or instead of) the system properties the bootstrap sets
     * ({@code Utils.getEnvOrSystemProperty}, {@code Utils.getenv}): each would send DJL to the network, to another
     * libtorch or to other native libraries, so none may be set.
     */
    public static final List<String> FORBIDDEN_ENV = List.of(
        "PYTORCH_VERSION",
        "PYTORCH_LIBRARY_PATH",
        "PYTORCH_FLAVOR",
        "PYTORCH_PRECXX11",
        "PYTORCH_EXTRA_LIBRARY_PATH",
        "PYTORCH_LIBRARY_EXCLUSION",
        "LIBSTDCXX_LIBRARY_PATH",
        "RUST_LIBRARY_PATH",
        "RUST_FLAVOR",
        "DJL_CACHE_DIR",
        "ENGINE_CACHE_DIR",
        "DJL_DEFAULT_ENGINE",
        "DJL_OFFLINE"
    );

    /** The libtorch version bundled in pytorch-native-cpu. */
    public static final String EXPECTED_PYTORCH_VERSION = "2.7.1";

    /** DJL's system properties (read when the environment does not set them) that point it at a user-supplied libtorch. */
    static final List<String> LIBTORCH_PROPERTIES = List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR");

    /**
     * Bootstrap options.
     *
     * @param cacheDir DJL's cache (JNI library, and the bundled libtorch when no {@code libtorchPath} is given)
     * @param libtorchPath a libtorch the operator installed ({@link LibtorchDirectory}), or null for the bundled CPU build
     * @param libtorchSetting the name of the setting that gave {@code libtorchPath}, for messages
     */
    public record Options(Path cacheDir, int numThreads, int numInteropThreads, Path libtorchPath, String libtorchSetting) {

        /** The bundled libtorch. */
        public Options(Path cacheDir, int numThreads, int numInteropThreads) {
            this(cacheDir, numThreads, numInteropThreads, null, null);
        }
    }

    /**
     * What the bootstrap found.
     *
     * @param libraryPath the folder libtorch was loaded from (null when not started)
     * @param flavor {@code cpu} or a CUDA flavor such as {@code cu128}
     * @param source {@code bundled} or {@code libtorch_path}
     */
    public record Status(boolean started, String error, String djlVersion, String pytorchVersion, List<String> devices, Path cacheDir,
        String libraryPath, String flavor, String source) {

        static Status failed(String error, Path cacheDir, String source) {
            return new Status(false, error, Engine.getDjlVersion(), null, List.of(), cacheDir, null, null, source);
        }
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
            if ("DJL_OFFLINE".equals(name) && "true".equals(v)) {
                continue; // says what the bootstrap sets anyway
            }
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
        String source = options.libtorchPath() == null ? "bundled" : "libtorch_path";
        List<String> bad = forbiddenEnvironment();
        if (bad.isEmpty() == false) {
            status = Status.failed(
                String.format(
                    Locale.ROOT,
                    "refusing to start DJL: environment variable(s) %s would send DJL to the network or to another libtorch; unset them%s",
                    bad,
                    options.libtorchSetting() == null
                        ? ""
                        : " (to run a libtorch of your own, set [" + options.libtorchSetting() + "] instead)"
                ),
                options.cacheDir(),
                source
            );
            return status;
        }
        LibtorchDirectory own = null;
        if (options.libtorchPath() != null) {
            try {
                own = LibtorchDirectory.inspect(options.libtorchPath(), options.libtorchSetting());
            } catch (IllegalArgumentException e) {
                status = Status.failed(e.getMessage(), options.cacheDir(), source);
                return status;
            }
        }
        String loaded = loadedLibtorchPath();
        if (loaded != null) {
            // libtorch is loaded once per JVM: a second node in the same JVM (tests) must want the same one
            String wanted = own == null ? null : own.libDir().toAbsolutePath().normalize().toString();
            boolean ownLoaded = System.getProperty("PYTORCH_LIBRARY_PATH") != null;
            if (wanted != null ? wanted.equals(Path.of(loaded).toAbsolutePath().normalize().toString()) == false : ownLoaded) {
                status = Status.failed(
                    String.format(
                        Locale.ROOT,
                        "this JVM already runs libtorch from [%s]; one libtorch per JVM: %s",
                        loaded,
                        wanted == null
                            ? "remove the libtorch path setting from the other node"
                            : "[" + options.libtorchSetting() + "] asks for [" + wanted + "]"
                    ),
                    options.cacheDir(),
                    source
                );
                return status;
            }
        }
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.default_engine", "PyTorch");
        // DJL reads its cache folder and thread counts once, when the engine loads: a second node in the same JVM
        // (tests) leaves them as the first set them, and its status names the cache DJL actually uses
        Path cacheDir = options.cacheDir();
        if (loaded == null) {
            System.setProperty("DJL_CACHE_DIR", cacheDir.toAbsolutePath().toString());
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(options.numThreads()));
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(options.numInteropThreads()));
        } else if (System.getProperty("DJL_CACHE_DIR") != null) {
            cacheDir = Path.of(System.getProperty("DJL_CACHE_DIR"));
        }
        if (own != null && loaded == null) {
            // DJL's own mechanism for a user-supplied libtorch (LibUtils.findOverrideLibrary / LibTorch(Path))
            System.setProperty("PYTORCH_LIBRARY_PATH", own.libDir().toAbsolutePath().toString());
            System.setProperty("PYTORCH_VERSION", own.version());
            System.setProperty("PYTORCH_FLAVOR", own.flavor());
        }
        ClassLoader old = Thread.currentThread().getContextClassLoader();
        try {
            Thread.currentThread().setContextClassLoader(DjlBootstrap.class.getClassLoader());
            Engine engine = Engine.getEngine("PyTorch");
            List<String> devices = new ArrayList<>();
            for (Device d : engine.getDevices()) {
                devices.add(d.toString());
            }
            String flavor = own != null ? own.flavor() : bundledFlavor();
            status = new Status(
                true,
                null,
                Engine.getDjlVersion(),
                engine.getVersion(),
                List.copyOf(devices),
                cacheDir,
                loadedLibtorchPath(),
                flavor,
                source
            );
        } catch (Throwable t) {
            if (loadedLibtorchPath() == null) {
                // nothing loaded: leave no pointer behind for a later attempt in this JVM
                LIBTORCH_PROPERTIES.forEach(System::clearProperty);
            }
            String hint = own == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    " (libtorch %s+%s from [%s], set by [%s])",
                    own.version(),
                    own.flavor(),
                    own.libDir(),
                    options.libtorchSetting()
                );
            status = Status.failed("DJL failed to start" + hint + ": " + t, cacheDir, source);
        } finally {
            Thread.currentThread().setContextClassLoader(old);
        }
        return status;
    }

    /** The folder of the libtorch this JVM has loaded, or null before DJL's PyTorch engine loaded one. */
    static String loadedLibtorchPath() {
        try {
            return LibUtils.getLibtorchPath();
        } catch (NullPointerException | LinkageError e) {
            return null; // LibUtils has not loaded a libtorch yet
        }
    }

    /** The flavor of the bundled pytorch-native jar ({@code cpu}). */
    private static String bundledFlavor() {
        try {
            return Platform.detectPlatform("pytorch").getFlavor();
        } catch (RuntimeException e) {
            return "cpu";
        }
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
