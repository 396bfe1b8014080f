/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.opensearch.client.Request;
import org.opensearch.client.RestClient;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/**
 * Reads a document's stored summary bytes back as a user would: the documented mapping keeps them out of
 * {@code _source}, in binary doc values, which {@code docvalue_fields} of the segments' inner hits return (base64).
 */
final class StoredSummaries {

    private StoredSummaries() {
    }

    /** Every segment's summary bytes, in segment order. */
    @SuppressWarnings("unchecked")
    static List<byte[]> of(RestClient client, String index, String id) throws IOException {
        Request r = new Request("POST", "/" + index + "/_search");
        r.setJsonEntity(
            "{\"_source\":false,\"query\":{\"bool\":{\"filter\":[{\"ids\":{\"values\":[\"" + id + "\"]}},"
                + "{\"nested\":{\"path\":\"lloco.segments\",\"query\":{\"match_all\":{}},\"inner_hits\":{\"size\":100,"
                + "\"_source\":false,\"docvalue_fields\":[\"lloco.segments.ord\",\"lloco.segments.summaries\"]}}}]}}}"
        );
        Map<String, Object> body = XContentHelper
            .convertToMap(JsonXContent.jsonXContent, client.performRequest(r).getEntity().getContent(), false);
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) body.get("hits")).get("hits");
        Map<String, Object> inner = (Map<String, Object>) ((Map<String, Object>) hits.get(0).get("inner_hits")).get("lloco.segments");
        List<Map<String, Object>> segs = (List<Map<String, Object>>) ((Map<String, Object>) inner.get("hits")).get("hits");
        byte[][] out = new byte[segs.size()][];
        for (Map<String, Object> s : segs) {
            Map<String, Object> fields = (Map<String, Object>) s.get("fields");
            int ord = ((Number) ((List<Object>) fields.get("lloco.segments.ord")).get(0)).intValue();
            out[ord] = Base64.getDecoder().decode((String) ((List<Object>) fields.get("lloco.segments.summaries")).get(0));
        }
        return List.of(out);
    }
}
