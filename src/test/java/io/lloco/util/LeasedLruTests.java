/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.opensearch.test.OpenSearchTestCase;

public class LeasedLruTests extends OpenSearchTestCase {

    /** A value that records whether it was closed. */
    static final class Res {

        final String key;
        int closes;

        Res(String key) {
            this.key = key;
        }
    }

    public void testEvictsLeastRecentlyUsedAndClosesOnlyUnleasedValuesOnce() {
        AtomicInteger capacity = new AtomicInteger(2);
        List<Res> closed = new ArrayList<>();
        LeasedLru<String, Res> lru = new LeasedLru<>(capacity::get, r -> {
            r.closes++;
            closed.add(r);
        });
        LeasedLru<String, Res>.Lease a = lru.acquire("a", Res::new);
        lru.acquire("b", Res::new).close();
        a.close();
        lru.acquire("a", k -> {
            throw new AssertionError("cached");
        }).close(); // a is now the most recent
        LeasedLru<String, Res>.Lease c = lru.acquire("c", Res::new); // evicts b
        assertEquals(List.of("b"), closed.stream().map(r -> r.key).toList());
        assertTrue(lru.contains("a"));
        assertFalse(lru.contains("b"));
        assertEquals(3, lru.loads());
        assertEquals(1, lru.evictions());
        // a leased value that is evicted stays open until its lease closes
        LeasedLru<String, Res>.Lease a2 = lru.acquire("a", k -> {
            throw new AssertionError("cached");
        });
        c.close();
        capacity.set(1);
        LeasedLru<String, Res>.Lease d = lru.acquire("d", Res::new); // evicts a (leased) and c
        assertEquals(List.of("b", "c"), closed.stream().map(r -> r.key).toList());
        Res aValue = a2.value();
        assertEquals(0, aValue.closes);
        a2.close();
        a2.close(); // idempotent
        assertEquals(1, aValue.closes);
        d.close();
        lru.clear();
        assertEquals(List.of("b", "c", "a", "d"), closed.stream().map(r -> r.key).toList());
        assertEquals(0, lru.size());
    }

    public void testInvalidateDropsMatchingKeysAndAFailedLoadIsNotCached() {
        List<String> closed = new ArrayList<>();
        LeasedLru<String, Res> lru = new LeasedLru<>(() -> 10, r -> closed.add(r.key));
        lru.acquire("x@1", Res::new).close();
        lru.acquire("x@2", Res::new).close();
        lru.acquire("y@1", Res::new).close();
        lru.invalidate(k -> k.startsWith("x@") && k.equals("x@2") == false);
        assertEquals(List.of("x@1"), closed);
        IllegalStateException e = expectThrows(IllegalStateException.class, () -> lru.acquire("z", k -> {
            throw new IllegalStateException("bad adapter");
        }));
        assertEquals("bad adapter", e.getMessage());
        assertFalse(lru.contains("z"));
        lru.acquire("z", Res::new).close(); // tried again
        assertTrue(lru.contains("z"));
    }

    public void testConcurrentCallersShareOneLoad() throws Exception {
        LeasedLru<String, Res> lru = new LeasedLru<>(() -> 4, r -> {
        });
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        lru.beforeAwaitingLoad(waiting::countDown);
        AtomicInteger loads = new AtomicInteger();
        AtomicReference<Res> first = new AtomicReference<>();
        AtomicReference<Res> second = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (LeasedLru<String, Res>.Lease l = lru.acquire("k", k -> {
                loads.incrementAndGet();
                loading.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return new Res(k);
            })) {
                first.set(l.value());
            }
        });
        t.start();
        assertTrue(loading.await(30, TimeUnit.SECONDS));
        Thread waiter = new Thread(() -> {
            try (LeasedLru<String, Res>.Lease l = lru.acquire("k", k -> {
                loads.incrementAndGet();
                return new Res(k);
            })) {
                second.set(l.value());
            }
        });
        waiter.start();
        try {
            // the waiter found the load in flight and is about to wait for it: only then may the load finish
            assertTrue(waiting.await(30, TimeUnit.SECONDS));
        } finally {
            release.countDown();
        }
        t.join();
        waiter.join();
        assertNotNull(first.get());
        assertSame(first.get(), second.get());
        assertEquals(1, loads.get());
        assertEquals(1, lru.loads());
    }
}
