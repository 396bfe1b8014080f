/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.mapper.MapperService;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.engine.ModelInfo;
import io.lloco.engine.ModelService;
import io.lloco.engine.SummaryEncoder;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.store.StoredDocument;
import io.lloco.store.SummaryBlock;

/** Compresses on this node, in the calling thread (callers run it on the {@code lloco_compress} pool). */
public class LocalCompressService implements CompressService {

    private final ModelService models;
    private final Supplier<String> nodeId;

    /** Over this node's models; {@code nodeId} names this node in results. */
    public LocalCompressService(ModelService models, Supplier<String> nodeId) {
        this.models = models;
        this.nodeId = nodeId;
    }

    /** Over this node's models, for tests (node id {@code _local}). */
    public LocalCompressService(ModelService models) {
        this(models, () -> "_local");
    }

    @Override
    public boolean knows(String model) {
        return models.knows(model);
    }

    @Override
    public List<String> knownModels() {
        return models.knownModels();
    }

    @Override
    public void compress(Job job, ActionListener<Result> listener) {
        Result result;
        try {
            result = compress(job);
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        listener.onResponse(result);
    }

    /** Synchronous form: loads the model if needed, checks token counts, compresses the documents that pass. */
    public Result compress(Job job) {
        ModelService.LoadedModel m = models.get(job.model());
        ModelInfo info = m.info();
        int segmentTokens = job.segmentTokens() != null ? job.segmentTokens() : info.segmentTokens();
        Outcome[] outcomes = new Outcome[job.texts().size()];
        List<Integer> todo = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            String text = job.texts().get(i);
            try {
                int tokens = m.countTokens(text);
                if (tokens > job.maxTokens()) {
                    throw new IllegalArgumentException(
                        String.format(
                            Locale.ROOT,
                            "field [%s] has %d tokens, over the limit of %d; raise processor property [max_tokens] (bounded by setting [%s]) or split the text",
                            job.field(),
                            tokens,
                            job.maxTokens(),
                            LlocoSettings.INGEST_MAX_TOKENS.getKey()
                        )
                    );
                }
                if (job.maxNestedObjects() > 0) {
                    checkNestedObjects(m, text, segmentTokens, job);
                }
                todo.add(i);
                texts.add(text);
            } catch (Exception e) {
                outcomes[i] = new Outcome(null, e);
            }
        }
        if (texts.isEmpty() == false) {
            List<SummaryEncoder.Encoded> enc = m.encode(texts, segmentTokens, job.independent(), job.boundary());
            for (int k = 0; k < todo.size(); k++) {
                outcomes[todo.get(k)] = finite(info, job.field(), enc.get(k));
            }
        }
        return new Result(info, segmentTokens, nodeId.get(), List.of(outcomes));
    }

    /**
     * Refuses, before compression, a document whose segments and sentences would exceed the target index's
     * {@code index.mapping.nested_objects.limit} (indexing would fail only after the whole compression ran).
     */
    private static void checkNestedObjects(ModelService.LoadedModel m, String text, int segmentTokens, Job job) {
        List<int[]> spans = m.segmentSpans(text, segmentTokens, job.boundary());
        long sentences = 0;
        if (job.indexSentences()) {
            for (int[] span : spans) {
                sentences += Segmentation.sentences(text.substring(span[0], span[1])).size();
            }
        }
        long nested = StoredDocument.nestedObjects(spans.size(), sentences);
        if (nested > job.maxNestedObjects()) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "field [%s] would be stored as %d segments%s = %d nested objects, over the target index's limit of %d; "
                        + "raise the index setting [%s], use longer segments ([segment_tokens]), set [index_sentences] to false, "
                        + "or split the text",
                    job.field(),
                    spans.size(),
                    job.indexSentences() ? " + " + sentences + " sentences" : "",
                    nested,
                    job.maxNestedObjects(),
                    MapperService.INDEX_MAPPING_NESTED_DOCS_LIMIT_SETTING.getKey()
                ),
                RestStatus.BAD_REQUEST
            );
        }
    }

    /** The document's outcome: its compressed form, or a 500 when the model produced a NaN or infinite summary value. */
    private static Outcome finite(ModelInfo info, String field, SummaryEncoder.Encoded enc) {
        for (int k = 0; k < enc.segments().size(); k++) {
            float[] v = enc.segments().get(k).summaries();
            int bad = SummaryBlock.firstNonFinite(v);
            if (bad >= 0) {
                return new Outcome(
                    null,
                    new LlocoException(
                        String.format(
                            Locale.ROOT,
                            "model [%s] produced a %s summary value for segment %d of field [%s] (row %d): nothing was stored; "
                                + "its activations overflowed (try [plugins.lloco.dtype] float32) or its weights are corrupt",
                            info.id(),
                            Float.isNaN(v[bad]) ? "NaN" : "infinite",
                            k,
                            field,
                            bad / info.hidden()
                        ),
                        RestStatus.INTERNAL_SERVER_ERROR
                    )
                );
            }
        }
        return new Outcome(enc, null);
    }
}
