/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.opensearch.ExceptionsHelper;
import org.opensearch.OpenSearchTimeoutException;
import org.opensearch.action.ActionListenerResponseHandler;
import org.opensearch.action.support.ContextPreservingActionListener;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreakingException;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.concurrency.OpenSearchRejectedExecutionException;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.transport.TransportResponse;
import org.opensearch.transport.ConnectTransportException;
import org.opensearch.transport.NodeDisconnectedException;
import org.opensearch.transport.NodeNotConnectedException;
import org.opensearch.transport.ReceiveTimeoutTransportException;
import org.opensearch.transport.TransportRequest;
import org.opensearch.transport.TransportRequestOptions;
import org.opensearch.transport.TransportService;

import io.lloco.common.LlocoException;

/**
 * Sends model work to a {@code lloco} node: the one with the least outstanding requests from this node (round robin
 * on ties). Retries once on another {@code lloco} node only when the work cannot be running on the first one: the
 * node was unreachable, left or closed (its work died with it), or refused the work before starting it (queue full,
 * circuit breaker, rejected execution, a full disk: 507). A timeout is never retried, so the same question is never decoded twice at
 * once; work that should end after a while is bounded on the {@code lloco} node itself ({@code plugins.lloco.qa.timeout}).
 * With no {@code lloco} node the work runs here when allowed, else 503 naming the setting. One instance per node.
 */
public class InferenceRouter {

    /** Runs work on this node. */
    @FunctionalInterface
    public interface Local<Resp> {

        /** Executes locally. */
        void run(ActionListener<Resp> listener);
    }

    /** Whose identity a routed request carries to the {@code lloco} node. */
    public enum Identity {
        /**
         * The node's: the caller's action has been authorized and its reads ran as the caller; the hop carries only
         * what they returned (internal work: windows, decodes, compression).
         */
        NODE,
        /**
         * The caller's (its thread context goes with the request, as core's forwarding does): the action reads indices
         * on the receiving node and must read them as the caller (a training reads its examples and source index there).
         */
        CALLER
    }

    /** Sends one request to one node (the transport service; tests pass their own). */
    public interface Sender {

        /** Sends {@code request} to {@code node} as this node; {@code timeout} may be null (none). */
        <Resp extends TransportResponse> void send(
            DiscoveryNode node,
            String action,
            TransportRequest request,
            TimeValue timeout,
            Writeable.Reader<Resp> reader,
            ActionListener<Resp> listener
        );

        /**
         * Sends {@code request} to {@code node} with the caller's identity ({@link Identity#CALLER}); no default, so a
         * sender cannot send a caller's request as the node by omission.
         */
        <Resp extends TransportResponse> void sendAsCaller(
            DiscoveryNode node,
            String action,
            TransportRequest request,
            TimeValue timeout,
            Writeable.Reader<Resp> reader,
            ActionListener<Resp> listener
        );
    }

    private final Supplier<ClusterState> state;
    private final Supplier<DiscoveryNode> localNode;
    private final Sender sender;
    private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    // one round-robin position per action: a question sends a window then a decode, so one shared position would move
    // by two per question and send every sequential question of a two-node cluster to the same node
    private final Map<String, AtomicLong> roundRobin = new ConcurrentHashMap<>();

    /** A router for this node (one per node: bound as a singleton by the plugin). */
    @org.opensearch.common.inject.Inject
    public InferenceRouter(ClusterService clusterService, TransportService transportService) {
        this(clusterService::state, clusterService::localNode, transportSender(transportService));
    }

    /** A router over explicit collaborators (tests). */
    public InferenceRouter(Supplier<ClusterState> state, Supplier<DiscoveryNode> localNode, Sender sender) {
        this.state = state;
        this.localNode = localNode;
        this.sender = sender;
    }

