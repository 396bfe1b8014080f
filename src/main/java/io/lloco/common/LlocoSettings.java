/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.util.List;

import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Setting.Property;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.common.unit.ByteSizeUnit;
import org.opensearch.core.common.unit.ByteSizeValue;

import io.lloco.runtime.model.DtypePolicy;
import io.lloco.runtime.model.WeightsDtype;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * Every {@code plugins.lloco.*} setting: static declarations (bounded, documented in {@code docs/settings.md}) and, per
 * instance, the live values of the dynamic ones. One instance per node, built by the plugin and injected; never static
 * state.
 */
public final class LlocoSettings {

    /** Prefix of every node setting of the plugin. */
    public static final String PREFIX = "plugins.lloco.";

    /** Starts the neural engine (DJL + libtorch) on this node. Off: the node can coordinate but never runs a model. */
    public static final Setting<Boolean> ENGINE_ENABLED = boolSetting(PREFIX + "engine.enabled", true, Property.NodeScope);

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

    /**
     * A libtorch the operator installed: PyTorch's libtorch folder, a torch wheel's {@code torch/} folder, DJL's
     * pytorch-native jar unzipped, or their {@code lib/}; relative paths are resolved against the node's config
     * directory (OpenSearch 3.x lets a plugin read files there: put the libtorch, or a link to it, under
     * {@code config/lloco/}); empty: the bundled CPU build. Must be libtorch 2.7.1, flavor cpu or cu128. Read once, at
     * engine start.
     */
    public static final Setting<String> ENGINE_LIBTORCH_PATH = Setting.simpleString(PREFIX + "engine.libtorch_path", "", v -> {
        if (v.length() > 4096 || v.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("[" + PREFIX + "engine.libtorch_path] is not a path");
        }
    }, Property.NodeScope);

    /** Compute devices: {@code auto}, {@code cpu}, {@code cuda:N}, or a list ({@link DeviceList}). Read once, at engine start. */
    public static final Setting<List<String>> DEVICE = Setting.listSetting(
        PREFIX + "device",
        List.of("auto"),
        v -> DeviceList.parseEntry(v, PREFIX + "device"),
        v -> DeviceList.of(v, PREFIX + "device"),
        Property.NodeScope
    );

    /** Most models {@link #MODELS_PRELOAD} may name. */
    public static final int MAX_PRELOAD = 16;

    /** Models loaded at node start, in the background (failures logged and shown by {@code GET /_plugins/lloco/models}). */
    public static final Setting<List<String>> MODELS_PRELOAD = Setting.listSetting(
        PREFIX + "models.preload",
        List.of(),
        v -> {
            if (v.isEmpty() || v.length() > 255 || v.contains("/") || v.contains("\\") || v.contains("..")) {
                throw new IllegalArgumentException("[" + PREFIX + "models.preload] has an invalid model id [" + v + "]");
            }
            return v;
        },
        v -> {
            if (v.size() > MAX_PRELOAD) {
                throw new IllegalArgumentException("[" + PREFIX + "models.preload] names " + v.size() + " models; at most " + MAX_PRELOAD);
            }
        },
        Property.NodeScope
    );

    /** Native bytes the models may take on each compute device ({@link MemoryLimit}: {@code auto}, {@code NN%} or a size). */
    public static final Setting<MemoryLimit> MEMORY_LIMIT = new Setting<>(
        PREFIX + "memory.limit",
        "auto",
        v -> MemoryLimit.parse(v, PREFIX + "memory.limit"),
        Property.NodeScope,
        Property.Dynamic
    );

