/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import java.io.IOException;
import java.util.List;

import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.util.BytesRef;
import org.opensearch.common.document.DocumentField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.search.SearchExtBuilder;
import org.opensearch.search.SearchHit;
import org.opensearch.search.fetch.FetchContext;
import org.opensearch.search.fetch.FetchSubPhase;
import org.opensearch.search.fetch.FetchSubPhaseProcessor;

/**
 * Puts the raw bytes of a nested hit's binary summaries into the hit ({@link SummaryFetchExt#HIT_FIELD}, a
 * {@code byte[]} value): only the nested hits a search returns are read, straight from doc values, and they cross the
 * transport layer as bytes ({@code docvalue_fields} would send base64, a third more). Runs for inner hits too (their
 * context sees the search's ext). Root hits and other nested paths are left alone.
 */
public final class SummaryFetchSubPhase implements FetchSubPhase {

    @Override
    public FetchSubPhaseProcessor getProcessor(FetchContext context) {
        SearchExtBuilder ext = context.getSearchExt(SummaryFetchExt.NAME);
        if (ext instanceof SummaryFetchExt == false) {
            return null;
        }
        SummaryFetchExt f = (SummaryFetchExt) ext;
        return new FetchSubPhaseProcessor() {

            @Override
            public void setNextReader(LeafReaderContext readerContext) {
            }

            @Override
            public void process(HitContext hit) throws IOException {
                SearchHit.NestedIdentity id = hit.hit().getNestedIdentity();
                if (id == null || id.getChild() != null || f.path().equals(id.getField().string()) == false) {
                    return;
                }
                // a fresh iterator per hit: inner hits come in score order, not doc order
                BinaryDocValues values = hit.reader().getBinaryDocValues(f.field());
                if (values == null || values.advanceExact(hit.docId()) == false) {
                    return;
                }
                byte[] bytes = single(values.binaryValue());
                if (bytes != null) {
                    hit.hit().setDocumentField(SummaryFetchExt.HIT_FIELD, new DocumentField(SummaryFetchExt.HIT_FIELD, List.of(bytes)));
                }
            }
        };
    }

    /**
     * The one value of a binary doc-values entry as the {@code binary} field mapper writes it (a vint count, then a
     * vint length and the bytes of each value); null when it holds no value or several.
     */
    static byte[] single(BytesRef ref) throws IOException {
        try (StreamInput in = new org.opensearch.core.common.bytes.BytesArray(ref).streamInput()) {
            int count = in.readVInt();
            if (count != 1) {
                return null;
            }
            int len = in.readVInt();
            if (len < 0 || len > ref.length) {
                return null;
            }
            byte[] out = new byte[len];
            in.readBytes(out, 0, len);
            return out;
        }
    }
}
