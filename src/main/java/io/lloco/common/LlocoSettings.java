package io.lloco.common;

import java.util.List;

import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Setting.Property;
import org.opensearch.common.settings.Settings;

/**
 * Every {@code plugins.lloco.*} setting: static declarations (bounded, documented in {@code docs/settings.md}) and, per
 * instance, the live values of the dynamic ones. One instance per node, built by the plugin and injected; never static
 * state.
 */
public final class LlocoSettings {

    /** Prefix of every node setting of the plugin. */
    public static final String PREFIX = "plugins.lloco.";

    /** Starts the neural engine (DJL + libtorch) on this node. Off: the node can coordinate but never runs a model. */
    public static final Setting<Boolean> ENGINE_ENABLED = Setting.boolSetting(PREFIX + "engine.enabled", true, Property.NodeScope);

    /** Intra-op threads of libtorch; default = available processors (at most 8). Read once, at engine start. */
    public static final Setting<Integer> ENGINE_NUM_THREADS = Setting.intSetting(
        PREFIX + "engine.num_threads",
        Math.min(8, Math.max(1, Runtime.getRuntime().availableProcessors())),
        1,
        256,
        Property.NodeScope
    );

    /** Inter-op threads of libtorch. Read once, at engine start. */
    public static final Setting<Integer> ENGINE_NUM_INTEROP_THREADS = Setting.intSetting(
        PREFIX + "engine.num_interop_threads",
        1,
        1,
        64,
        Property.NodeScope
    );

    /** Whether {@code GET /_plugins/lloco} runs a tiny tensor operation to prove the engine works. */
    public static final Setting<Boolean> INFO_SELF_TEST = Setting.boolSetting(
        PREFIX + "info.self_test",
        true,
        Property.NodeScope,
        Property.Dynamic
    );

    /** Upper bound on the tokens of one document the {@code lloco_compress} processor accepts (a processor may set less). */
    public static final Setting<Integer> INGEST_MAX_TOKENS = Setting.intSetting(
        PREFIX + "ingest.max_tokens",
        131_072,
        1,
        1_048_576,
        Property.NodeScope,
        Property.Dynamic
    );

    private volatile boolean infoSelfTest;
    private volatile int ingestMaxTokens;
    private final Settings nodeSettings;

    /** Reads node settings and follows dynamic updates. */
    public LlocoSettings(Settings nodeSettings, ClusterService clusterService) {
        this.nodeSettings = nodeSettings;
        this.infoSelfTest = INFO_SELF_TEST.get(nodeSettings);
        this.ingestMaxTokens = INGEST_MAX_TOKENS.get(nodeSettings);
        if (clusterService != null) {
            clusterService.getClusterSettings().addSettingsUpdateConsumer(INFO_SELF_TEST, v -> infoSelfTest = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(INGEST_MAX_TOKENS, v -> ingestMaxTokens = v);
        }
    }

    /** All settings to register with the node. */
    public static List<Setting<?>> all() {
        return List.of(ENGINE_ENABLED, ENGINE_NUM_THREADS, ENGINE_NUM_INTEROP_THREADS, INFO_SELF_TEST, INGEST_MAX_TOKENS);
    }

    /** {@link #ENGINE_ENABLED}. */
    public boolean engineEnabled() {
        return ENGINE_ENABLED.get(nodeSettings);
    }

    /** {@link #ENGINE_NUM_THREADS}. */
    public int engineNumThreads() {
        return ENGINE_NUM_THREADS.get(nodeSettings);
    }

    /** {@link #ENGINE_NUM_INTEROP_THREADS}. */
    public int engineNumInteropThreads() {
        return ENGINE_NUM_INTEROP_THREADS.get(nodeSettings);
    }

    /** Live value of {@link #INGEST_MAX_TOKENS}. */
    public int ingestMaxTokens() {
        return ingestMaxTokens;
    }

    /** Live value of {@link #INFO_SELF_TEST}. */
    public boolean infoSelfTest() {
        return infoSelfTest;
    }
}
