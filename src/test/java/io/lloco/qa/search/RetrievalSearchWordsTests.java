/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.search;

import org.opensearch.test.OpenSearchTestCase;

/** The matched text's cut: never more words (as the standard tokenizer counts terms) than the clause limit allows. */
public class RetrievalSearchWordsTests extends OpenSearchTestCase {

    public void testFirstWordsCountsRunsOfLettersAndDigitsAndEachIdeograph() {
        assertEquals("one two", RetrievalSearch.firstWords("one two three", 2));
        assertEquals("one, two", RetrievalSearch.firstWords("one, two; three", 2));
        assertEquals("a-b", RetrievalSearch.firstWords("a-b c", 2));
        assertEquals("東京", RetrievalSearch.firstWords("東京都", 2));
        assertEquals("whole text", RetrievalSearch.firstWords("whole text", 5));
        assertEquals("", RetrievalSearch.firstWords("x", 0));
    }

    public void testMaxMatchWordsLeavesRoomForFourClausesAWord() {
        assertEquals(248, RetrievalSearch.maxMatchWords(1024));
        assertTrue(4 * RetrievalSearch.maxMatchWords(1024) + 32 <= 1024);
        assertEquals(8, RetrievalSearch.maxMatchWords(10));
    }
}
