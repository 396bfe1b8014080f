/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.List;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.action.support.ContextPreservingActionListener;
import org.opensearch.action.support.ThreadedActionListener;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;

/**
 * The plugin's {@link CompressService}: model ids are checked against this node's models (the model directory must be
 * present on every ingest node; it is only listed here, never loaded, while the cluster has a {@code lloco} node), and
 * every batch goes through {@link CompressAction}, whose router runs it on a {@code lloco} node. Results are handed
 * back to the ingest pipeline on the generic pool, never on a transport thread. One instance per node.
 */
public class RoutedCompressService implements CompressService {

    private static final Logger logger = LogManager.getLogger(RoutedCompressService.class);

    private final LocalCompressService local;
    private final Client client;
    private final ThreadPool threadPool;

    /** Routes through {@code client} (the node client); {@code local} runs batches that land on this node. */
    public RoutedCompressService(LocalCompressService local, Client client, ThreadPool threadPool) {
        this.local = local;
        this.client = client;
        this.threadPool = threadPool;
    }

    /** The service that compresses on this node. */
    public LocalCompressService local() {
        return local;
    }

    @Override
    public boolean knows(String model) {
        return local.knows(model);
    }

    @Override
    public List<String> knownModels() {
        return local.knownModels();
    }

    @Override
    public void compress(Job job, ActionListener<Result> listener) {
        ActionListener<Result> onGeneric = new ThreadedActionListener<>(logger, threadPool, ThreadPool.Names.GENERIC, listener, true);
        // executed as the node: the user's bulk or index request has been authorized (write on the index); the
        // internal compress action needs no permission of its own (docs/security.md); the caller's context comes back
        // for the listener
        ThreadContext threadContext = threadPool.getThreadContext();
        Supplier<ThreadContext.StoredContext> caller = threadContext.newRestorableContext(false);
        try (ThreadContext.StoredContext ignored = threadContext.stashContext()) {
            client.execute(
                CompressAction.INSTANCE,
                new CompressRequest(job, false),
                new ContextPreservingActionListener<>(caller, ActionListener.map(onGeneric, CompressResponse::result))
            );
        }
    }
}
