/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.ExceptionsHelper;
import org.opensearch.ResourceAlreadyExistsException;
import org.opensearch.action.DocWriteRequest;
import org.opensearch.action.admin.indices.create.CreateIndexRequest;
import org.opensearch.action.admin.indices.refresh.RefreshRequest;
import org.opensearch.action.admin.indices.settings.put.UpdateSettingsRequest;
import org.opensearch.action.bulk.BulkRequest;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.delete.DeleteRequest;
import org.opensearch.action.get.GetRequest;
import org.opensearch.action.get.GetResponse;
import org.opensearch.action.get.MultiGetItemResponse;
import org.opensearch.action.get.MultiGetRequest;
import org.opensearch.action.get.MultiGetResponse;
import org.opensearch.action.index.IndexRequest;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.action.support.clustermanager.AcknowledgedResponse;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.common.UUIDs;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.IndexNotFoundException;
import org.opensearch.index.engine.VersionConflictEngineException;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.client.Client;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;

/**
 * The adapter registry's storage: the hidden system index {@value #INDEX} ({@code LlocoPlugin} registers it as a
 * system index). One {@code meta} document per adapter name holds its current version ({@link AdapterMeta}); the
 * version's files are chunk documents ({@link AdapterChunks}) under a fresh {@code blob} id, written before the
 * metadata points at them, so a reader never sees a half-written version and a failed registration leaves the previous
 * one intact. Re-registering a name bumps its version with optimistic concurrency (a concurrent registration of the
 * same name is a 409) and then deletes the previous version's chunks.
 *
 * <p>Every call runs as the node, not as the calling user (whose permission to call the adapter API was checked when
 * the request was authorized), and blocks: call it from a generic or plugin thread, never from a transport thread.
 */
public class AdapterStore {

    /** The registry index. */
    public static final String INDEX = ".lloco-adapters";

    /** Chunk documents per bulk write or multi-get. */
    static final int CHUNKS_PER_REQUEST = 8;

    /** Most adapters a listing returns. */
    public static final int MAX_ADAPTERS = 1000;

    static final String MAPPING = "{\"dynamic\":false,\"properties\":{"
        + "\"doc_type\":{\"type\":\"keyword\"},\"name\":{\"type\":\"keyword\"},\"version\":{\"type\":\"long\"},"
        + "\"blob\":{\"type\":\"keyword\"},\"file\":{\"type\":\"keyword\"},\"chunk\":{\"type\":\"integer\"},"
        + "\"data\":{\"type\":\"binary\"},\"crc32\":{\"type\":\"long\",\"index\":false},"
        + "\"base_model\":{\"type\":\"keyword\"},\"fingerprint\":{\"type\":\"keyword\"},\"source\":{\"type\":\"keyword\"},"
        + "\"created_millis\":{\"type\":\"date\"}}}";

    private static final Logger logger = LogManager.getLogger(AdapterStore.class);

    private final Client client;
    private final ThreadContext threadContext;

    /** A store over {@code client}. */
    public AdapterStore(Client client, ThreadPool threadPool) {
        this.client = client;
        this.threadContext = threadPool.getThreadContext();
    }

    /** A metadata document and its sequence number and primary term (for optimistic concurrency). */
    public record Versioned(AdapterMeta meta, long seqNo, long primaryTerm) {
    }

    /** Runs {@code call} as the node (the caller's context stashed), restoring the caller's context after. */
    private <T> T asNode(Supplier<T> call) {
        try (ThreadContext.StoredContext ignored = threadContext.stashContext()) {
            return call.get();
        }
    }

    /** Creates the index if it does not exist. */
    void ensureIndex() {
        asNode(() -> {
            try {
                client.admin()
                    .indices()
                    .create(
                        new CreateIndexRequest(INDEX).settings(
                            Settings.builder()
                                .put("index.number_of_shards", 1)
                                .put("index.auto_expand_replicas", "0-1")
                                .put("index.hidden", true)
                        ).mapping(MAPPING)
                    )
                    .actionGet();
            } catch (Exception e) {
                if (ExceptionsHelper.unwrapCause(e) instanceof ResourceAlreadyExistsException == false) {
                    throw e;
                }
            }
            return null;
        });
    }

