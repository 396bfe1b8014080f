/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.lloco.runtime.compress.Segmentation;

/**
 * The compressed form of a document, stored under the processor's {@code target_field} ({@code lloco} by default):
 * the one codec that writes it ({@link #toSource}, the {@code lloco_compress} processor) and reads it back
 * ({@link Header#read}, {@link SegmentMeta#read}, {@link #decodeSummaries}, {@link #checkSummaries},
 * {@link #segmentText}, {@link #readSourceSegments}; {@code _lloco_qa} reads through these). Reading validates
 * every field against bounds before anything is allocated from it, and names the document and the field when one is
 * missing, mistyped or out of range.
 *
 * <p>Layout ({@code docs/storage.md}): header fields beside a nested {@code segments} list; each segment has its
 * ordinal, character span ({@code start}/{@code end}, UTF-16 offsets into the source field), token count, text,
 * optionally its sentences (nested, for sentence matching), and its summaries (a {@code binary} field with doc values,
 * excluded from {@code _source} by the mapping).
 */
public record StoredDocument(Header header, List<Segment> segments) {

    /** Header field: model id. */
    public static final String MODEL = "model";
    /** Header field: model fingerprint at compression time. */
    public static final String FINGERPRINT = "fingerprint";
    /** Header field: the text field that was compressed. */
    public static final String SOURCE_FIELD = "source_field";
    /** Header field: {@code accumulate} or {@code independent}. */
    public static final String MODE = "mode";
    /** Header field: storage dtype of the summaries. */
    public static final String DTYPE = "dtype";
    /** Header and segment field: token count. */
    public static final String TOKENS = "tokens";
    /** Header field: segment length the processor used. */
    public static final String SEGMENT_TOKENS = "segment_tokens";
    /** Header field: where segments were cut. */
    public static final String SEGMENT_BOUNDARY = "segment_boundary";
    /** Header field: summary vectors per segment. */
    public static final String SUMMARY_LENGTH = "summary_length";
    /** Header field: width of a summary vector. */
    public static final String HIDDEN = "hidden";
    /** Header field: number of segments. */
    public static final String SEGMENT_COUNT = "segment_count";
    /** The nested list of segments. */
    public static final String SEGMENTS = "segments";
    /** Segment field: position of the segment in the document, from 0. */
    public static final String ORD = "ord";
    /** Segment field: first UTF-16 offset of the segment's text in the source field. */
    public static final String START = "start";
    /** Segment field: end (exclusive) UTF-16 offset. */
    public static final String END = "end";
    /** Segment field: the segment's text. */
    public static final String TEXT = "text";
    /** Segment field: the nested list of the segment's sentences ({@code text} each). */
    public static final String SENTENCES = "sentences";
    /** Segment field: the binary summaries. */
    public static final String SUMMARIES = "summaries";

    /** Largest {@code summary_length} a stored document may declare. */
    public static final int MAX_SUMMARY_LENGTH = 4096;
    /** Largest {@code hidden} a stored document may declare. */
    public static final int MAX_HIDDEN = 65_536;
    /** Largest {@code segment_count}. */
    public static final int MAX_SEGMENTS = 1_000_000;
    /** Largest summary block of one segment, in bytes (a Llama-2-7B segment in float32 is 819,200). */
    public static final long MAX_BLOCK_BYTES = 64L << 20;

    /**
     * The document-level fields.
     *
     * @param segmentBoundary {@code tokens} or {@code sentence} (free text on read: only reported)
     */
    public record Header(
        String model,
        String fingerprint,
        String sourceField,
        CompressionMode mode,
        SummaryDtype dtype,
        int tokens,
        int segmentTokens,
        String segmentBoundary,
        int summaryLength,
        int hidden,
        int segmentCount) {

        /** Bytes of one segment's summaries. */
        public long blockBytes() {
            return (long) summaryLength * hidden * dtype.bytes();
        }

        /**
         * Reads and validates the header of {@code document} from {@code field}, which returns the value of a header
         * field by its name (e.g. from doc values or {@code _source}), or null when absent.
         *
         * @param prefix the target field, for error messages ({@code lloco})
         */
        public static Header read(String document, String prefix, Function<String, Object> field) {
            Reader r = new Reader(document, prefix, field);
            String model = r.string(MODEL);
            String fingerprint = r.string(FINGERPRINT);
            String sourceField = r.optionalString(SOURCE_FIELD);
            CompressionMode mode = r.parsed(MODE, CompressionMode::parse);
            SummaryDtype dtype = r.parsed(DTYPE, SummaryDtype::parse);
            int tokens = (int) r.integer(TOKENS, 0, Integer.MAX_VALUE);
            int segmentTokens = (int) r.optionalInteger(SEGMENT_TOKENS, 1, Integer.MAX_VALUE, 0);
            String boundary = r.optionalString(SEGMENT_BOUNDARY);
            int l = (int) r.integer(SUMMARY_LENGTH, 1, MAX_SUMMARY_LENGTH);
            int hidden = (int) r.integer(HIDDEN, 1, MAX_HIDDEN);
            int count = (int) r.integer(SEGMENT_COUNT, 0, MAX_SEGMENTS);
            if ((long) l * hidden * dtype.bytes() > MAX_BLOCK_BYTES) {
                throw new StoredFormatException(
                    document,
                    prefix + "." + HIDDEN,
                    String.format(
                        Locale.ROOT,
                        "declares %d x %d %s summaries per segment (%d bytes), over the %d-byte limit of one segment",
                        l,
                        hidden,
                        dtype.value(),
                        (long) l * hidden * dtype.bytes(),
                        MAX_BLOCK_BYTES
                    )
                );
            }
            return new Header(model, fingerprint, sourceField, mode, dtype, tokens, segmentTokens, boundary, l, hidden, count);
        }
    }

