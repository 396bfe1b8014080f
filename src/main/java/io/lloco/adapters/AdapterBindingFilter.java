/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.admin.indices.settings.put.UpdateSettingsAction;
import org.opensearch.action.admin.indices.settings.put.UpdateSettingsRequest;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.ActionFilter;
import org.opensearch.action.support.ActionFilterChain;
import org.opensearch.action.support.ContextPreservingActionListener;
import org.opensearch.action.support.IndicesOptions;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.search.aggregations.AggregationBuilders;
import org.opensearch.search.aggregations.bucket.terms.Terms;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;

/**
 * Checks a binding when it is made: an index settings update that sets {@code index.lloco.adapter} to a registry
 * adapter is refused with 400 when the indices' compressed documents were made by a model with another fingerprint
 * than the adapter's base model. The documents' fingerprints come from a terms aggregation on
 * {@code lloco.fingerprint}, run as the user who updates the settings; when that search cannot run (no read
 * permission, no documents yet, another target field) or the name is not in the registry (an adapter directory of the
 * {@code lloco} nodes), the update goes through and the same check happens when a question is answered. Index creation
 * is not checked (no documents yet). The settings are read as the update reads them ({@code lloco.adapter} is
 * {@code index.lloco.adapter}).
 */
public class AdapterBindingFilter implements ActionFilter {

    private static final Logger logger = LogManager.getLogger(AdapterBindingFilter.class);

    /** Field holding each compressed document's model fingerprint (the default target field). */
    static final String FINGERPRINT_FIELD = "lloco.fingerprint";

    private volatile Client client;
    private volatile ThreadPool threadPool;
    private volatile AdapterStore store;

    /** Wires the node's services (the filter is created before them). */
    public void wire(Client c, ThreadPool tp, AdapterStore s) {
        this.client = c;
        this.threadPool = tp;
        this.store = s;
    }

    @Override
    public int order() {
        return 100; // after the security plugin's filter: only authorized updates are checked
    }

    @Override
    public <Request extends ActionRequest, Response extends ActionResponse> void apply(
        Task task,
        String action,
        Request request,
        ActionListener<Response> listener,
        ActionFilterChain<Request, Response> chain
    ) {
        String adapter = null;
        if (UpdateSettingsAction.NAME.equals(action) && request instanceof UpdateSettingsRequest u) {
            // as the update itself reads them: "lloco.adapter" is "index.lloco.adapter" (OpenSearch adds the prefix later)
            Settings updated = Settings.builder().put(u.settings()).normalizePrefix(IndexMetadata.INDEX_SETTING_PREFIX).build();
            adapter = updated.get(LlocoSettings.INDEX_ADAPTER.getKey());
        }
        if (adapter == null || adapter.isEmpty() || adapter.equals("none") || store == null || AdapterName.problem(adapter) != null) {
            chain.proceed(task, action, request, listener);
            return;
        }
        String name = adapter;
        String[] indices = ((UpdateSettingsRequest) request).indices();
        ActionListener<Response> restoring = ContextPreservingActionListener.wrapPreservingContext(listener, threadPool.getThreadContext());
        threadPool.generic().execute(threadPool.getThreadContext().preserveContext(() -> {
            AdapterMeta meta;
            try {
                meta = store.get(name);
            } catch (Exception e) {
                logger.debug("cannot read adapter [{}] to check a binding; the check happens at question time: {}", name, e.toString());
                meta = null;
            }
            if (meta == null) {
                chain.proceed(task, action, request, restoring);
                return;
            }
            AdapterMeta m = meta;
            SearchRequest search = new SearchRequest(indices).indicesOptions(IndicesOptions.lenientExpandOpen())
                .source(new SearchSourceBuilder().size(0).aggregation(AggregationBuilders.terms("fp").field(FINGERPRINT_FIELD).size(20)));
            client.search(search, new ActionListener<>() {

                @Override
                public void onResponse(SearchResponse r) {
                    Terms fp = r.getAggregations() == null ? null : r.getAggregations().get("fp");
                    List<String> seen = new ArrayList<>();
                    if (fp != null) {
                        fp.getBuckets().forEach(b -> seen.add(b.getKeyAsString()));
                    }
                    if (seen.isEmpty() || seen.contains(m.fingerprint())) {
                        chain.proceed(task, action, request, restoring);
                        return;
                    }
                    restoring.onFailure(
                        new LlocoException(
                            String.format(
                                Locale.ROOT,
                                "[%s] = [%s]: adapter [%s] (version %d) was registered for base model [%s] with fingerprint [%s], but the "
                                    + "compressed documents of %s were made by model fingerprint(s) %s; bind an adapter trained on "
                                    + "their model, or re-compress the documents with [%s]",
                                LlocoSettings.INDEX_ADAPTER.getKey(),
                                name,
                                name,
                                m.version(),
                                m.baseModel(),
                                m.fingerprint(),
                                java.util.Arrays.toString(indices),
                                seen,
                                m.baseModel()
                            ),
                            RestStatus.BAD_REQUEST
                        )
                    );
                }

                @Override
                public void onFailure(Exception e) {
                    // cannot look (no read permission, no such field): the check happens when questions are asked
                    chain.proceed(task, action, request, restoring);
                }
            });
        }));
    }
}
