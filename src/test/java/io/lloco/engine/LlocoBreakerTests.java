/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.List;

import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.breaker.CircuitBreakingException;
import org.opensearch.indices.breaker.BreakerSettings;
import org.opensearch.indices.breaker.HierarchyCircuitBreakerService;
import org.opensearch.monitor.jvm.JvmInfo;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.MemoryLimit;

/**
 * Model bytes are off-heap: reserving several times the heap in the {@code lloco} breaker must leave OpenSearch's heap
 * breakers (the parent, and the {@code request} breaker the lead uses for questions) untouched, in both parent modes.
 */
public class LlocoBreakerTests extends OpenSearchTestCase {

    private static HierarchyCircuitBreakerService service(boolean realMemory, BreakerSettings lloco) {
        Settings s = Settings.builder().put(HierarchyCircuitBreakerService.USE_REAL_MEMORY_USAGE_SETTING.getKey(), realMemory).build();
        return new HierarchyCircuitBreakerService(s, List.of(lloco), new ClusterSettings(s, ClusterSettings.BUILT_IN_CLUSTER_SETTINGS));
    }

    private static MemoryBudget budget(CircuitBreaker breaker) {
        return new MemoryBudget(() -> MemoryLimit.parse("1pb", "plugins.lloco.memory.limit"), d -> 1L << 50, 0, breaker);
    }

    public void testReservingMoreThanTheHeapNeverTripsTheHeapBreakers() {
        long heap = JvmInfo.jvmInfo().getMem().getHeapMax().getBytes();
        for (boolean realMemory : new boolean[]{true, false}) {
            HierarchyCircuitBreakerService cbs = service(realMemory, MemoryBudget.breakerSettings());
            CircuitBreaker lloco = cbs.getBreaker(MemoryBudget.BREAKER);
            MemoryBudget memory = budget(lloco);
            memory.syncBreakerLimit(List.of("cpu"), MemoryLimit.parse("1pb", "x"));
            MemoryBudget.Reservation r = memory.reserve("cpu", 4 * heap, "a model four times the heap");
            assertEquals(4 * heap, lloco.getUsed());
            assertEquals(1L << 50, lloco.getLimit());
            assertEquals(0.0, lloco.getOverhead(), 0.0);
            // a heap allocation still goes through: the parent does not see our bytes
            CircuitBreaker request = cbs.getBreaker(CircuitBreaker.REQUEST);
            request.addEstimateBytesAndMaybeBreak(1024, "a question");
            request.addWithoutBreaking(-1024);
            assertTrue("parent estimate excludes model bytes", cbs.stats().getStats(CircuitBreaker.PARENT).getEstimated() < heap);
            assertEquals(4 * heap, cbs.stats().getStats(MemoryBudget.BREAKER).getEstimated());
            r.close();
            r.close();
            assertEquals(0, lloco.getUsed());
        }
    }

    public void testTheSameBytesWithOverheadOneWouldTripTheParent() {
        // the check can fail: a breaker with the default overhead (1.0) holding the same bytes blocks every request
        long heap = JvmInfo.jvmInfo().getMem().getHeapMax().getBytes();
        HierarchyCircuitBreakerService cbs = service(false, new BreakerSettings(MemoryBudget.BREAKER, -1, 1.0));
        budget(cbs.getBreaker(MemoryBudget.BREAKER)).reserve("cpu", 4 * heap, "a model four times the heap");
        expectThrows(CircuitBreakingException.class, () -> cbs.getBreaker(CircuitBreaker.REQUEST).addEstimateBytesAndMaybeBreak(1024, "q"));
    }
}
