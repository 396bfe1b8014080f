/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import org.opensearch.common.lease.Releasable;

import io.lloco.runtime.lora.LoraWeights;
import io.lloco.util.LeasedLru;

/**
 * The LoRA adapters this node holds in memory, for every loaded model: at most
 * {@code plugins.lloco.adapters.cache_size} of them, least recently used evicted first ({@link LeasedLru}). A
 * question leases its adapter for the time it decodes, so an evicted adapter is freed (its native arrays and its
 * memory reservation) only when no decode uses it any more. Entries are keyed by model and by source: a directory
 * ({@code dir:<path>}) or a registry version ({@code registry:<name>@<version>:<blob>}), so a new version of a
 * registry adapter is a new entry and {@link #invalidate} drops the old one.
 */
public final class AdapterCache {

    /** A cache key: the loaded model (by identity) and where the adapter comes from. */
    public record Key(Object model, String source) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.model == model && k.source.equals(source);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(model) * 31 + source.hashCode();
        }
    }

    /**
     * An adapter loaded for a model.
     *
     * @param name the name questions use
     * @param path where its files were read
     * @param weights its matrices, in the model's compute dtype
     * @param reservation its bytes in the memory budget (released when it is freed)
     */
    public record Loaded(String name, String path, LoraWeights weights, Releasable reservation, long parameters, long bytes)
        implements
            AutoCloseable {

        @Override
        public void close() {
            try {
                weights.close();
            } finally {
                reservation.close();
            }
        }
    }

    /** A lease on a loaded adapter: close it when the decode that uses it is done. */
    public interface Lease extends Releasable {

        /** The adapter. */
        Loaded adapter();
    }

    private final LeasedLru<Key, Loaded> lru;

    /** A cache holding at most {@code capacity} adapters (read at every load). */
    public AdapterCache(IntSupplier capacity) {
        this.lru = new LeasedLru<>(capacity, Loaded::close);
    }

    /**
     * A lease on the adapter of {@code source} for {@code model}, loaded from {@code dir} under {@code name} if not held
     * yet. Load failures propagate ({@link RuntimeModel#loadAdapter}).
     */
    public Lease lease(RuntimeModel model, String source, String name, Path dir) {
        LeasedLru<Key, Loaded>.Lease l = lru.acquire(new Key(model, source), k -> model.loadAdapter(name, dir));
        return new Lease() {

            @Override
            public Loaded adapter() {
                return l.value();
            }

            @Override
            public void close() {
                l.close();
            }
        };
    }

    /** Drops every adapter whose source {@code which} accepts (freed when their last lease closes). */
    public void invalidate(java.util.function.Predicate<String> which) {
        lru.invalidate(k -> which.test(k.source()));
    }

    /** Drops every adapter of {@code model} (when the model is unloaded). */
    public void invalidateModel(Object model) {
        lru.invalidate(k -> k.model() == model);
    }

    /** Drops everything. */
    public void clear() {
        lru.clear();
    }

    /** Adapters held for {@code model}, by path. */
    public List<ModelService.AdapterInfo> adapters(Object model) {
        List<ModelService.AdapterInfo> out = new ArrayList<>();
        for (Map.Entry<Key, Loaded> e : lru.snapshot()) {
            if (e.getKey().model() == model) {
                Loaded a = e.getValue();
                out.add(new ModelService.AdapterInfo(a.name(), a.path(), a.parameters(), a.bytes()));
            }
        }
        out.sort(Comparator.comparing(ModelService.AdapterInfo::path));
        return out;
    }

    /** Adapters held now, loads and evictions so far. */
    public Map<String, Object> stats() {
        return Map.of("cached", lru.size(), "loads", lru.loads(), "evictions", lru.evictions());
    }
}
