/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.opensearch.OpenSearchTimeoutException;
import org.opensearch.Version;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.node.DiscoveryNodeRole;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.breaker.CircuitBreakingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.transport.TransportResponse;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.transport.NodeDisconnectedException;
import org.opensearch.transport.ReceiveTimeoutTransportException;
import org.opensearch.transport.TransportRequest;

import io.lloco.common.LlocoException;

/**
 * The router over a fake transport: least outstanding node first, one retry elsewhere only when the work cannot be
 * running on the first node (disconnected, queue full, breaker), never after a timeout (no duplicate decode), and the
 * local fallback or a 503 naming the setting when there is no {@code lloco} node.
 */
public class InferenceRouterTests extends OpenSearchTestCase {

    /** A response carrying the node that produced it. */
    static final class Answer extends TransportResponse {

        final String node;

        Answer(String node) {
            this.node = node;
        }

        Answer(StreamInput in) throws java.io.IOException {
            this.node = in.readString();
        }

        @Override
        public void writeTo(StreamOutput out) throws java.io.IOException {
            out.writeString(node);
        }
    }

    /** A transport that records sends and answers each from a per-node script. */
    static final class FakeSender implements InferenceRouter.Sender {

        final List<String> sentTo = new ArrayList<>();
        /** The identity of each send, in order: node or caller. */
        final List<InferenceRouter.Identity> identities = new ArrayList<>();
        final Map<String, Exception> failures;
        final List<ActionListener<?>> held = new ArrayList<>();
        boolean hold;

        FakeSender(Map<String, Exception> failures) {
            this.failures = failures;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <Resp extends TransportResponse> void send(
            DiscoveryNode node,
            String action,
            TransportRequest request,
            TimeValue timeout,
            Writeable.Reader<Resp> reader,
            ActionListener<Resp> listener
        ) {
            identities.add(InferenceRouter.Identity.NODE);
            send(node, listener);
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
            identities.add(InferenceRouter.Identity.CALLER);
            send(node, listener);
        }

        @SuppressWarnings("unchecked")
        private <Resp extends TransportResponse> void send(DiscoveryNode node, ActionListener<Resp> listener) {
            sentTo.add(node.getName());
            if (hold) {
                held.add(listener);
                return;
            }
            Exception e = failures.get(node.getName());
            if (e != null) {
                listener.onFailure(e);
            } else {
                listener.onResponse((Resp) new Answer(node.getName()));
            }
        }
    }

    private static DiscoveryNode node(String name, boolean lloco) {
        Set<DiscoveryNodeRole> roles = lloco ? Set.of(LlocoNodeRole.INSTANCE) : Set.of(DiscoveryNodeRole.DATA_ROLE);
        return new DiscoveryNode(
            name, name + "-id", new TransportAddress(TransportAddress.META_ADDRESS, 9300 + Math.floorMod(name.hashCode(), 600)), Map.of(),
            roles, Version.CURRENT
        );
    }

    private static ClusterState state(DiscoveryNode local, DiscoveryNode... others) {
        DiscoveryNodes.Builder b = DiscoveryNodes.builder().add(local).localNodeId(local.getId());
        for (DiscoveryNode n : others) {
            b.add(n);
        }
        return ClusterState.builder(new ClusterName("t")).nodes(b).build();
    }

    private static Object route(InferenceRouter router, boolean allowLocal) {
        return route(router, "cluster:internal/lloco/test", allowLocal);
    }

    private static Object route(InferenceRouter router, String action, boolean allowLocal) {
        AtomicReference<Object> out = new AtomicReference<>();
        router.route(
            action,
            new TransportRequest.Empty(),
            Answer::new,
            null,
            l -> l.onResponse(new Answer("local")),
            () -> allowLocal,
            "plugins.lloco.qa.allow_local",
            ActionListener.wrap(r -> out.set(((Answer) r).node), out::set)
        );
        return out.get();
    }

    public void testARequestGoesAsTheNodeUnlessItMustReadAsTheCaller() {
        DiscoveryNode local = node("data", false);
        DiscoveryNode a = node("a", true);
        DiscoveryNode b = node("b", true);
        FakeSender sender = new FakeSender(
            Map.of("a", new NodeDisconnectedException(a, "test"), "b", new NodeDisconnectedException(b, "test"))
        );
        InferenceRouter router = new InferenceRouter(() -> state(local, a, b), () -> local, sender);
        assertTrue(route(router, false) instanceof NodeDisconnectedException);
        assertEquals(List.of(InferenceRouter.Identity.NODE, InferenceRouter.Identity.NODE), sender.identities);
        sender.identities.clear();
        AtomicReference<Object> out = new AtomicReference<>();
        router.route(
            "cluster:admin/lloco/test",
            new TransportRequest.Empty(),
            Answer::new,
            null,
            l -> l.onResponse(new Answer("local")),
            () -> false,
            "plugins.lloco.qa.allow_local",
            InferenceRouter.Identity.CALLER,
            ActionListener.wrap(r -> out.set(r.node), out::set)
        );
        assertTrue(String.valueOf(out.get()), out.get() instanceof NodeDisconnectedException);
        // the retry on the other node keeps the caller's identity too
        assertEquals(List.of(InferenceRouter.Identity.CALLER, InferenceRouter.Identity.CALLER), sender.identities);
    }