    /** The small fields of one stored segment (no text, no summaries). */
    public record SegmentMeta(int ord, int start, int end, int tokens) {

        /**
         * Reads and validates a segment's fields; {@code segments} is the number the header declares.
         *
         * @param prefix the segments' path, for error messages ({@code lloco.segments})
         */
        public static SegmentMeta read(String document, String prefix, int segments, Function<String, Object> field) {
            Reader r = new Reader(document, prefix, field);
            int ord = r.ord(segments);
            int start = (int) r.optionalInteger(START, 0, Integer.MAX_VALUE, 0);
            int end = (int) r.optionalInteger(END, start, Integer.MAX_VALUE, start);
            int tokens = (int) r.integer(TOKENS, 0, Integer.MAX_VALUE);
            return new SegmentMeta(ord, start, end, tokens);
        }
    }

    /**
     * One segment as the processor writes it.
     *
     * @param sentences the segment's sentences, or null when not indexed
     */
    public record Segment(int ord, int start, int end, int tokens, String text, List<String> sentences, byte[] summaries) {
    }

    /**
     * Checks one segment's summary bytes against the header before anything is decoded from them: the exact size
     * ({@code summary_length x hidden x dtype} bytes), and every value finite.
     *
     * @param path the summaries field, for error messages ({@code lloco.segments.summaries})
     */
    public static void checkSummaries(String document, String path, int ord, byte[] bytes, Header header) {
        if (bytes == null) {
            throw new StoredFormatException(
                document,
                path,
                "of segment " + ord + " is missing (not written by the lloco_compress pipeline, or hidden from the asking user by "
                    + "field-level security: asking needs read access to it)"
            );
        }
        if (bytes.length != header.blockBytes()) {
            throw new StoredFormatException(
                document,
                path,
                String.format(
                    Locale.ROOT,
                    "of segment %d holds %d bytes, expected %d (%d x %d %s values)",
                    ord,
                    bytes.length,
                    header.blockBytes(),
                    header.summaryLength(),
                    header.hidden(),
                    header.dtype().value()
                )
            );
        }
        int bad = SummaryBlock.firstNonFinite(bytes, header.dtype());
        if (bad >= 0) {
            throw new StoredFormatException(
                document,
                path,
                String.format(
                    Locale.ROOT,
                    "of segment %d holds a NaN or infinite value (row %d, column %d)",
                    ord,
                    bad / header.hidden(),
                    bad % header.hidden()
                )
            );
        }
    }

    /** One segment's summaries as {@code _source} holds them: base64, as a {@code binary} field takes them. */
    public static String encodeSummaries(byte[] summaries) {
        return Base64.getEncoder().encodeToString(summaries);
    }

    /**
     * Decodes one segment's summaries from their {@code _source} form ({@link #encodeSummaries}), or null when they
     * are absent ({@link #checkSummaries} then names them as missing). Check the result with {@link #checkSummaries}.
     *
     * @param path the summaries field, for error messages ({@code lloco.segments.summaries})
     * @param stored the value {@code _source} holds
     */
    public static byte[] decodeSummaries(String document, String path, int ord, Object stored) {
        if (stored == null) {
            return null;
        }
        if (stored instanceof String == false) {
            throw new StoredFormatException(document, path, "of segment " + ord + " must be a base64 string, got " + kind(stored));
        }
        try {
            return Base64.getDecoder().decode((String) stored);
        } catch (IllegalArgumentException e) {
            throw new StoredFormatException(document, path, "of segment " + ord + " is not valid base64: " + e.getMessage());
        }
    }

