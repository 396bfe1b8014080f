/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.lora;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TensorSource;
import io.lloco.runtime.checkpoint.TorchBinReader;
import io.lloco.runtime.model.LinearDelta;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Projection;

/**
 * A PEFT LoRA adapter applied unmerged at forward time: {@code y = W x + scale * B (A x)}, A [r, in],
 * B [out, r]. The same base weights serve many adapters; pass an adapter (or a {@link LoraBatch}) per call.
 * {@link #merge(LlamaWeights, NDManager)} folds it into a copy of the base on demand.
 *
 * <p>Read as PEFT publishes adapters: {@code adapter_config.json} with {@code adapter_model.safetensors}, or with
 * {@code adapter_model.bin} ({@code torch.save} of the state dict, read by the whitelist-only unpickler of
 * {@link TorchBinReader}: a file calling anything but tensor rebuilds is refused, naming the file). When both are
 * present the safetensors file wins, as in PEFT. The matrices are held in the model's compute dtype.
 */
public final class LoraWeights implements LinearDelta, AutoCloseable {

    /** The adapter weights file name. */
    public static final String FILE = "adapter_model.safetensors";

    /** The adapter weights as {@code torch.save} writes them (PEFT's {@code safe_serialization=False}). */
    public static final String BIN_FILE = "adapter_model.bin";

    private static final Pattern KEY = Pattern.compile(
        "^base_model\\.model\\.model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.([a-z_]+)\\.lora_([AB])(?:\\.([A-Za-z0-9_-]+))?\\.weight$"
    );

    /** One adapted projection: A [r, in], B [out, r]. */
    public record Pair(NDArray a, NDArray b) {
    }

    private final LoraConfig config;
    private final LlamaConfig model;
    private final NDManager manager;
    private final Map<Projection, Pair>[] layers;
    private final NDArray scale;

    private LoraWeights(LoraConfig config, LlamaConfig model, NDManager manager, Map<Projection, Pair>[] layers, DataType dataType) {
        this.config = config;
        this.model = model;
        this.manager = manager;
        this.layers = layers;
        NDArray s = manager.create((float) config.scale());
        this.scale = dataType == DataType.FLOAT32 ? s : s.toType(dataType, false);
    }

    /** PEFT key of a projection's A or B matrix (the saved form, without an adapter name). */
    public static String key(int layer, Projection p, boolean isA) {
        return String.format(Locale.ROOT, "base_model.model.model.layers.%d.%s.lora_%s.weight", layer, p.path(), isA ? "A" : "B");
    }