    /**
     * The registry's revision in {@code state}: the registry index's UUID and its
     * {@link LlocoSettings#INDEX_REGISTRY_REVISION}; null when there is no registry index (nothing is registered).
     */
    public static String revision(ClusterState state) {
        IndexMetadata md = state.metadata().index(INDEX);
        return md == null ? null : md.getIndexUUID() + "/" + LlocoSettings.INDEX_REGISTRY_REVISION.get(md.getSettings());
    }

    /**
     * Sets the registry's revision to a fresh value (as the node) and waits until every node has acknowledged it: after
     * a write of the registry and before its API answers, so no node keeps serving what the write replaced. Tried twice;
     * when it still fails, or the nodes did not acknowledge in time, the write has happened but nodes may serve what it
     * replaced until the next change of the registry: a 503 says so and that repeating the call publishes it.
     */
    void publishRevision(String name) {
        RuntimeException failure = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                AcknowledgedResponse r = asNode(
                    () -> client.admin()
                        .indices()
                        .updateSettings(
                            new UpdateSettingsRequest(INDEX).settings(
                                Settings.builder().put(LlocoSettings.INDEX_REGISTRY_REVISION.getKey(), UUIDs.randomBase64UUID())
                            )
                        )
                        .actionGet()
                );
                if (r.isAcknowledged()) {
                    return;
                }
                failure = null;
                logger.warn("the registry revision after a change of adapter [{}] was not acknowledged by every node in time", name);
            } catch (RuntimeException e) {
                if (ExceptionsHelper.unwrapCause(e) instanceof IndexNotFoundException) {
                    return; // no registry: nothing registered, nothing any node could serve
                }
                failure = e;
                logger.warn("publishing the registry revision after a change of adapter [" + name + "] failed", e);
            }
        }
        LlocoException e = new LlocoException(
            "adapter ["
                + name
                + "] was changed in the registry, but not every node acknowledged the registry's new revision in time: a node may"
                + " answer with the version the change replaced until the registry changes again; repeat the request to publish it",
            RestStatus.SERVICE_UNAVAILABLE
        );
        if (failure != null) {
            e.addSuppressed(failure);
        }
        throw e;
    }

    /** The current metadata of {@code name}, or null when it is not registered (also when the index does not exist). */
    public AdapterMeta get(String name) {
        Versioned v = getVersioned(name);
        return v == null ? null : v.meta();
    }

    /** {@link #get} with the document's sequence number and primary term. */
    public Versioned getVersioned(String name) {
        return asNode(() -> {
            GetResponse r;
            try {
                r = client.get(new GetRequest(INDEX, AdapterChunks.metaId(name)).realtime(true)).actionGet();
            } catch (Exception e) {
                if (ExceptionsHelper.unwrapCause(e) instanceof IndexNotFoundException) {
                    return null;
                }
                throw e;
            }
            if (r.isExists() == false) {
                return null;
            }
            return new Versioned(AdapterMeta.fromMap(r.getSourceAsMap()), r.getSeqNo(), r.getPrimaryTerm());
        });
    }

    /** Every registered adapter, by name. */
    public List<AdapterMeta> list() {
        return asNode(() -> {
            SearchResponse r;
            try {
                r = client.search(
                    new SearchRequest(INDEX).source(
                        new SearchSourceBuilder().query(QueryBuilders.termQuery("doc_type", "meta")).size(MAX_ADAPTERS).sort("name")
                    )
                ).actionGet();
            } catch (Exception e) {
                if (ExceptionsHelper.unwrapCause(e) instanceof IndexNotFoundException) {
                    return List.of();
                }
                throw e;
            }
            List<AdapterMeta> out = new ArrayList<>();
            for (SearchHit h : r.getHits().getHits()) {
                out.add(AdapterMeta.fromMap(h.getSourceAsMap()));
            }
            return out;
        });
    }

    /**
     * Stores {@code files} as a new version of {@code draft.name()}: chunks first, then the metadata (version = previous
     * + 1, or 1), then the previous version's chunks are deleted. A concurrent registration of the same name makes one
     * of them fail with 409 (its chunks are removed). Returns the stored metadata.
     *
     * @param files file name to path, in the order to store them
     */
    public AdapterMeta write(AdapterMeta draft, Map<String, Path> files) throws IOException {
        ensureIndex();
        Versioned prev = getVersioned(draft.name());
        String blob = UUIDs.randomBase64UUID().toLowerCase(Locale.ROOT).replace('-', 'x').replace('_', 'y');
        List<AdapterMeta.FileEntry> entries = new ArrayList<>();
        AdapterMeta meta;
        try {
            for (Map.Entry<String, Path> f : files.entrySet()) {
                entries.add(writeFile(draft.name(), blob, f.getKey(), f.getValue()));
            }
            long size = entries.stream().mapToLong(AdapterMeta.FileEntry::size).sum();
            meta = new AdapterMeta(
                draft.name(),
                prev == null ? 1 : prev.meta().version() + 1,
                blob,
                draft.baseModel(),
                draft.fingerprint(),
                draft.r(),
                draft.alpha(),
                draft.targetModules(),
                draft.useRslora(),
                draft.template(),
                draft.parameters(),
                size,
                draft.createdMillis(),
                draft.source(),
                draft.description(),
                List.copyOf(entries),
                draft.eval(),
                draft.training()
            );
            writeMeta(meta, prev);
        } catch (IOException | RuntimeException e) {
            try {
                deleteChunks(draft.name(), blob, entries);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        // registered: from here on nothing deletes the new version's chunks (its metadata names them)
        publishRevision(meta.name());
        if (prev != null) {
            deleteChunks(prev.meta());
        }
        return meta;
    }

    private AdapterMeta.FileEntry writeFile(String name, String blob, String file, Path path) throws IOException {
        long size = Files.size(path);
        int chunks = AdapterChunks.chunkCount(size);
        String sha = AdapterChunks.sha256(path);
        try (InputStream in = Files.newInputStream(path)) {
            for (int i = 0; i < chunks; i += CHUNKS_PER_REQUEST) {
                BulkRequest bulk = new BulkRequest();
                for (int c = i; c < Math.min(chunks, i + CHUNKS_PER_REQUEST); c++) {
                    byte[] data = AdapterChunks.readChunk(in, size, c);
                    bulk.add(
                        new IndexRequest(INDEX).id(AdapterChunks.chunkId(name, blob, file, c))
                            .source(AdapterChunks.chunkSource(name, blob, file, c, data))
                    );
                }
                BulkResponse r = asNode(() -> client.bulk(bulk).actionGet());
                if (r.hasFailures()) {
                    throw new LlocoException(
                        "cannot store adapter [" + name + "]: " + r.buildFailureMessage(),
                        RestStatus.INTERNAL_SERVER_ERROR
                    );
                }
            }
        }
        return new AdapterMeta.FileEntry(file, size, sha, chunks);
    }

    private void writeMeta(AdapterMeta meta, Versioned prev) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("doc_type", "meta");
        source.putAll(meta.toMap());
        IndexRequest req = new IndexRequest(INDEX).id(AdapterChunks.metaId(meta.name()))
            .source(source)
            .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        if (prev == null) {
            req.opType(DocWriteRequest.OpType.CREATE);
        } else {
            req.setIfSeqNo(prev.seqNo()).setIfPrimaryTerm(prev.primaryTerm());
        }
        try {
            asNode(() -> client.index(req).actionGet());
        } catch (Exception e) {
            if (ExceptionsHelper.unwrapCause(e) instanceof VersionConflictEngineException) {
                throw new LlocoException(
                    "adapter [" + meta.name() + "] was registered or changed by another request at the same time; retry",
                    RestStatus.CONFLICT,
                    e
                );
            }
            throw e;
        }
    }

    /**
     * Replaces the evaluation figures of version {@code version} of {@code name}; 404 when the adapter is gone, 409 when
     * another version replaced it meanwhile.
     */
    public AdapterMeta updateEval(String name, long version, Map<String, Object> eval) {
        Versioned cur = getVersioned(name);
        if (cur == null) {
            throw new LlocoException("adapter [" + name + "] is not registered", RestStatus.NOT_FOUND);
        }
        if (cur.meta().version() != version) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "adapter [%s] is at version %d now, not %d: its evaluation was not stored",
                    name,
                    cur.meta().version(),
                    version
                ),
                RestStatus.CONFLICT
            );
        }
        AdapterMeta updated = cur.meta().withEval(eval);
        writeMeta(updated, cur);
        publishRevision(name);
        return updated;
    }

    /**
     * Deletes {@code name}'s metadata and chunks; false when it was not registered. The registry's revision is published
     * in both cases, so repeating a deletion whose publication failed (503) still tells every node.
     */
    public boolean delete(String name) {
        Versioned cur = getVersioned(name);
        if (cur == null) {
            publishRevision(name);
            return false;
        }
        asNode(
            () -> client.delete(
                new DeleteRequest(INDEX, AdapterChunks.metaId(name)).setIfSeqNo(cur.seqNo())
                    .setIfPrimaryTerm(cur.primaryTerm())
                    .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
            ).actionGet()
        );
        publishRevision(name);
        deleteChunks(cur.meta());
        deleteStrayChunks(name);
        return true;
    }

    private void deleteChunks(AdapterMeta meta) {
        deleteChunks(meta.name(), meta.blob(), meta.files());
    }

    private void deleteChunks(String name, String blob, List<AdapterMeta.FileEntry> files) {
        BulkRequest bulk = new BulkRequest();
        for (AdapterMeta.FileEntry f : files) {
            for (int c = 0; c < f.chunks(); c++) {
                bulk.add(new DeleteRequest(INDEX, AdapterChunks.chunkId(name, blob, f.name(), c)));
            }
        }
        if (bulk.numberOfActions() == 0) {
            return;
        }
        try {
            BulkResponse r = asNode(() -> client.bulk(bulk).actionGet());
            if (r.hasFailures()) {
                logger.warn("deleting chunks of adapter [{}] ({}) left some behind: {}", name, blob, r.buildFailureMessage());
            }
        } catch (RuntimeException e) {
            logger.warn("deleting chunks of adapter [" + name + "] (" + blob + ") failed", e);
        }
    }

    /** Removes chunks of {@code name} no metadata points at (from registrations that failed half-way). */
    private void deleteStrayChunks(String name) {
        asNode(() -> {
            client.admin().indices().refresh(new RefreshRequest(INDEX)).actionGet();
            for (int round = 0; round < 100; round++) {
                SearchResponse r = client.search(
                    new SearchRequest(INDEX).source(
                        new SearchSourceBuilder().query(
                            QueryBuilders.boolQuery().filter(QueryBuilders.termQuery("doc_type", "chunk"))
                                .filter(QueryBuilders.termQuery("name", name))
                        ).fetchSource(false).size(1000)
                    )
                ).actionGet();
                if (r.getHits().getHits().length == 0) {
                    break;
                }
                BulkRequest bulk = new BulkRequest().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
                for (SearchHit h : r.getHits().getHits()) {
                    bulk.add(new DeleteRequest(INDEX, h.getId()));
                }
                client.bulk(bulk).actionGet();
            }
            return null;
        });
    }

    /**
     * Writes every file of {@code meta} into {@code dir} (created), checking each chunk's CRC-32 and each file's size and
     * SHA-256; an IOException names the first corrupt chunk.
     */
    public void readFiles(AdapterMeta meta, Path dir) throws IOException {
        Files.createDirectories(dir);
        String what = String.format(Locale.ROOT, "adapter [%s] version %d", meta.name(), meta.version());
        for (AdapterMeta.FileEntry f : meta.files()) {
            checkFileName(f.name());
            try (OutputStream out = Files.newOutputStream(dir.resolve(f.name()))) {
                AdapterChunks.Reassembly file = new AdapterChunks.Reassembly(what, f, out);
                for (int i = 0; i < f.chunks(); i += CHUNKS_PER_REQUEST) {
                    MultiGetRequest mget = new MultiGetRequest().realtime(true);
                    int end = Math.min(f.chunks(), i + CHUNKS_PER_REQUEST);
                    for (int c = i; c < end; c++) {
                        mget.add(INDEX, AdapterChunks.chunkId(meta.name(), meta.blob(), f.name(), c));
                    }
                    MultiGetResponse r = asNode(() -> client.multiGet(mget).actionGet());
                    MultiGetItemResponse[] items = r.getResponses();
                    for (int c = i; c < end; c++) {
                        MultiGetItemResponse it = items[c - i];
                        if (it.isFailed()) {
                            throw new IOException(
                                "stored " + what + ": chunk " + c + " of file [" + f.name() + "] cannot be read: "
                                    + it.getFailure().getMessage()
                            );
                        }
                        file.accept(c, it.getResponse().isExists() ? it.getResponse().getSourceAsMap() : null);
                    }
                }
                file.finish();
            }
        }
    }

    /** A stored file name must be a plain name: never a path. */
    static void checkFileName(String name) throws IOException {
        if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.contains("..")) {
            throw new IOException("stored adapter file name [" + name + "] is not a plain file name");
        }
    }
}
