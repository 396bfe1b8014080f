/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import static org.opensearch.ingest.ConfigurationUtils.newConfigurationException;
import static org.opensearch.ingest.ConfigurationUtils.readBooleanProperty;
import static org.opensearch.ingest.ConfigurationUtils.readStringProperty;

import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexAbstraction;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.ingest.AbstractBatchingProcessor;
import org.opensearch.ingest.ConfigurationUtils;

import io.lloco.common.LlocoSettings;
import io.lloco.common.ResourceNames;
import io.lloco.engine.ModelService;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.store.CompressionMode;
import io.lloco.store.SummaryDtype;
import io.lloco.util.Enums;

/**
 * Parses {@code lloco_compress} configs with {@link ConfigurationUtils} (each read removes its key; core rejects
 * leftovers as unknown). Services arrive through suppliers because processors are built before the plugin's
 * components.
 */
public final class LlocoCompressProcessorFactory extends AbstractBatchingProcessor.Factory {

    /** Largest segment length accepted. */
    public static final int MAX_SEGMENT_TOKENS = 8192;

    private final Supplier<CompressService> compressor;
    private final Supplier<Executor> executor;
    private final IntSupplier nodeMaxTokens;
    private final LongSupplier nodeMaxBytes;
    private final ToLongFunction<String> nestedObjectsLimit;

    /**
     * A factory over late-bound services.
     *
     * @param nestedObjectsLimit the {@code index.mapping.nested_objects.limit} of an index (or alias) by name
     */
    public LlocoCompressProcessorFactory(
        Supplier<CompressService> compressor,
        Supplier<Executor> executor,
        IntSupplier nodeMaxTokens,
        ToLongFunction<String> nestedObjectsLimit
    ) {
        this(
            compressor, executor, nodeMaxTokens, () -> LlocoSettings.INGEST_MAX_BYTES.getDefault(Settings.EMPTY).getBytes(),
            nestedObjectsLimit
        );
    }

    /**
     * A factory over late-bound services.
     *
     * @param nodeMaxBytes the live {@code plugins.lloco.ingest.max_bytes}
     * @param nestedObjectsLimit the {@code index.mapping.nested_objects.limit} of an index (or alias) by name
     */
    public LlocoCompressProcessorFactory(
        Supplier<CompressService> compressor,
        Supplier<Executor> executor,
        IntSupplier nodeMaxTokens,
        LongSupplier nodeMaxBytes,
        ToLongFunction<String> nestedObjectsLimit
    ) {
        super(LlocoCompressProcessor.TYPE);
        this.compressor = compressor;
        this.executor = executor;
        this.nodeMaxTokens = nodeMaxTokens;
        this.nodeMaxBytes = nodeMaxBytes;
        this.nestedObjectsLimit = nestedObjectsLimit;
    }

    @Override
    protected AbstractBatchingProcessor newProcessor(String tag, String description, int batchSize, Map<String, Object> config) {
        String type = LlocoCompressProcessor.TYPE;
        String field = readStringProperty(type, tag, config, "field");
        if (field.isBlank() || field.chars().anyMatch(Character::isISOControl)) {
            throw newConfigurationException(type, tag, "field", "must name the text field to compress (no control characters)");
        }
        String targetField = readStringProperty(type, tag, config, "target_field", "lloco");
        checkTargetField(type, tag, field, targetField);
        String model = readStringProperty(type, tag, config, "model", ModelService.EMBEDDED_MODEL);
        CompressService service = compressor.get();
        if (service == null) {
            throw newConfigurationException(type, tag, "model", "the lloco plugin is not initialised on this node yet; retry");
        }
        String badName = ResourceNames.problem(model);
        if (badName != null) {
            throw newConfigurationException(type, tag, "model", "invalid model id " + ResourceNames.quote(model) + ": " + badName);
        }
        if (service.knows(model) == false) {
            throw newConfigurationException(
                type,
                tag,
                "model",
                "unknown model [" + model + "]; models on this node: " + service.knownModels()
                    + " (add one under config/lloco/models/<id>/)"
            );
        }
        Integer segmentTokens = readOptionalInt(type, tag, config, "segment_tokens", 16, MAX_SEGMENT_TOKENS);
        CompressionMode mode;
        try {
            mode = CompressionMode.parse("mode", readStringProperty(type, tag, config, "mode", "accumulate"));
        } catch (IllegalArgumentException e) {
            throw newConfigurationException(type, tag, "mode", Enums.withoutField(e));
        }
        Segmentation.Boundary boundary;
        try {
            boundary = Segmentation.Boundary.parse(readStringProperty(type, tag, config, "segment_boundary", "tokens"));
        } catch (IllegalArgumentException e) {
            throw newConfigurationException(type, tag, "segment_boundary", Enums.withoutField(e));
        }
        SummaryDtype storage;
        try {
            storage = SummaryDtype.parse("storage", readStringProperty(type, tag, config, "storage", "float16"));
        } catch (IllegalArgumentException e) {
            throw newConfigurationException(type, tag, "storage", Enums.withoutField(e));
        }
        int nodeMax = nodeMaxTokens.getAsInt();
        Integer maxTokens = readOptionalInt(type, tag, config, "max_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens != null && maxTokens > nodeMax) {
            throw newConfigurationException(
                type,
                tag,
                "max_tokens",
                "[" + maxTokens + "] is over the node limit " + nodeMax + " set by [" + LlocoSettings.INGEST_MAX_TOKENS.getKey() + "]"
            );
        }
        long nodeMaxBytesNow = nodeMaxBytes.getAsLong();
        Long maxBytes = readOptionalBytes(type, tag, config, "max_bytes");
        if (maxBytes != null && maxBytes > nodeMaxBytesNow) {
            throw newConfigurationException(
                type,
                tag,
                "max_bytes",
                "[" + maxBytes + "] is over the node limit " + nodeMaxBytesNow + " set by [" + LlocoSettings.INGEST_MAX_BYTES.getKey() + "]"
            );
        }
        boolean ignoreMissing = readBooleanProperty(type, tag, config, "ignore_missing", false);
        boolean indexSentences = readBooleanProperty(type, tag, config, "index_sentences", true);
        return new LlocoCompressProcessor(
            tag,
            description,
            batchSize,
            new LlocoCompressProcessor.Config(
                field,
                targetField,
                model,
                segmentTokens,
                mode,
                boundary,
                storage,
                maxTokens,
                maxBytes,
                ignoreMissing,
                indexSentences
            ),
            service,
            executor.get(),
            nodeMaxTokens,
            nodeMaxBytes,
            nestedObjectsLimit
        );
    }

