/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.DjlBootstrap;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.DtypePolicy;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Precision;
import io.lloco.runtime.model.WeightsDtype;
import io.lloco.runtime.tokenizer.HfTokenizer;

/** What the runtime subcommands share: engine start, model/adapter/tokenizer loading, prefix files, id checks. */
final class ModelLoading implements AutoCloseable {

    /** The tensor name of summaries / prefixes in CLI safetensors files. */
    static final String SUMMARIES = "summaries";

    /** The options every runtime subcommand takes for its dtypes. */
    static final java.util.Set<String> DTYPE_OPTIONS = java.util.Set.of("dtype", "weights-dtype");

    /** Usage text of the dtype options. */
    static final String DTYPE_USAGE = "[--dtype float32|float16|auto (default auto: float32 on CPU)] [--weights-dtype compute|float16]";

    final NDManager root;
    final LlamaWeights weights;
    final LlamaModel model;
    final LoraWeights adapter;
    final HfTokenizer tokenizer;

    private ModelLoading(NDManager root, LlamaWeights weights, LoraWeights adapter, HfTokenizer tokenizer) {
        this.root = root;
        this.weights = weights;
        this.model = new LlamaModel(weights);
        this.adapter = adapter;
        this.tokenizer = tokenizer;
    }

    /** Starts DJL offline with the cache dir and thread count from system properties (bin/lloco sets them). */
    static void startEngine() {
        String cache = System.getProperty("DJL_CACHE_DIR");
        Path cacheDir = cache != null ? Path.of(cache) : Path.of("target", "djl-cache");
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
        DjlBootstrap.Status s = new DjlBootstrap().start(new DjlBootstrap.Options(cacheDir, threads, 1));
        if (s.started() == false) {
            throw new IllegalStateException(s.error());
        }
    }

    /**
     * Loads a model directory, an optional adapter, and the tokenizer if {@code tokenizer.json} is there.
     *
     * @param requireTokenizer fail (naming the file) when there is no tokenizer.json
     */
    static ModelLoading open(Path modelDir, Path adapterDir, boolean requireTokenizer, String why) throws IOException {
        return open(modelDir, adapterDir, requireTokenizer, why, DtypePolicy.AUTO, WeightsDtype.COMPUTE);
    }

    /** The dtype options of a command line ({@code --dtype}, {@code --weights-dtype}), checked. */
    static DtypePolicy dtype(CliArgs a) throws UsageException {
        try {
            return a.has("dtype") ? DtypePolicy.parse(a.string("dtype")) : DtypePolicy.AUTO;
        } catch (IllegalArgumentException e) {
            throw new UsageException("option --dtype: " + e.getMessage());
        }
    }

    /** {@code --weights-dtype}, checked. */
    static WeightsDtype weightsDtype(CliArgs a) throws UsageException {
        try {
            return a.has("weights-dtype") ? WeightsDtype.parse(a.string("weights-dtype")) : WeightsDtype.COMPUTE;
        } catch (IllegalArgumentException e) {
            throw new UsageException("option --weights-dtype: " + e.getMessage());
        }
    }

    /**
     * Loads a model directory in the given dtypes (resolved on the engine's default device), an optional adapter (in
     * the compute dtype), and the tokenizer if {@code tokenizer.json} is there.
     */
    static ModelLoading open(
        Path modelDir,
        Path adapterDir,
        boolean requireTokenizer,
        String why,
        DtypePolicy dtype,
        WeightsDtype weightsDtype
    )
        throws IOException {
        Path tok = modelDir.resolve(HfTokenizer.FILE);
        if (requireTokenizer && Files.isDirectory(modelDir) && Files.isRegularFile(tok) == false) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "model directory [%s] has no %s (needed for %s)", modelDir, HfTokenizer.FILE, why)
            );
        }
        startEngine();
        NDManager root = NDManager.newBaseManager();
        LlamaWeights weights = null;
        LoraWeights adapter = null;
        HfTokenizer tokenizer = null;
        try {
            weights = LlamaWeights.load(modelDir, root, Precision.of(dtype, weightsDtype, root.getDevice()));
            if (adapterDir != null) {
                adapter = LoraWeights.load(adapterDir, weights.config(), weights.manager(), weights.dataType());
            }
            if (Files.isRegularFile(tok)) {
                tokenizer = HfTokenizer.load(tok);
            }
            return new ModelLoading(root, weights, adapter, tokenizer);
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            root.close();
            throw e;
        }
    }

    /** Reads tensor {@code summaries} [S, hidden] from a safetensors file. */
    static Embeddings readPrefix(Path file, int hidden) throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
            if (r.names().contains(SUMMARIES) == false) {
                throw new CheckpointException(
                    String.format(Locale.ROOT, "prefix file [%s] has no tensor [%s] (found %s)", file, SUMMARIES, r.names())
                );
            }
            long[] shape = r.shape(SUMMARIES);
            if (shape.length != 2 || shape[1] != hidden) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "prefix file [%s]: tensor [%s] has shape %s but the model needs [S, %d]",
                        file,
                        SUMMARIES,
                        Arrays.toString(shape),
                        hidden
                    )
                );
            }
            HostTensor t = r.get(SUMMARIES);
            float[] v = new float[(int) t.numel()];
            t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return new Embeddings((int) shape[0], hidden, v);
        }
    }

    /** Checks token ids from the command line against the vocabulary. */
    static void checkIds(String option, int[] ids, int vocab) throws UsageException {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new UsageException(
                    String.format(
                        Locale.ROOT,
                        "option --%s: token id %d at position %d is outside the vocabulary [0, %d)",
                        option,
                        ids[i],
                        i,
                        vocab
                    )
                );
            }
        }
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        root.close();
    }
}
