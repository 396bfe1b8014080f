/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.model.Embeddings;

/** {@code lloco logits}: logits at each id position of {@code [prefix ; ids]}, written as tensor {@code logits} [n, vocab]. */
final class LogitsCommand implements Subcommand {

    static final String USAGE = "usage: lloco logits --model DIR [--adapter DIR] [--prefix FILE] --ids 3,17,42 --out OUT.safetensors "
        + ModelLoading.DTYPE_USAGE;

    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "logits at each id position (optional soft prompt and LoRA adapter) to a safetensors file";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        if (LlocoCli.wantsHelp(argv)) {
            out.println(USAGE);
            return LlocoCli.OK;
        }
        CliArgs a = CliArgs.parse(name(), argv, Set.of("model", "adapter", "prefix", "ids", "out", "dtype", "weights-dtype"), Set.of());
        Path model = a.requiredPath("model");
        int[] ids = a.ints("ids");
        if (ids == null) {
            throw new UsageException("option --ids is required");
        }
        if (ids.length == 0) {
            throw new UsageException("option --ids must list at least one token id");
        }
        Path outFile = a.requiredPath("out");
        var dtype = ModelLoading.dtype(a);
        var weightsDtype = ModelLoading.weightsDtype(a);
        try (ModelLoading m = ModelLoading.open(model, a.path("adapter"), false, "logits", dtype, weightsDtype)) {
            int vocab = m.weights.config().vocabSize();
            ModelLoading.checkIds("ids", ids, vocab);
            Embeddings prefix = a.has("prefix") ? ModelLoading.readPrefix(a.path("prefix"), m.weights.config().hiddenSize()) : null;
            float[][] logits = new Generator(m.model, null).logits(prefix, ids, m.adapter);
            float[] flat = new float[ids.length * vocab];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(logits[i], 0, flat, i * vocab, vocab);
            }
            new SafeTensorsWriter().add("logits", new long[]{ids.length, vocab}, flat).write(outFile, StoredDtype.F32);
            err.println(
                String.format(
                    Locale.ROOT,
                    "lloco logits: wrote float32 logits [%d, %d] to %s (computed in %s)",
                    ids.length,
                    vocab,
                    outFile,
                    m.weights.precision()
                )
            );
        }
        return LlocoCli.OK;
    }
}
