/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ.security;

import java.util.List;
import java.util.Map;

import org.junit.Before;

/**
 * {@code _lloco_qa} and the {@code lloco_answer} search response processor as real users of the security plugin
 * (docs/security.md): index permissions, document-level security (a denied document is never part of an answer: the
 * decode of a DLS user is input for input the decode of admin over the allowed documents only), field-level security,
 * and which permissions the internal decode action needs.
 */
public class QaSecurityRestIT extends SecureRestTestCase {

    private static final String QA = "/" + DOCS + "/_lloco_qa";
    private static final String VAULT = "What is the vault code of Tallowmere?";

    @Before
    public void fixtures() throws Exception {
        ensureFixtures();
    }

    private static String ask(String question, String docIds, String mode) {
        return "{\"question\":\"" + question + "\"" + (docIds == null ? "" : ",\"doc_ids\":" + docIds + ",\"size\":2")
            + ",\"max_new_tokens\":4,\"mode\":\"" + mode + "\"}";
    }

    private static String searchAsking(String question) {
        return "{\"query\":{\"match_all\":{}},\"ext\":{\"lloco\":{\"question\":\"" + question + "\"}}}";
    }

    @SuppressWarnings("unchecked")
    private static List<String> hitIds(Map<String, Object> search) {
        return ((List<Map<String, Object>>) ((Map<String, Object>) search.get("hits")).get("hits")).stream()
            .map(h -> (String) h.get("_id"))
            .toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> extLloco(Map<String, Object> search) {
        return (Map<String, Object>) ((Map<String, Object>) search.get("ext")).get("lloco");
    }

    /** The response's sources (documents and segments read) without their retrieval scores. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> withoutScores(Map<String, Object> answer) {
        return ((List<Map<String, Object>>) answer.get("sources")).stream().map(s -> {
            Map<String, Object> copy = new java.util.LinkedHashMap<>(s);
            copy.remove("_score");
            return copy;
        }).toList();
    }

    public void testNoReadPermissionOnTheIndexIs403FromQaAndFromTheAnswerProcessor() throws Exception {
        String body = ask(VAULT, null, "lloco");
        // control: the index answers (admin), and the same user answers over the index it may read
        assertFalse(sourceIds(call(as("admin"), "POST", "/" + PRIVATE + "/_lloco_qa", body)).isEmpty());
        assertFalse(sourceIds(call(as("asker"), "POST", QA, body)).isEmpty());

        String qa = fails(403, as("asker"), "POST", "/" + PRIVATE + "/_lloco_qa", body);
        assertTrue(qa, qa.contains("no permissions for [indices:data/read/lloco/qa]") && qa.contains("name=asker"));
        // a wildcard over an allowed and a denied index is refused as a whole, as a search is
        fails(403, as("asker"), "POST", "/sec-*/_lloco_qa", body);

        String answer = fails(403, as("asker"), "POST", "/" + PRIVATE + "/_search?search_pipeline=" + ANSWER, searchAsking(VAULT));
        assertTrue(answer, answer.contains("no permissions for [indices:data/read/search]"));
        assertFalse(
            extLloco(call(as("admin"), "POST", "/" + PRIVATE + "/_search?search_pipeline=" + ANSWER, searchAsking(VAULT))).isEmpty()
        );
    }

    public void testSearchWithoutTheQaActionIs403FromQaAndFromTheAnswerProcessor() throws Exception {
        // the searcher may search the index ...
        assertEquals(
            List.of("pub-1", "pub-2", "secret-1"),
            hitIds(call(as("searcher"), "POST", "/" + DOCS + "/_search", "{\"sort\":[\"_id\"]}"))
        );
        // ... but not ask: neither through _lloco_qa nor through a search pipeline that answers (the processor runs
        // the QA action as the searching user)
        String qa = fails(403, as("searcher"), "POST", QA, ask(VAULT, null, "lloco"));
        assertTrue(qa, qa.contains("no permissions for [indices:data/read/lloco/qa]") && qa.contains("name=searcher"));
        String answer = fails(403, as("searcher"), "POST", "/" + DOCS + "/_search?search_pipeline=" + ANSWER, searchAsking(VAULT));
        assertTrue(answer, answer.contains("no permissions for [indices:data/read/lloco/qa]"));
    }

