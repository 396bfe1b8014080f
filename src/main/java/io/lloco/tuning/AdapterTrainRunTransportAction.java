/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.action.support.IndicesOptions;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.lease.Releasable;
import org.opensearch.common.util.concurrent.AbstractRunnable;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;
import org.opensearch.transport.client.Client;

import io.lloco.adapters.AdapterMeta;
import io.lloco.adapters.AdapterRegistrar;
import io.lloco.common.Admission;
import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.common.ThreadPools;
import io.lloco.decode.DecodeOptions;
import io.lloco.decode.DecodeRequest;
import io.lloco.decode.DecodeService;
import io.lloco.decode.RuntimeDecodeModel;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.qa.LlocoQaTransportAction;
import io.lloco.runtime.lora.LoraConfig;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Projection;
import io.lloco.runtime.train.QaAdapterTrainer;

/**
 * Trains an adapter on this {@code lloco} node, on its own {@value ThreadPools#TRAIN} thread (one training at a time;
 * up to {@code plugins.lloco.train.queue_size} wait, more is a 429): reads the examples as the calling user, holds out
 * {@code eval_fraction} of them (seeded), plans every training question exactly as {@code _lloco_qa} would read it
 * ({@link LlocoQaTransportAction#plan}: the same documents, segments, template and summary budget), trains LoRA on the
 * frozen base with the loss on answer + EOS ({@link QaAdapterTrainer}), registers the adapter ({@code source: train}),
 * evaluates it on the held-out questions against no adapter and stores the figures with it. Cancelling the task stops
 * it before the next step (nothing is registered).
 */
public class AdapterTrainRunTransportAction extends HandledTransportAction<AdapterTrainRequest, AdapterTrainResponse> {

    private static final Logger logger = LogManager.getLogger(AdapterTrainRunTransportAction.class);

    private final Client client;
    private final ClusterService clusterService;
    private final ThreadPool threadPool;
    private final LlocoSettings settings;
    private final AdapterRegistrar registrar;
    private final LlocoQaTransportAction qa;
    private final Admission admission = new Admission();
    private final IndexNameExpressionResolver resolver;

