/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;
import io.lloco.engine.ModelInfo;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Hypothesis;
import io.lloco.runtime.lora.AdapterManifest;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;

/** {@link DecodeModel} over a {@link RuntimeModel} of this node's {@link ModelService}. */
public final class RuntimeDecodeModel implements DecodeModel {

    private final ModelService models;
    private final RuntimeModel model;

    /** Decodes with {@code model}, resolving adapters through {@code models}. */
    public RuntimeDecodeModel(ModelService models, RuntimeModel model) {
        this.models = models;
        this.model = model;
    }

    /**
     * A {@link ModelSource} over {@code models}: {@link ModelService#whenLoaded} starts or joins the model's one load
     * on the node's loading pool and hands the model over when ready (at once when loaded), so no caller waits.
     */
    public static ModelSource source(ModelService models) {
        return (id, listener) -> models.whenLoaded(id, ActionListener.wrap(loaded -> {
            if (loaded instanceof RuntimeModel == false) {
                throw new LlocoException("model [" + id + "] cannot decode on this node", RestStatus.BAD_REQUEST);
            }
            listener.onResponse(new RuntimeDecodeModel(models, (RuntimeModel) loaded));
        }, listener::onFailure));
    }

    @Override
    public ModelInfo info() {
        return model.info();
    }

    @Override
    public int[] tokenize(String text) {
        return model.tokenize(text);
    }

    @Override
    public Adapter adapter(String name) {
        String used = name;
        if (DecodeService.MODEL_DEFAULT_ADAPTER.equals(used)) {
            used = models.hasModelAdapter(model.info().id(), "default") ? "default" : null;
        }
        if (used == null) {
            return Adapter.NONE;
        }
        Path dir = models.adapterDir(model.info().id(), used);
        AdapterManifest manifest;
        try {
            manifest = AdapterManifest.read(dir);
        } catch (CheckpointException e) {
            throw new LlocoException("adapter [" + used + "]: " + e.getMessage(), RestStatus.BAD_REQUEST, e);
        } catch (IOException e) {
            throw new LlocoException(
                "adapter [" + used + "]: cannot read [" + dir.resolve(AdapterManifest.FILE) + "]: " + e,
                RestStatus.INTERNAL_SERVER_ERROR,
                e
            );
        }
        try {
            return new Adapter(used, model.adapter(dir), manifest.template(), dir.resolve(AdapterManifest.FILE).toString());
        } catch (UncheckedIOException e) {
            throw new LlocoException(
                "adapter [" + used + "] cannot be applied to model [" + model.info().id() + "]: " + e.getCause().getMessage(),
                RestStatus.BAD_REQUEST,
                e
            );
        }
    }

    @Override
    public List<GenerationResult> generate(List<GenerationRequest> requests, List<BooleanSupplier> cancelled) {
        return model.generate(requests, cancelled);
    }

    @Override
    public List<Hypothesis> beamSearch(GenerationRequest request, int beams, BooleanSupplier cancelled) {
        return model.beamSearch(request, beams, cancelled);
    }

    @Override
    public double[] rank(Embeddings prefix, int[] prompt, List<String> continuations, LoraWeights adapter) {
        return model.rank(prefix, prompt, continuations, adapter);
    }

}
