/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

/** The kinds of fact a world document states about its cast. */
public enum FactType {
    /** "X lives in TOWN": answer is a town name. */
    LIVES_IN,
    /** "X was born in YEAR": answer is a four-digit year. */
    BORN_IN,
    /** "X's favourite colour is C": answer is a colour word. */
    COLOUR,
    /** "X works as a J": answer is a trade. */
    JOB,
    /** "X owns N THINGS": answer is the count. */
    OWNS,
    /** "X is the sister/brother of Y": answer is X's full name. */
    SIBLING
}
