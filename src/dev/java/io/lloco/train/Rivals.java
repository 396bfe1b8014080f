/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.Arrays;
import java.util.List;

import io.lloco.train.world.Fact;
import io.lloco.train.world.FactType;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.WorldTokenizer;

/**
 * The binding contrast's rival tokens: where an answer about one person would continue with another person's value
 * of the same kind that the same context states ("Mara Quill lives in" → "Tallowmere", not the "Yewbrook" where Isnne
 * Elfield lives). The held-out misses of the v2 pairs are mostly such swaps; {@link RecallTrainer} and
 * {@link LoraTrainer} put an unlikelihood loss on the rival token ({@code --contrast-weight}).
 */
final class Rivals {

    private Rivals() {
    }

    /** Whom a fact is about: the subject, or for SIBLING the person the subject is a sibling of. */
    static String who(Fact f) {
        return f.type() == FactType.SIBLING ? f.anchor().fullName() : f.subject().fullName();
    }

    /** The fact of {@code facts} that {@code q} asks about (matched by type, value and the person named), or null. */
    static Fact factOf(QaExample q, List<Fact> facts) {
        for (Fact f : facts) {
            if (f.type() == q.factType() && q.question().contains(who(f)) && q.answer().endsWith(f.value())) {
                return f;
            }
        }
        return null;
    }

    /**
     * The rival of each answer token, or -1.
     *
     * <p>Of the facts in {@code visible} of the same kind as {@code f}, about another person and with another value, the
     * one stated nearest to {@code f} whose answer can be written: for a free answer ({@code options} empty,
     * {@code answerText} ending with {@code f}'s value) the same text with its value; for a choice, the option letter
     * and text of its value when it is one of the options. That rival answer (+ EOS) is compared with {@code answer}
     * token by token; the first token where they differ is the rival there (teacher forcing shares the tokens before
     * it). All -1 when {@code f} is null (needles) or the context states no rival.
     *
     * @param tok tokenizer
     * @param f the asked fact, or null
     * @param options the choice's options (empty for a free answer)
     * @param answerText the gold answer text
     * @param visible the facts the context states
     * @param answer the gold answer ids + EOS
     */
    static int[] of(WorldTokenizer tok, Fact f, List<String> options, String answerText, List<Fact> visible, int[] answer) {
        int[] r = new int[answer.length];
        Arrays.fill(r, -1);
        if (f == null) {
            return r;
        }
        Fact rival = null;
        String rivalText = null;
        for (Fact g : visible) {
            if (g.type() != f.type() || g.value().equals(f.value()) || who(g).equals(who(f))) {
                continue;
            }
            String text;
            if (options.isEmpty()) {
                if (answerText.endsWith(f.value()) == false) {
                    return r;
                }
                text = answerText.substring(0, answerText.length() - f.value().length()) + g.value();
            } else {
                int at = options.indexOf(g.value());
                if (at < 0) {
                    continue;
                }
                text = (char) ('A' + at) + ". " + g.value();
            }
            if (rival == null || Math.abs(g.tokenOffset() - f.tokenOffset()) < Math.abs(rival.tokenOffset() - f.tokenOffset())) {
                rival = g;
                rivalText = text;
            }
        }
        if (rival == null) {
            return r;
        }
        int[] other = PretrainSampler.withEos(tok.encode(rivalText));
        for (int k = 0; k < Math.min(answer.length, other.length); k++) {
            if (answer[k] != other[k]) {
                r[k] = other[k];
                break;
            }
        }
        return r;
    }
}
