/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;

import io.lloco.adapters.LocalAdapters;
import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.engine.AdapterCache;
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

/**
 * {@link DecodeModel} over a {@link RuntimeModel} of this node's {@link ModelService}. Adapters come from the registry
 * (prepared on this node by {@link LocalAdapters}) or, for names the registry does not hold, from the node's config
 * and the model's own folder; either way through the node's {@link AdapterCache}, leased for the time a question
 * decodes.
 */
public final class RuntimeDecodeModel implements DecodeModel {

    private final ModelService models;
    private final LocalAdapters registry;
    private final RuntimeModel model;

    /** Decodes with {@code model}, resolving adapters through {@code registry} (null: directories only) and {@code models}. */
    public RuntimeDecodeModel(ModelService models, LocalAdapters registry, RuntimeModel model) {
        this.models = models;
        this.registry = registry;
        this.model = model;
    }

    /** Decodes with {@code model}, adapters from directories only. */
    public RuntimeDecodeModel(ModelService models, RuntimeModel model) {
        this(models, null, model);
    }

    /**
     * A {@link ModelSource} over {@code models}: {@link ModelService#whenLoaded} starts or joins the model's one load
     * on the node's loading pool and hands the model over when ready (at once when loaded), so no caller waits; with an
     * adapter, {@code registry} first makes it ready on this node.
     */
    public static ModelSource source(ModelService models, LocalAdapters registry) {
        return new ModelSource() {

            @Override
            public void acquire(String id, ActionListener<DecodeModel> listener) {
                models.whenLoaded(id, ActionListener.wrap(loaded -> {
                    if (loaded instanceof RuntimeModel == false) {
                        throw new LlocoException("model [" + id + "] cannot decode on this node", RestStatus.BAD_REQUEST);
                    }
                    listener.onResponse(new RuntimeDecodeModel(models, registry, (RuntimeModel) loaded));
                }, listener::onFailure));
            }

            @Override
            public void acquire(String id, String adapter, ActionListener<DecodeModel> listener) {
                if (registry == null) {
                    acquire(id, listener);
                    return;
                }
                registry.prepare(adapter, ActionListener.wrap(ready -> acquire(id, listener), listener::onFailure));
            }
        };
    }

    /** {@link #source(ModelService, LocalAdapters)} without a registry. */
    public static ModelSource source(ModelService models) {
        return source(models, null);
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
        LocalAdapters.Resolved reg = registry == null ? null : registry.resolved(used);
        if (reg != null) {
            String fp = model.info().fingerprint();
            if (reg.meta().fingerprint().equals(fp) == false) {
                throw new LlocoException(
                    String.format(
                        Locale.ROOT,
                        "adapter [%s] (version %d) was registered for base model [%s] with fingerprint [%s], but the question is read "
                            + "with model [%s] of fingerprint [%s]: bind an adapter trained on this model ([%s]), or re-register or "
                            + "retrain [%s] on it",
                        used,
                        reg.meta().version(),
                        reg.meta().baseModel(),
                        reg.meta().fingerprint(),
                        model.info().id(),
                        fp,
                        LlocoSettings.INDEX_ADAPTER.getKey(),
                        used
                    ),
                    RestStatus.BAD_REQUEST
                );
            }
            AdapterCache.Lease lease = lease(used, reg.cacheSource(), reg.dir());
            return new Adapter(used, lease.adapter().weights(), reg.meta().template(), "registry version " + reg.meta().version(), lease);
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
        AdapterCache.Lease lease = lease(used, "dir:" + dir.toAbsolutePath().normalize(), dir);
        return new Adapter(used, lease.adapter().weights(), manifest.template(), dir.resolve(AdapterManifest.FILE).toString(), lease);
    }

    private AdapterCache.Lease lease(String name, String source, Path dir) {
        try {
            return models.adapterCache().lease(model, source, name, dir);
        } catch (UncheckedIOException e) {
            throw new LlocoException(
                "adapter [" + name + "] cannot be applied to model [" + model.info().id() + "]: " + e.getCause().getMessage(),
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
