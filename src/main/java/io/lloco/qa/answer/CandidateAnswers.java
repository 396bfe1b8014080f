/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.answer;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import io.lloco.decode.DecodeResponse;
import io.lloco.qa.LlocoQaResponse;
import io.lloco.retrieval.AnswerSupport;

/**
 * Chooses among the answers read from candidate segments ({@code answer_candidates}, {@code answer_beams}): each
 * answer (every beam hypothesis of each read) is checked against the sentences of the segment it was read from
 * ({@link AnswerSupport}), and the best-supported one is kept; among equals, the earliest (best retrieved, most likely).
 * While no answer is confirmed (stated in a sentence holding all the question's names) and candidates remain, more
 * are read ({@code answer_candidates_max}).
 */
public final class CandidateAnswers {

    /**
     * One read candidate: where it was read, the document's sentences with their segment ordinals, and its result.
     */
    public record Read(String index, String id, int ord, List<String> sentences, List<Integer> owner, DecodeResponse.ReadResult result) {
    }

    /**
     * The outcome over the reads so far.
     *
     * @param confirmed whether an answer is confirmed (no need to read more)
     * @param chosenAnswer index of the chosen answer among every answer read
     * @param chosenRead index of the read it came from
     */
    public record Outcome(boolean confirmed, String answer, int chosenAnswer, int chosenRead, List<LlocoQaResponse.Candidate> candidates) {
    }

    private CandidateAnswers() {
    }

    /** Checks every answer of {@code reads} against its segment and chooses. */
    public static Outcome choose(String question, List<Read> reads, boolean withHypotheses) {
        List<String> answers = new ArrayList<>();
        List<Integer> answerOf = new ArrayList<>();
        List<Double> answerLogProb = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
            DecodeResponse.ReadResult r = reads.get(i).result();
            List<String> hyps = r.hypotheses() == null || r.hypotheses().isEmpty() ? List.of(r.answer()) : r.hypotheses();
            for (int j = 0; j < hyps.size(); j++) {
                answers.add(hyps.get(j).trim());
                answerOf.add(i);
                answerLogProb.add(r.hypotheses() == null || r.hypotheses().isEmpty() ? null : r.hypothesisLogProbs()[j]);
            }
        }
        List<AnswerSupport.Support> support = new ArrayList<>();
        // one checker per document (its sentences scored once), whatever the number of answers read from it
        Map<List<String>, AnswerSupport.Checker> checkers = new IdentityHashMap<>();
        for (int a = 0; a < answers.size(); a++) {
            Read read = reads.get(answerOf.get(a));
            AnswerSupport.Checker checker = checkers.computeIfAbsent(
                read.sentences(),
                s -> AnswerSupport.checker(question, s, read.owner())
            );
            support.add(checker.support(answers.get(a), read.ord()));
        }
        int questionNames = AnswerSupport.names(question).size();
        boolean confirmed = support.stream().anyMatch(s -> AnswerSupport.confirms(s, questionNames));
        int chosenAnswer = AnswerSupport.choose(support);
        int best = answerOf.get(chosenAnswer);
        List<LlocoQaResponse.Candidate> described = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
            int mine = -1;
            List<LlocoQaResponse.Hypothesis> hypotheses = new ArrayList<>();
            for (int a = 0; a < answers.size(); a++) {
                if (answerOf.get(a) != i) {
                    continue;
                }
                if (mine < 0 || support.get(a).betterThan(support.get(mine))) {
                    mine = a;
                }
                AnswerSupport.Support s = support.get(a);
                hypotheses.add(
                    new LlocoQaResponse.Hypothesis(
                        answers.get(a),
                        answerLogProb.get(a) == null ? null : Math.round(answerLogProb.get(a) * 1000.0) / 1000.0,
                        supportScore(s),
                        s.stated() ? s.names() : null,
                        a == chosenAnswer
                    )
                );
            }
            Read read = reads.get(i);
            AnswerSupport.Support s = support.get(mine);
            described.add(
                new LlocoQaResponse.Candidate(
                    read.index(),
                    read.id(),
                    read.ord(),
                    answers.get(mine),
                    supportScore(s),
                    s.stated() ? s.names() : null,
                    i == best,
                    withHypotheses ? hypotheses : null
                )
            );
        }
        return new Outcome(confirmed, answers.get(chosenAnswer), chosenAnswer, best, described);
    }

    private static Double supportScore(AnswerSupport.Support s) {
        return s.stated() ? Math.round(s.score() * 1000.0) / 1000.0 : null;
    }
}
