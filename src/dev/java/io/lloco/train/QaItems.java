/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.List;

import io.lloco.runtime.prompt.PromptTemplates;
import io.lloco.runtime.train.PrefixLoss;
import io.lloco.train.world.Document;
import io.lloco.train.world.Fact;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.TaskFamily;
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

    /**
     * The training row with the binding contrast's rivals ({@link Rivals}): another person's same-kind value among the
     * facts {@code visible} in what the question reads.
     */
    public PrefixLoss.Item item(QaExample q, Document doc, List<Fact> visible) {
        int[] answer = PretrainSampler.withEos(tokenizer.encode(q.answer()));
        Fact f = q.task() == TaskFamily.NEEDLE ? null : Rivals.factOf(q, doc.facts());
        return new PrefixLoss.Item(promptIds(q), answer, Rivals.of(tokenizer, f, q.options(), q.answer(), visible, answer));
    }
}