    /** The QA action alone is not enough: retrieval is a search run as the user (so DLS/FLS apply to it). */
    public void testTheQaActionAloneIsRefusedTheRetrievalSearch() throws Exception {
        for (boolean lloco : List.of(false, true)) {
            String e = fails(403, as("qa_only", lloco), "POST", QA, ask(VAULT, null, "lloco"));
            assertTrue(e, e.contains("no permissions for [indices:data/read/search]") && e.contains("name=qa_only"));
        }
    }

    /**
     * A DLS role hiding {@code secret-1}: asked over {@code [pub-1, secret-1]}, the DLS user's decode is exactly
     * admin's decode over {@code [pub-1]} alone (same sources, same summary positions, prompt and decoder positions,
     * same greedy answer), while admin's decode over both reads secret-1's summaries (its segments x summary length
     * more positions) — so a leak of secret-1's summaries or text into the prompt would fail the test. In
     * {@code full_context} mode the document text is the context: its token count shows that secret-1's text never
     * reached the prompt either.
     */
    @SuppressWarnings("unchecked")
    public void testDocumentLevelSecurityKeepsADeniedDocumentOutOfTheAnswer() throws Exception {
        Map<String, Object> secret = stored(DOCS, "secret-1");
        int secretPositions = ((Number) secret.get("segment_count")).intValue() * ((Number) secret.get("summary_length")).intValue();
        assertTrue(secret.toString(), secretPositions > 0);
        for (String mode : List.of("lloco", "full_context")) {
            Map<String, Object> adminBoth = call(as("admin"), "POST", QA, ask(VAULT, "[\"pub-1\",\"secret-1\"]", mode));
            Map<String, Object> adminAllowed = call(as("admin"), "POST", QA, ask(VAULT, "[\"pub-1\"]", mode));
            Map<String, Object> dls = call(as("dls_asker"), "POST", QA, ask(VAULT, "[\"pub-1\",\"secret-1\"]", mode));

            assertEquals(mode, List.of("pub-1", "secret-1"), sourceIds(adminBoth));
            assertEquals(mode, List.of("pub-1"), sourceIds(dls));
            Map<String, Object> uBoth = (Map<String, Object>) adminBoth.get("usage");
            Map<String, Object> uAllowed = (Map<String, Object>) adminAllowed.get("usage");
            Map<String, Object> uDls = (Map<String, Object>) dls.get("usage");
            // the decode input of the DLS user is admin's over the allowed document, position for position
            assertEquals(mode, uAllowed, uDls);
            assertEquals(mode, adminAllowed.get("answer"), dls.get("answer"));
            assertEquals(mode, withoutScores(adminAllowed), withoutScores(dls)); // DLS scores the ids query otherwise
            // and reading secret-1 would have shown: more full-context tokens, and (lloco mode) its summary positions
            assertTrue(
                mode + " " + uBoth + " vs " + uDls,
                ((Number) uBoth.get("full_context_tokens")).intValue() > ((Number) uDls.get("full_context_tokens")).intValue()
            );
            if (mode.equals("lloco")) {
                assertEquals(
                    uBoth + " vs " + uDls,
                    ((Number) uDls.get("summary_positions")).intValue() + secretPositions,
                    ((Number) uBoth.get("summary_positions")).intValue()
                );
            } else {
                assertTrue(
                    uBoth + " vs " + uDls,
                    ((Number) uBoth.get("context_tokens")).intValue() > ((Number) uDls.get("context_tokens")).intValue()
                );
            }
        }
        // asking about the denied document alone finds nothing to read
        String none = fails(404, as("dls_asker"), "POST", QA, ask(VAULT, "[\"secret-1\"]", "lloco"));
        assertTrue(none, none.contains("no compressed document matched"));
        assertEquals(List.of("secret-1"), sourceIds(call(as("admin"), "POST", QA, ask(VAULT, "[\"secret-1\"]", "lloco"))));
    }

