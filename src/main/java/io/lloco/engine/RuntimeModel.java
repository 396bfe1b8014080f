/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.opensearch.common.lease.Releasable;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.ndarray.NDManager;

import io.lloco.runtime.DjlBootstrap;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.ModelManifest;
import io.lloco.runtime.checkpoint.TensorSource;
import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.MemoryEstimate;
import io.lloco.runtime.model.Precision;
import io.lloco.runtime.tokenizer.HfTokenizer;
import io.lloco.runtime.tokenizer.TokenCodec;

/**
 * A Hugging Face checkpoint loaded through the runtime: tokenizer, Llama weights, AutoCompressor. The node's bridge
 * between OpenSearch-facing services and the OpenSearch-free runtime.
 *
 * <p>Every call that touches native memory holds a reference for its duration ({@link ManagedModel#guarded}), so an
 * unload never frees the weights under a running compression or decode; after an unload new calls fail with 503.
 */
public final class RuntimeModel extends ManagedModel {

    /** Rows per batched forward during compression. */
    private static final int MAX_ROWS = 8;

    private final ModelInfo info;
    private final NDManager manager;
    private final LlamaWeights weights;
    private final LlamaModel model;
    private final AutoCompressor compressor;
    private final HuggingFaceTokenizer tokenizer;
    private final Generator generator;
    private final String device;
    private final ModelService.AdapterMemory adapterMemory;

    private RuntimeModel(
        ModelInfo info,
        NDManager manager,
        LlamaWeights weights,
        HuggingFaceTokenizer tokenizer,
        String device,
        ModelService.AdapterMemory adapterMemory
    ) {
        super(info.id());
        this.device = device;
        this.adapterMemory = adapterMemory;
        this.info = info;
        this.manager = manager;
        this.weights = weights;
        this.model = new LlamaModel(weights);
        this.compressor = new AutoCompressor(model);
        this.tokenizer = tokenizer;
        this.generator = new Generator(model, new TokenCodec() {

            @Override
            public int[] encode(String text) {
                return tokenize(text);
            }

            @Override
            public String decode(int[] ids) {
                long[] l = new long[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    l[i] = ids[i];
                }
                return RuntimeModel.this.tokenizer.decode(l, true);
            }
        });
    }

    /** Batched generation over this model (per-request prefix and adapter). */
    public List<GenerationResult> generate(List<GenerationRequest> requests) {
        return guarded(() -> generator.generate(requests));
    }

    /** Batched generation with a cancellation check per request, polled between decoding steps. */
    public List<GenerationResult> generate(List<GenerationRequest> requests, List<java.util.function.BooleanSupplier> cancelled) {
        return guarded(() -> generator.generate(requests, cancelled));
    }

    /** The {@code beams} most likely answers of one request, best first ({@link Generator#beamSearch}). */
    public List<io.lloco.runtime.generate.Hypothesis> beamSearch(
        GenerationRequest request,
        int beams,
        java.util.function.BooleanSupplier cancelled
    ) {
        return guarded(() -> generator.beamSearch(request, beams, cancelled));
    }

    /**
     * Log-likelihood of each continuation text, followed by the model's first EOS id, after {@code [prefix ; prompt]}
     * under {@code adapter} (null: none): one batched forward ({@link Generator#continuationLogProbs}).
     */
    public double[] rank(Embeddings prefix, int[] prompt, List<String> continuations, LoraWeights adapter) {
        return guarded(() -> rankGuarded(prefix, prompt, continuations, adapter));
    }

    private double[] rankGuarded(Embeddings prefix, int[] prompt, List<String> continuations, LoraWeights adapter) {
        List<Integer> eos = model.config().eosTokenIds();
        List<int[]> targets = new ArrayList<>();
        for (String c : continuations) {
            int[] ids = tokenize(c);
            if (eos.isEmpty() == false) {
                ids = java.util.Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = eos.get(0);
            }
            targets.add(ids);
        }
        return generator.continuationLogProbs(prefix, prompt, targets, adapter);
    }

