/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.MappingMetadata;
import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;

/**
 * How an index stores compressed documents under a target field, read from its mapping in the cluster state before
 * anything is searched: segments must be {@code nested} (segment-level hits) with the small fields as keywords and
 * numbers (read from doc values); summaries are read from binary doc values (the documented mapping) or, for an index
 * that keeps them only in {@code _source}, from the source of the segments read ({@code docs/storage.md} compares the
 * two). An index mapped otherwise (for example by dynamic mapping) is refused with the mapping to use.
 *
 * @param sentences whether {@code segments.sentences} is nested (sentence matching and answer support)
 * @param sentencePairs whether {@code segments.sentences.text.pairs} exists (adjacent word pairs)
 * @param maxInnerHits the index's {@code index.max_inner_result_window}: segments fetched per search
 */
public record StoreLayout(String index, String target, boolean sentences, boolean sentencePairs, SummaryAccess summaries,
    int maxInnerHits) {

    /** A layout with the default {@code index.max_inner_result_window} (100). */
    public StoreLayout(String index, String target, boolean sentences, boolean sentencePairs, SummaryAccess summaries) {
        this(index, target, sentences, sentencePairs, summaries, 100);
    }

    /** Where the summaries of a segment are read. */
    public enum SummaryAccess {
        /** Binary doc values of the nested segment, raw bytes through {@link SummaryFetchSubPhase}. */
        DOC_VALUES,
        /** The nested segment's {@code _source}, base64 (the whole document source is parsed on the data node). */
        SOURCE
    }

    private static final Set<String> KEYWORD = Set.of("keyword", "constant_keyword");
    private static final Set<String> INTEGER = Set.of("integer", "long", "short");

    /** The segments' path, e.g. {@code lloco.segments}. */
    public String segmentsPath() {
        return target + "." + StoredDocument.SEGMENTS;
    }

    /** A header field's path, e.g. {@code lloco.model}. */
    public String field(String name) {
        return target + "." + name;
    }

    /** A segment field's path, e.g. {@code lloco.segments.ord}. */
    public String segmentField(String name) {
        return segmentsPath() + "." + name;
    }

    /** Reads the layout of {@code target} in {@code index}; a 400 naming the field and the mapping to use otherwise. */
    @SuppressWarnings("unchecked")
    public static StoreLayout of(IndexMetadata md, String target) {
        String index = md.getIndex().getName();
        MappingMetadata mapping = md.mapping();
        Map<String, Object> root = mapping == null ? Map.of() : mapping.sourceAsMap();
        Map<String, Object> lloco = property(root, target);
        if (lloco == null) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "index [%s] has no [%s] field: no document of it was compressed into [%s] (the lloco_compress processor's "
                        + "[target_field]); create the index with the lloco mapping (docs/storage.md) and index through the pipeline",
                    index,
                    target,
                    target
                ),
                RestStatus.BAD_REQUEST
            );
        }
        Map<String, Object> props = (Map<String, Object>) lloco.getOrDefault("properties", Map.of());
        for (String f : List.of(StoredDocument.MODEL, StoredDocument.FINGERPRINT, StoredDocument.MODE, StoredDocument.DTYPE)) {
            expect(index, target + "." + f, props.get(f), KEYWORD, "keyword");
        }
        for (String f : List
            .of(StoredDocument.SUMMARY_LENGTH, StoredDocument.HIDDEN, StoredDocument.SEGMENT_COUNT, StoredDocument.TOKENS)) {
            expect(index, target + "." + f, props.get(f), INTEGER, "integer");
        }
        Map<String, Object> segments = (Map<String, Object>) props.get(StoredDocument.SEGMENTS);
        String segPath = target + "." + StoredDocument.SEGMENTS;
        if (segments == null || "nested".equals(segments.get("type")) == false) {
            throw wrong(index, segPath, segments == null ? "missing" : String.valueOf(segments.getOrDefault("type", "object")), "nested");
        }
        Map<String, Object> segProps = (Map<String, Object>) segments.getOrDefault("properties", Map.of());
        for (String f : List.of(StoredDocument.ORD, StoredDocument.TOKENS, StoredDocument.START, StoredDocument.END)) {
            expect(index, segPath + "." + f, segProps.get(f), INTEGER, "integer");
        }
        Map<String, Object> summaries = (Map<String, Object>) segProps.get(StoredDocument.SUMMARIES);
        String sumPath = segPath + "." + StoredDocument.SUMMARIES;
        if (summaries == null || "binary".equals(summaries.get("type")) == false) {
            throw wrong(index, sumPath, summaries == null ? "missing" : String.valueOf(summaries.get("type")), "binary");
        }
        SummaryAccess access;
        if (Boolean.TRUE.equals(asBoolean(summaries.get("doc_values")))) {
            access = SummaryAccess.DOC_VALUES;
        } else if (excludedFromSource(root, sumPath)) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "index [%s] excludes [%s] from _source but maps it without doc values: the summaries are stored nowhere; "
                        + "map it as {\"type\": \"binary\", \"doc_values\": true} (docs/storage.md) and re-index",
                    index,
                    sumPath
                ),
                RestStatus.BAD_REQUEST
            );
        } else {
            access = SummaryAccess.SOURCE;
        }
        Map<String, Object> sentences = (Map<String, Object>) segProps.get(StoredDocument.SENTENCES);
        boolean hasSentences = sentences != null && "nested".equals(sentences.get("type"));
        boolean pairs = false;
        if (hasSentences) {
            Map<String, Object> sp = (Map<String, Object>) sentences.getOrDefault("properties", Map.of());
            Map<String, Object> text = (Map<String, Object>) sp.get(StoredDocument.TEXT);
            Map<String, Object> fields = text == null ? null : (Map<String, Object>) text.get("fields");
            pairs = fields != null && fields.containsKey("pairs");
        }
        int maxInner = org.opensearch.index.IndexSettings.MAX_INNER_RESULT_WINDOW_SETTING.get(md.getSettings());
        return new StoreLayout(index, target, hasSentences, pairs, access, Math.max(1, maxInner));
    }

    private static Object asBoolean(Object v) {
        return v instanceof String s ? Boolean.parseBoolean(s) : v;
    }

    @SuppressWarnings("unchecked")
    private static boolean excludedFromSource(Map<String, Object> root, String path) {
        Map<String, Object> source = (Map<String, Object>) root.get("_source");
        if (source == null) {
            return false;
        }
        if (Boolean.FALSE.equals(asBoolean(source.get("enabled")))) {
            return true;
        }
        Object ex = source.get("excludes");
        if (ex instanceof List<?> l) {
            for (Object o : l) {
                String p = String.valueOf(o);
                if (p.equals(path) || org.opensearch.common.regex.Regex.simpleMatch(p, path)) {
                    return true;
                }
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> property(Map<String, Object> root, String dotted) {
        Map<String, Object> at = root;
        for (String part : dotted.split("\\.")) {
            Map<String, Object> props = (Map<String, Object>) at.get("properties");
            if (props == null || props.get(part) instanceof Map == false) {
                return null;
            }
            at = (Map<String, Object>) props.get(part);
        }
        return at;
    }

    private static void expect(String index, String path, Object mapping, Set<String> types, String wanted) {
        String type = mapping instanceof Map<?, ?> m ? String.valueOf(m.get("type")) : "missing";
        if (types.contains(type) == false) {
            throw wrong(index, path, type, wanted);
        }
        if (mapping instanceof Map<?, ?> m && Boolean.FALSE.equals(asBoolean(m.get("doc_values")))) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "index [%s] maps [%s] without doc values, which _lloco_qa reads; use the lloco mapping (docs/storage.md)",
                    index,
                    path
                ),
                RestStatus.BAD_REQUEST
            );
        }
    }

    private static LlocoException wrong(String index, String path, String type, String wanted) {
        return new LlocoException(
            String.format(
                Locale.ROOT,
                "index [%s] maps [%s] as [%s], not [%s] (dynamic mapping?): create the index with the lloco mapping "
                    + "(docs/storage.md, docs/lloco-mapping.json) and re-index through the lloco_compress pipeline",
                index,
                path,
                type,
                wanted
            ),
            RestStatus.BAD_REQUEST
        );
    }
}
