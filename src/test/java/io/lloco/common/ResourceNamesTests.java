/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

/** Model ids and adapter names: one folder name, never a path, never invisible characters. */
public class ResourceNamesTests extends OpenSearchTestCase {

    public void testOrdinaryNamesPass() {
        for (String ok : new String[]{"lloco-tiny", "Llama-2-7b.chat_v2", "none", "default", "qmsum-lora", "a.b", "模型", "\uD83D\uDE00"}) {
            assertNull(ok, ResourceNames.problem(ok));
        }
    }

    public void testPathsControlAndFormatCharactersAndLoneSurrogatesAreRefused() {
        String[] bad = {
            "", ".", "..", "../etc", "a/b", "a\\b", "/etc/passwd", "x..y", "a\u0000b", "a\nb", "a\u001bb", "\u202Eevil",
            "zero\u200Bwidth", "\uD800", "a\uDC00b", "x".repeat(256)};
        for (String b : bad) {
            assertNotNull(ResourceNames.quote(b), ResourceNames.problem(b));
        }
        assertNull(ResourceNames.problem("x".repeat(255)));
    }

    public void testCheckIsA400NamingTheFieldWithTheNameClippedAndEscaped() {
        LlocoException e = expectThrows(
            LlocoException.class,
            () -> ResourceNames.check("adapter name", "adapter", "a\u0000" + "b".repeat(100_000))
        );
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("[adapter]"));
        assertTrue(e.getMessage(), e.getMessage().contains("a\\u0000b"));
        assertTrue(e.getMessage(), e.getMessage().contains("(100002 characters)"));
        assertTrue(e.getMessage(), e.getMessage().length() < 300);
    }
}