    /**
     * Loads the PEFT adapter in {@code dir} for this model (in its compute dtype) and reserves its native bytes against
     * the memory limit (503 when they do not fit: nothing stays allocated). Not cached here: the node's
     * {@link AdapterCache} keeps loaded adapters and closes them ({@link AdapterCache.Loaded#close}).
     *
     * @param name the name questions use for it
     */
    public AdapterCache.Loaded loadAdapter(String name, Path dir) {
        return guarded(() -> {
            Path d = dir.toAbsolutePath().normalize();
            LoraWeights w;
            try {
                w = LoraWeights.load(d, weights.config(), manager, weights.dataType());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("adapter [" + d + "] does not fit model [" + info.id() + "]: " + e.getMessage(), e);
            }
            try {
                long bytes = nativeBytes(w.named().values());
                long params = 0;
                for (ai.djl.ndarray.NDArray a : w.named().values()) {
                    params += a.getShape().size();
                }
                Releasable r = adapterMemory.reserve("adapter [" + name + "] (" + d + ") of model [" + info.id() + "]", bytes);
                return new AdapterCache.Loaded(name, d.toString(), w, r, params, bytes);
            } catch (RuntimeException e) {
                w.close();
                throw e;
            }
        });
    }

    /**
     * Runs {@code body} with this model's Llama model and weights while holding the model (an unload frees it only
     * after), e.g. to train an adapter on it ({@code io.lloco.runtime.train}).
     */
    public <T> T withModel(java.util.function.Function<LlamaModel, T> body) {
        return guarded(() -> body.apply(model));
    }

    /** Bytes of these arrays (shape x dtype). */
    static long nativeBytes(java.util.Collection<ai.djl.ndarray.NDArray> arrays) {
        long n = 0;
        for (ai.djl.ndarray.NDArray a : arrays) {
            n += a.getShape().size() * a.getDataType().getNumOfBytes();
        }
        return n;
    }

    /** Loads {@code dir} on the CPU at float32, without progress or adapter accounting (tools and tests). */
    public static RuntimeModel load(String id, Path dir, String fingerprint) throws IOException {
        LlamaConfig config = Checkpoints.config(dir);
        return load(
            new ModelService.LoadSpec(id, dir, fingerprint, config, "cpu", Precision.FLOAT32, null, ModelService.AdapterMemory.NONE),
            new LoadProgress(id)
        );
    }