    /** Whether {@code GET /_plugins/lloco} runs a tiny tensor operation to prove the engine works. */
    public static final Setting<Boolean> INFO_SELF_TEST = boolSetting(
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

    /**
     * Upper bound on the UTF-8 bytes of one document's text the {@code lloco_compress} processor accepts (a processor may set
     * less): {@code max_tokens} alone does not bound the text, since a tokenizer may read a long run without spaces as a
     * few tokens.
     */
    public static final Setting<ByteSizeValue> INGEST_MAX_BYTES = Setting.byteSizeSetting(
        PREFIX + "ingest.max_bytes",
        new ByteSizeValue(4, ByteSizeUnit.MB),
        new ByteSizeValue(1, ByteSizeUnit.KB),
        new ByteSizeValue(100, ByteSizeUnit.MB),
        Property.NodeScope,
        Property.Dynamic
    );

    /**
     * Whether an ingest node compresses documents itself when the cluster has no {@code lloco} node. Off: such documents
     * fail with 503 naming this setting.
     */
    public static final Setting<Boolean> INGEST_ALLOW_LOCAL = boolSetting(
        PREFIX + "ingest.allow_local",
        true,
        Property.NodeScope,
        Property.Dynamic
    );

    /** How long an ingest node waits for a {@code lloco} node to compress one batch before retrying once elsewhere. */
    public static final Setting<TimeValue> INGEST_TIMEOUT = Setting.timeSetting(
        PREFIX + "ingest.timeout",
        TimeValue.timeValueMinutes(10),
        TimeValue.timeValueSeconds(1),
        TimeValue.timeValueHours(1),
        Property.NodeScope,
        Property.Dynamic
    );

    /**
     * Compress requests (batches of documents) a {@code lloco} node accepts at once, queued or running; beyond it, 429
     * naming this setting (the ingest node first retries once on another {@code lloco} node). The default is the
     * {@code lloco_compress} pool's own queue.
     */
    public static final Setting<Integer> INGEST_QUEUE_SIZE = Setting
        .intSetting(PREFIX + "ingest.queue_size", 10_000, 1, 10_000, Property.NodeScope, Property.Dynamic);

    /** With no {@code lloco} node in the cluster, decode questions on the coordinating node. */
    public static final Setting<Boolean> QA_ALLOW_LOCAL = boolSetting(
        PREFIX + "qa.allow_local",
        true,
        Property.NodeScope,
        Property.Dynamic
    );

    /** Questions (whatever their number of reads) a {@code lloco} node queues, including while their model loads, before answering 429. */
    public static final Setting<Integer> QA_QUEUE_SIZE = Setting
        .intSetting(PREFIX + "qa.queue_size", 64, 1, 10_000, Property.NodeScope, Property.Dynamic);

    /** Reads of queued questions of one model decoded together in one batch. */
    public static final Setting<Integer> QA_MAX_BATCH = Setting
        .intSetting(PREFIX + "qa.max_batch", 8, 1, 64, Property.NodeScope, Property.Dynamic);

    /**
     * The longest a question may wait and decode on a {@code lloco} node, counted from when its model is loaded there;
     * past it the node answers 504 naming this setting. (Read on the {@code lloco} node.)
     */
    public static final Setting<TimeValue> QA_TIMEOUT = Setting.timeSetting(
        PREFIX + "qa.timeout",
        TimeValue.timeValueSeconds(120),
        TimeValue.timeValueSeconds(1),
        TimeValue.timeValueHours(1),
        Property.NodeScope,
        Property.Dynamic
    );

    /**
     * Serves the LLoCO pages at {@code GET /_plugins/lloco/ui}. Off: the page and its files answer 404 naming this
     * setting (the REST APIs the page calls are unaffected).
     */
    public static final Setting<Boolean> UI_ENABLED = boolSetting(PREFIX + "ui.enabled", true, Property.NodeScope, Property.Dynamic);

    /**
     * The dtype models compute in on this node, for compression and decoding alike: {@code auto} (float16 on a CUDA
     * device, float32 on the CPU), {@code float32} or {@code float16}. In float16, RMSNorm and the attention softmax
     * run in float32 and logits are float32 (docs/dtype.md). Read when a model loads.
     */
    public static final Setting<DtypePolicy> DTYPE = new Setting<>(
        PREFIX + "dtype",
        DtypePolicy.AUTO.id(),
        v -> parseEnum(PREFIX + "dtype", v, DtypePolicy::parse),
        Property.NodeScope
    );

    /**
     * What the weight matrices are kept in while a model is loaded: {@code compute} (the compute dtype) or
     * {@code float16} (kept in float16 and widened per projection for float32 compute: a 7B model in 13.5 GB instead of
     * 27 GB on a CPU node; docs/dtype.md). Read when a model loads.
     */
    public static final Setting<WeightsDtype> WEIGHTS_DTYPE = new Setting<>(
        PREFIX + "weights.dtype",
        WeightsDtype.COMPUTE.id(),
        v -> parseEnum(PREFIX + "weights.dtype", v, WeightsDtype::parse),
        Property.NodeScope
    );

    /**
     * Per index: the prompt template of questions over it when neither the request nor the adapter names one (the
     * adapter's {@code lloco.json}, or a registry adapter's stored template, ranks above it): a template name
     * ({@code qmsum}, {@code quality}, ...) or a custom string with {@code {question}}; empty = the default.
     */
    public static final Setting<String> INDEX_TEMPLATE = Setting
        .simpleString("index.lloco.template", "", LlocoSettings::validateTemplate, Property.IndexScope, Property.Dynamic);

    /**
     * The adapter registry's revision: an index setting of the registry index {@code .lloco-adapters} that every
     * registration, evaluation update and deletion sets to a fresh value once the registry is written, acknowledged by
     * every node before the API answers. A node reads an adapter's metadata again only when the revision in its cluster
     * state differs from the one it last read at. Written by the registry; never set it yourself.
     */
    public static final Setting<String> INDEX_REGISTRY_REVISION = Setting
        .simpleString("index.lloco.registry_revision", "", Property.IndexScope, Property.Dynamic);

    /** LoRA adapters a node keeps loaded (every model's together), least recently used evicted first. */
    public static final Setting<Integer> ADAPTERS_CACHE_SIZE = Setting
        .intSetting(PREFIX + "adapters.cache_size", 16, 1, 10_000, Property.NodeScope, Property.Dynamic);

    /**
     * The largest adapter the registry accepts: the body of an upload ({@code PUT /_plugins/lloco/adapters/{name}} with
     * base64 weights) or the files of a directory registration. Beyond it: 400 naming this setting.
     */
    public static final Setting<ByteSizeValue> ADAPTERS_MAX_UPLOAD_SIZE = Setting.byteSizeSetting(
        PREFIX + "adapters.max_upload_size",
        new ByteSizeValue(64, ByteSizeUnit.MB),
        new ByteSizeValue(1, ByteSizeUnit.KB),
        new ByteSizeValue(2, ByteSizeUnit.GB),
        Property.NodeScope,
        Property.Dynamic
    );

    /** Trainings a {@code lloco} node queues behind the one it runs; beyond it: 429 naming this setting. */
    public static final Setting<Integer> TRAIN_QUEUE_SIZE = Setting
        .intSetting(PREFIX + "train.queue_size", 4, 0, 100, Property.NodeScope, Property.Dynamic);

    /** Most examples a training or an evaluation reads (from an index or inline); beyond it: 400 naming this setting. */
    public static final Setting<Integer> TRAIN_MAX_EXAMPLES = Setting
        .intSetting(PREFIX + "train.max_examples", 100_000, 1, 10_000_000, Property.NodeScope, Property.Dynamic);

    /** Per index: the LoRA adapter answering questions over it ({@code none}, or an adapter name; empty = the model's {@code default}). */
    public static final Setting<String> INDEX_ADAPTER = Setting
        .simpleString("index.lloco.adapter", "", LlocoSettings::validateAdapter, Property.IndexScope, Property.Dynamic);

    /** An adapter name is one folder name ({@link ResourceNames}): no path, no control characters. */
    static void validateAdapter(String value) {
        if (value.isEmpty() == false) {
            String problem = ResourceNames.problem(value);
            if (problem != null) {
                throw new IllegalArgumentException(
                    "invalid value " + ResourceNames.quote(value) + " for setting [index.lloco.adapter]: an adapter name " + problem
                );
            }
        }
    }

    private volatile boolean qaAllowLocal;
    private volatile int qaQueueSize;
    private volatile int qaMaxBatch;
    private volatile TimeValue qaTimeout;
    private volatile boolean infoSelfTest;
    private volatile boolean ingestAllowLocal;
    private volatile TimeValue ingestTimeout;
    private volatile int ingestQueueSize;
    private volatile int ingestMaxTokens;
    private volatile long ingestMaxBytes;
    private volatile boolean uiEnabled;
    private volatile MemoryLimit memoryLimit;
    private volatile int adaptersCacheSize;
    private volatile ByteSizeValue adaptersMaxUploadSize;
    private volatile int trainQueueSize;
    private volatile int trainMaxExamples;
    private final Settings nodeSettings;

    /** Reads node settings and follows dynamic updates. */
    public LlocoSettings(Settings nodeSettings, ClusterService clusterService) {
        this.nodeSettings = nodeSettings;
        this.infoSelfTest = INFO_SELF_TEST.get(nodeSettings);
        this.ingestMaxTokens = INGEST_MAX_TOKENS.get(nodeSettings);
        this.ingestMaxBytes = INGEST_MAX_BYTES.get(nodeSettings).getBytes();
        this.ingestAllowLocal = INGEST_ALLOW_LOCAL.get(nodeSettings);
        this.ingestTimeout = INGEST_TIMEOUT.get(nodeSettings);
        this.ingestQueueSize = INGEST_QUEUE_SIZE.get(nodeSettings);
        this.qaAllowLocal = QA_ALLOW_LOCAL.get(nodeSettings);
        this.qaQueueSize = QA_QUEUE_SIZE.get(nodeSettings);
        this.qaMaxBatch = QA_MAX_BATCH.get(nodeSettings);
        this.qaTimeout = QA_TIMEOUT.get(nodeSettings);
        this.uiEnabled = UI_ENABLED.get(nodeSettings);
        this.memoryLimit = MEMORY_LIMIT.get(nodeSettings);
        this.adaptersCacheSize = ADAPTERS_CACHE_SIZE.get(nodeSettings);
        this.adaptersMaxUploadSize = ADAPTERS_MAX_UPLOAD_SIZE.get(nodeSettings);
        this.trainQueueSize = TRAIN_QUEUE_SIZE.get(nodeSettings);
        this.trainMaxExamples = TRAIN_MAX_EXAMPLES.get(nodeSettings);
        if (clusterService != null) {
            clusterService.getClusterSettings().addSettingsUpdateConsumer(MEMORY_LIMIT, v -> memoryLimit = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(QA_ALLOW_LOCAL, v -> qaAllowLocal = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(QA_QUEUE_SIZE, v -> qaQueueSize = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(QA_MAX_BATCH, v -> qaMaxBatch = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(QA_TIMEOUT, v -> qaTimeout = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(INFO_SELF_TEST, v -> infoSelfTest = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(INGEST_MAX_TOKENS, v -> ingestMaxTokens = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(INGEST_MAX_BYTES, v -> ingestMaxBytes = v.getBytes());
            clusterService.getClusterSettings().addSettingsUpdateConsumer(INGEST_ALLOW_LOCAL, v -> ingestAllowLocal = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(INGEST_TIMEOUT, v -> ingestTimeout = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(INGEST_QUEUE_SIZE, v -> ingestQueueSize = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(UI_ENABLED, v -> uiEnabled = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(ADAPTERS_CACHE_SIZE, v -> adaptersCacheSize = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(ADAPTERS_MAX_UPLOAD_SIZE, v -> adaptersMaxUploadSize = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(TRAIN_QUEUE_SIZE, v -> trainQueueSize = v);
            clusterService.getClusterSettings().addSettingsUpdateConsumer(TRAIN_MAX_EXAMPLES, v -> trainMaxExamples = v);
        }
    }

    /**
     * A boolean setting whose parse error names it (core's says only "only [true] or [false] are allowed", which does not
     * tell which setting of a {@code PUT _cluster/settings} was wrong).
     */
    static Setting<Boolean> boolSetting(String key, boolean defaultValue, Property... properties) {
        return new Setting<>(key, Boolean.toString(defaultValue), v -> {
            try {
                return org.opensearch.common.Booleans.parseBoolean(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                    "Failed to parse value [" + v + "] for setting [" + key + "]: only [true] or [false] are allowed",
                    e
                );
            }
        }, properties);
    }

    /** All settings to register with the node. */
    public static List<Setting<?>> all() {
        return List.of(
            ENGINE_ENABLED,
            ENGINE_NUM_THREADS,
            ENGINE_NUM_INTEROP_THREADS,
            ENGINE_LIBTORCH_PATH,
            DEVICE,
            DTYPE,
            MODELS_PRELOAD,
            MEMORY_LIMIT,
            INFO_SELF_TEST,
            INGEST_MAX_TOKENS,
            INGEST_MAX_BYTES,
            INGEST_ALLOW_LOCAL,
            INGEST_TIMEOUT,
            INGEST_QUEUE_SIZE,
            QA_ALLOW_LOCAL,
            QA_QUEUE_SIZE,
            QA_MAX_BATCH,
            QA_TIMEOUT,
            WEIGHTS_DTYPE,
            UI_ENABLED,
            INDEX_ADAPTER,
            INDEX_TEMPLATE,
            INDEX_REGISTRY_REVISION,
            ADAPTERS_CACHE_SIZE,
            ADAPTERS_MAX_UPLOAD_SIZE,
            TRAIN_QUEUE_SIZE,
            TRAIN_MAX_EXAMPLES
        );
    }

    private static <T> T parseEnum(String key, String value, java.util.function.Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Failed to parse value [" + value + "] for setting [" + key + "]: " + e.getMessage(), e);
        }
    }

    /** {@code index.lloco.template}: empty, a known template name, or a valid custom pattern with {@code {question}}. */
    static void validateTemplate(String value) {
        if (value.isEmpty()) {
            return;
        }
        try {
            PromptTemplates.defaults().resolve(value, "index.lloco.template");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "setting [index.lloco.template]: " + ResourceNames.quote(value)
                    + " is neither a known template nor a valid custom template: "
                    + e.getMessage(),
                e
            );
        }
    }

    /** {@link #DTYPE}. */
    public DtypePolicy dtype() {
        return DTYPE.get(nodeSettings);
    }

    /** {@link #WEIGHTS_DTYPE}. */
    public WeightsDtype weightsDtype() {
        return WEIGHTS_DTYPE.get(nodeSettings);
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

    /** {@link #ENGINE_LIBTORCH_PATH} resolved against {@code configDir} when relative, or null for the bundled libtorch. */
    public java.nio.file.Path engineLibtorchPath(java.nio.file.Path configDir) {
        String v = ENGINE_LIBTORCH_PATH.get(nodeSettings);
        if (v.isEmpty()) {
            return null;
        }
        java.nio.file.Path p = java.nio.file.Path.of(v);
        return p.isAbsolute() || configDir == null ? p.toAbsolutePath() : configDir.resolve(p).toAbsolutePath();
    }

    /** {@link #DEVICE}. */
    public DeviceList device() {
        return DeviceList.of(DEVICE.get(nodeSettings), DEVICE.getKey());
    }

    /** {@link #MODELS_PRELOAD}. */
    public List<String> modelsPreload() {
        return MODELS_PRELOAD.get(nodeSettings);
    }

    /** Live value of {@link #MEMORY_LIMIT}. */
    public MemoryLimit memoryLimit() {
        return memoryLimit;
    }

    /** Live value of {@link #INGEST_MAX_TOKENS}. */
    public int ingestMaxTokens() {
        return ingestMaxTokens;
    }

    /** Live value of {@link #INGEST_MAX_BYTES}, in bytes. */
    public long ingestMaxBytes() {
        return ingestMaxBytes;
    }

    /** Live value of {@link #INGEST_ALLOW_LOCAL}. */
    public boolean ingestAllowLocal() {
        return ingestAllowLocal;
    }

    /** Live value of {@link #INGEST_TIMEOUT}. */
    public TimeValue ingestTimeout() {
        return ingestTimeout;
    }

    /** Live value of {@link #QA_ALLOW_LOCAL}. */
    public boolean qaAllowLocal() {
        return qaAllowLocal;
    }

    /** Live value of {@link #INGEST_QUEUE_SIZE}. */
    public int ingestQueueSize() {
        return ingestQueueSize;
    }

    /** Live value of {@link #QA_QUEUE_SIZE}. */
    public int qaQueueSize() {
        return qaQueueSize;
    }

    /** Live value of {@link #QA_MAX_BATCH}. */
    public int qaMaxBatch() {
        return qaMaxBatch;
    }

    /** Live value of {@link #QA_TIMEOUT}. */
    public TimeValue qaTimeout() {
        return qaTimeout;
    }

    /** Live value of {@link #UI_ENABLED}. */
    public boolean uiEnabled() {
        return uiEnabled;
    }

    /** Live value of {@link #INFO_SELF_TEST}. */
    public boolean infoSelfTest() {
        return infoSelfTest;
    }

    /** Live value of {@link #ADAPTERS_CACHE_SIZE}. */
    public int adaptersCacheSize() {
        return adaptersCacheSize;
    }

    /** Live value of {@link #ADAPTERS_MAX_UPLOAD_SIZE}. */
    public ByteSizeValue adaptersMaxUploadSize() {
        return adaptersMaxUploadSize;
    }

    /** Live value of {@link #TRAIN_QUEUE_SIZE}. */
    public int trainQueueSize() {
        return trainQueueSize;
    }

    /** Live value of {@link #TRAIN_MAX_EXAMPLES}. */
    public int trainMaxExamples() {
        return trainMaxExamples;
    }
}
