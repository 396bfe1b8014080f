/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.opensearch.ResourceAlreadyExistsException;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionType;
import org.opensearch.action.DocWriteRequest;
import org.opensearch.action.admin.indices.create.CreateIndexAction;
import org.opensearch.action.admin.indices.settings.put.UpdateSettingsAction;
import org.opensearch.action.bulk.BulkAction;
import org.opensearch.action.bulk.BulkItemResponse;
import org.opensearch.action.bulk.BulkRequest;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.delete.DeleteRequest;
import org.opensearch.action.get.GetAction;
import org.opensearch.action.index.IndexAction;
import org.opensearch.action.index.IndexResponse;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.index.shard.ShardId;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.IndexNotFoundException;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.test.client.NoOpClient;

import io.lloco.common.LlocoException;

/**
 * When the registry's revision cannot be published after a registration wrote its metadata, the registration answers
 * 503 saying the change was made, and the new version's chunks (which the metadata names) are not deleted.
 */
public class AdapterStorePublicationTests extends OpenSearchTestCase {

    /** A registry index that takes every document write and refuses every settings update. */
    static final class Registry extends NoOpClient {

        final List<String> deleted = new ArrayList<>();
        final List<String> written = new ArrayList<>();
        int settingsUpdates;

        Registry(String name) {
            super(name);
        }

        @Override
        @SuppressWarnings("unchecked")
        protected <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
            ActionType<Response> action,
            Request request,
            ActionListener<Response> listener
        ) {
            if (action == CreateIndexAction.INSTANCE) {
                listener.onFailure(new ResourceAlreadyExistsException(AdapterStore.INDEX));
            } else if (action == GetAction.INSTANCE) {
                listener.onFailure(new IndexNotFoundException(AdapterStore.INDEX)); // nothing registered before
            } else if (action == BulkAction.INSTANCE) {
                for (DocWriteRequest<?> r : ((BulkRequest) request).requests()) {
                    (r instanceof DeleteRequest ? deleted : written).add(r.id());
                }
                listener.onResponse((Response) new BulkResponse(new BulkItemResponse[0], 1));
            } else if (action == IndexAction.INSTANCE) {
                written.add(((org.opensearch.action.index.IndexRequest) request).id());
                listener.onResponse(
                    (Response) new IndexResponse(new ShardId(AdapterStore.INDEX, "_na_", 0), "meta", 0, 1, 1, true)
                );
            } else if (action == UpdateSettingsAction.INSTANCE) {
                settingsUpdates++;
                listener.onFailure(new IllegalStateException("no cluster manager"));
            } else {
                listener.onFailure(new UnsupportedOperationException(action.name()));
            }
        }
    }

    public void testAFailedPublicationIs503AndKeepsTheNewVersionsChunks() throws Exception {
        try (Registry client = new Registry(getTestName())) {
            AdapterStore store = new AdapterStore(client, client.threadPool());
            Path f = Files.write(createTempDir().resolve("adapter_config.json"), "{}".getBytes(StandardCharsets.UTF_8));
            AdapterMeta draft = new AdapterMeta(
                "a1",
                0,
                "",
                "m",
                "sha256:0",
                2,
                4.0,
                List.of("q_proj"),
                false,
                null,
                0,
                0,
                0,
                "upload",
                null,
                List.of(),
                null,
                null
            );
            LlocoException e = expectThrows(LlocoException.class, () -> store.write(draft, Map.of("adapter_config.json", f)));
            assertEquals(RestStatus.SERVICE_UNAVAILABLE, e.status());
            assertTrue(e.getMessage(), e.getMessage().contains("repeat the request"));
            assertEquals("tried twice", 2, client.settingsUpdates);
            assertTrue(client.written.toString(), client.written.stream().anyMatch(id -> id.equals(AdapterChunks.metaId("a1"))));
            assertEquals("the new version's chunks stay: its metadata names them", List.of(), client.deleted);
        }
    }
}