    /**
     * Loads {@code spec.dir()}: config.json, weights (on {@code spec.device()} at {@code spec.precision()}, each tensor
     * reported to {@code progress}, which may cancel), tokenizer.json, optional lloco.json ({@code segment_tokens}).
     * Nothing stays allocated when it fails.
     */
    public static RuntimeModel load(ModelService.LoadSpec spec, LoadProgress progress) throws IOException {
        String id = spec.id();
        Path dir = spec.dir();
        String fingerprint = spec.fingerprint();
        Path tok = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tok) == false) {
            throw new CheckpointException("model [" + id + "] has no tokenizer.json in [" + dir + "]");
        }
        int segmentTokens = ModelManifest.read(dir).segmentTokens();
        if (spec.config().isAutoCompressor() == false) {
            throw new CheckpointException("model [" + id + "] is not an AutoCompressor: config.json has no summary_length");
        }
        // read and checked before the weights (a garbled file fails in milliseconds, not after a 14 GB load) and before
        // the native library parses it (a hostile or garbled file is a CheckpointException naming it, never a native panic)
        HuggingFaceTokenizer tokenizer = HfTokenizer.load(tok).tokenizer();
        NDManager manager = null;
        boolean loaded = false;
        try {
            Device device = EngineService.djlDevice(spec.device());
            manager = DjlBootstrap.withRuntimeClassLoader(() -> NDManager.newBaseManager(device));
            LlamaConfig config = spec.config();
            LlamaWeights weights;
            Precision precision = spec.precision();
            try (
                TensorSource source = new ProgressTensorSource(
                    Checkpoints.open(dir),
                    progress,
                    key -> MemoryEstimate.bytesPerElement(MemoryEstimate.keptDtype(key, precision))
                )) {
                progress.weights(LlamaWeights.expectedShapes(config).size(), MemoryEstimate.weightBytes(config, precision));
                weights = LlamaWeights.load(config, source, manager, spec.precision());
            }
            progress.phase(LoadProgress.Phase.FINISHING);
            progress.checkCancelled();
            var c = weights.config();
            ModelInfo info = new ModelInfo(
                id,
                fingerprint,
                c.hiddenSize(),
                c.summaryLength(),
                segmentTokens,
                c.maxPositionEmbeddings(),
                c.vocabSize(),
                weights.precision().computeName(),
                weights.precision().weightsName()
            );
            RuntimeModel model = new RuntimeModel(info, manager, weights, tokenizer, spec.device(), spec.adapterMemory());
            loaded = true;
            return model;
        } finally {
            if (loaded == false) { // any failure, errors such as running out of memory included: nothing stays allocated
                if (manager != null) {
                    manager.close();
                }
                tokenizer.close();
            }
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    /** Compute and weight dtypes this model runs in. */
    public Precision precision() {
        return weights.precision();
    }

    /** Bytes its weights hold as loaded (at their resident dtypes; adapters not included). */
    public long residentBytes() {
        return weights.residentBytes();
    }

    /** The Llama model (for decoding). */
    public LlamaModel model() {
        return model;
    }

    /** The tokenizer. */
    public HuggingFaceTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public long parameters() {
        return weights.parameterCount();
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public String dtype() {
        return ModelService.dtypeName(weights.dataType());
    }

    @Override
    public long weightBytes() {
        return nativeBytes(weights.named().values());
    }

    /** Token ids of {@code text}, no special tokens. */
    public int[] tokenize(String text) {
        return guarded(() -> tokenizeGuarded(text));
    }

    private int[] tokenizeGuarded(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public int countTokens(String text) {
        return guarded(() -> tokenizer.encode(text, false, false).getIds().length);
    }

    @Override
    public List<Encoded> encode(List<String> texts, int segmentTokens, boolean independent, Segmentation.Boundary boundary) {
        return guarded(() -> encodeGuarded(texts, segmentTokens, independent, boundary));
    }

    private List<Encoded> encodeGuarded(List<String> texts, int segmentTokens, boolean independent, Segmentation.Boundary boundary) {
        List<int[]> docs = new ArrayList<>(texts.size());
        List<int[]> charEnds = new ArrayList<>(texts.size());
        List<int[]> segmentLengths = new ArrayList<>(texts.size());
        for (String t : texts) {
            Encoding e = tokenizer.encode(t, false, false);
            long[] ids = e.getIds();
            int[] iids = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                iids[i] = (int) ids[i];
            }
            docs.add(iids);
            int[] ends = tokenEnds(e.getCharTokenSpans(), t.length());
            charEnds.add(ends);
            try {
                segmentLengths.add(Segmentation.lengths(t, ends, segmentTokens, boundary));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(
                    String.format(java.util.Locale.ROOT, "document %d: %s", docs.size() - 1, ex.getMessage()),
                    ex
                );
            }
        }
        List<Embeddings> out = compressor.compressBatch(docs, segmentLengths, independent, MAX_ROWS);
        List<Encoded> result = new ArrayList<>(texts.size());
        int l = info.summaryLength();
        int h = info.hidden();
        for (int d = 0; d < texts.size(); d++) {
            int n = docs.get(d).length;
            int[] lengths = segmentLengths.get(d);
            float[] all = out.get(d).data();
            List<Segment> segs = new ArrayList<>(lengths.length);
            List<int[]> spans = spans(texts.get(d), charEnds.get(d), lengths);
            for (int k = 0; k < lengths.length; k++) {
                float[] block = new float[l * h];
                System.arraycopy(all, k * l * h, block, 0, l * h);
                segs.add(new Segment(spans.get(k)[0], spans.get(k)[1], lengths[k], block));
            }
            result.add(new Encoded(n, segs));
        }
        return result;
    }

    @Override
    public List<int[]> segmentSpans(String text, int segmentTokens, Segmentation.Boundary boundary) {
        return guarded(() -> {
            Encoding e = tokenizer.encode(text, false, false);
            int[] ends = tokenEnds(e.getCharTokenSpans(), text.length());
            return spans(text, ends, Segmentation.lengths(text, ends, segmentTokens, boundary));
        });
    }

    /** Character spans of segments of {@code lengths} tokens: contiguous, the last one ending at the text's end. */
    private static List<int[]> spans(String text, int[] charEnds, int[] lengths) {
        List<int[]> out = new ArrayList<>(lengths.length);
        int tokenAt = 0;
        int charAt = 0;
        for (int k = 0; k < lengths.length; k++) {
            int last = tokenAt + lengths[k] - 1;
            int end = k == lengths.length - 1 ? text.length() : Math.max(charAt, charEnds[last]);
            out.add(new int[]{charAt, end});
            charAt = end;
            tokenAt += lengths[k];
        }
        return out;
    }

    /** Each token's exclusive character end (a token without a span ends where the one before it did). */
    private static int[] tokenEnds(CharSpan[] spans, int max) {
        int[] out = new int[spans.length];
        int last = 0;
        for (int i = 0; i < spans.length; i++) {
            if (spans[i] != null) {
                last = Math.min(max, Math.max(last, spans[i].getEnd()));
            }
            out[i] = last;
        }
        return out;
    }

    @Override
    protected void free() {
        tokenizer.close();
        model.close();
        weights.close();
        manager.close();
    }
}