    private static TransportRequestOptions options(TimeValue timeout) {
        TransportRequestOptions.Builder options = TransportRequestOptions.builder();
        if (timeout != null) {
            options.withTimeout(timeout);
        }
        return options.build();
    }

    private static Sender transportSender(TransportService transportService) {
        return new Sender() {

            @Override
            public <Resp extends TransportResponse> void send(
                DiscoveryNode node,
                String action,
                TransportRequest request,
                TimeValue timeout,
                Writeable.Reader<Resp> reader,
                ActionListener<Resp> listener
            ) {
                // sent as the node, not the asking user: the user's own action (qa, an ingest pipeline) has been
                // authorized and its searches run as the user; the internal hop carries only what they returned
                ThreadContext threadContext = transportService.getThreadPool().getThreadContext();
                Supplier<ThreadContext.StoredContext> caller = threadContext.newRestorableContext(false);
                try (ThreadContext.StoredContext ignored = threadContext.stashContext()) {
                    transportService.sendRequest(
                        node,
                        action,
                        request,
                        options(timeout),
                        new ActionListenerResponseHandler<>(new ContextPreservingActionListener<>(caller, listener), reader)
                    );
                }
            }

            @Override
            public <Resp extends TransportResponse> void sendAsCaller(
                DiscoveryNode node,
                String action,
                TransportRequest request,
                TimeValue timeout,
                Writeable.Reader<Resp> reader,
                ActionListener<Resp> listener
            ) {
                // the caller's thread context (with the security plugin: its user) goes with the request
                transportService
                    .sendRequest(node, action, request, options(timeout), new ActionListenerResponseHandler<>(listener, reader));
            }
        };
    }

    /** The single eligibility rule: nodes with the {@code lloco} role, sorted by id. */
    public static List<DiscoveryNode> eligible(ClusterState state) {
        List<DiscoveryNode> out = new ArrayList<>();
        for (DiscoveryNode n : state.nodes()) {
            if (LlocoNodeRole.has(n)) {
                out.add(n);
            }
        }
        out.sort(Comparator.comparing(DiscoveryNode::getId));
        return out;
    }

    /**
     * Picks the candidate with the least outstanding work from this node, round robin among ties (one position per
     * {@code action}); null if none.
     */
    public DiscoveryNode choose(String action, List<DiscoveryNode> candidates, Set<String> exclude) {
        List<DiscoveryNode> c = candidates.stream().filter(n -> exclude.contains(n.getId()) == false).toList();
        if (c.isEmpty()) {
            return null;
        }
        int min = Integer.MAX_VALUE;
        List<DiscoveryNode> best = new ArrayList<>();
        for (DiscoveryNode n : c) {
            int o = outstanding(n.getId());
            if (o < min) {
                min = o;
                best.clear();
            }
            if (o == min) {
                best.add(n);
            }
        }
        long turn = roundRobin.computeIfAbsent(action, k -> new AtomicLong()).getAndIncrement();
        return best.get((int) Math.floorMod(turn, (long) best.size()));
    }

    /** Requests this node has in flight to {@code nodeId}. */
    public int outstanding(String nodeId) {
        AtomicInteger a = outstanding.get(nodeId);
        return a == null ? 0 : a.get();
    }

    /**
     * Runs {@code request} on a {@code lloco} node through {@code action} (whose handler must run it locally, because
     * the request is marked routed), or locally when this node is a {@code lloco} node.
     *
     * @param allowLocal whether to run here when the cluster has no {@code lloco} node
     * @param allowLocalSetting the setting to name in the 503
     */
    public <Resp extends TransportResponse> void route(
        String action,
        TransportRequest request,
        Writeable.Reader<Resp> reader,
        TimeValue timeout,
        Local<Resp> local,
        BooleanSupplier allowLocal,
        String allowLocalSetting,
        ActionListener<Resp> listener
    ) {
        route(action, request, reader, timeout, local, allowLocal, allowLocalSetting, Identity.NODE, listener);
    }