    /**
     * {@code target_field} must be an ordinary field path: not a metadata field ({@code _id}, {@code _source}, ...),
     * not the text field, and neither inside the other (writing {@code body.lloco} would turn the text into an object;
     * compressing {@code lloco.text} would overwrite it with its own summaries), so a bad config fails when the pipeline
     * is created, not on every document.
     */
    static void checkTargetField(String type, String tag, String field, String target) {
        if (target.isBlank() || target.chars().anyMatch(Character::isISOControl)) {
            throw newConfigurationException(type, tag, "target_field", "must not be empty or hold control characters");
        }
        if (target.startsWith("_") || target.contains("._")) {
            throw newConfigurationException(
                type,
                tag,
                "target_field",
                "[" + target + "] is or is under a metadata field (a name starting with _); use an ordinary field such as [lloco]"
            );
        }
        if (target.startsWith(".") || target.endsWith(".") || target.contains("..")) {
            throw newConfigurationException(type, tag, "target_field", "[" + target + "] is not a valid field path");
        }
        if (target.equals(field)) {
            throw newConfigurationException(type, tag, "target_field", "must differ from [field]: the text would be overwritten");
        }
        if (target.startsWith(field + ".") || field.startsWith(target + ".")) {
            throw newConfigurationException(
                type,
                tag,
                "target_field",
                "[" + target + "] and [field] [" + field + "] are inside one another: the compressed form and the text need separate fields"
            );
        }
    }

    /** A byte count: a positive integer or a size such as {@code "64kb"}. */
    private static Long readOptionalBytes(String type, String tag, Map<String, Object> config, String key) {
        Object raw = config.remove(key);
        if (raw == null) {
            return null;
        }
        long v;
        if (raw instanceof Integer || raw instanceof Long) {
            v = ((Number) raw).longValue();
        } else if (raw instanceof String s) {
            try {
                v = ByteSizeValue.parseBytesSizeValue(s.trim(), key).getBytes();
            } catch (RuntimeException e) {
                throw newConfigurationException(type, tag, key, "must be a number of bytes or a size such as [64kb], got [" + s + "]");
            }
        } else {
            throw newConfigurationException(type, tag, key, "must be a number of bytes or a size such as [64kb], got [" + raw + "]");
        }
        if (v < 1) {
            throw newConfigurationException(type, tag, key, "must be at least 1 byte, got [" + raw + "]");
        }
        return v;
    }

    private static Integer readOptionalInt(String type, String tag, Map<String, Object> config, String key, int min, int max) {
        Object raw = config.remove(key);
        if (raw == null) {
            return null;
        }
        int v;
        if (raw instanceof Integer i) {
            v = i;
        } else if (raw instanceof String s) {
            try {
                v = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw newConfigurationException(type, tag, key, "must be an integer, got [" + s + "]");
            }
        } else {
            throw newConfigurationException(type, tag, key, "must be an integer, got [" + raw + "]");
        }
        if (v < min || v > max) {
            throw newConfigurationException(type, tag, key, "must be between " + min + " and " + max + ", got [" + v + "]");
        }
        return v;
    }

    /** {@code index.mapping.nested_objects.limit} of an index, alias or data stream (its write index); the default if unknown. */
    public static long nestedObjectsLimit(ClusterState state, String index) {
        Setting<Long> limit = MapperService.INDEX_MAPPING_NESTED_DOCS_LIMIT_SETTING;
        IndexAbstraction a = index == null ? null : state.metadata().getIndicesLookup().get(index);
        IndexMetadata md = a == null ? null : a.getWriteIndex();
        return md == null ? limit.getDefault(Settings.EMPTY) : limit.get(md.getSettings());
    }
}
