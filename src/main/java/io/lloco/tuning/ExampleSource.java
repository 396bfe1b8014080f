/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.opensearch.action.search.ClearScrollRequest;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.SearchScrollRequest;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.transport.client.Client;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;

/**
 * The examples of a training or an evaluation: inline, or every document of an index ({@code {doc_id, question,
 * answer, choices?}}, other fields ignored), read as the calling user, in {@code _id} order. Blocking.
 */
final class ExampleSource {

    /** Documents per search page. */
    static final int PAGE = 1000;

    private static final TimeValue KEEP_ALIVE = TimeValue.timeValueMinutes(1);

    private ExampleSource() {
    }

    static List<TrainExample> read(Client client, String index, List<TrainExample> inline, int max) {
        if (index == null) {
            check(inline.size(), max);
            return inline;
        }
        List<TrainExample> out = new ArrayList<>();
        SearchSourceBuilder src = new SearchSourceBuilder().query(QueryBuilders.matchAllQuery())
            .size(PAGE)
            .sort("_doc")
            .fetchSource(new String[]{"doc_id", "question", "answer", "choices"}, null);
        SearchResponse r = client.search(new SearchRequest(index).source(src).scroll(KEEP_ALIVE)).actionGet();
        String scroll = r.getScrollId();
        try {
            while (r.getHits().getHits().length > 0) {
                for (SearchHit h : r.getHits().getHits()) {
                    out.add(TrainExample.fromMap(h.getSourceAsMap(), String.format(Locale.ROOT, "[%s][%s]", index, h.getId()), false));
                    check(out.size(), max);
                }
                r = client.searchScroll(new SearchScrollRequest(scroll).scroll(KEEP_ALIVE)).actionGet();
                scroll = r.getScrollId();
            }
        } finally {
            if (scroll != null) {
                ClearScrollRequest clear = new ClearScrollRequest();
                clear.addScrollId(scroll);
                client.clearScroll(clear);
            }
        }
        if (out.isEmpty()) {
            throw new LlocoException("[examples] index [" + index + "] holds no examples", RestStatus.BAD_REQUEST);
        }
        return out;
    }

    private static void check(int n, int max) {
        if (n > max) {
            throw new LlocoException(
                "more than " + max + " examples; raise [" + LlocoSettings.TRAIN_MAX_EXAMPLES.getKey() + "] or pass fewer",
                RestStatus.BAD_REQUEST
            );
        }
    }
}
