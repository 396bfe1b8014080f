/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.pattern.PatternTokenizer;
import org.apache.lucene.analysis.shingle.ShingleFilter;

import io.lloco.retrieval.Bm25;

/**
 * The {@code lloco_pairs} analyzer: lower-cased runs of letters and digits ({@link io.lloco.retrieval.Bm25#words}),
 * emitted as adjacent pairs only ("kala ireridge", "ireridge s", "s favourite", ...). Mapped as the {@code pairs}
 * subfield of {@code segments.sentences.text} ({@code docs/lloco-mapping.json}) and matched beside the words, it
 * rewards a sentence where the question's words stand together (a full name, "favourite colour") over one where they
 * are scattered, as {@link io.lloco.retrieval.Bm25#pairs} does offline.
 */
public final class PairsAnalyzer extends Analyzer {

    /** The name mappings use. */
    public static final String NAME = "lloco_pairs";

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer words = new PatternTokenizer(Bm25.WORD, 0);
        ShingleFilter pairs = new ShingleFilter(new LowerCaseFilter(words), 2, 2);
        pairs.setOutputUnigrams(false);
        pairs.setOutputUnigramsIfNoShingles(false);
        pairs.setTokenSeparator(" ");
        return new TokenStreamComponents(words, pairs);
    }

    @Override
    protected TokenStream normalize(String fieldName, TokenStream in) {
        return new LowerCaseFilter(in);
    }
}