    public void testAFailureBeforeTheWorkStartedIsRetriedOnceElsewhere() {
        DiscoveryNode local = node("data", false);
        DiscoveryNode a = node("a", true);
        DiscoveryNode b = node("b", true);
        for (Exception before : List.of(
            new NodeDisconnectedException(a, "test"),
            new LlocoException("queue full", RestStatus.TOO_MANY_REQUESTS),
            new LlocoException("no space left on that node", RestStatus.INSUFFICIENT_STORAGE),
            new CircuitBreakingException("breaker", CircuitBreaker.Durability.TRANSIENT)
        )) {
            FakeSender sender = new FakeSender(Map.of("a", before));
            InferenceRouter router = new InferenceRouter(() -> state(local, a, b), () -> local, sender);
            Object first = route(router, false);
            if (sender.sentTo.get(0).equals("a")) {
                assertEquals(before.toString(), List.of("a", "b"), sender.sentTo);
                assertEquals("b", first);
            } else {
                assertEquals(List.of("b"), sender.sentTo); // round robin sent it to b first
            }
        }
    }

    public void testATimeoutIsNeverRetriedSoNoQuestionIsDecodedTwice() {
        DiscoveryNode local = node("data", false);
        DiscoveryNode a = node("a", true);
        DiscoveryNode b = node("b", true);
        for (Exception timeout : List.<Exception>of(
            new ReceiveTimeoutTransportException(a, "cluster:internal/lloco/test", "timed out"),
            new OpenSearchTimeoutException("timed out")
        )) {
            FakeSender sender = new FakeSender(Map.of("a", timeout, "b", timeout));
            InferenceRouter router = new InferenceRouter(() -> state(local, a, b), () -> local, sender);
            Object r = route(router, false);
            assertSame(timeout, r);
            assertEquals(1, sender.sentTo.size());
        }
    }

    public void testOnlyOneRetry() {
        DiscoveryNode local = node("data", false);
        DiscoveryNode a = node("a", true);
        DiscoveryNode b = node("b", true);
        DiscoveryNode c = node("c", true);
        Exception gone = new NodeDisconnectedException(a, "test");
        FakeSender sender = new FakeSender(Map.of("a", gone, "b", gone, "c", gone));
        InferenceRouter router = new InferenceRouter(() -> state(local, a, b, c), () -> local, sender);
        assertSame(gone, route(router, false));
        assertEquals(2, sender.sentTo.size());
    }

    public void testTheLeastBusyNodeIsChosen() {
        DiscoveryNode local = node("data", false);
        DiscoveryNode a = node("a", true);
        DiscoveryNode b = node("b", true);
        FakeSender sender = new FakeSender(Map.of());
        sender.hold = true;
        InferenceRouter router = new InferenceRouter(() -> state(local, a, b), () -> local, sender);
        route(router, false);
        route(router, false);
        route(router, false);
        // two in flight on different nodes, the third goes to either; never three on one
        assertEquals(Set.of("a", "b"), Set.copyOf(sender.sentTo.subList(0, 2)));
        assertEquals(3, router.outstanding("a-id") + router.outstanding("b-id"));
        assertEquals(1, Math.abs(router.outstanding("a-id") - router.outstanding("b-id")));
    }

    public void testSequentialQuestionsOfTwoStepsAlternateNodes() {
        // a question routes a window, then a decode; asked one after the other, questions must spread over the nodes
        DiscoveryNode local = node("data", false);
        DiscoveryNode a = node("a", true);
        DiscoveryNode b = node("b", true);
        FakeSender sender = new FakeSender(Map.of());
        InferenceRouter router = new InferenceRouter(() -> state(local, a, b), () -> local, sender);
        List<String> decodedOn = new ArrayList<>();
        for (int q = 0; q < 4; q++) {
            route(router, "cluster:internal/lloco/window", false);
            decodedOn.add((String) route(router, "cluster:internal/lloco/decode", false));
        }
        assertEquals(List.of("a", "b", "a", "b"), decodedOn);
    }

    public void testNoLlocoNodeRunsLocallyOrIs503NamingTheSetting() {
        DiscoveryNode local = node("data", false);
        FakeSender sender = new FakeSender(Map.of());
        InferenceRouter router = new InferenceRouter(() -> state(local), () -> local, sender);
        assertEquals("local", route(router, true));
        Object r = route(router, false);
        assertTrue(r instanceof LlocoException);
        assertEquals(RestStatus.SERVICE_UNAVAILABLE, ((LlocoException) r).status());
        assertTrue(((Exception) r).getMessage().contains("plugins.lloco.qa.allow_local"));
        assertTrue(sender.sentTo.isEmpty());
    }

    public void testALlocoNodeRunsItsOwnWork() {
        DiscoveryNode local = node("l", true);
        DiscoveryNode other = node("o", true);
        FakeSender sender = new FakeSender(Map.of());
        InferenceRouter router = new InferenceRouter(() -> state(local, other), () -> local, sender);
        assertEquals("local", route(router, false));
        assertTrue(sender.sentTo.isEmpty());
    }
}