    /**
     * {@link #route}, the request sent to another node with {@code identity} ({@link Identity#NODE}: as this node,
     * {@link Identity#CALLER}: as the caller).
     */
    public <Resp extends TransportResponse> void route(
        String action,
        TransportRequest request,
        Writeable.Reader<Resp> reader,
        TimeValue timeout,
        Local<Resp> local,
        BooleanSupplier allowLocal,
        String allowLocalSetting,
        Identity identity,
        ActionListener<Resp> listener
    ) {
        DiscoveryNode self = localNode.get();
        if (LlocoNodeRole.has(self)) {
            local.run(listener);
            return;
        }
        List<DiscoveryNode> nodes = eligible(state.get());
        if (nodes.isEmpty()) {
            if (allowLocal.getAsBoolean()) {
                local.run(listener);
            } else {
                listener.onFailure(
                    new LlocoException(
                        "no node with the [lloco] role is in the cluster and [" + allowLocalSetting
                            + "] is false; start a node with node.roles: [lloco] or set [" + allowLocalSetting + "] to true",
                        RestStatus.SERVICE_UNAVAILABLE
                    )
                );
            }
            return;
        }
        send(action, request, reader, timeout, nodes, Set.of(), identity, listener, true);
    }

    private <Resp extends TransportResponse> void send(
        String action,
        TransportRequest request,
        Writeable.Reader<Resp> reader,
        TimeValue timeout,
        List<DiscoveryNode> nodes,
        Set<String> exclude,
        Identity identity,
        ActionListener<Resp> listener,
        boolean mayRetry
    ) {
        DiscoveryNode target = choose(action, nodes, exclude);
        if (target == null) {
            listener.onFailure(new LlocoException("no other [lloco] node to retry on", RestStatus.SERVICE_UNAVAILABLE));
            return;
        }
        AtomicInteger counter = outstanding.computeIfAbsent(target.getId(), k -> new AtomicInteger());
        counter.incrementAndGet();
        ActionListener<Resp> tracked = ActionListener.wrap(r -> {
            counter.decrementAndGet();
            listener.onResponse(r);
        }, e -> {
            counter.decrementAndGet();
            if (mayRetry && retryable(e)) {
                List<DiscoveryNode> now = eligible(state.get());
                Set<String> ex = new java.util.HashSet<>(exclude);
                ex.add(target.getId());
                if (choose(action, now, ex) != null) {
                    send(action, request, reader, timeout, now, ex, identity, listener, false);
                    return;
                }
            }
            listener.onFailure(e);
        });
        try {
            if (identity == Identity.CALLER) {
                sender.sendAsCaller(target, action, request, timeout, reader, tracked);
            } else {
                sender.send(target, action, request, timeout, reader, tracked);
            }
        } catch (Exception e) {
            tracked.onFailure(e);
        }
    }

    /**
     * Failures worth one retry on another node: those after which the work cannot be running on the first node. A
     * timeout is not one of them (the work may still run there).
     */
    static boolean retryable(Exception e) {
        Throwable t = ExceptionsHelper.unwrapCause(e);
        if (t instanceof ReceiveTimeoutTransportException || t instanceof OpenSearchTimeoutException) {
            return false;
        }
        return t instanceof ConnectTransportException
            || t instanceof NodeDisconnectedException
            || t instanceof NodeNotConnectedException
            || t instanceof CircuitBreakingException
            || t instanceof OpenSearchRejectedExecutionException
            || t instanceof org.opensearch.node.NodeClosedException
            || ExceptionsHelper.status(t) == RestStatus.TOO_MANY_REQUESTS // that node refused it before starting
            || ExceptionsHelper.status(t) == RestStatus.SERVICE_UNAVAILABLE // that node is shutting down or cannot load the model
            || ExceptionsHelper.status(t) == RestStatus.INSUFFICIENT_STORAGE; // that node's disk is full before the work began
    }
}
