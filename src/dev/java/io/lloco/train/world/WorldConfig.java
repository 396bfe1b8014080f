/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.Locale;

/**
 * Knobs of the world generator.
 *
 * @param tokensPerFact roughly one fact per this many document tokens (more facts in longer documents)
 * @param minFacts fewest facts in a document
 * @param maxFacts most facts in a document
 * @param minCast smallest cast
 * @param maxCast largest cast
 * @param castMentionRate probability that a filler sentence names a cast member (a distractor mention)
 * @param minParagraph fewest sentences per paragraph
 * @param maxParagraph most sentences per paragraph
 */
public record WorldConfig(
    int tokensPerFact,
    int minFacts,
    int maxFacts,
    int minCast,
    int maxCast,
    double castMentionRate,
    int minParagraph,
    int maxParagraph) {

    /** Shortest document the generator accepts, in tokens. */
    public static final int MIN_TOKENS = 64;
    /** Longest document the generator accepts, in tokens. */
    public static final int MAX_TOKENS = 131072;

    /** Validates the ranges. */
    public WorldConfig {
        check(tokensPerFact >= 10, "tokensPerFact must be >= 10, got " + tokensPerFact);
        check(minFacts >= 1 && maxFacts >= minFacts, "need 1 <= minFacts <= maxFacts, got " + minFacts + ".." + maxFacts);
        check(
            minCast >= 2 && maxCast >= minCast && maxCast <= 20,
            "need 2 <= minCast <= maxCast <= 20 (the per-document pool), got " + minCast + ".." + maxCast
        );
        check(castMentionRate >= 0 && castMentionRate <= 1, "castMentionRate must be in [0,1], got " + castMentionRate);
        check(minParagraph >= 1 && maxParagraph >= minParagraph, "need 1 <= minParagraph <= maxParagraph");
    }

    /** The defaults: 1 fact per 120 tokens, 8..80 facts, cast 6..20, 25% of filler sentences name a person. */
    public static WorldConfig defaults() {
        return new WorldConfig(120, 8, 80, 6, 20, 0.25, 3, 7);
    }

    private static void check(boolean ok, String message) {
        if (ok == false) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "invalid WorldConfig: %s", message));
        }
    }
}
