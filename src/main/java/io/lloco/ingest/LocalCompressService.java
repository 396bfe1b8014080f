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

import io.lloco.common.LlocoSettings;
import io.lloco.engine.ModelInfo;
import io.lloco.engine.ModelService;
import io.lloco.engine.SummaryEncoder;

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
                todo.add(i);
                texts.add(text);
            } catch (Exception e) {
                outcomes[i] = new Outcome(null, e);
            }
        }
        if (texts.isEmpty() == false) {
            List<SummaryEncoder.Encoded> enc = m.encode(texts, segmentTokens, job.independent(), job.boundary());
            for (int k = 0; k < todo.size(); k++) {
                outcomes[todo.get(k)] = new Outcome(enc.get(k), null);
            }
        }
        return new Result(info, segmentTokens, nodeId.get(), List.of(outcomes));
    }
}
