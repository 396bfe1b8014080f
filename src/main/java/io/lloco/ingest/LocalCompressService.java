package io.lloco.ingest;

import java.util.List;

import org.opensearch.core.action.ActionListener;

import io.lloco.engine.ModelInfo;
import io.lloco.engine.ModelService;
import io.lloco.engine.SummaryEncoder;

/** Compresses on this node, in the calling thread (the processor already runs on the {@code lloco_compress} pool). */
public class LocalCompressService implements CompressService {

    private final ModelService models;

    /** Over this node's models. */
    public LocalCompressService(ModelService models) {
        this.models = models;
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
    public ModelInfo info(String model) {
        return models.get(model).info();
    }

    @Override
    public int countTokens(String model, String text) {
        return models.get(model).countTokens(text);
    }

    @Override
    public void compress(
        String model,
        List<String> texts,
        int segmentTokens,
        boolean independent,
        ActionListener<List<SummaryEncoder.Encoded>> listener
    ) {
        List<SummaryEncoder.Encoded> out;
        try {
            out = models.get(model).encode(texts, segmentTokens, independent);
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        listener.onResponse(out);
    }
}
