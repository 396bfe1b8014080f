/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * No longer used: {@link ModelService} keeps the node's models (states, bytes, adapters) and the info and models APIs
 * read it. Kept so that callers of the old {@code ModelService(configDir, dataDir, loader, registry)} constructor still
 * compile.
 */
public class ModelRegistry {

    /** What is known about one loaded model or adapter. */
    public record Loaded(String id, String kind, String path, long parameters, long bytes) {
    }

    private final Map<String, Loaded> models = new ConcurrentHashMap<>();
    private final Map<String, Loaded> adapters = new ConcurrentHashMap<>();

    /** Records a loaded model. */
    public void modelLoaded(Loaded m) {
        models.put(m.id(), m);
    }

    /** Records a loaded adapter. */
    public void adapterLoaded(Loaded a) {
        adapters.put(a.id(), a);
    }

    /** Loaded models sorted by id. */
    public List<Loaded> models() {
        return models.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
    }

    /** Loaded adapters sorted by id. */
    public List<Loaded> adapters() {
        return adapters.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
    }
}
