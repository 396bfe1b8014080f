/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;

import io.lloco.common.DiskFull;
import io.lloco.common.LlocoException;
import io.lloco.decode.DecodeService;
import io.lloco.engine.AdapterCache;
import io.lloco.runtime.lora.AdapterManifest;

/**
 * Registry adapters on this node: before a question decodes with adapter {@code name}, {@link #prepare} makes sure the
 * node has the registry's current version of it. It reads the metadata (a realtime get) only when the registry's
 * revision in this node's cluster state ({@link AdapterStore#revision}: every registration, evaluation update and
 * deletion changes it, acknowledged by every node before the API answers) differs from the revision of its last read
 * of that name, so questions on an unchanged registry do not read it, and none is answered with a version a
 * registration or deletion has replaced once that call has answered. When this node does not have that version yet,
 * it writes its files from the registry's chunks to {@code <path.data>/lloco/adapters/<name>/v<version>-<blob>/}
 * (checksums checked, written to a temporary folder and moved into place), drops older versions from the node's
 * {@link AdapterCache} and their folders (the previous one is kept one more version for questions already past this
 * step). A name that is not registered leaves the node's config-path adapters to answer. A restarted node finds its
 * folders again (their files are checked against the metadata's SHA-256 before use) or fetches them on demand. A full
 * disk is a 507 naming the folder ({@link DiskFull}); the temporary folder is deleted.
 */
public class LocalAdapters {

    /**
     * A registry adapter ready on this node.
     *
     * @param dir the folder holding its files
     */
    public record Resolved(AdapterMeta meta, Path dir) {

        /** Its key in the adapter cache: name, version and blob. */
        public String cacheSource() {
            return sourcePrefix(meta.name()) + meta.version() + ":" + meta.blob();
        }
    }

    /** Prefix of the cache keys of every version of {@code name}. */
    static String sourcePrefix(String name) {
        return "registry:" + name + "@";
    }

    private static final Logger logger = LogManager.getLogger(LocalAdapters.class);

    private final AdapterStore store;
    private final AdapterCache cache;
    private final Path root;
    private final Executor executor;
    private final Supplier<String> revision;
    private final Map<String, Resolved> current = new ConcurrentHashMap<>();
    /** Per name: the registry revision its metadata was last read at (what {@link #current} holds for it, or nothing). */
    private final Map<String, String> readAt = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final AtomicLong reads = new AtomicLong();

    /**
     * @param root {@code <path.data>/lloco/adapters}
     * @param executor where the blocking reads and writes run (the generic pool)
     * @param revision the registry's revision in this node's cluster state ({@link AdapterStore#revision}), null
     *            without a registry
     */
    public LocalAdapters(AdapterStore store, AdapterCache cache, Path root, Executor executor, Supplier<String> revision) {
        this.store = store;
        this.cache = cache;
        this.root = root;
        this.executor = executor;
        this.revision = revision;
    }

    /** Reads of the registry's metadata so far (tests). */
    long reads() {
        return reads.get();
    }

