/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.util.ArrayList;
import java.util.List;

import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;

import io.lloco.common.LlocoSettings;

/** Which indices bind an adapter ({@code index.lloco.adapter}), read from the cluster state. */
public final class Bindings {

    private Bindings() {
    }

    /** The indices whose {@code index.lloco.adapter} is {@code name}, sorted. */
    public static List<String> boundIndices(ClusterState state, String name) {
        List<String> out = new ArrayList<>();
        for (IndexMetadata md : state.metadata().indices().values()) {
            if (name.equals(LlocoSettings.INDEX_ADAPTER.get(md.getSettings()))) {
                out.add(md.getIndex().getName());
            }
        }
        out.sort(String::compareTo);
        return out;
    }
}
