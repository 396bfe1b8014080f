/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.nio.file.Path;

import org.opensearch.action.ActionRunnable;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

/**
 * Registers an adapter on the node that receives the request (its config directory for {@code path}, its copy of the
 * base model for the checks), on the generic pool: files found or written, checked, stored ({@link AdapterRegistrar}).
 */
public class AdapterPutTransportAction extends HandledTransportAction<AdapterPutRequest, AdapterResponse> {

    private final AdapterRegistrar registrar;
    private final ClusterService clusterService;
    private final ThreadPool threadPool;

    /** Injected. */
    @Inject
    public AdapterPutTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        AdapterRegistrar registrar,
        ClusterService clusterService,
        ThreadPool threadPool
    ) {
        super(AdapterPutAction.NAME, transportService, actionFilters, AdapterPutRequest::new, ThreadPool.Names.GENERIC);
        this.registrar = registrar;
        this.clusterService = clusterService;
        this.threadPool = threadPool;
    }

    @Override
    protected void doExecute(Task task, AdapterPutRequest request, ActionListener<AdapterResponse> listener) {
        // blocking reads and writes of the registry index: never on the caller's (transport or REST) thread
        threadPool.generic().execute(ActionRunnable.wrap(listener, l -> respond(request, l)));
    }

    private void respond(AdapterPutRequest request, ActionListener<AdapterResponse> listener) {
        Path upload = null;
        try {
            Path dir;
            String source;
            if (request.path() != null) {
                dir = registrar.configPath(request.path());
                source = "path";
            } else {
                upload = registrar.writeUpload(request.adapterConfig(), request.weights(), request.weightsFormat());
                dir = upload;
                source = "upload";
            }
            AdapterMeta meta = registrar.register(
                new AdapterRegistrar.Request(
                    request.name(),
                    dir,
                    request.baseModel(),
                    request.baseFingerprint(),
                    request.template(),
                    request.description(),
                    source,
                    null,
                    null
                )
            );
            listener.onResponse(
                new AdapterResponse(
                    meta.version() == 1 ? "created" : "updated", meta, Bindings.boundIndices(clusterService.state(), meta.name())
                )
            );
        } catch (Exception e) {
            listener.onFailure(e);
        } finally {
            registrar.deleteUpload(upload);
        }
    }
}
