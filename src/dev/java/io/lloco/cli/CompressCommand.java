/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.ModelManifest;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.model.Embeddings;

/** {@code lloco compress}: AutoCompressor summaries of ids or a text file, written as tensor {@code summaries} [S, hidden]. */
final class CompressCommand implements Subcommand {

    static final String USAGE = "usage: lloco compress --model DIR (--ids 3,17,42 | --text-file FILE) [--segment-tokens N (default 1536)] [--independent] --out OUT.safetensors "
        + ModelLoading.DTYPE_USAGE;

    /** LLoCO's segment length. */
    static final int DEFAULT_SEGMENT_TOKENS = ModelManifest.DEFAULT_SEGMENT_TOKENS;

    @Override
    public String name() {
        return "compress";
    }

    @Override
    public String summary() {
        return "AutoCompressor summary vectors of a document to a safetensors file";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        if (LlocoCli.wantsHelp(argv)) {
            out.println(USAGE);
            return LlocoCli.OK;
        }
        CliArgs a = CliArgs.parse(
            name(),
            argv,
            Set.of("model", "ids", "text-file", "segment-tokens", "out", "dtype", "weights-dtype"),
            Set.of("independent")
        );
        Path model = a.requiredPath("model");
        if (a.has("ids") == a.has("text-file")) {
            throw new UsageException("give exactly one of --ids or --text-file");
        }
        int seg = a.integer("segment-tokens", DEFAULT_SEGMENT_TOKENS);
        if (seg <= 0) {
            throw new UsageException("option --segment-tokens must be > 0, got " + seg);
        }
        Path outFile = a.requiredPath("out");
        String text = null;
        if (a.has("text-file")) {
            Path f = a.path("text-file");
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new CheckpointException(String.format(Locale.ROOT, "text file [%s] does not exist", f));
            } catch (IOException e) {
                throw new IOException(String.format(Locale.ROOT, "cannot read text file [%s]: %s", f, e.getMessage()), e);
            }
        }
        var dtype = ModelLoading.dtype(a);
        var weightsDtype = ModelLoading.weightsDtype(a);
        try (ModelLoading m = ModelLoading.open(model, null, text != null, "--text-file", dtype, weightsDtype)) {
            int[] ids = text != null ? m.tokenizer.encode(text) : a.ints("ids");
            if (ids.length == 0) {
                throw new UsageException(text != null ? "the text file has no tokens" : "option --ids must list at least one token id");
            }
            ModelLoading.checkIds("ids", ids, m.weights.config().vocabSize());
            AutoCompressor ac;
            try {
                ac = new AutoCompressor(m.model);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(String.format(Locale.ROOT, "model [%s] %s", model, e.getMessage()));
            }
            boolean independent = a.has("independent");
            Embeddings s = ac.compress(ids, seg, independent);
            new SafeTensorsWriter().metadata("segment_tokens", Integer.toString(seg))
                .metadata("accumulate", Boolean.toString(independent == false))
                .metadata("tokens", Integer.toString(ids.length))
                .metadata("summary_length", Integer.toString(ac.summaryLength()))
                .metadata("dtype", m.weights.precision().computeName())
                .add(ModelLoading.SUMMARIES, new long[]{s.rows(), s.dim()}, s.data())
                .write(outFile, StoredDtype.F32);
            err.println(
                String.format(
                    Locale.ROOT,
                    "lloco compress: %d tokens, %d segments -> summaries [%d, %d] in %s (computed in %s)",
                    ids.length,
                    AutoCompressor.segmentLengths(ids.length, seg).length,
                    s.rows(),
                    s.dim(),
                    outFile,
                    m.weights.precision()
                )
            );
        }
        return LlocoCli.OK;
    }
}
