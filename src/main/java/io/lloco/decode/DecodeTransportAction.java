/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;
import org.opensearch.transport.TransportService;

/** Queues a question on this node's decoder (the coordinating node already chose this node). */
public class DecodeTransportAction extends HandledTransportAction<DecodeRequest, DecodeResponse> {

    private final DecodeService decoder;

    /** Injected. */
    @Inject
    public DecodeTransportAction(TransportService transportService, ActionFilters actionFilters, DecodeService decoder) {
        super(DecodeAction.NAME, transportService, actionFilters, DecodeRequest::new);
        this.decoder = decoder;
    }

    @Override
    protected void doExecute(Task task, DecodeRequest request, ActionListener<DecodeResponse> listener) {
        decoder.submit(request, task instanceof CancellableTask c ? c : null, listener);
    }
}