    /**
     * Makes registry adapter {@code name} ready on this node (nothing to do for none, the model's default, or a name the
     * registry does not hold), then completes {@code listener} (never on the caller's thread when there is work).
     */
    public void prepare(String name, ActionListener<Void> listener) {
        if (name == null || DecodeService.MODEL_DEFAULT_ADAPTER.equals(name) || AdapterName.problem(name) != null) {
            listener.onResponse(null);
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    prepareNow(name);
                } catch (Exception e) {
                    listener.onFailure(e);
                    return;
                }
                listener.onResponse(null);
            });
        } catch (Exception rejected) {
            listener.onFailure(rejected);
        }
    }

    /**
     * {@link #prepare}, blocking. Returns the adapter, or null when the registry does not hold {@code name}. When reading
     * a version's files fails and the registry's revision changed meanwhile (a registration or deletion replaced that
     * version and deleted its files), the registry is read once more, so the question gets the new version, not a 500.
     */
    public Resolved prepareNow(String name) throws IOException {
        String before = revision.get();
        try {
            return prepareOnce(name);
        } catch (IOException | RuntimeException e) {
            if (java.util.Objects.equals(before, revision.get())) {
                throw e;
            }
            logger.debug("reading adapter [" + name + "] failed while the registry changed: reading it again", e);
            return prepareOnce(name);
        }
    }

    private Resolved prepareOnce(String name) throws IOException {
        synchronized (locks.computeIfAbsent(name, k -> new Object())) {
            // the revision before the read: a write after the read changes it, so the next question reads again
            String rev = revision.get();
            if (rev != null && rev.equals(readAt.get(name))) {
                Resolved known = current.get(name);
                if (known == null) {
                    return null; // not registered at this revision
                }
                if (Files.isDirectory(known.dir())) {
                    return known; // the current version, already on this node
                }
            }
            AdapterMeta meta = null;
            if (rev != null) {
                reads.incrementAndGet();
                meta = store.get(name);
            }
            if (meta == null) {
                drop(name);
                if (rev != null) {
                    readAt.put(name, rev);
                }
                return null;
            }
            Resolved cur = current.get(name);
            if (cur != null && cur.meta().version() == meta.version() && cur.meta().blob().equals(meta.blob())
                && Files.isDirectory(cur.dir())) {
                if (cur.meta().equals(meta) == false) {
                    cur = new Resolved(meta, cur.dir()); // same files, new eval figures
                    current.put(name, cur);
                }
                readAt.put(name, rev);
                return cur;
            }
            Path dir = root.resolve(name).resolve(String.format(Locale.ROOT, "v%d-%s", meta.version(), meta.blob()));
            if (Files.isDirectory(dir) == false || intact(meta, dir) == false) {
                fetch(meta, dir);
            }
            Resolved r = new Resolved(meta, dir);
            Resolved before = current.put(name, r);
            cache.invalidate(k -> k.startsWith(sourcePrefix(name)) && k.equals(r.cacheSource()) == false);
            cleanup(name, dir, before == null ? null : before.dir());
            readAt.put(name, rev);
            logger.info("adapter [{}] version {} ready on this node in [{}]", name, meta.version(), dir);
            return r;
        }
    }

    /** The registry adapter {@code name} as last prepared on this node, or null. */
    public Resolved resolved(String name) {
        return current.get(name);
    }

    /** Forgets {@code name} on this node: cache entries and folders. */
    public void drop(String name) {
        readAt.remove(name);
        Resolved gone = current.remove(name);
        cache.invalidate(k -> k.startsWith(sourcePrefix(name)));
        if (gone != null) {
            deleteTree(root.resolve(name));
        }
    }

    private void fetch(AdapterMeta meta, Path dir) throws IOException {
        Path tmp = null;
        try {
            Files.createDirectories(dir.getParent());
            tmp = Files.createTempDirectory(dir.getParent(), ".fetch-");
            store.readFiles(meta, tmp);
            if (meta.template() != null) {
                new AdapterManifest(meta.template()).write(tmp);
            }
            deleteTree(dir);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (tmp != null) {
                deleteTree(tmp);
            }
            if (DiskFull.is(e)) {
                throw DiskFull.error("adapter [" + meta.name() + "] version " + meta.version(), dir.getParent(), null, e);
            }
            throw new LlocoException(
                "adapter [" + meta.name() + "] version " + meta.version() + " cannot be read from the registry: " + e.getMessage(),
                RestStatus.INTERNAL_SERVER_ERROR,
                e
            );
        }
    }

    /** Whether the files in {@code dir} are those the metadata lists (sizes and SHA-256). */
    static boolean intact(AdapterMeta meta, Path dir) {
        try {
            for (AdapterMeta.FileEntry f : meta.files()) {
                Path p = dir.resolve(f.name());
                if (Files.isRegularFile(p) == false || Files.size(p) != f.size() || AdapterChunks.sha256(p).equals(f.sha256()) == false) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes folders of {@code name} other than {@code keep} and {@code previous}. */
    private void cleanup(String name, Path keep, Path previous) {
        Path d = root.resolve(name);
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.toList()) {
                if (p.equals(keep) == false && p.equals(previous) == false) {
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            logger.debug("cannot list [{}]: {}", d, e.toString());
        }
    }

    static void deleteTree(Path dir) {
        if (Files.exists(dir) == false) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            logger.debug("cannot delete [{}]: {}", dir, e.toString());
        }
    }
}
