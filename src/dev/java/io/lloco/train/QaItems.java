/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import io.lloco.runtime.prompt.PromptTemplates;
import io.lloco.runtime.train.PrefixLoss;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.WorldTokenizer;

/**
 * World questions in the paper's prompt formats (LLOCO-SPEC §2.4, via {@link PromptTemplates#defaults()}): lookup
 * and needle = NarrativeQA, choice = QuALITY. The prompt follows the summaries with no BOS and no delimiter;
 * the target is the answer ("{letter}. {option}" for choice) tokenized on its own, then EOS.
 */
public final class QaItems {

    private final PromptTemplates templates = PromptTemplates.defaults();
    private final WorldTokenizer tokenizer;

    /** Items tokenized with {@code tokenizer}. */
    public QaItems(WorldTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The rendered prompt text of a question. */
    public String prompt(QaExample q) {
        return q.prompt(templates);
    }

    /** Prompt token ids. */
    public int[] promptIds(QaExample q) {
        return tokenizer.encode(prompt(q));
    }

    /** The training row: prompt, then answer + EOS. */
    public PrefixLoss.Item item(QaExample q) {
        return new PrefixLoss.Item(promptIds(q), PretrainSampler.withEos(tokenizer.encode(q.answer())));
    }
}