    /** Input and output widths of a projection in a model. */
    public static long[] inOut(LlamaConfig m, Projection p) {
        long h = m.hiddenSize();
        long q = (long) m.numAttentionHeads() * m.headDim();
        long kv = (long) m.numKeyValueHeads() * m.headDim();
        long ffn = m.intermediateSize();
        return switch (p) {
            case Q -> new long[]{h, q};
            case K, V -> new long[]{h, kv};
            case O -> new long[]{q, h};
            case GATE, UP -> new long[]{h, ffn};
            case DOWN -> new long[]{ffn, h};
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<Projection, Pair>[] newLayers(int n) {
        Map<Projection, Pair>[] a = new Map[n];
        for (int i = 0; i < n; i++) {
            a[i] = new EnumMap<>(Projection.class);
        }
        return a;
    }

    /**
     * Loads {@code adapter_config.json} + {@code adapter_model.safetensors} (or {@code adapter_model.bin}) and checks
     * them against the model, in the device's default compute dtype.
     *
     * @param parent the adapter gets its own sub-manager of it (use the base weights' manager)
     */
    public static LoraWeights load(Path adapterDir, LlamaConfig model, NDManager parent) throws IOException {
        return load(adapterDir, model, parent, LlamaWeights.defaultDataType(parent.getDevice()));
    }

    /**
     * Loads an adapter directory in {@code dataType} (the base model's compute dtype: FLOAT32 or FLOAT16).
     *
     * @param parent the adapter gets its own sub-manager of it (use the base weights' manager)
     */
    public static LoraWeights load(Path adapterDir, LlamaConfig model, NDManager parent, DataType dataType) throws IOException {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
            throw new IllegalArgumentException("adapters are held in FLOAT32 or FLOAT16, not " + dataType);
        }
        if (Files.isDirectory(adapterDir) == false) {
            throw new CheckpointException(
                String.format(
                    Locale.ROOT,
                    "adapter directory [%s] %s",
                    adapterDir,
                    Files.exists(adapterDir) ? "is not a directory" : "does not exist"
                )
            );
        }
        LoraConfig config = LoraConfig.load(adapterDir.resolve(LoraConfig.FILE));
        Path file = weightsFile(adapterDir);
        try (TensorSource r = file.getFileName().toString().equals(FILE) ? SafeTensorsReader.open(file) : TorchBinReader.open(file)) {
            return load(config, r, file.toString(), model, parent, dataType);
        }
    }

    /** The adapter's weights file: {@code adapter_model.safetensors}, else {@code adapter_model.bin}; the error names both. */
    public static Path weightsFile(Path adapterDir) throws CheckpointException {
        Path st = adapterDir.resolve(FILE);
        if (Files.isRegularFile(st)) {
            return st;
        }
        Path bin = adapterDir.resolve(BIN_FILE);
        if (Files.isRegularFile(bin)) {
            return bin;
        }
        throw new CheckpointException(String.format(Locale.ROOT, "adapter weights [%s] (or [%s]) do not exist", st, bin));
    }

    /**
     * Maps every tensor of an adapter file to its canonical PEFT key ({@link #key}), checking each name against
     * {@code config} and {@code model}: a key that is not a LoRA A/B weight of a decoder projection, targets a module
     * {@code target_modules} does not list, adapts a layer the model lacks, belongs to a named adapter, or appears twice is
     * a {@link CheckpointException} naming the file ({@code source}) and the tensor.
     */
    public static Map<String, String> canonicalKeys(LoraConfig config, java.util.Set<String> names, String source, LlamaConfig model)
        throws CheckpointException {
        Map<String, String> canonical = new LinkedHashMap<>();
        for (String name : names) {
            Matcher m = KEY.matcher(name);
            if (m.matches() == false) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "adapter [%s]: tensor [%s] is not a LoRA A/B weight of a decoder projection (expected keys like %s)",
                        source,
                        name,
                        key(0, Projection.Q, true)
                    )
                );
            }
            String layerDigits = m.group(1);
            int layer;
            try {
                layer = Integer.parseInt(layerDigits);
            } catch (NumberFormatException e) {
                layer = Integer.MAX_VALUE; // more digits than an int holds: past any model's layers, refused below
            }
            Projection p = Projection.fromModuleName(m.group(3));
            if (p == null || p.path().equals(m.group(2) + "." + m.group(3)) == false) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "adapter [%s]: tensor [%s] targets unknown module [%s.%s]",
                        source,
                        name,
                        m.group(2),
                        m.group(3)
                    )
                );
            }
            if (m.group(5) != null && m.group(5).equals("default") == false) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "adapter [%s]: tensor [%s] belongs to adapter [%s]; only single-adapter files (no name or 'default') are supported",
                        source,
                        name,
                        m.group(5)
                    )
                );
            }
            if (layer >= model.numHiddenLayers()) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "adapter [%s]: tensor [%s] adapts layer %s but the model has only %d layers (adapter for another base model?)",
                        source,
                        name,
                        layerDigits,
                        model.numHiddenLayers()
                    )
                );
            }
            if (config.targets().contains(p) == false) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "adapter [%s]: tensor [%s] adapts %s, which target_modules %s does not list",
                        source,
                        name,
                        p.moduleName(),
                        config.targets().stream().map(Projection::moduleName).toList()
                    )
                );
            }
            String k = key(layer, p, m.group(4).equals("A"));
            if (canonical.put(k, name) != null) {
                throw new CheckpointException(String.format(Locale.ROOT, "adapter [%s]: tensor [%s] appears twice", source, k));
            }
        }
        return canonical;
    }

    /** The shape of a projection's A ({@code [r, in]}) or B ({@code [out, r]}) matrix for {@code config} on {@code model}. */
    public static long[] expectedShape(LoraConfig config, LlamaConfig model, Projection p, boolean isA) {
        long[] io = inOut(model, p);
        return isA ? new long[]{config.r(), io[0]} : new long[]{io[1], config.r()};
    }

    private static LoraWeights load(
        LoraConfig config,
        TensorSource r,
        String source,
        LlamaConfig model,
        NDManager parent,
        DataType dt
    ) throws IOException {
        Map<String, String> canonical = canonicalKeys(config, r.names(), source, model);
        NDManager manager = parent.newSubManager();
        try {
            Map<Projection, Pair>[] layers = newLayers(model.numHiddenLayers());
            for (int i = 0; i < model.numHiddenLayers(); i++) {
                for (Projection p : config.targets()) {
                    long[] io = inOut(model, p);
                    NDArray a = read(r, canonical, key(i, p, true), new long[]{config.r(), io[0]}, source, manager, dt);
                    NDArray b = read(r, canonical, key(i, p, false), new long[]{io[1], config.r()}, source, manager, dt);
                    layers[i].put(p, new Pair(a, b));
                }
            }
            return new LoraWeights(config, model, manager, layers, dt);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The stored name of the tensor {@code key} after checking it exists and has the {@code expected} shape; the
     * {@link CheckpointException} names the file ({@code source}) and the tensor.
     */
    public static String checkedTensor(TensorSource r, Map<String, String> canonical, String key, long[] expected, String source)
        throws IOException {
        String stored = canonical.get(key);
        if (stored == null) {
            throw new CheckpointException(
                String.format(
                    Locale.ROOT,
                    "adapter [%s] lacks tensor [%s] (every layer of every target module needs lora_A and lora_B)",
                    source,
                    key
                )
            );
        }
        long[] shape = r.shape(stored);
        if (Arrays.equals(shape, expected) == false) {
            throw new CheckpointException(
                String.format(
                    Locale.ROOT,
                    "adapter [%s]: tensor [%s] has shape %s but rank r and the base model imply %s (adapter for another base model or rank?)",
                    source,
                    stored,
                    Arrays.toString(shape),
                    Arrays.toString(expected)
                )
            );
        }
        return stored;
    }

    private static NDArray read(
        TensorSource r,
        Map<String, String> canonical,
        String key,
        long[] expected,
        String source,
        NDManager manager,
        DataType dt
    ) throws IOException {
        String stored = checkedTensor(r, canonical, key, expected, source);
        long[] shape = expected;
        HostTensor t = r.get(stored);
        checkFinite(t, source, stored, dt);
        try (NDArray blob = manager
            .create(t.data().duplicate().position(0).limit((int) (t.numel() * 4)), new Shape(shape), DataType.FLOAT32)) {
            NDArray owned = manager.getDevice().isGpu() ? blob.toDevice(manager.getDevice(), true) : blob.duplicate();
            if (dt != DataType.FLOAT32) {
                NDArray c = owned.toType(dt, false);
                owned.close();
                owned = c;
            }
            return owned;
        }
    }

    /**
     * Refuses a NaN or an infinity among the float32 values of {@code t} (was: loaded, and every answer read with the
     * adapter became {@code <unk><unk>...}), and with float16 compute a value beyond float16's range (it would become an
     * infinity when narrowed).
     */
    static void checkFinite(HostTensor t, String source, String name, DataType dt) throws CheckpointException {
        java.nio.ByteBuffer b = t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int base = b.position();
        long n = t.numel();
        for (long i = 0; i < n; i++) {
            float v = b.getFloat(base + (int) (i * 4));
            if (Float.isFinite(v) == false || (dt == DataType.FLOAT16 && Math.abs(v) > 65504f)) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "adapter [%s]: tensor [%s] holds %s at element %d%s; the adapter is corrupt or diverged in training: re-export or retrain it",
                        source,
                        name,
                        v,
                        i,
                        Float.isFinite(v) ? " (beyond float16's range, the compute dtype)" : ""
                    )
                );
            }
        }
    }

    /**
     * A fresh adapter as PEFT initialises one: A uniform in +-1/sqrt(in) (kaiming-uniform with a=sqrt(5)),
     * B zero, so it starts as the identity. For training.
     */
    public static LoraWeights initialize(LoraConfig config, LlamaConfig model, NDManager parent, long seed) {
        NDManager manager = parent.newSubManager();
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<Projection, Pair>[] layers = newLayers(model.numHiddenLayers());
        for (int i = 0; i < model.numHiddenLayers(); i++) {
            for (Projection p : config.targets()) {
                long[] io = inOut(model, p);
                float[] a = new float[Math.toIntExact(config.r() * io[0])];
                double bound = 1.0 / Math.sqrt(io[0]);
                for (int j = 0; j < a.length; j++) {
                    a[j] = (float) rnd.nextDouble(-bound, bound);
                }
                NDArray an = manager.create(a, new Shape(config.r(), io[0]));
                NDArray bn = manager.zeros(new Shape(io[1], config.r()));
                layers[i].put(p, new Pair(own(an), own(bn)));
            }
        }
        return new LoraWeights(config, model, manager, layers, DataType.FLOAT32);
    }

    private static NDArray own(NDArray blob) {
        NDArray d = blob.duplicate();
        blob.close();
        return d;
    }

    /** The adapter config. */
    public LoraConfig config() {
        return config;
    }

    /** The base model config it was checked against. */
    public LlamaConfig modelConfig() {
        return model;
    }

    /** The adapted pair of a projection in a layer, or null. */
    public Pair pair(int layer, Projection p) {
        return layers[layer].get(p);
    }

    /** Every A/B matrix by its PEFT key (for training: attach gradients to these). */
    public Map<String, NDArray> named() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < layers.length; i++) {
            for (Map.Entry<Projection, Pair> e : layers[i].entrySet()) {
                m.put(key(i, e.getKey(), true), e.getValue().a());
                m.put(key(i, e.getKey(), false), e.getValue().b());
            }
        }
        return m;
    }

    /** The adapter's manager (its arrays live there). */
    public NDManager manager() {
        return manager;
    }

    /** {@code scale * B (A x)}, or null when this projection is not adapted. */
    @Override
    public NDArray apply(int layer, Projection projection, NDArray input) {
        NDArray low = lowRank(layer, projection, input);
        return low == null ? null : low.mul(scale);
    }

    /** {@code B (A x)} without the scale, or null when not adapted. */
    NDArray lowRank(int layer, Projection projection, NDArray input) {
        Pair pr = layers[layer].get(projection);
        if (pr == null) {
            return null;
        }
        NDArray ax = Linear.linear(input, pr.a()).singletonOrThrow();
        return Linear.linear(ax, pr.b()).singletonOrThrow();
    }

    /** Checks that this adapter fits {@code base} (same widths and depth); the message says what differs. */
    public void checkFits(LlamaConfig base) {
        if (base.numHiddenLayers() != model.numHiddenLayers() || base.hiddenSize() != model.hiddenSize()
            || base.intermediateSize() != model.intermediateSize() || base.numKeyValueHeads() != model.numKeyValueHeads()
            || base.numAttentionHeads() != model.numAttentionHeads() || base.headDim() != model.headDim()) {
            throw new IllegalArgumentException("LoRA adapter was loaded for " + model + " and does not fit " + base);
        }
    }

    /** A copy of {@code base} with {@code W + scale * B A} folded in, in a new sub-manager of {@code parent}. */
    public LlamaWeights merge(LlamaWeights base, NDManager parent) throws CheckpointException {
        checkFits(base.config());
        NDManager out = parent.newSubManager();
        try {
            Map<String, NDArray> named = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : base.named().entrySet()) {
                NDArray copy = e.getValue().duplicate();
                copy.attach(out);
                named.put(e.getKey(), copy);
            }
            try (NDManager tmp = out.newSubManager()) {
                for (int i = 0; i < layers.length; i++) {
                    for (Map.Entry<Projection, Pair> e : layers[i].entrySet()) {
                        String key = e.getKey().weightKey(i);
                        NDArray ba = e.getValue().b().matMul(e.getValue().a());
                        ba.attach(tmp);
                        NDArray scaled = ba.mul(scale);
                        NDArray w = named.get(key);
                        NDArray merged = w.add(scaled);
                        if (merged.getDataType() != w.getDataType()) {
                            NDArray c = merged.toType(w.getDataType(), false);
                            merged.close();
                            merged = c;
                        }
                        w.close();
                        named.put(key, merged);
                    }
                }
            }
            return LlamaWeights.fromArrays(base.config(), out, named);
        } catch (CheckpointException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Writes the PEFT layout: {@code adapter_config.json} and a float32 {@code adapter_model.safetensors}. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (NDManager tmp = manager.newSubManager(ai.djl.Device.cpu())) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (Map.Entry<String, NDArray> e : named().entrySet()) {
                w.add(e.getKey(), e.getValue().getShape().getShape(), LlamaWeights.float32View(e.getValue(), tmp));
            }
            w.write(dir.resolve(FILE), StoredDtype.F32);
        }
        Files.write(
            dir.resolve(LoraConfig.FILE),
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config.toJson()).getBytes(StandardCharsets.UTF_8)
        );
    }

    /** Frees the adapter's arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
