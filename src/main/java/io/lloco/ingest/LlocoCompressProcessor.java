/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import org.opensearch.core.action.ActionListener;
import org.opensearch.ingest.AbstractBatchingProcessor;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;

import io.lloco.engine.ModelInfo;
import io.lloco.engine.SummaryEncoder;
import io.lloco.runtime.compress.Segmentation;

/**
 * {@code lloco_compress}: compresses a long text field into per-segment summary embeddings, stored under
 * {@code target_field} (see {@code docs/ingest.md} for the stored layout and the mapping). Bulk requests are compressed
 * {@code batch_size} documents per model call; a bad document fails alone, the others are indexed.
 */
public final class LlocoCompressProcessor extends AbstractBatchingProcessor {

    /** Processor type. */
    public static final String TYPE = "lloco_compress";

    /** Compression modes. */
    public enum Mode {

        /** Each segment sees the summaries of all earlier segments (as the released LLoCO adapters expect). */
        ACCUMULATE,
        /** Each segment is compressed alone (segment-level retrieval, re-finetuned adapters). */
        INDEPENDENT;

        /** Name as written in configs and documents. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a mode; the error lists the accepted values. */
        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.value().equals(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown mode [" + s + "]; use [accumulate] or [independent]");
        }
    }

    /** Processor configuration, already validated by the factory. */
    public record Config(
        String field,
        String targetField,
        String model,
        Integer segmentTokens,
        Mode mode,
        Segmentation.Boundary boundary,
        SummaryCodec.Dtype storage,
        Integer maxTokens,
        boolean ignoreMissing,
        boolean indexSentences) {
    }

    private final Config config;
    private final CompressService compressor;
    private final Executor executor;
    private final IntSupplier nodeMaxTokens;

    LlocoCompressProcessor(
        String tag,
        String description,
        int batchSize,
        Config config,
        CompressService compressor,
        Executor executor,
        IntSupplier nodeMaxTokens
    ) {
        super(tag, description, batchSize);
        this.config = config;
        this.compressor = compressor;
        this.executor = executor;
        this.nodeMaxTokens = nodeMaxTokens;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    /** The validated configuration. */
    public Config config() {
        return config;
    }

    @Override
    public IngestDocument execute(IngestDocument ingestDocument) {
        throw new UnsupportedOperationException("[" + TYPE + "] runs asynchronously only");
    }

    @Override
    public void execute(IngestDocument doc, BiConsumer<IngestDocument, Exception> handler) {
        IngestDocumentWrapper w = new IngestDocumentWrapper(0, 0, doc, null);
        subBatchExecute(List.of(w), done -> handler.accept(w.getException() == null ? w.getIngestDocument() : null, w.getException()));
    }

    @Override
    protected void subBatchExecute(List<IngestDocumentWrapper> docs, Consumer<List<IngestDocumentWrapper>> handler) {
        try {
            executor.execute(() -> compressBatch(docs, handler));
        } catch (Exception e) {
            for (IngestDocumentWrapper w : docs) {
                w.update(w.getIngestDocument(), e);
            }
            handler.accept(docs);
        }
    }

    private void compressBatch(List<IngestDocumentWrapper> docs, Consumer<List<IngestDocumentWrapper>> handler) {
        List<IngestDocumentWrapper> todo = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        int maxTokens = config.maxTokens() != null ? Math.min(config.maxTokens(), nodeMaxTokens.getAsInt()) : nodeMaxTokens.getAsInt();
        for (IngestDocumentWrapper w : docs) {
            try {
                String text = readText(w.getIngestDocument());
                if (text == null) {
                    continue; // ignore_missing
                }
                todo.add(w);
                texts.add(text);
            } catch (Exception e) {
                w.update(w.getIngestDocument(), e);
            }
        }
        if (todo.isEmpty()) {
            handler.accept(docs);
            return;
        }
        CompressService.Job job = new CompressService.Job(
            config.model(),
            config.field(),
            texts,
            config.segmentTokens(),
            config.mode() == Mode.INDEPENDENT,
            config.boundary(),
            maxTokens
        );
        ActionListener<CompressService.Result> listener = ActionListener.wrap(result -> {
            for (int i = 0; i < todo.size(); i++) {
                IngestDocumentWrapper w = todo.get(i);
                CompressService.Outcome o = result.outcomes().get(i);
                try {
                    if (o.error() != null) {
                        throw o.error();
                    }
                    w.getIngestDocument()
                        .setFieldValue(config.targetField(), stored(result.info(), result.segmentTokens(), texts.get(i), o.encoded()));
                } catch (Exception e) {
                    w.update(w.getIngestDocument(), e);
                }
            }
            handler.accept(docs);
        }, e -> {
            for (IngestDocumentWrapper w : todo) {
                w.update(w.getIngestDocument(), e);
            }
            handler.accept(docs);
        });
        try {
            compressor.compress(job, listener);
        } catch (Exception e) {
            listener.onFailure(e);
        }
    }

    /** The text to compress, null to skip (ignore_missing), or an exception naming the problem. */
    private String readText(IngestDocument doc) {
        if (doc.hasField(config.field(), true) == false) {
            if (config.ignoreMissing()) {
                return null;
            }
            throw new IllegalArgumentException("field [" + config.field() + "] not present as part of path [" + config.field() + "]");
        }
        Object value = doc.getFieldValue(config.field(), Object.class, config.ignoreMissing());
        if (value == null) {
            if (config.ignoreMissing()) {
                return null;
            }
            throw new IllegalArgumentException("field [" + config.field() + "] is null");
        }
        if (value instanceof String s) {
            if (s.isBlank()) {
                throw new IllegalArgumentException("field [" + config.field() + "] is empty; there is nothing to compress");
            }
            return s;
        }
        throw new IllegalArgumentException(
            "field [" + config.field() + "] must be a string to compress, got [" + value.getClass().getSimpleName() + "]"
        );
    }

    private Map<String, Object> stored(ModelInfo info, int segmentTokens, String text, SummaryEncoder.Encoded enc) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", info.id());
        out.put("fingerprint", info.fingerprint());
        out.put("source_field", config.field());
        out.put("mode", config.mode().value());
        out.put("dtype", config.storage().value());
        out.put("tokens", enc.tokens());
        out.put("segment_tokens", segmentTokens);
        out.put("segment_boundary", config.boundary().value());
        out.put("summary_length", info.summaryLength());
        out.put("hidden", info.hidden());
        out.put("segment_count", enc.segments().size());
        List<Map<String, Object>> segs = new ArrayList<>(enc.segments().size());
        int ord = 0;
        for (SummaryEncoder.Segment s : enc.segments()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ord", ord++);
            m.put("start", s.startChar());
            m.put("end", s.endChar());
            m.put("tokens", s.tokens());
            String segText = text.substring(s.startChar(), s.endChar());
            m.put("text", segText);
            if (config.indexSentences()) {
                // one nested object per sentence, so _lloco_qa can rank a segment by its best-matching sentence
                List<Map<String, Object>> sentences = new ArrayList<>();
                for (int[] span : Segmentation.sentences(segText)) {
                    sentences.add(Map.of("text", segText.substring(span[0], span[1])));
                }
                m.put("sentences", sentences);
            }
            m.put("summaries", SummaryCodec.encode(s.summaries(), config.storage()));
            segs.add(m);
        }
        out.put("segments", segs);
        return out;
    }
}