    /**
     * Reads one segment's text (as {@link #toSource} writes it); missing is an error, since a reader that asks for the
     * text would otherwise go on with none.
     *
     * @param prefix the segments' path, for error messages ({@code lloco.segments})
     * @param field the segment's fields by name (its {@code _source})
     */
    public static String segmentText(String document, String prefix, int ord, Function<String, Object> field) {
        String text = new Reader(document, prefix, field).optionalString(TEXT);
        if (text == null) {
            throw new StoredFormatException(document, prefix + "." + TEXT, "of segment " + ord + " is missing" + HIDDEN_HINT);
        }
        return text;
    }

    /**
     * One segment as read back from {@code _source} for its sentences.
     *
     * @param text the segment's text, or null when not fetched (only allowed when it has its sentences)
     * @param sentences its sentences as stored, or null when they were not indexed ({@code index_sentences: false})
     */
    public record SourceSegment(int ord, String text, List<String> sentences) {

        /** Its sentences: as stored, else cut from its text exactly as the processor cuts them. */
        public List<String> sentenceTexts() {
            if (sentences != null) {
                return sentences;
            }
            List<String> out = new ArrayList<>();
            for (int[] span : Segmentation.sentences(text)) {
                out.add(text.substring(span[0], span[1]));
            }
            return out;
        }
    }

    /**
     * Reads the segments of a stored document from its {@code _source} ({@code ord}, {@code text},
     * {@code sentences[].text}, as {@link #toSource} writes them), by ordinal. Every field is checked: the ordinal
     * against the number of segments the header declares (and for duplicates), the text and each sentence for being
     * strings, and a segment needs its sentences or its text to give its sentences.
     *
     * @param target the target field ({@code lloco}; a dotted target is nested objects in {@code _source})
     * @param segments the number of segments the header declares
     * @param source the document's {@code _source} (possibly filtered to those fields), or null when there is none
     */
    public static List<SourceSegment> readSourceSegments(String document, String target, int segments, Map<String, Object> source) {
        Object at = source;
        String walked = null;
        for (String part : target.split("\\.")) {
            if (at == null) {
                break;
            }
            if (at instanceof Map<?, ?> == false) {
                throw new StoredFormatException(document, walked, "must be an object, got " + kind(at));
            }
            at = ((Map<?, ?>) at).get(part);
            walked = walked == null ? part : walked + "." + part;
        }
        if (at != null && at instanceof Map<?, ?> == false) {
            throw new StoredFormatException(document, target, "must be an object, got " + kind(at));
        }
        String segmentsPath = target + "." + SEGMENTS;
        Object list = at == null ? null : ((Map<?, ?>) at).get(SEGMENTS);
        if (list == null) {
            if (segments == 0) {
                return List.of();
            }
            throw new StoredFormatException(document, segmentsPath, "is missing from _source" + HIDDEN_HINT);
        }
        if (list instanceof List<?> == false) {
            throw new StoredFormatException(document, segmentsPath, "must be a list of objects, got " + kind(list));
        }
        List<?> l = (List<?>) list;
        List<SourceSegment> out = new ArrayList<>(l.size());
        Set<Integer> seen = new HashSet<>();
        for (Object o : l) {
            if (o instanceof Map<?, ?> == false) {
                throw new StoredFormatException(document, segmentsPath, "must be a list of objects, holds " + kind(o));
            }
            Map<?, ?> seg = (Map<?, ?>) o;
            Reader r = new Reader(document, segmentsPath, seg::get);
            int ord = r.ord(segments);
            if (seen.add(ord) == false) {
                throw new StoredFormatException(document, segmentsPath + "." + ORD, "holds segment " + ord + " twice");
            }
            String text = r.optionalString(TEXT);
            List<String> sentences = sentencesOf(document, segmentsPath + "." + SENTENCES, ord, seg.get(SENTENCES));
            if (sentences == null && text == null) {
                throw new StoredFormatException(document, segmentsPath + "." + TEXT, "of segment " + ord + " is missing" + HIDDEN_HINT);
            }
            out.add(new SourceSegment(ord, text, sentences));
        }
        out.sort(Comparator.comparingInt(SourceSegment::ord));
        return out;
    }

