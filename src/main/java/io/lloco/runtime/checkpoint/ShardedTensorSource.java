/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** One {@link TensorSource} over several shards, routed by a {@code weight_map} (tensor name to shard). */
public final class ShardedTensorSource implements TensorSource {

    private final String description;
    private final Map<String, TensorSource> byName;
    private final List<TensorSource> shards;

    /**
     * @param description names the index file in error messages
     * @param byName tensor name to the shard holding it
     * @param shards every shard, closed with this source
     */
    public ShardedTensorSource(String description, Map<String, TensorSource> byName, List<TensorSource> shards) {
        this.description = description;
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
        this.shards = List.copyOf(shards);
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public long[] shape(String name) throws IOException {
        return route(name).shape(name);
    }

    @Override
    public HostTensor get(String name) throws IOException {
        return route(name).get(name);
    }

    @Override
    public void readFloats(String name, long offset, int count, java.nio.ByteBuffer out) throws IOException {
        route(name).readFloats(name, offset, count, out);
    }

    private TensorSource route(String name) throws CheckpointException {
        TensorSource s = byName.get(name);
        if (s == null) {
            throw new CheckpointException(String.format(Locale.ROOT, "sharded checkpoint [%s] has no tensor [%s]", description, name));
        }
        return s;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (TensorSource s : shards) {
            try {
                s.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