    /** Injected. */
    @Inject
    public AdapterTrainRunTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        Client client,
        ClusterService clusterService,
        ThreadPool threadPool,
        LlocoSettings settings,
        AdapterRegistrar registrar,
        LlocoQaTransportAction qa,
        IndexNameExpressionResolver resolver
    ) {
        super(AdapterTrainRunAction.NAME, transportService, actionFilters, AdapterTrainRequest::new);
        this.resolver = resolver;
        this.client = client;
        this.clusterService = clusterService;
        this.threadPool = threadPool;
        this.settings = settings;
        this.registrar = registrar;
        this.qa = qa;
    }

    /** 429 when this node runs a training and {@code plugins.lloco.train.queue_size} more already wait. */
    void checkAdmission() {
        admission.check(settings.trainQueueSize() + 1, this::queueFull);
    }

    private LlocoException queueFull(int admitted) {
        return new LlocoException(
            "node [" + clusterService.localNode().getName() + "] is training an adapter and " + (admitted - 1)
                + " more wait; retry later or raise [" + LlocoSettings.TRAIN_QUEUE_SIZE.getKey() + "]",
            RestStatus.TOO_MANY_REQUESTS
        );
    }

    @Override
    protected void doExecute(Task task, AdapterTrainRequest request, ActionListener<AdapterTrainResponse> listener) {
        // one training runs and up to plugins.lloco.train.queue_size wait; the place is released exactly once, whichever
        // of the paths below ends the training (a failure of doRun reaches onFailure after doRun's own finally)
        Releasable place;
        try {
            place = admission.admit(settings.trainQueueSize() + 1, this::queueFull);
        } catch (LlocoException e) {
            listener.onFailure(e);
            return;
        }
        TrainTask t = (TrainTask) task;
        try {
            threadPool.executor(ThreadPools.TRAIN).execute(new AbstractRunnable() {

                @Override
                public void onFailure(Exception e) {
                    place.close();
                    listener.onFailure(e);
                }

                @Override
                protected void doRun() throws Exception {
                    AdapterTrainResponse r;
                    try {
                        r = train(t, request);
                    } catch (CancellationException e) {
                        throw new TaskCancelledException(e.getMessage());
                    } finally {
                        place.close();
                    }
                    listener.onResponse(r);
                }

                @Override
                public void onRejection(Exception e) {
                    place.close();
                    listener.onFailure(e);
                }
            });
        } catch (Exception e) {
            place.close();
            listener.onFailure(e);
        }
    }

    private void checkCancelled(TrainTask t) {
        if (t.isCancelled()) {
            throw new TaskCancelledException("training of adapter cancelled: " + t.getReasonCancelled());
        }
    }

    private AdapterTrainResponse train(TrainTask t, AdapterTrainRequest req) throws Exception {
        long started = System.currentTimeMillis();
        TaskId self = new TaskId(clusterService.localNode().getId(), t.getId());
        t.phase("reading_examples");
        List<TrainExample> all = ExampleSource.read(client, req.qa.examplesIndex, req.qa.examples, settings.trainMaxExamples());
        boolean[] held = QaAdapterTrainer.heldOut(all.size(), req.evalFraction, req.seed);
        List<TrainExample> trainSet = new ArrayList<>();
        List<TrainExample> evalSet = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            (held[i] ? evalSet : trainSet).add(all.get(i));
        }
        long steps = trainSteps(req, trainSet.size()); // before any planning: too many steps is a 400 at once
        checkCancelled(t);

        // the template: the request's, else the one the adapter was trained with (retraining a registered name), else
        // the source index's index.lloco.template, else the default; the adapter stores it, so _lloco_qa and _evaluate
        // ask it with that template unless their request names another (it ranks above index.lloco.template there)
        AdapterMeta previous = registrar.store().get(req.name);
        String template = req.qa.template != null ? req.qa.template : previous != null ? previous.template() : null;
        String storedTemplate = template != null ? template : indexTemplate(resolver, clusterService.state(), req.qa.sourceIndex);

        // every training question as _lloco_qa will read it
        t.phase("planning");
        List<DecodeRequest> plans = new ArrayList<>();
        String model = null;
        for (TrainExample e : trainSet) {
            checkCancelled(t);
            PlainActionFuture<DecodeRequest> f = PlainActionFuture.newFuture();
            var q = QaEvaluation.question(e, req.qa.sourceIndex, "none", template, req.qa.maxNewTokens);
            // plan() takes the request as it is: check it as _lloco_qa's transport action would
            var invalid = q.validate();
            if (invalid != null) {
                throw new LlocoException(
                    "question [" + e.question() + "] of document [" + e.docId() + "] cannot be asked as a _lloco_qa question: "
                        + String.join("; ", invalid.validationErrors()),
                    RestStatus.BAD_REQUEST
                );
            }
            q.setParentTask(self);
            qa.plan(t, q, f);
            DecodeRequest d = f.actionGet();
            if (d.options().mode() != DecodeOptions.Mode.LLOCO || d.reads().size() != 1) {
                throw new LlocoException(
                    "question [" + e.question() + "] of document [" + e.docId() + "] is not read from stored summaries (mode ["
                        + d.options().mode().value() + "]); train on documents compressed by lloco_compress",
                    RestStatus.BAD_REQUEST
                );
            }
            if (model != null && model.equals(d.model()) == false) {
                throw new LlocoException(
                    "the documents of [" + req.qa.sourceIndex + "] were compressed by models [" + model + "] and [" + d.model()
                        + "]; an adapter is trained for one base model: train on documents of one model",
                    RestStatus.BAD_REQUEST
                );
            }
            model = d.model();
            plans.add(d);
        }
        ModelService models = registrar.models();
        PlainActionFuture<ModelService.LoadedModel> loaded = PlainActionFuture.newFuture();
        models.whenLoaded(model, loaded);
        if (loaded.actionGet() instanceof RuntimeModel == false) {
            throw new LlocoException("model [" + model + "] cannot be trained on this node", RestStatus.BAD_REQUEST);
        }
        RuntimeModel rm = (RuntimeModel) loaded.actionGet();
        RuntimeDecodeModel dm = new RuntimeDecodeModel(models, rm);
        List<Integer> eos = rm.withModel(m -> m.config().eosTokenIds());
        List<QaAdapterTrainer.Example> examples = new ArrayList<>();
        long summaryPositions = 0;
        for (int i = 0; i < plans.size(); i++) {
            DecodeRequest d = plans.get(i);
            int[] prompt = dm.tokenize(d.prompt());
            DecodeService.SummaryPrefix prefix = DecodeService.plannedPrefix(dm, d, prompt.length);
            int[] answer = dm.tokenize(trainSet.get(i).answer());
            int[] target = eos.isEmpty() ? answer : Arrays.copyOf(answer, answer.length + 1);
            if (eos.isEmpty() == false) {
                target[answer.length] = eos.get(0);
            }
            examples.add(new QaAdapterTrainer.Example(prefix.embeddings(), prompt, target));
            summaryPositions += prefix.embeddings().rows();
        }
        QaAdapterTrainer.Hyper hyper = new QaAdapterTrainer.Hyper(
            steps, req.batchSize, req.learningRate, Math.max(1, steps / 20), req.seed
        );
        EnumSet<Projection> targets = EnumSet.noneOf(Projection.class);
        req.targetModules.forEach(m -> targets.add(Projection.fromModuleName(m)));
        double alpha = Double.isNaN(req.alpha) ? 2.0 * req.r : req.alpha;
        LoraConfig lc = new LoraConfig(req.r, alpha, targets, false, 0.0, model);
        Path dir = registrar.newTempDir("train-");
        try {
            t.step(0, steps, Double.NaN, 0, 0);
            QaAdapterTrainer.Result result = rm.withModel(llama -> {
                try (LoraWeights lora = LoraWeights.initialize(lc, llama.config(), llama.weights().manager(), req.seed)) {
                    QaAdapterTrainer.Result r = QaAdapterTrainer.train(llama, lora, examples, hyper, t::isCancelled, t::step);
                    lora.save(dir);
                    return r;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            checkCancelled(t);
            TrainingFigures training = new TrainingFigures(
                req.qa.sourceIndex,
                storedTemplate,
                req.qa.examplesIndex != null ? req.qa.examplesIndex : "inline",
                trainSet.size(),
                evalSet.size(),
                result.steps(),
                req.batchSize,
                req.learningRate,
                req.seed,
                round(result.firstLoss()),
                round(result.lastLoss()),
                round(result.seconds()),
                round(result.tokens() / Math.max(1e-9, result.seconds())),
                round((double) summaryPositions / Math.max(1, examples.size())),
                clusterService.localNode().getName()
            );
            t.phase("registering");
            AdapterMeta meta = registrar.register(
                new AdapterRegistrar.Request(req.name, dir, model, null, storedTemplate, req.description, "train", training.toMap(), null)
            );
            EvaluationFigures eval = null;
            if (evalSet.isEmpty() == false) {
                t.phase("evaluating");
                eval = QaEvaluation
                    .evaluate(client, self, req.qa.sourceIndex, req.name, evalSet, template, req.qa.maxNewTokens, 0, t::isCancelled);
                meta = registrar.store().updateEval(req.name, meta.version(), eval.toMap());
            }
            logger.info(
                String.format(
                    Locale.ROOT,
                    "trained adapter [%s] version %d on [%s]: %d steps in %.1f s, loss %.4f -> %.4f",
                    req.name,
                    meta.version(),
                    model,
                    result.steps(),
                    result.seconds(),
                    result.firstLoss(),
                    result.lastLoss()
                )
            );
            return new AdapterTrainResponse(meta, training, eval, System.currentTimeMillis() - started);
        } finally {
            registrar.deleteUpload(dir);
        }
    }

    /** How many of {@code examples} examples train (the rest are held out by {@code eval_fraction}, seeded). */
    static int trainCount(AdapterTrainRequest req, int examples) {
        int n = 0;
        for (boolean held : QaAdapterTrainer.heldOut(examples, req.evalFraction, req.seed)) {
            n += held ? 0 : 1;
        }
        return n;
    }

    /**
     * The steps of a training on {@code trainExamples} examples: {@code steps} when given, else {@code epochs} (default 1)
     * passes of ceil(examples / batch_size) steps. More than {@value AdapterTrainRequest#MAX_STEPS} (the bound of
     * {@code steps}) is a 400 naming {@code epochs} and {@code batch_size}, checked once the examples are counted.
     */
    static long trainSteps(AdapterTrainRequest req, int trainExamples) {
        if (req.steps > 0) {
            return req.steps;
        }
        long epochs = Math.max(1, req.epochs);
        long steps = epochs * ((trainExamples + (long) req.batchSize - 1) / req.batchSize);
        if (steps > AdapterTrainRequest.MAX_STEPS) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "[epochs] = %d%s over %d training examples at [batch_size] = %d is %d steps, over the limit of %d: lower [epochs], "
                        + "raise [batch_size] (at most 256), train on fewer examples, or give [steps] instead",
                    epochs,
                    req.epochs == 0 ? " (the default)" : "",
                    trainExamples,
                    req.batchSize,
                    steps,
                    AdapterTrainRequest.MAX_STEPS
                ),
                RestStatus.BAD_REQUEST
            );
        }
        return steps;
    }

    /**
     * The {@code index.lloco.template} of {@code source} (indices, aliases or patterns, comma-separated, resolved as a
     * search resolves them): the value its indices set when they agree on one, else null (none set, none matched, or
     * different ones: the training's questions then say which they used).
     */
    static String indexTemplate(IndexNameExpressionResolver resolver, ClusterState state, String source) {
        Set<String> values = new TreeSet<>();
        for (String index : resolver.concreteIndexNames(state, IndicesOptions.lenientExpandOpen(), source.split(","))) {
            IndexMetadata md = state.metadata().index(index);
            if (md != null) {
                values.add(LlocoSettings.INDEX_TEMPLATE.get(md.getSettings()));
            }
        }
        return values.size() == 1 && values.iterator().next().isEmpty() == false ? values.iterator().next() : null;
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1e4) / 1e4 : Double.NaN;
    }
}
