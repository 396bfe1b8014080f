/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.lloco.train.world.Fact;
import io.lloco.train.world.FactType;
import io.lloco.train.world.Needle;
import io.lloco.train.world.WorldLexicon;

/**
 * Fact-recall (cloze) statements for pretraining: after a document's summaries, a statement is cut right
 * before the fact's value ("Mara Quill lives in" → "Tallowmere"). Deliberately unlike the QA prompt templates,
 * so the base learns to read summaries and the LoRA step still has a format to learn. Half the statements
 * use a fixed cloze phrasing, half one of the world's own sentence patterns cut before the value.
 */
public final class ClozeMaker {

    /**
     * A cloze statement.
     *
     * @param prefix the text before the value
     * @param value the value to predict
     */
    public record Cloze(String prefix, String value) {
    }

    private ClozeMaker() {
    }

    /** The cloze for a fact, phrasing chosen by {@code rnd}. */
    public static Cloze of(Fact f, SplittableRandom rnd) {
        String valuePlaceholder = f.type() == FactType.SIBLING ? "{P}" : "{V}";
        List<String> candidates = new ArrayList<>();
        for (String p : WorldLexicon.factPatterns(f.type())) {
            String cut = p.indexOf(valuePlaceholder) > 0 ? p.substring(0, p.indexOf(valuePlaceholder)).trim() : "";
            // the cut statement must still name whom it is about
            if (cut.contains(f.type() == FactType.SIBLING ? "{Q}" : "{P}")) {
                candidates.add(cut);
            }
        }
        String pattern = rnd.nextBoolean() || candidates.isEmpty() ? canonical(f.type()) : candidates.get(rnd.nextInt(candidates.size()));
        String prefix = pattern.replace("{R}", f.type() == FactType.SIBLING ? f.subject().siblingWord() : "")
            .replace("{Q}", f.anchor() == null ? "" : f.anchor().fullName())
            .replace("{O}", f.possession() == null ? "" : f.possession())
            .replace("{A}", article(f.value()));
        if (f.type() != FactType.SIBLING) {
            prefix = prefix.replace("{P}", f.subject().fullName());
        }
        return new Cloze(capitalize(prefix), f.value());
    }

    /** The cloze for a needle: its sentence cut before the value. */
    public static Cloze of(Needle n) {
        String p = n.kind().pattern();
        return new Cloze(p.substring(0, p.indexOf("{V}")).trim(), n.value());
    }

    private static String canonical(FactType t) {
        return switch (t) {
            case LIVES_IN -> "{P} lives in";
            case BORN_IN -> "{P} was born in";
            case COLOUR -> "The favourite colour of {P} is";
            case JOB -> "The trade of {P} is";
            case OWNS -> "The number of {O} that {P} owns is";
            case SIBLING -> "The {R} of {Q} is";
        };
    }

    private static String article(String noun) {
        return noun.isEmpty() || "aeiou".indexOf(noun.charAt(0)) < 0 ? "a" : "an";
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
