/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.train;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.lloco.runtime.model.LinearDelta;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.SequenceLayout;

/**
 * The loss of target tokens after a soft prompt: rows {@code [prefix ; prompt ; target]} (the prefix shared by
 * every row, e.g. a document's summaries), right-padded, causal; negative log-likelihood on the target tokens
 * only (the answer and its EOS: LLOCO-SPEC §2.4). Right padding needs no mask: pads come after every
 * position that carries a loss.
 */
public final class PrefixLoss {

    /**
     * One row.
     *
     * @param prompt prompt token ids (non-empty)
     * @param target target token ids (answer + EOS)
     * @param rival per target token, a token whose probability is pushed down there (the unlikelihood of
     *     {@link Ce#unlikelihoodSum}), or -1
     */
    public record Item(int[] prompt, int[] target, int[] rival) {

        /** Checks the sizes. */
        public Item {
            if (prompt.length == 0 || target.length == 0) {
                throw new IllegalArgumentException("a training item needs a non-empty prompt and target");
            }
            if (rival.length != target.length) {
                throw new IllegalArgumentException("a training item needs one rival (or -1) per target token");
            }
        }

        /** An item without rivals. */
        public Item(int[] prompt, int[] target) {
            this(prompt, target, none(target.length));
        }

        private static int[] none(int n) {
            int[] r = new int[n];
            java.util.Arrays.fill(r, -1);
            return r;
        }

        /** Prompt and target tokens. */
        public int length() {
            return prompt.length + target.length;
        }
    }

    /**
     * The summed loss and its token count.
     *
     * @param nll scalar summed negative log-likelihood
     * @param tokens number of target tokens
     * @param unlikelihood scalar summed unlikelihood of the items' rivals, or null when they have none
     * @param rivals number of rival positions
     */
    public record Result(NDArray nll, int tokens, NDArray unlikelihood, int rivals) {
    }

    /** The id written into padding; its value never reaches a loss (3: the shipped tokenizer's pad). */
    static final int PAD_ID = 3;

    private PrefixLoss() {
    }

    /**
     * Computes the loss of {@code items} after {@code prefix}.
     *
     * @param model the model
     * @param m request manager
     * @param prefix [1, P, hidden] shared prefix, or null for none
     * @param items rows
     * @param delta LoRA (or null)
     */
    public static Result compute(LlamaModel model, NDManager m, NDArray prefix, List<Item> items, LinearDelta delta) {
        int b = items.size();
        int tmax = 0;
        for (Item it : items) {
            tmax = Math.max(tmax, it.length());
        }
        long[] ids = new long[b * tmax];
        // pads follow every position that carries a loss (right padding, causal): any valid id will do
        java.util.Arrays.fill(ids, PAD_ID);
        int p = prefix == null ? 0 : (int) prefix.getShape().get(1);
        int width = p + tmax;
        List<Integer> rows = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        List<Integer> rivalRows = new ArrayList<>();
        List<Integer> rivals = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            Item it = items.get(r);
            int j = 0;
            for (int t : it.prompt()) {
                ids[r * tmax + j++] = t;
            }
            for (int k = 0; k < it.target().length; k++) {
                int t = it.target()[k];
                ids[r * tmax + j] = t;
                if (it.rival()[k] >= 0) {
                    rivalRows.add(targets.size());
                    rivals.add(it.rival()[k]);
                }
                rows.add(r * width + p + j - 1);
                targets.add(t);
                j++;
            }
        }
        NDArray idArr = m.create(ids, new Shape(b, tmax));
        NDArray emb = model.embed(idArr);
        NDArray input = prefix == null ? emb : prefix.repeat(0, b).concat(emb, 1);
        NDArray hidden = model.forward(input, SequenceLayout.unpadded(b), null, delta);
        NDArray flat = hidden.reshape(b * width, model.config().hiddenSize());
        NDArray picked = Ce.rows(flat, rows.stream().mapToInt(Integer::intValue).toArray());
        NDArray logits = model.logits(picked);
        NDArray nll = Ce.nllSum(logits, targets.stream().mapToInt(Integer::intValue).toArray());
        NDArray unlikely = rivals.isEmpty()
            ? null
            : Ce.unlikelihoodSum(
                logits,
                rivalRows.stream().mapToInt(Integer::intValue).toArray(),
                rivals.stream().mapToInt(Integer::intValue).toArray()
            );
        return new Result(nll, targets.size(), unlikely, rivals.size());
    }
}
