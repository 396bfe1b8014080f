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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import io.lloco.common.LlocoSettings;
import io.lloco.runtime.DjlBootstrap;

/**
 * This node's neural engine: starts DJL offline once (cache under the node's data path, threads from settings) and
 * reports what it found. One instance per node, owned by the plugin.
 */
public class EngineService {

    private static final Logger logger = LogManager.getLogger(EngineService.class);

    private final LlocoSettings settings;
    private final DjlBootstrap bootstrap;
    private final Path cacheDir;
    private final ModelRegistry models;

    /** Builds the service; call {@link #start()} to start the engine. */
    public EngineService(LlocoSettings settings, DjlBootstrap bootstrap, Path cacheDir, ModelRegistry models) {
        this.settings = settings;
        this.bootstrap = bootstrap;
        this.cacheDir = cacheDir;
        this.models = models;
    }

    /** Starts the engine if enabled; never throws, logs the reason when it cannot start. */
    public DjlBootstrap.Status start() {
        if (settings.engineEnabled() == false) {
            logger.info("lloco engine disabled on this node by [{}]", LlocoSettings.ENGINE_ENABLED.getKey());
            return null;
        }
        long t0 = System.nanoTime();
        DjlBootstrap.Status s = bootstrap.start(
            new DjlBootstrap.Options(cacheDir, settings.engineNumThreads(), settings.engineNumInteropThreads())
        );
        if (s.started()) {
            logger.info(
                "lloco engine started in {} ms: DJL {} PyTorch {} devices {} cache [{}]",
                (System.nanoTime() - t0) / 1_000_000,
                s.djlVersion(),
                s.pytorchVersion(),
                s.devices(),
                s.cacheDir()
            );
        } else {
            logger.error("lloco engine NOT started: {}", s.error());
        }
        return s;
    }

    /** Whether the engine is up. */
    public boolean started() {
        DjlBootstrap.Status s = bootstrap.status();
        return s != null && s.started();
    }

    /** The node's model registry. */
    public ModelRegistry models() {
        return models;
    }

    /** A JSON-ready description of the engine, optionally with a tiny tensor operation run through it. */
    public Map<String, Object> describe(boolean selfTest) {
        Map<String, Object> m = new LinkedHashMap<>();
        DjlBootstrap.Status s = bootstrap.status();
        if (settings.engineEnabled() == false) {
            m.put("status", "disabled");
            m.put("reason", "[" + LlocoSettings.ENGINE_ENABLED.getKey() + "] is false on this node");
        } else if (s == null) {
            m.put("status", "not_started");
        } else {
            m.put("status", s.started() ? "started" : "failed");
            if (s.error() != null) {
                m.put("error", s.error());
            }
        }
        m.put("offline", true);
        m.put("djl_version", s == null ? null : s.djlVersion());
        m.put("pytorch_version", s == null ? null : s.pytorchVersion());
        m.put("devices", s == null ? List.of() : s.devices().stream().map(EngineService::deviceName).toList());
        m.put("num_threads", settings.engineNumThreads());
        m.put("num_interop_threads", settings.engineNumInteropThreads());
        m.put("cache_dir", cacheDir.toString());
        if (selfTest && started()) {
            m.put("self_test", selfTest());
        }
        return m;
    }

    /** Runs [[1,2],[3,4]] x [1,10] through libtorch; expects [21, 43]. */
    Map<String, Object> selfTest() {
        Map<String, Object> r = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[]{1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            NDArray x = m.create(new float[]{1, 10}, new ai.djl.ndarray.types.Shape(2, 1));
            float[] y = a.matMul(x).toFloatArray();
            r.put("op", "matmul [[1,2],[3,4]] x [1,10]");
            r.put("result", List.of(y[0], y[1]));
            r.put("ok", y[0] == 21f && y[1] == 43f);
        } catch (Throwable t) {
            r.put("ok", false);
            r.put("error", t.toString());
        }
        r.put("micros", (System.nanoTime() - t0) / 1000);
        return r;
    }

    /** DJL device names as users read them: {@code cpu}, {@code gpu:0}. */
    static String deviceName(String djl) {
        // DJL prints "cpu()" and "gpu(0)"
        String d = djl.replace("()", "");
        if (d.endsWith(")") && d.contains("(")) {
            d = d.substring(0, d.indexOf('(')) + ":" + d.substring(d.indexOf('(') + 1, d.length() - 1);
        }
        return d.toLowerCase(Locale.ROOT);
    }
}
