/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.List;

import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.util.concurrent.AbstractRunnable;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;
import org.opensearch.transport.client.Client;

import io.lloco.adapters.AdapterMeta;
import io.lloco.adapters.AdapterRegistrar;
import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;

/**
 * Evaluates a registered adapter on the receiving node (on the generic pool; its questions decode on {@code lloco}
 * nodes as any {@code _lloco_qa} does): the figures side by side, with the adapter's version. Its
 * {@link EvaluateTask} shows the phase and how many examples each side has answered; cancelling it stops it before
 * the next question (and cancels the question under way). Run in the background
 * ({@link AdapterEvaluateRequest#inBackground}), the caller is answered with the task's id once the adapter is found
 * and the examples are read, so that an unknown adapter or unreadable examples are the answer to the call itself.
 */
public class AdapterEvaluateTransportAction extends HandledTransportAction<AdapterEvaluateRequest, AdapterEvaluateResponse> {

    private final Client client;
    private final ClusterService clusterService;
    private final ThreadPool threadPool;
    private final LlocoSettings settings;
    private final AdapterRegistrar registrar;

    /** Injected. */
    @Inject
    public AdapterEvaluateTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        Client client,
        ClusterService clusterService,
        ThreadPool threadPool,
        LlocoSettings settings,
        AdapterRegistrar registrar
    ) {
        super(AdapterEvaluateAction.NAME, transportService, actionFilters, AdapterEvaluateRequest::new);
        this.client = client;
        this.clusterService = clusterService;
        this.threadPool = threadPool;
        this.settings = settings;
        this.registrar = registrar;
    }

    @Override
    protected void doExecute(Task task, AdapterEvaluateRequest request, ActionListener<AdapterEvaluateResponse> listener) {
        threadPool.generic().execute(new AbstractRunnable() {

            @Override
            public void onFailure(Exception e) {
                listener.onFailure(e);
            }

            @Override
            protected void doRun() throws Exception {
                EvaluateTask progress = task instanceof EvaluateTask t ? t : null;
                if (progress != null) {
                    progress.phase("reading_examples");
                }
                AdapterMeta meta = registrar.store().get(request.name);
                if (meta == null) {
                    throw new LlocoException("adapter [" + request.name + "] is not registered", RestStatus.NOT_FOUND);
                }
                List<TrainExample> examples = ExampleSource.read(
                    client,
                    request.qa.examplesIndex,
                    request.qa.examples,
                    settings.trainMaxExamples()
                );
                if (progress != null) {
                    progress.examples(examples.size());
                }
                TaskId parent = new TaskId(clusterService.localNode().getId(), task.getId());
                request.begun(parent); // in the background, the caller is answered with the task's id now
                EvaluationFigures eval = QaEvaluation.evaluate(
                    client,
                    parent,
                    request.qa.sourceIndex,
                    request.name,
                    examples,
                    request.qa.template,
                    request.qa.maxNewTokens,
                    request.sample,
                    () -> task instanceof CancellableTask c && c.isCancelled(),
                    progress != null ? progress : QaEvaluation.Progress.NONE
                );
                if (progress != null) {
                    progress.phase("done");
                }
                listener.onResponse(new AdapterEvaluateResponse(request.name, meta.version(), request.qa.sourceIndex, eval));
            }
        });
    }
}
