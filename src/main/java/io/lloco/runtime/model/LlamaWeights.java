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
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TensorSource;

/**
 * The weights of a Llama (or AutoCompressor) model as NDArrays in a manager the model owns, in the dtypes of a
 * {@link Precision}: by default float32 on CPU, float16 on GPU; optionally the weight matrices (projections, embedding
 * table, output head) kept in float16 and widened per use ({@link #compute(NDArray)}). Weights are plain arrays, so a
 * trainer may attach gradients to any of them ({@link #named()}) and run {@link LlamaModel}'s forward under a gradient
 * collector.
 *
 * <p>Loading streams each large tensor through one small float32 block ({@link #LOAD_BLOCK_ELEMENTS}): the Java side
 * never holds a whole tensor (a 7B embedding table is 524 MB in float32, more than a node's direct-memory limit).
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

    /** Elements read and converted per block when loading a large tensor (16 MiB of float32). */
    public static final int LOAD_BLOCK_ELEMENTS = 1 << 22;

    /** Largest finite float16 value. */
    private static final float FLOAT16_MAX = 65504f;

    private final LlamaConfig config;
    private final Precision precision;
    private final Map<Long, Map<Shape, NDArray>> scratch = new ConcurrentHashMap<>();
    private final NDManager manager;
    private final NDArray embedTokens;
    private final List<LayerWeights> layers;
    private final NDArray norm;
    private final NDArray lmHead;
    private final NDArray embedSummary;

    private LlamaWeights(LlamaConfig config, Precision precision, NDManager manager, Map<String, NDArray> named) {
        this.config = config;
        this.precision = precision;
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
        return DtypePolicy.AUTO.resolve(device);
    }

    /** Whether a tensor is a weight matrix (kept in {@link Precision#weights()}), as opposed to a norm or the summary table. */
    public static boolean isMatrix(String key) {
        return key.endsWith("_proj.weight") || key.equals(EMBED_TOKENS) || key.equals(LM_HEAD);
    }

    /** Loads {@code config.json} and the weights of a model directory into a new sub-manager of {@code parent}. */
    public static LlamaWeights load(Path modelDir, NDManager parent) throws IOException {
        return load(modelDir, parent, Precision.defaultFor(parent.getDevice()));
    }

    /** Loads {@code config.json} and the weights of a model directory in {@code precision}. */
    public static LlamaWeights load(Path modelDir, NDManager parent, Precision precision) throws IOException {
        LlamaConfig config = Checkpoints.config(modelDir);
        try (TensorSource source = Checkpoints.open(modelDir)) {
            return load(config, source, parent, precision);
        }
    }

    /**
     * Loads weights from a tensor source, checking every expected key and shape against the config.
     *
     * @param parent the new weights get their own sub-manager of it (closed by {@link #close()})
     * @param dataType FLOAT32 or FLOAT16 (never BFLOAT16: it aborts DJL), for compute and weights
     */
    public static LlamaWeights load(LlamaConfig config, TensorSource source, NDManager parent, DataType dataType) throws IOException {
        checkDataType(dataType);
        return load(config, source, parent, new Precision(dataType, dataType));
    }

    /**
     * Loads weights from a tensor source in {@code precision}, checking every expected key and shape against the
     * config. A weight matrix that {@code precision} keeps in float16 but whose values exceed float16's range stays in
     * the compute dtype when that is float32; with float16 compute it is refused, naming the tensor.
     *
     * @param parent the new weights get their own sub-manager of it (closed by {@link #close()})
     */
    public static LlamaWeights load(LlamaConfig config, TensorSource source, NDManager parent, Precision precision) throws IOException {
        return load(config, source, parent, precision, LOAD_BLOCK_ELEMENTS);
    }

    /** {@link #load(LlamaConfig, TensorSource, NDManager, Precision)} with tensors over {@code blockElements} read in blocks. */
    static LlamaWeights load(LlamaConfig config, TensorSource source, NDManager parent, Precision precision, int blockElements)
        throws IOException {
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
            ByteBuffer block = null;
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                String key = e.getKey();
                long[] shape = e.getValue();
                DataType target = MemoryEstimate.keptDtype(key, precision);
                long numel = new Shape(shape).size();
                NDArray a;
                if (numel <= blockElements) {
                    a = toNDArray(source.get(key), manager, target);
                    if (a == null) {
                        a = widerOrFail(source.get(key), manager, precision);
                    }
                } else {
                    if (block == null) {
                        block = ByteBuffer.allocateDirect(blockElements * 4).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    a = loadBlocks(source, key, shape, manager, target, block);
                    if (a == null) {
                        if (precision.compute() != DataType.FLOAT32) {
                            throw tooWideForHalf(key);
                        }
                        a = loadBlocks(source, key, shape, manager, DataType.FLOAT32, block);
                    }
                }
                named.put(key, a);
            }
            return new LlamaWeights(config, precision, manager, named);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static NDArray widerOrFail(HostTensor t, NDManager manager, Precision precision) throws CheckpointException {
        if (precision.compute() != DataType.FLOAT32) {
            throw tooWideForHalf(t.name());
        }
        return toNDArray(t, manager, DataType.FLOAT32);
    }

    private static CheckpointException tooWideForHalf(String key) {
        return new CheckpointException(
            String.format(
                Locale.ROOT,
                "model weight [%s] holds values beyond float16's range (|x| > %s); this model cannot run in float16: use dtype float32",
                key,
                (int) FLOAT16_MAX
            )
        );
    }

    /**
     * Reads a tensor of rank >= 1 in blocks of whole rows through {@code block} into a preallocated array of
     * {@code target}; null when {@code target} is FLOAT16 and a value does not fit it.
     */
    private static NDArray loadBlocks(TensorSource source, String key, long[] shape, NDManager manager, DataType target, ByteBuffer block)
        throws IOException {
        long numel = new Shape(shape).size();
        long rows = shape[0];
        long cols = numel / rows;
        int blockElements = block.capacity() / 4;
        long rowsPerBlock = Math.max(1, blockElements / cols);
        if (rowsPerBlock * cols > blockElements) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "model weight [%s] has rows of %d elements, more than one load block holds", key, cols)
            );
        }
        long[] rowShape = shape.clone();
        boolean gpu = manager.getDevice().isGpu();
        // on the CPU every element is written below, straight into the tensor's memory: no zero fill needed
        NDArray out = gpu ? manager.zeros(new Shape(shape), target) : manager.create(new Shape(shape), target);
        try {
            ByteBuffer view = gpu ? null : out.toByteBuffer(true);
            for (long r0 = 0; r0 < rows; r0 += rowsPerBlock) {
                long n = Math.min(rowsPerBlock, rows - r0);
                int count = Math.toIntExact(n * cols);
                if (gpu == false) {
                    // CPU: float32 read straight into the tensor; float16 rounded in Java (vectorised), range-checked
                    int width = target.getNumOfBytes();
                    ByteBuffer dst = view.slice(Math.toIntExact(r0 * cols * width), count * width);
                    if (target == DataType.FLOAT32) {
                        source.readFloats(key, r0 * cols, count, dst);
                    } else {
                        source.readFloats(key, r0 * cols, count, block);
                        if (toHalf(block, count, dst) == false) {
                            out.close();
                            return null;
                        }
                    }
                    continue;
                }
                source.readFloats(key, r0 * cols, count, block);
                rowShape[0] = n;
                try (NDManager tmp = manager.newSubManager()) {
                    NDArray blob = tmp.create(block.duplicate().position(0).limit(count * 4), new Shape(rowShape), DataType.FLOAT32);
                    if (target == DataType.FLOAT16 && blob.abs().max().getFloat() > FLOAT16_MAX) {
                        out.close();
                        return null;
                    }
                    NDArray v = manager.getDevice().isGpu() ? blob.toDevice(manager.getDevice(), true) : blob;
                    if (target != DataType.FLOAT32) {
                        v = v.toType(target, true);
                    }
                    long[] min = new long[shape.length];
                    long[] max = shape.clone();
                    long[] step = new long[shape.length];
                    Arrays.fill(step, 1);
                    min[0] = r0;
                    max[0] = r0 + n;
                    JniUtils.indexSet((PtNDArray) out, (PtNDArray) v, min, max, step);
                }
            }
            out.setName(key);
            return out;
        } catch (IOException | RuntimeException e) {
            out.close();
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
        DataType dt = named.get(EMBED_TOKENS).getDataType();
        DataType compute = named.get(NORM).getDataType();
        return new LlamaWeights(config, new Precision(compute, dt), manager, named);
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
        return new LlamaWeights(config, Precision.defaultFor(manager.getDevice()), manager, named);
    }

    private static void checkDataType(DataType dataType) {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
            throw new IllegalArgumentException("weights must be FLOAT32 or FLOAT16, not " + dataType);
        }
    }

    /**
     * Rounds {@code count} float32 values (little-endian, from index 0 of {@code src}) to float16 into {@code dst}; false
     * (nothing promised about {@code dst}) when a value is beyond float16's range.
     */
    static boolean toHalf(ByteBuffer src, int count, ByteBuffer dst) {
        java.nio.FloatBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).asFloatBuffer();
        java.nio.ShortBuffer out = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).asShortBuffer();
        float[] f = new float[Math.min(count, 1 << 16)];
        short[] h = new short[f.length];
        for (int done = 0; done < count; done += f.length) {
            int n = Math.min(f.length, count - done);
            in.get(f, 0, n);
            float max = 0f;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, Math.abs(f[i]));
                h[i] = Float.floatToFloat16(f[i]);
            }
            if (max > FLOAT16_MAX) {
                return false;
            }
            out.put(h, 0, n);
        }
        return true;
    }

    /**
     * Converts a float32 host tensor to an NDArray owned by libtorch (the host buffer is not retained); null when
     * {@code dataType} is FLOAT16 and a value does not fit it.
     */
    static NDArray toNDArray(HostTensor t, NDManager manager, DataType dataType) {
        ByteBuffer data = t.data().duplicate().position(0).limit(Math.toIntExact(t.numel() * 4));
        try (NDArray blob = manager.create(data, new Shape(t.shape()), DataType.FLOAT32)) {
            if (dataType == DataType.FLOAT16 && t.numel() > 0 && blob.abs().max().getFloat() > FLOAT16_MAX) {
                return null;
            }
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

    /** The compute dtype. */
    public DataType dataType() {
        return precision.compute();
    }

    /** Compute and weight dtypes. */
    public Precision precision() {
        return precision;
    }

    /**
     * A weight in the compute dtype, not to be closed by the caller: the array itself; or, for weights kept in float16
     * under float32 compute, the weight widened into this thread's float32 scratch array of its shape (valid until this
     * thread widens another weight of the same shape); under gradient recording, a fresh copy in {@code manager}.
     *
     * <p>The scratch arrays are reused because writing a freshly allocated 180 MB tensor costs ~1.5 s of page faults on
     * this machine, 30 times the conversion itself (bench/large/README.md). Per thread they hold one matrix of each
     * shape: 0.43 GB at Llama-2-7B (4096², 11008×4096, 4096×11008), plus the output head when logits are taken for more
     * than {@link LlamaModel#HALF_MATMUL_MAX_ROWS} rows.
     */
    public NDArray compute(NDArray weight, NDManager manager) {
        if (weight.getDataType() == precision.compute()) {
            return weight;
        }
        boolean javaWidening = weight.getDataType() == DataType.FLOAT16 && precision.compute() == DataType.FLOAT32
            && weight.getDevice().isGpu() == false;
        if (javaWidening && GradMode.isEnabled() == false) {
            // widened in Java through direct views of both tensors (no copy in between): vectorised, ~1e9 values/s
            NDArray out = scratch.computeIfAbsent(Thread.currentThread().threadId(), t -> new ConcurrentHashMap<>())
                .computeIfAbsent(weight.getShape(), sh -> this.manager.create(sh, DataType.FLOAT32));
            StoredDtype.F16.toFloat32(weight.toByteBuffer(true), Math.toIntExact(weight.size()), out.toByteBuffer(true));
            return out;
        }
        NDArray c = weight.toType(precision.compute(), true);
        c.attach(manager);
        return c;
    }

    /** Bytes of the per-thread widening scratch arrays allocated so far. */
    public long scratchBytes() {
        long n = 0;
        for (Map<Shape, NDArray> m : scratch.values()) {
            for (NDArray a : m.values()) {
                n += a.size() * 4;
            }
        }
        return n;
    }

    /** Bytes held by the weights as loaded (at their resident dtypes). */
    public long residentBytes() {
        long n = 0;
        for (NDArray a : named().values()) {
            n += a.getShape().size() * a.getDataType().getNumOfBytes();
        }
        return n;
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

    /** Frees every weight (and the widening scratch arrays). */
    @Override
    public void close() {
        scratch.clear();
        manager.close();
    }
}
