/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TensorSource;

/**
 * The weights of a Llama (or AutoCompressor) model as NDArrays in a manager the model owns: float32 on
 * CPU, float16 on GPU. Weights are plain arrays, so a trainer may attach gradients to any of them
 * ({@link #named()}) and run {@link LlamaModel}'s forward under a gradient collector.
 */
public final class LlamaWeights implements AutoCloseable {

    /** Key of the token embedding table. */
    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    /** Key of the final norm. */
    public static final String NORM = "model.norm.weight";
    /** Key of the untied output head. */
    public static final String LM_HEAD = "lm_head.weight";
    /** Key of the AutoCompressor summary-token table. */
    public static final String EMBED_SUMMARY = "embed_summary.weight";

    private final LlamaConfig config;
    private final NDManager manager;
    private final NDArray embedTokens;
    private final List<LayerWeights> layers;
    private final NDArray norm;
    private final NDArray lmHead;
    private final NDArray embedSummary;

    private LlamaWeights(LlamaConfig config, NDManager manager, Map<String, NDArray> named) {
        this.config = config;
        this.manager = manager;
        this.embedTokens = named.get(EMBED_TOKENS);
        List<LayerWeights> ls = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            ls.add(
                new LayerWeights(
                    named.get(p + "input_layernorm.weight"),
                    named.get(Projection.Q.weightKey(i)),
                    named.get(Projection.K.weightKey(i)),
                    named.get(Projection.V.weightKey(i)),
                    named.get(Projection.O.weightKey(i)),
                    named.get(p + "post_attention_layernorm.weight"),
                    named.get(Projection.GATE.weightKey(i)),
                    named.get(Projection.UP.weightKey(i)),
                    named.get(Projection.DOWN.weightKey(i))
                )
            );
        }
        this.layers = Collections.unmodifiableList(ls);
        this.norm = named.get(NORM);
        this.lmHead = config.tieWordEmbeddings() ? null : named.get(LM_HEAD);
        this.embedSummary = config.isAutoCompressor() ? named.get(EMBED_SUMMARY) : null;
    }

    /** Every expected key with its shape, in Hugging Face order. */
    public static Map<String, long[]> expectedShapes(LlamaConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long ffn = c.intermediateSize();
        m.put(EMBED_TOKENS, new long[]{c.vocabSize(), h});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[]{h});
            m.put(Projection.Q.weightKey(i), new long[]{q, h});
            m.put(Projection.K.weightKey(i), new long[]{kv, h});
            m.put(Projection.V.weightKey(i), new long[]{kv, h});
            m.put(Projection.O.weightKey(i), new long[]{h, q});
            m.put(p + "post_attention_layernorm.weight", new long[]{h});
            m.put(Projection.GATE.weightKey(i), new long[]{ffn, h});
            m.put(Projection.UP.weightKey(i), new long[]{ffn, h});
            m.put(Projection.DOWN.weightKey(i), new long[]{h, ffn});
        }
        m.put(NORM, new long[]{h});
        if (c.tieWordEmbeddings() == false) {
            m.put(LM_HEAD, new long[]{c.vocabSize(), h});
        }
        if (c.isAutoCompressor()) {
            m.put(EMBED_SUMMARY, new long[]{c.summaryLength(), h});
        }
        return m;
    }

    /** The compute dtype for a device: float32 on CPU (fp16 matmul is ~140x slower there), float16 on GPU. */
    public static DataType defaultDataType(Device device) {
        return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /** Loads {@code config.json} and the weights of a model directory into a new sub-manager of {@code parent}. */
    public static LlamaWeights load(Path modelDir, NDManager parent) throws IOException {
        LlamaConfig config = Checkpoints.config(modelDir);
        try (TensorSource source = Checkpoints.open(modelDir)) {
            return load(config, source, parent, defaultDataType(parent.getDevice()));
        }
    }

    /**
     * Loads weights from a tensor source, checking every expected key and shape against the config.
     *
     * @param parent the new weights get their own sub-manager of it (closed by {@link #close()})
     * @param dataType FLOAT32 or FLOAT16 (never BFLOAT16: it aborts DJL)
     */
    public static LlamaWeights load(LlamaConfig config, TensorSource source, NDManager parent, DataType dataType) throws IOException {
        checkDataType(dataType);
        Map<String, long[]> expected = expectedShapes(config);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (source.names().contains(e.getKey()) == false) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "model weights lack tensor [%s] (expected shape %s for %s)",
                        e.getKey(),
                        Arrays.toString(e.getValue()),
                        config
                    )
                );
            }
            long[] shape = source.shape(e.getKey());
            if (Arrays.equals(shape, e.getValue()) == false) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "model weight [%s] has shape %s but config.json implies %s",
                        e.getKey(),
                        Arrays.toString(shape),
                        Arrays.toString(e.getValue())
                    )
                );
            }
        }
        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> named = new LinkedHashMap<>();
            for (String key : expected.keySet()) {
                named.put(key, toNDArray(source.get(key), manager, dataType));
            }
            return new LlamaWeights(config, manager, named);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Wraps arrays already in {@code manager} (which the weights then own); shapes are checked. */
    public static LlamaWeights fromArrays(LlamaConfig config, NDManager manager, Map<String, NDArray> named) throws CheckpointException {
        for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
            NDArray a = named.get(e.getKey());
            if (a == null) {
                throw new CheckpointException("model weights lack tensor [" + e.getKey() + "]");
            }
            if (Arrays.equals(a.getShape().getShape(), e.getValue()) == false) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "model weight [%s] has shape %s but the config implies %s",
                        e.getKey(),
                        a.getShape(),
                        Arrays.toString(e.getValue())
                    )
                );
            }
        }
        return new LlamaWeights(config, manager, named);
    }

    /**
     * Random weights (for tests, benchmarks and training from scratch): projections and embeddings uniform
     * with standard deviation {@code std}, norms {@code 1 + U(-0.1, 0.1)}, reproducible from {@code seed}.
     */
    public static LlamaWeights random(LlamaConfig config, NDManager parent, long seed, double std) {
        NDManager manager = parent.newSubManager();
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, NDArray> named = new LinkedHashMap<>();
        double halfWidth = std * Math.sqrt(3.0);
        for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
            long[] shape = e.getValue();
            float[] v = new float[Math.toIntExact(new Shape(shape).size())];
            boolean isNorm = shape.length == 1;
            for (int i = 0; i < v.length; i++) {
                v[i] = isNorm ? (float) (1.0 + rnd.nextDouble(-0.1, 0.1)) : (float) rnd.nextDouble(-halfWidth, halfWidth);
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(v);
            named.put(e.getKey(), toNDArray(new HostTensor(e.getKey(), shape, "F32", buf), manager, defaultDataType(manager.getDevice())));
        }
        return new LlamaWeights(config, manager, named);
    }

    private static void checkDataType(DataType dataType) {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
            throw new IllegalArgumentException("weights must be FLOAT32 or FLOAT16, not " + dataType);
        }
    }

    /** Converts a float32 host tensor to an NDArray owned by libtorch (the host buffer is not retained). */
    static NDArray toNDArray(HostTensor t, NDManager manager, DataType dataType) {
        ByteBuffer data = t.data().duplicate().position(0).limit(Math.toIntExact(t.numel() * 4));
        try (NDArray blob = manager.create(data, new Shape(t.shape()), DataType.FLOAT32)) {
            NDArray owned = manager.getDevice().isGpu() ? blob.toDevice(manager.getDevice(), true) : blob.duplicate();
            if (dataType != DataType.FLOAT32) {
                NDArray cast = owned.toType(dataType, false);
                owned.close();
                owned = cast;
            }
            owned.setName(t.name());
            return owned;
        }
    }

    /** The config these weights follow. */
    public LlamaConfig config() {
        return config;
    }

    /** The manager owning the weights; request managers are sub-managers of it. */
    public NDManager manager() {
        return manager;
    }

    /** Compute dtype of the weights. */
    public DataType dataType() {
        return embedTokens.getDataType();
    }

    /** {@code model.embed_tokens.weight} [vocab, hidden]. */
    public NDArray embedTokens() {
        return embedTokens;
    }

    /** Layer {@code i}. */
    public LayerWeights layer(int i) {
        return layers.get(i);
    }

    /** All layers. */
    public List<LayerWeights> layers() {
        return layers;
    }

    /** {@code model.norm.weight}. */
    public NDArray norm() {
        return norm;
    }

    /** The output head: {@code lm_head.weight}, or the embedding table when tied. */
    public NDArray lmHead() {
        return lmHead == null ? embedTokens : lmHead;
    }

    /** {@code embed_summary.weight} [summary_length, hidden], or null for a plain Llama. */
    public NDArray embedSummary() {
        return embedSummary;
    }

    /** Every weight by its Hugging Face key (tied heads appear once, as the embedding). */
    public Map<String, NDArray> named() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put(EMBED_TOKENS, embedTokens);
        for (int i = 0; i < layers.size(); i++) {
            LayerWeights l = layers.get(i);
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", l.inputNorm());
            for (Projection pr : new Projection[]{Projection.Q, Projection.K, Projection.V, Projection.O}) {
                m.put(pr.weightKey(i), l.get(pr));
            }
            m.put(p + "post_attention_layernorm.weight", l.postNorm());
            for (Projection pr : new Projection[]{Projection.GATE, Projection.UP, Projection.DOWN}) {
                m.put(pr.weightKey(i), l.get(pr));
            }
        }
        m.put(NORM, norm);
        if (lmHead != null) {
            m.put(LM_HEAD, lmHead);
        }
        if (embedSummary != null) {
            m.put(EMBED_SUMMARY, embedSummary);
        }
        return m;
    }

    /** Total number of parameters. */
    public long parameterCount() {
        long n = 0;
        for (NDArray a : named().values()) {
            n += a.getShape().size();
        }
        return n;
    }

    /** Writes {@code config.json} and a float32 {@code model.safetensors} into {@code dir}. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (NDManager tmp = manager.newSubManager(Device.cpu())) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (Map.Entry<String, NDArray> e : named().entrySet()) {
                w.add(e.getKey(), e.getValue().getShape().getShape(), float32View(e.getValue(), tmp));
            }
            w.write(dir.resolve(Checkpoints.SAFETENSORS), StoredDtype.F32);
        }
        Files.write(
            dir.resolve(Checkpoints.CONFIG),
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config.toJson()).getBytes(StandardCharsets.UTF_8)
        );
    }

    /**
     * The float32 little-endian bytes of an array, without a copy when it already is float32 on CPU; otherwise
     * a converted copy kept in {@code tmp}. Valid while the array (or {@code tmp}) is open.
     */
    public static ByteBuffer float32View(NDArray a, NDManager tmp) {
        NDArray c = a;
        if (a.getDataType() != DataType.FLOAT32 || a.getDevice().isGpu()) {
            c = a.toDevice(Device.cpu(), true);
            c.attach(tmp);
            if (c.getDataType() != DataType.FLOAT32) {
                c = c.toType(DataType.FLOAT32, false);
                c.attach(tmp);
            }
        }
        return c.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Frees every weight. */
    @Override
    public void close() {
        manager.close();
    }
}
