/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import org.opensearch.Version;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.metadata.Metadata;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.test.OpenSearchTestCase;

/**
 * The template a training stores when its request names none: the source's {@code index.lloco.template}, with the
 * source resolved as a search resolves it (patterns and lists too).
 */
public class IndexTemplateTests extends OpenSearchTestCase {

    private static IndexMetadata index(String name, String template) {
        Settings.Builder s = Settings.builder()
            .put(IndexMetadata.SETTING_VERSION_CREATED, Version.CURRENT)
            .put(IndexMetadata.SETTING_NUMBER_OF_SHARDS, 1)
            .put(IndexMetadata.SETTING_NUMBER_OF_REPLICAS, 0);
        if (template != null) {
            s.put("index.lloco.template", template);
        }
        return IndexMetadata.builder(name).settings(s).build();
    }

    public void testPatternsListsAndNamesResolveAsASearchDoes() {
        Metadata md = Metadata.builder()
            .put(index("books-1", "lookup"), false)
            .put(index("books-2", "lookup"), false)
            .put(index("other", "needle"), false)
            .put(index("plain", null), false)
            .build();
        ClusterState state = ClusterState.builder(new ClusterName("t")).metadata(md).build();
        IndexNameExpressionResolver r = new IndexNameExpressionResolver(new ThreadContext(Settings.EMPTY));
        assertEquals("lookup", AdapterTrainRunTransportAction.indexTemplate(r, state, "books*"));
        assertEquals("lookup", AdapterTrainRunTransportAction.indexTemplate(r, state, "books-1"));
        assertEquals("lookup", AdapterTrainRunTransportAction.indexTemplate(r, state, "books-1,books-2"));
        assertNull("the indices disagree", AdapterTrainRunTransportAction.indexTemplate(r, state, "books*,other"));
        assertNull("none set", AdapterTrainRunTransportAction.indexTemplate(r, state, "plain"));
        assertNull("nothing matches", AdapterTrainRunTransportAction.indexTemplate(r, state, "nothing*"));
    }
}
