/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.util;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * A least-recently-used cache of values that hold resources (native memory), handed out as leases. At most
 * {@code capacity} values stay cached (read at every insertion, so a lower capacity applies at the next load); the least
 * recently leased one is evicted first. A value is closed exactly once, when it has left the cache (evicted,
 * invalidated or cleared) <em>and</em> its last lease is closed: eviction never frees a value a caller is still using.
 * Concurrent callers for the same absent key share one load; a failed load is not cached (its callers all see the
 * error; the next call tries again). Thread-safe; the loader and the closer run outside the lock.
 *
 * @param <K> keys (equality-based)
 * @param <V> values
 */
public final class LeasedLru<K, V> {

    private final IntSupplier capacity;
    private final Consumer<V> closer;
    private final LinkedHashMap<K, Entry<K, V>> cached = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<K, CompletableFuture<Entry<K, V>>> loading = new HashMap<>();
    private long loads;
    private long evictions;
    private volatile Runnable beforeAwaitingLoad = () -> {
    };

    /** One cached value and its leases. */
    private static final class Entry<K, V> {

        final K key;
        final V value;
        int leases;
        boolean gone;
        boolean closed;

        Entry(K key, V value) {
            this.key = key;
            this.value = value;
        }
    }

    /** A lease on a cached value: use {@link #value()} until {@link #close()} (idempotent). */
    public final class Lease implements AutoCloseable {

        private final Entry<K, V> entry;
        private boolean released;

        private Lease(Entry<K, V> entry) {
            this.entry = entry;
        }

        /** The leased value (valid until this lease is closed). */
        public V value() {
            return entry.value;
        }

        /** The key it was leased under. */
        public K key() {
            return entry.key;
        }

        @Override
        public void close() {
            boolean close = false;
            synchronized (LeasedLru.this) {
                if (released) {
                    return;
                }
                released = true;
                entry.leases--;
                if (entry.leases == 0 && entry.gone && entry.closed == false) {
                    entry.closed = true;
                    close = true;
                }
            }
            if (close) {
                closer.accept(entry.value);
            }
        }
    }

    /**
     * @param capacity values kept cached (at least 1 is assumed), read at every insertion
     * @param closer frees a value once it has left the cache and is no longer leased
     */
    public LeasedLru(IntSupplier capacity, Consumer<V> closer) {
        this.capacity = capacity;
        this.closer = closer;
    }

    /**
     * For tests: {@code hook} runs on a caller that found another caller's load of its key in flight, just before it
     * waits for that load (so a test can tell the caller is sharing the load).
     */
    void beforeAwaitingLoad(Runnable hook) {
        this.beforeAwaitingLoad = hook;
    }

    /**
     * A lease on {@code key}'s value, loading it with {@code loader} if it is not cached (concurrent callers share the
     * load). The loader's exception propagates to every caller waiting for that load; nothing is cached then.
     */
    public Lease acquire(K key, Function<K, V> loader) {
        while (true) {
            CompletableFuture<Entry<K, V>> pending;
            boolean mine = false;
            synchronized (this) {
                Entry<K, V> e = cached.get(key);
                if (e != null) {
                    e.leases++;
                    return new Lease(e);
                }
                pending = loading.get(key);
                if (pending == null) {
                    pending = new CompletableFuture<>();
                    loading.put(key, pending);
                    mine = true;
                }
            }
            if (mine == false) {
                beforeAwaitingLoad.run();
                try {
                    pending.join();
                } catch (CompletionException ce) {
                    Throwable c = ce.getCause();
                    throw c instanceof RuntimeException re ? re : new IllegalStateException(c);
                }
                continue; // loaded by another caller: lease it (or load again if it was evicted meanwhile)
            }
            V value;
            try {
                value = loader.apply(key);
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    loading.remove(key);
                }
                pending.completeExceptionally(e);
                throw e;
            }
            Entry<K, V> e = new Entry<>(key, value);
            e.leases = 1;
            List<Entry<K, V>> evicted = new ArrayList<>();
            synchronized (this) {
                loading.remove(key);
                cached.put(key, e);
                loads++;
                int keep = Math.max(1, capacity.getAsInt());
                Iterator<Entry<K, V>> it = cached.values().iterator();
                while (cached.size() > keep && it.hasNext()) {
                    Entry<K, V> old = it.next();
                    if (old == e) {
                        continue;
                    }
                    it.remove();
                    evictions++;
                    retire(old, evicted);
                }
            }
            pending.complete(e);
            evicted.forEach(x -> closer.accept(x.value));
            return new Lease(e);
        }
    }

    /** Takes every cached value whose key matches out of the cache (each closed once no lease holds it). */
    public void invalidate(Predicate<K> which) {
        List<Entry<K, V>> closeNow = new ArrayList<>();
        synchronized (this) {
            Iterator<Entry<K, V>> it = cached.values().iterator();
            while (it.hasNext()) {
                Entry<K, V> e = it.next();
                if (which.test(e.key)) {
                    it.remove();
                    retire(e, closeNow);
                }
            }
        }
        closeNow.forEach(x -> closer.accept(x.value));
    }

    /** Takes every value out of the cache. */
    public void clear() {
        invalidate(k -> true);
    }

    private void retire(Entry<K, V> e, List<Entry<K, V>> closeNow) {
        e.gone = true;
        if (e.leases == 0 && e.closed == false) {
            e.closed = true;
            closeNow.add(e);
        }
    }

    /** The cached keys and values, least recently used first (a snapshot; values may be closed after it is taken). */
    public synchronized List<Map.Entry<K, V>> snapshot() {
        List<Map.Entry<K, V>> out = new ArrayList<>();
        cached.values().forEach(e -> out.add(Map.entry(e.key, e.value)));
        return out;
    }

    /** Values cached now. */
    public synchronized int size() {
        return cached.size();
    }

    /** Loads done so far. */
    public synchronized long loads() {
        return loads;
    }

    /** Values evicted for capacity so far. */
    public synchronized long evictions() {
        return evictions;
    }

    /** Whether {@code key} is cached now (without touching its recency). */
    public synchronized boolean contains(K key) {
        for (K k : cached.keySet()) {
            if (k.equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** How many cached values are leased now (values that left the cache are closed by their last lease). */
    public synchronized int leased() {
        int n = 0;
        for (Entry<K, V> e : cached.values()) {
            n += e.leases > 0 ? 1 : 0;
        }
        return n;
    }
}
