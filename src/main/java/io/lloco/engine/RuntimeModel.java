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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.ndarray.NDManager;

import io.lloco.runtime.DjlBootstrap;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.DtypePolicy;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Precision;
import io.lloco.runtime.model.WeightsDtype;
import io.lloco.runtime.tokenizer.TokenCodec;

/**
 * A Hugging Face checkpoint loaded through the runtime: tokenizer, Llama weights, AutoCompressor. The node's bridge
 * between OpenSearch-facing services and the OpenSearch-free runtime.
 */
public final class RuntimeModel implements ModelService.LoadedModel {

    /** Segment length when neither the request nor {@code lloco.json} sets one (LLoCO's 1,536). */
    public static final int DEFAULT_SEGMENT_TOKENS = 1536;

    /** Rows per batched forward during compression. */
    private static final int MAX_ROWS = 8;

    private final ModelInfo info;
    private final NDManager manager;
    private final LlamaWeights weights;
    private final LlamaModel model;
    private final AutoCompressor compressor;
    private final HuggingFaceTokenizer tokenizer;
    private final Generator generator;
    private final Map<Path, LoraWeights> adapters = new ConcurrentHashMap<>();

    private RuntimeModel(ModelInfo info, NDManager manager, LlamaWeights weights, HuggingFaceTokenizer tokenizer) {
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
        return generator.generate(requests);
    }

    /** Batched generation with a cancellation check per request, polled between decoding steps. */
    public List<GenerationResult> generate(List<GenerationRequest> requests, List<java.util.function.BooleanSupplier> cancelled) {
        return generator.generate(requests, cancelled);
    }

    /** The {@code beams} most likely answers of one request, best first ({@link Generator#beamSearch}). */
    public List<io.lloco.runtime.generate.Hypothesis> beamSearch(
        GenerationRequest request,
        int beams,
        java.util.function.BooleanSupplier cancelled
    ) {
        return generator.beamSearch(request, beams, cancelled);
    }

    /**
     * Log-likelihood of each continuation text, followed by the model's first EOS id, after {@code [prefix ; prompt]}
     * under {@code adapter} (null: none): one batched forward ({@link Generator#continuationLogProbs}).
     */
    public double[] rank(Embeddings prefix, int[] prompt, List<String> continuations, LoraWeights adapter) {
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

    /** A PEFT adapter for this model, loaded once per directory and kept. */
    public LoraWeights adapter(Path dir) {
        return adapters.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> {
            try {
                return LoraWeights.load(d, weights.config(), manager, weights.dataType());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("adapter [" + d + "] does not fit model [" + info.id() + "]: " + e.getMessage(), e);
            }
        });
    }

    /** Adapters loaded so far. */
    public Map<Path, LoraWeights> loadedAdapters() {
        return Map.copyOf(adapters);
    }

    /** Loads {@code dir} in the default dtypes ({@code auto}, weights in the compute dtype). */
    public static RuntimeModel load(String id, Path dir, String fingerprint) throws IOException {
        return load(id, dir, fingerprint, DtypePolicy.AUTO, WeightsDtype.COMPUTE);
    }

    /** A loader for {@link ModelService} that loads every model in the given dtypes ({@code plugins.lloco.dtype}, {@code weights.dtype}). */
    public static ModelService.Loader loader(DtypePolicy dtype, WeightsDtype weightsDtype) {
        return (id, dir, fingerprint) -> load(id, dir, fingerprint, dtype, weightsDtype);
    }

    /**
     * Loads {@code dir}: config.json, weights, tokenizer.json, optional lloco.json ({@code segment_tokens}), computing in
     * {@code dtype} resolved on the engine's default device, weights kept per {@code weightsDtype}.
     */
    public static RuntimeModel load(String id, Path dir, String fingerprint, DtypePolicy dtype, WeightsDtype weightsDtype)
        throws IOException {
        Path tok = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tok) == false) {
            throw new CheckpointException("model [" + id + "] has no tokenizer.json in [" + dir + "]");
        }
        int segmentTokens = DEFAULT_SEGMENT_TOKENS;
        Path lloco = dir.resolve("lloco.json");
        if (Files.isRegularFile(lloco)) {
            JsonNode n = new ObjectMapper().readTree(lloco.toFile());
            segmentTokens = n.path("segment_tokens").asInt(DEFAULT_SEGMENT_TOKENS);
        }
        NDManager manager = DjlBootstrap.withRuntimeClassLoader(NDManager::newBaseManager);
        try {
            LlamaWeights weights = LlamaWeights.load(dir, manager, Precision.of(dtype, weightsDtype, manager.getDevice()));
            if (weights.config().isAutoCompressor() == false) {
                throw new CheckpointException("model [" + id + "] is not an AutoCompressor: config.json has no summary_length");
            }
            HuggingFaceTokenizer tokenizer = DjlBootstrap.withRuntimeClassLoader(() -> {
                try {
                    return HuggingFaceTokenizer.newInstance(
                        tok,
                        Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false", "modelMaxLength", "100000000")
                    );
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
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
            return new RuntimeModel(info, manager, weights, tokenizer);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
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

    /** Token ids of {@code text}, no special tokens. */
    public int[] tokenize(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public int countTokens(String text) {
        return tokenizer.encode(text, false, false).getIds().length;
    }

    @Override
    public List<Encoded> encode(List<String> texts, int segmentTokens, boolean independent, Segmentation.Boundary boundary) {
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
            int tokenAt = 0;
            int charAt = 0;
            String text = texts.get(d);
            for (int k = 0; k < lengths.length; k++) {
                int last = tokenAt + lengths[k] - 1;
                int end = k == lengths.length - 1 ? text.length() : Math.max(charAt, charEnds.get(d)[last]);
                float[] block = new float[l * h];
                System.arraycopy(all, k * l * h, block, 0, l * h);
                segs.add(new Segment(charAt, end, lengths[k], block));
                charAt = end;
                tokenAt += lengths[k];
            }
            result.add(new Encoded(n, segs));
        }
        return result;
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
    public void close() {
        adapters.values().forEach(LoraWeights::close);
        tokenizer.close();
        model.close();
        weights.close();
        manager.close();
    }
}
