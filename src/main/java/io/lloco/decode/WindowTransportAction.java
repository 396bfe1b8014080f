/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.tasks.Task;
import org.opensearch.transport.TransportService;

import io.lloco.common.ThreadPools;

/** Computes a question's window on this node (its model loaded here), on the QA pool: the tokenizer never runs on a transport thread. */
public class WindowTransportAction extends HandledTransportAction<WindowRequest, WindowResponse> {

    private final DecodeService decoder;

    /** Injected. */
    @Inject
    public WindowTransportAction(TransportService transportService, ActionFilters actionFilters, DecodeService decoder) {
        super(WindowAction.NAME, transportService, actionFilters, WindowRequest::new, ThreadPools.QA);
        this.decoder = decoder;
    }

    @Override
    protected void doExecute(Task task, WindowRequest request, ActionListener<WindowResponse> listener) {
        decoder.window(request, listener);
    }
}
