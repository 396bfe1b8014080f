/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.model.Embeddings;

/** {@code lloco generate}: greedy or seeded sampling; prints one JSON line {@code {"ids": [...], "text": "..."}}. */
final class GenerateCommand implements Subcommand {

    static final String USAGE = "usage: lloco generate --model DIR [--adapter DIR] [--prefix FILE] (--prompt TEXT | --ids 3,17,42) "
        + "[--max-new-tokens N (default 50)] [--temperature T (default 0: greedy) --top-p P (default 1) --seed S (default 0)] "
        + ModelLoading.DTYPE_USAGE;

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "generate a continuation (soft prompt and LoRA adapter optional); one JSON line on stdout";
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
            Set.of(
                "model",
                "adapter",
                "prefix",
                "prompt",
                "ids",
                "max-new-tokens",
                "temperature",
                "top-p",
                "seed",
                "dtype",
                "weights-dtype"
            ),
            Set.of()
        );
        Path model = a.requiredPath("model");
        if (a.has("prompt") == a.has("ids")) {
            throw new UsageException("give exactly one of --prompt or --ids");
        }
        GenerationParams params;
        try {
            params = new GenerationParams(
                a.integer("max-new-tokens", 50),
                a.number("temperature", 0),
                a.number("top-p", 1),
                a.longValue("seed", 0),
                List.of(),
                null
            );
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        var dtype = ModelLoading.dtype(a);
        var weightsDtype = ModelLoading.weightsDtype(a);
        try (ModelLoading m = ModelLoading.open(model, a.path("adapter"), a.has("prompt"), "--prompt", dtype, weightsDtype)) {
            int[] ids = a.has("prompt") ? m.tokenizer.encode(a.string("prompt")) : a.ints("ids");
            ModelLoading.checkIds("ids", ids, m.weights.config().vocabSize());
            Embeddings prefix = a.has("prefix") ? ModelLoading.readPrefix(a.path("prefix"), m.weights.config().hiddenSize()) : null;
            if (ids.length == 0 && (prefix == null || prefix.rows() == 0)) {
                throw new UsageException("nothing to continue: the prompt has no tokens and there is no prefix");
            }
            GenerationResult r = new Generator(m.model, m.tokenizer).generate(new GenerationRequest(prefix, ids, m.adapter, params));
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode json = mapper.createObjectNode();
            ArrayNode arr = json.putArray("ids");
            for (int id : r.ids()) {
                arr.add(id);
            }
            if (r.text() == null) {
                json.putNull("text");
            } else {
                json.put("text", r.text());
            }
            out.println(mapper.writeValueAsString(json));
        }
        return LlocoCli.OK;
    }
}
