/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.qa.search.RetrievalSearch;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.testing.LlocoIntegTestCase;

/**
 * The default retrieval ({@code granularity: segment}, {@code sentence_boost} 2, the question's names matched once
 * more) on real text, stored as the processor stores it (sentences cut by {@link Segmentation#sentences}): a question
 * without capitals, in German (every noun capitalised), in Chinese and in Japanese (no spaces, {@code 。} as full
 * stop) each ranks first the segment that states its answer, with sentence matching on and off.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 1, numClientNodes = 0, supportsDedicatedMasters = false)
public class RetrievalLanguagesIT extends LlocoIntegTestCase {

    private static String doc(List<String> segments) {
        StringBuilder segs = new StringBuilder();
        String zeros = Base64.getEncoder().encodeToString(new byte[2 * 4 * 16]);
        for (int s = 0; s < segments.size(); s++) {
            String t = segments.get(s);
            StringBuilder sentences = new StringBuilder();
            for (int[] span : Segmentation.sentences(t)) {
                sentences.append(sentences.length() == 0 ? "" : ",").append("{\"text\":\"").append(t, span[0], span[1]).append("\"}");
            }
            segs.append(s == 0 ? "" : ",")
                .append(
                    String.format(
                        Locale.ROOT,
                        "{\"ord\":%d,\"start\":0,\"end\":%d,\"tokens\":20,\"text\":\"%s\",\"sentences\":[%s],\"summaries\":\"%s\"}",
                        s,
                        t.length(),
                        t,
                        sentences,
                        zeros
                    )
                );
        }
        return "{\"lloco\":{\"model\":\"m\",\"fingerprint\":\"f\",\"mode\":\"independent\",\"dtype\":\"float16\",\"tokens\":60,"
            + "\"summary_length\":4,\"hidden\":16,\"segment_count\":"
            + segments.size()
            + ",\"segments\":["
            + segs
            + "]}}";
    }

    public void testTheSegmentStatingTheAnswerRanksFirstInEveryLanguage() throws Exception {
        call("PUT", "/texts", llocoMapping());
        List<String[]> cases = new ArrayList<>();
        cases.add(
            new String[]{
                "where does the harbour master keep the spare lamps?",
                "The ferry leaves at dawn. Gulls circle the pier.",
                "The harbour master keeps the spare lamps in the north warehouse. The key hangs by the door.",
                "Fishermen mend their nets in the evening. The market closes early."}
        );
        cases.add(
            new String[]{
                "Wo bewahrt der Hafenmeister die Ersatzlampen auf?",
                "Die Fähre fährt im Morgengrauen ab. Möwen kreisen über dem Steg.",
                "Der Hafenmeister bewahrt die Ersatzlampen im Lagerhaus im Norden auf. Der Schlüssel hängt an der Tür.",
                "Die Fischer flicken abends ihre Netze. Der Markt schließt früh."}
        );
        cases.add(
            new String[]{
                "港务长把备用灯放在哪里？",
                "渡船在黎明时出发。海鸥在码头上空盘旋。",
                "港务长把备用灯放在北边的仓库里。钥匙挂在门边。",
                "渔民晚上补网。市场很早关门。"}
        );
        cases.add(
            new String[]{
                "港長は予備のランプをどこに保管していますか？",
                "フェリーは夜明けに出発します。カモメが桟橋の上を旋回します。",
                "港長は予備のランプを北の倉庫に保管しています。鍵はドアのそばに掛かっています。",
                "漁師は夕方に網を繕います。市場は早く閉まります。"}
        );
        for (int c = 0; c < cases.size(); c++) {
            String[] k = cases.get(c);
            call("PUT", "/texts/_doc/c" + c + "?refresh=true", doc(List.of(k[1], k[2], k[3])));
        }
        for (int c = 0; c < cases.size(); c++) {
            String[] k = cases.get(c);
            for (double boost : new double[]{LlocoQaRequest.DEFAULT_SENTENCE_BOOST, 0}) {
                LlocoQaRequest q = new LlocoQaRequest("texts").question(k[0]).docIds(List.of("c" + c))
                    .granularity(LlocoQaRequest.Granularity.SEGMENT, 3).sentenceBoost(boost);
                RetrievalSearch.Result found = RetrievalSearch.parse(client().search(RetrievalSearch.build(q, true)).actionGet(), q);
                assertEquals(k[0] + " (sentence_boost " + boost + ")", 1, found.docs().get(0).matched().get(0).ord());
            }
        }
    }
}
