/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.ingest.AbstractBatchingProcessor;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.engine.ModelInfo;
import io.lloco.engine.SummaryEncoder;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.store.CompressionMode;
import io.lloco.store.StoredDocument;
import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;

/**
 * {@code lloco_compress}: compresses a long text field into per-segment summary embeddings, stored under
 * {@code target_field} (see {@code docs/ingest.md} for the stored layout and the mapping). Bulk requests are compressed
 * {@code batch_size} documents per model call; a bad document fails alone, the others are indexed.
 */
public final class LlocoCompressProcessor extends AbstractBatchingProcessor {

    /** Processor type. */
    public static final String TYPE = "lloco_compress";

    /** Processor configuration, already validated by the factory. */
    public record Config(
        String field,
        String targetField,
        String model,
        Integer segmentTokens,
        CompressionMode mode,
        Segmentation.Boundary boundary,
        SummaryDtype storage,
        Integer maxTokens,
        Long maxBytes,
        boolean ignoreMissing,
        boolean indexSentences) {
    }

    private final Config config;
    private final CompressService compressor;
    private final Executor executor;
    private final IntSupplier nodeMaxTokens;
    private final LongSupplier nodeMaxBytes;
    private final ToLongFunction<String> nestedObjectsLimit;

    LlocoCompressProcessor(
        String tag,
        String description,
        int batchSize,
        Config config,
        CompressService compressor,
        Executor executor,
        IntSupplier nodeMaxTokens,
        LongSupplier nodeMaxBytes,
        ToLongFunction<String> nestedObjectsLimit
    ) {
        super(tag, description, batchSize);
        this.config = config;
        this.compressor = compressor;
        this.executor = executor;
        this.nodeMaxTokens = nodeMaxTokens;
        this.nodeMaxBytes = nodeMaxBytes;
        this.nestedObjectsLimit = nestedObjectsLimit;
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
        long nestedLimit = Long.MAX_VALUE;
        int maxTokens = config.maxTokens() != null ? Math.min(config.maxTokens(), nodeMaxTokens.getAsInt()) : nodeMaxTokens.getAsInt();
        for (IngestDocumentWrapper w : docs) {
            try {
                String text = readText(w.getIngestDocument());
                if (text == null) {
                    continue; // ignore_missing
                }
                todo.add(w);
                texts.add(text);
                // the documents of one batch may go to different indices: the strictest limit applies to all
                nestedLimit = Math.min(nestedLimit, nestedObjectsLimit.applyAsLong(indexOf(w.getIngestDocument())));
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
            config.mode() == CompressionMode.INDEPENDENT,
            config.boundary(),
            maxTokens,
            nestedLimit == Long.MAX_VALUE ? 0 : nestedLimit,
            config.indexSentences()
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
            long maxBytes = config.maxBytes() != null ? Math.min(config.maxBytes(), nodeMaxBytes.getAsLong()) : nodeMaxBytes.getAsLong();
            long bytes = utf8Length(s, maxBytes);
            if (bytes > maxBytes) {
                throw new IllegalArgumentException(
                    "field [" + config.field() + "] has " + (bytes == Long.MAX_VALUE ? "over " + maxBytes : bytes)
                        + " bytes (UTF-8), over the limit of "
                        + maxBytes + "; raise processor property [max_bytes] (bounded by setting ["
                        + LlocoSettings.INGEST_MAX_BYTES.getKey() + "]) or split the text"
                );
            }
            if (s.chars().allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c))) {
                throw new IllegalArgumentException(
                    "field [" + config.field() + "] is empty (only spaces or control characters); there is nothing to compress"
                );
            }
            return s;
        }
        throw new IllegalArgumentException(
            "field [" + config.field() + "] must be a string to compress, got [" + value.getClass().getSimpleName() + "]"
        );
    }

    /**
     * UTF-8 length of {@code s} (an unpaired surrogate counts 3 bytes, as it is written); stops counting past {@code limit}
     * and answers {@link Long#MAX_VALUE} when a string longer than {@code limit} characters is sure to be over it.
     */
    static long utf8Length(String s, long limit) {
        if (s.length() > limit) {
            return Long.MAX_VALUE;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** The index a document goes to ({@code _index}), or null. */
    private static String indexOf(IngestDocument doc) {
        Object index = doc.getSourceAndMetadata().get(IngestDocument.Metadata.INDEX.getFieldName());
        return index == null ? null : index.toString();
    }

    private Map<String, Object> stored(ModelInfo info, int segmentTokens, String text, SummaryEncoder.Encoded enc) {
        List<StoredDocument.Segment> segs = new ArrayList<>(enc.segments().size());
        int ord = 0;
        for (SummaryEncoder.Segment s : enc.segments()) {
            if (config.storage() == SummaryDtype.FLOAT16) {
                int over = SummaryBlock.firstOverHalfRange(s.summaries());
                if (over >= 0) {
                    throw new LlocoException(
                        String.format(
                            Locale.ROOT,
                            "segment %d of field [%s]: summary value %s (row %d) is beyond float16's range; set the processor's [storage] to [float32]",
                            ord,
                            config.field(),
                            s.summaries()[over],
                            over / info.hidden()
                        ),
                        RestStatus.BAD_REQUEST
                    );
                }
            }
            String segText = text.substring(s.startChar(), s.endChar());
            List<String> sentences = null;
            if (config.indexSentences()) {
                // one nested object per sentence, so _lloco_qa can rank a segment by its best-matching sentence
                sentences = new ArrayList<>();
                for (int[] span : Segmentation.sentences(segText)) {
                    sentences.add(segText.substring(span[0], span[1]));
                }
            }
            segs.add(
                new StoredDocument.Segment(
                    ord++,
                    s.startChar(),
                    s.endChar(),
                    s.tokens(),
                    segText,
                    sentences,
                    SummaryBlock.toBytes(s.summaries(), config.storage())
                )
            );
        }
        StoredDocument.Header header = new StoredDocument.Header(
            info.id(),
            info.fingerprint(),
            config.field(),
            config.mode(),
            config.storage(),
            enc.tokens(),
            segmentTokens,
            config.boundary().value(),
            info.summaryLength(),
            info.hidden(),
            segs.size()
        );
        return new StoredDocument(header, segs).toSource();
    }
}