    private static List<String> sentencesOf(String document, String path, int ord, Object stored) {
        if (stored == null) {
            return null;
        }
        if (stored instanceof List<?> == false) {
            throw new StoredFormatException(document, path, "of segment " + ord + " must be a list of objects, got " + kind(stored));
        }
        List<?> l = (List<?>) stored;
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (o instanceof Map<?, ?> == false) {
                throw new StoredFormatException(document, path, "of segment " + ord + " must be a list of objects, holds " + kind(o));
            }
            Map<?, ?> m = (Map<?, ?>) o;
            String text = new Reader(document, path, m::get).optionalString(TEXT);
            if (text == null) {
                throw new StoredFormatException(document, path + "." + TEXT, "of a sentence of segment " + ord + " is missing");
            }
            out.add(text);
        }
        return out;
    }

    private static final String HIDDEN_HINT = " (not written by the lloco_compress pipeline, or hidden from the asking user by field-level security: asking needs "
        + "read access to it)";

    /** What a mistyped value is, without echoing it (a stored value may be megabytes of base64). */
    private static String kind(Object v) {
        if (v instanceof String s) {
            return "a string of " + s.length() + " characters";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return "[" + v + "]";
        }
        if (v instanceof Map<?, ?>) {
            return "an object";
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        return "a " + v.getClass().getSimpleName();
    }

    /** The JSON-ready map the processor stores under its target field (summaries as base64, as a binary field takes them). */
    public Map<String, Object> toSource() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(MODEL, header.model());
        out.put(FINGERPRINT, header.fingerprint());
        out.put(SOURCE_FIELD, header.sourceField());
        out.put(MODE, header.mode().value());
        out.put(DTYPE, header.dtype().value());
        out.put(TOKENS, header.tokens());
        out.put(SEGMENT_TOKENS, header.segmentTokens());
        out.put(SEGMENT_BOUNDARY, header.segmentBoundary());
        out.put(SUMMARY_LENGTH, header.summaryLength());
        out.put(HIDDEN, header.hidden());
        out.put(SEGMENT_COUNT, segments.size());
        List<Map<String, Object>> segs = new ArrayList<>(segments.size());
        for (Segment s : segments) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(ORD, s.ord());
            m.put(START, s.start());
            m.put(END, s.end());
            m.put(TOKENS, s.tokens());
            m.put(TEXT, s.text());
            if (s.sentences() != null) {
                List<Map<String, Object>> sentences = new ArrayList<>(s.sentences().size());
                for (String t : s.sentences()) {
                    sentences.add(Map.of(TEXT, t));
                }
                m.put(SENTENCES, sentences);
            }
            m.put(SUMMARIES, encodeSummaries(s.summaries()));
            segs.add(m);
        }
        out.put(SEGMENTS, segs);
        return out;
    }

    /** Nested objects this document adds to its index (for {@code index.mapping.nested_objects.limit}). */
    public static long nestedObjects(int segments, long sentences) {
        return segments + sentences;
    }

    /** The boundary value as stored. */
    public static String boundaryValue(Segmentation.Boundary b) {
        return b.value();
    }

    /** Reads typed header/segment fields with errors naming the field. */
    private record Reader(String document, String prefix, Function<String, Object> field) {

        private Object raw(String name) {
            Object v = field.apply(name);
            if (v instanceof List<?> l) {
                // doc values come as lists; a stored document holds one value per field
                if (l.size() > 1) {
                    throw new StoredFormatException(document, path(name), "holds " + l.size() + " values, expected one");
                }
                v = l.isEmpty() ? null : l.get(0);
            }
            return v;
        }

        private String path(String name) {
            return prefix + "." + name;
        }

        String string(String name) {
            String s = optionalString(name);
            if (s == null || s.isEmpty()) {
                throw new StoredFormatException(document, path(name), "is missing");
            }
            return s;
        }

        String optionalString(String name) {
            Object v = raw(name);
            if (v == null) {
                return null;
            }
            if (v instanceof String s) {
                return s;
            }
            throw new StoredFormatException(document, path(name), "must be a string, got [" + v + "]");
        }

        <T> T parsed(String name, java.util.function.BiFunction<String, String, T> parser) {
            String s = string(name);
            try {
                return parser.apply(path(name), s);
            } catch (IllegalArgumentException e) {
                throw new StoredFormatException(document, path(name), e.getMessage().replaceFirst("^\\[[^\\]]*\\] ", ""));
            }
        }

        long integer(String name, long min, long max) {
            Object v = raw(name);
            if (v == null) {
                throw new StoredFormatException(document, path(name), "is missing");
            }
            return bounded(name, v, min, max);
        }

        /** A segment's ordinal: from 0, below the number of segments the header declares. */
        int ord(int segments) {
            return (int) integer(ORD, 0, Math.max(0, segments - 1));
        }

        long optionalInteger(String name, long min, long max, long absent) {
            Object v = raw(name);
            return v == null ? absent : bounded(name, v, min, max);
        }

        private long bounded(String name, Object v, long min, long max) {
            long n;
            if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                n = ((Number) v).longValue();
            } else if (v instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
                n = num.longValue();
            } else {
                throw new StoredFormatException(document, path(name), "must be an integer, got [" + v + "]");
            }
            if (n < min || n > max) {
                throw new StoredFormatException(document, path(name), "must be between " + min + " and " + max + ", got [" + n + "]");
            }
            return n;
        }
    }
}