    /** The default retrieval (segment match) and the answer processor also never see the denied document. */
    public void testDocumentLevelSecurityWithTheDefaultRetrievalAndTheAnswerProcessor() throws Exception {
        String body = "{\"question\":\"" + VAULT + "\",\"size\":3,\"max_new_tokens\":4}";
        // control: the question's best match is the secret document, for whoever may read it
        assertEquals("secret-1", sourceIds(call(as("admin"), "POST", QA, body)).get(0));
        List<String> dls = sourceIds(call(as("dls_asker"), "POST", QA, body));
        assertFalse(dls.toString(), dls.contains("secret-1"));
        assertFalse(dls.toString(), dls.isEmpty());

        Map<String, Object> adminSearch = call(as("admin"), "POST", "/" + DOCS + "/_search?search_pipeline=" + ANSWER, searchAsking(VAULT));
        assertTrue(hitIds(adminSearch).contains("secret-1"));
        assertTrue(sourceIds(extLloco(adminSearch)).contains("secret-1"));
        Map<String, Object> dlsSearch = call(
            as("dls_asker"),
            "POST",
            "/" + DOCS + "/_search?search_pipeline=" + ANSWER,
            searchAsking(VAULT)
        );
        assertEquals(List.of("pub-1", "pub-2"), hitIds(dlsSearch).stream().sorted().toList());
        assertEquals(List.of("pub-1", "pub-2"), sourceIds(extLloco(dlsSearch)).stream().sorted().toList());
    }

    /** FLS hiding the whole {@code lloco} field: a 404 naming the field, not a 500. */
    @SuppressWarnings("unchecked")
    public void testFieldLevelSecurityHidingTheLlocoFieldIsA4xxNamingTheField() throws Exception {
        // FLS is in force: the user reads the documents, without their lloco field
        Map<String, Object> hit = ((List<Map<String, Object>>) ((Map<String, Object>) call(
            as("fls_asker"),
            "POST",
            "/" + DOCS + "/_search",
            "{\"query\":{\"ids\":{\"values\":[\"pub-1\"]}}}"
        ).get("hits")).get("hits")).get(0);
        Map<String, Object> source = (Map<String, Object>) hit.get("_source");
        assertTrue(source.toString(), source.containsKey("body") && source.containsKey("lloco") == false);

        String error = fails(404, as("fls_asker"), "POST", QA, ask(VAULT, "[\"pub-1\"]", "lloco"));
        assertTrue(error, error.contains("[lloco]"));
    }

    /**
     * FLS hiding only {@code lloco.segments.summaries} (the user may read the segment text but not the summary
     * embeddings): a 4xx naming the hidden field and saying field-level security may hide it.
     */
    public void testFieldLevelSecurityHidingTheSummariesIsA4xxNamingTheField() throws Exception {
        var e = expectThrows(
            org.opensearch.client.ResponseException.class,
            () -> call(as("fls_summaries_asker"), "POST", QA, ask(VAULT, "[\"pub-1\"]", "lloco"))
        );
        int status = e.getResponse().getStatusLine().getStatusCode();
        String text = new String(e.getResponse().getEntity().getContent().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(status + " " + text, status >= 400 && status < 500);
        assertTrue(text, text.contains("lloco.segments.summaries"));
        assertTrue(text, text.contains("field-level security"));
    }

    /** The documented lloco_user role (with {@code cluster:internal/lloco/decode}) asks through any node. */
    public void testTheLlocoUserRoleAsksThroughEveryNode() throws Exception {
        String body = ask(VAULT, "[\"pub-1\",\"secret-1\"]", "lloco");
        Map<String, Object> viaData = call(as("asker", false), "POST", QA, body);
        Map<String, Object> viaLloco = call(as("asker", true), "POST", QA, body);
        assertEquals(List.of("pub-1", "secret-1"), sourceIds(viaData));
        assertEquals(viaData.get("answer"), viaLloco.get("answer"));
        assertEquals(viaData.get("usage"), viaLloco.get("usage"));
    }

    /**
     * The permission to ask is {@code indices:data/read/lloco/qa} (and search) on the indices, whichever node
     * coordinates: the internal window and decode actions are sent as the node once the QA action is authorized.
     */
    public void testReadAloneAsksThroughEveryNode() throws Exception {
        String body = ask(VAULT, "[\"pub-1\"]", "lloco");
        assertEquals(List.of("pub-1"), sourceIds(call(as("asker_bare", false), "POST", QA, body)));
        assertEquals(List.of("pub-1"), sourceIds(call(as("asker_bare", true), "POST", QA, body)));
    }
}
