/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.ArrayList;
import java.util.List;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.tasks.Task;
import org.opensearch.transport.TransportService;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.common.TaskStartedResponse;
import io.lloco.routing.InferenceRouter;

/**
 * Starts a training on a {@code lloco} node (this one when it is one, else one the router picks; this node when the
 * cluster has none and {@code plugins.lloco.qa.allow_local} allows it): there, the training task
 * ({@link AdapterTrainRunAction}) is registered and the answer is its id at once. The caller's read access to the
 * source and examples indices is checked first (a search as the caller), and the request goes on to the {@code lloco}
 * node with the caller's identity, where the training reads both as the caller.
 */
public class AdapterTrainTransportAction extends HandledTransportAction<AdapterTrainRequest, TaskStartedResponse> {

    private static final Logger logger = LogManager.getLogger(AdapterTrainTransportAction.class);

    private final NodeClient client;
    private final ClusterService clusterService;
    private final InferenceRouter router;
    private final LlocoSettings settings;
    private final AdapterTrainRunTransportAction runner;

    /** Injected. */
    @Inject
    public AdapterTrainTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        NodeClient client,
        ClusterService clusterService,
        InferenceRouter router,
        LlocoSettings settings,
        AdapterTrainRunTransportAction runner
    ) {
        super(AdapterTrainAction.NAME, transportService, actionFilters, AdapterTrainRequest::new);
        this.client = client;
        this.clusterService = clusterService;
        this.router = router;
        this.settings = settings;
        this.runner = runner;
    }

    @Override
    protected void doExecute(Task task, AdapterTrainRequest request, ActionListener<TaskStartedResponse> listener) {
        if (request.qa.examplesIndex == null) {
            // inline examples: their count is known here, so too many steps (epochs x examples / batch_size) is a 400 to
            // _train itself; examples read from an index are counted, and checked the same way, when the training starts
            try {
                AdapterTrainRunTransportAction.trainSteps(
                    request,
                    AdapterTrainRunTransportAction.trainCount(request, request.qa.examples.size())
                );
            } catch (LlocoException e) {
                listener.onFailure(e);
                return;
            }
        }
        // the caller must be able to read what the training reads: a search of the source and examples indices as the
        // caller, before any task starts, so a missing permission (403) or index (404) is the answer to _train itself
        // and not a failed task; the training then reads both as the caller again (sent on with the caller's identity)
        List<String> indices = new ArrayList<>();
        indices.add(request.qa.sourceIndex);
        if (request.qa.examplesIndex != null) {
            indices.add(request.qa.examplesIndex);
        }
        SearchRequest check = new SearchRequest(indices.toArray(String[]::new)).source(
            new SearchSourceBuilder().size(0).trackTotalHits(false).query(QueryBuilders.matchAllQuery())
        );
        check.setParentTask(clusterService.localNode().getId(), task.getId());
        client.search(check, ActionListener.wrap(readable -> start(request, listener), listener::onFailure));
    }

    private void start(AdapterTrainRequest request, ActionListener<TaskStartedResponse> listener) {
        router.route(AdapterTrainAction.NAME, request, TaskStartedResponse::new, null, l -> {
            try {
                runner.checkAdmission(); // a full queue is a 429 to the caller, not a failed task
                Task started = client.executeLocally(
                    AdapterTrainRunAction.INSTANCE,
                    request.forRun(),
                    ActionListener.wrap(
                        r -> logger.info("training of adapter [{}] done", request.name()),
                        e -> logger.warn("training of adapter [" + request.name() + "] failed", e)
                    )
                );
                l.onResponse(new TaskStartedResponse(new TaskId(clusterService.localNode().getId(), started.getId())));
            } catch (Exception e) {
                l.onFailure(e);
            }
        }, settings::qaAllowLocal, LlocoSettings.QA_ALLOW_LOCAL.getKey(), InferenceRouter.Identity.CALLER, listener);
    }
}
