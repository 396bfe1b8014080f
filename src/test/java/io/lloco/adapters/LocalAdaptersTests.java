/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.threadpool.TestThreadPool;
import org.opensearch.threadpool.ThreadPool;

import io.lloco.engine.AdapterCache;
import io.lloco.runtime.lora.AdapterManifest;

/**
 * A node reads a registry adapter's metadata only when the registry's revision (cluster state) changed since its last
 * read of that name, and never answers with a version that a registration or deletion replaced once the revision
 * changed: over a registry whose reads are counted and whose revision the test sets as the registry does (after each
 * write).
 */
public class LocalAdaptersTests extends OpenSearchTestCase {

    /** A registry in memory: the metadata by name, file contents by blob, reads counted by the node under test. */
    static final class MemoryStore extends AdapterStore {

        final Map<String, AdapterMeta> metas = new ConcurrentHashMap<>();
        final Map<String, byte[]> contents = new ConcurrentHashMap<>();
        /** Runs inside a read, after the metadata was read (a write racing the read). */
        volatile Runnable duringRead = () -> {
        };

        /** Runs {@code write} during the next read of the store's metadata, once (a write racing the node's read). */
        void onceDuringRead(org.opensearch.common.CheckedRunnable<IOException> write) {
            duringRead = () -> {
                duringRead = () -> {
                };
                try {
                    write.run();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            };
        }

        MemoryStore(ThreadPool threadPool) {
            super(null, threadPool);
        }

        @Override
        public AdapterMeta get(String name) {
            AdapterMeta m = metas.get(name);
            duringRead.run();
            return m;
        }

        @Override
        public void readFiles(AdapterMeta meta, Path dir) throws IOException {
            byte[] b = contents.get(meta.blob());
            if (b == null) {
                throw new IOException("the chunks of adapter [" + meta.name() + "] (" + meta.blob() + ") cannot be read from the registry");
            }
            Files.write(dir.resolve("adapter_config.json"), b);
        }

        /** Registers version {@code version} of {@code name} whose only file holds {@code text}. */
        AdapterMeta put(String name, long version, String text, Path tmp) throws IOException {
            return put(name, version, text, tmp, null);
        }

        /** Registers version {@code version} of {@code name} whose only file holds {@code text}, declaring {@code template}. */
        AdapterMeta put(String name, long version, String text, Path tmp, String template) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Path f = Files.write(tmp.resolve("f-" + version), bytes);
            String blob = "b" + version;
            contents.put(blob, bytes);
            AdapterMeta m = new AdapterMeta(
                name,
                version,
                blob,
                "m",
                "sha256:0",
                2,
                4.0,
                List.of("q_proj"),
                false,
                template,
                0,
                bytes.length,
                0,
                "upload",
                null,
                List.of(new AdapterMeta.FileEntry("adapter_config.json", bytes.length, AdapterChunks.sha256(f), 1)),
                null,
                null
            );
            metas.put(name, m);
            return m;
        }
    }

    private ThreadPool threadPool;

    @Override
    public void setUp() throws Exception {
        super.setUp();
        threadPool = new TestThreadPool(getTestName());
    }

    @Override
    public void tearDown() throws Exception {
        terminate(threadPool);
        super.tearDown();
    }

    public void testTheRegistryIsReadOnlyWhenItsRevisionChanged() throws Exception {
        Path tmp = createTempDir();
        MemoryStore store = new MemoryStore(threadPool);
        AtomicReference<String> revision = new AtomicReference<>();
        LocalAdapters local = new LocalAdapters(store, new AdapterCache(() -> 4), tmp.resolve("adapters"), Runnable::run, revision::get);

        // no registry index: nothing is registered, and nothing is read
        assertNull(local.prepareNow("team"));
        assertEquals(0, local.reads());

        store.put("team", 1, "one", tmp);
        revision.set("uuid/r1");
        LocalAdapters.Resolved first = local.prepareNow("team");
        assertEquals(1, first.meta().version());
        assertEquals("one", Files.readString(first.dir().resolve("adapter_config.json")));
        assertEquals(1, local.reads());
        // many questions on an unchanged registry: no further read
        for (int i = 0; i < 5; i++) {
            assertSame(first, local.prepareNow("team"));
        }
        assertEquals(1, local.reads());
        // a name the registry does not hold (a config-path adapter): read once per revision too
        assertNull(local.prepareNow("from-config"));
        assertNull(local.prepareNow("from-config"));
        assertEquals(2, local.reads());

        // a new version: once its registration changed the revision, the next question has it
        store.put("team", 2, "two", tmp);
        revision.set("uuid/r2");
        LocalAdapters.Resolved second = local.prepareNow("team");
        assertEquals(2, second.meta().version());
        assertEquals("two", Files.readString(second.dir().resolve("adapter_config.json")));
        assertSame(second, local.prepareNow("team"));
        assertEquals(3, local.reads()); // team at r2
        assertNull(local.prepareNow("from-config"));
        assertEquals(4, local.reads());

        // deleted: once the deletion changed the revision, the next question finds no adapter
        store.metas.remove("team");
        revision.set("uuid/r3");
        assertNull(local.prepareNow("team"));
        assertNull(local.resolved("team"));
        assertNull(local.prepareNow("team"));
        assertEquals(5, local.reads());
        // registered again later (a recreated registry index has another UUID: another revision too)
        store.put("team", 1, "again", tmp);
        revision.set("uuid2/r1");
        assertEquals("again", Files.readString(local.prepareNow("team").dir().resolve("adapter_config.json")));
    }

    /** A registry adapter's stored template reaches the node as the lloco.json its runtime reads. */
    public void testTheStoredTemplateIsWrittenAsTheManifestTheRuntimeReads() throws Exception {
        Path tmp = createTempDir();
        MemoryStore store = new MemoryStore(threadPool);
        AtomicReference<String> revision = new AtomicReference<>("uuid/r1");
        LocalAdapters local = new LocalAdapters(store, new AdapterCache(() -> 4), tmp.resolve("adapters"), Runnable::run, revision::get);
        String pattern = "Transcript \"above\".\nQuery: {question}\nAnswer:";
        store.put("team", 1, "one", tmp, pattern);
        Path dir = local.prepareNow("team").dir();
        assertEquals(new AdapterManifest(pattern), AdapterManifest.read(dir));
        // a version without a template has no manifest at all
        store.put("team", 2, "two", tmp);
        revision.set("uuid/r2");
        assertSame(AdapterManifest.NONE, AdapterManifest.read(local.prepareNow("team").dir()));
    }

    public void testARegistrationDuringAReadIsSeenByTheNextQuestion() throws Exception {
        Path tmp = createTempDir();
        MemoryStore store = new MemoryStore(threadPool);
        AtomicReference<String> revision = new AtomicReference<>("uuid/r1");
        LocalAdapters local = new LocalAdapters(store, new AdapterCache(() -> 4), tmp.resolve("adapters"), Runnable::run, revision::get);
        store.put("team", 1, "one", tmp);
        // the read returns version 1, then a registration writes version 2 and changes the revision before the node
        // has finished with its read
        store.onceDuringRead(() -> {
            store.put("team", 2, "two", tmp);
            revision.set("uuid/r2");
        });
        assertEquals("a question racing the registration may still get the old version", 1, local.prepareNow("team").meta().version());
        // the node remembers the revision from before its read, so the next question reads again and gets version 2
        assertEquals(2, local.prepareNow("team").meta().version());
        assertEquals(2, local.reads());
        assertEquals(2, local.prepareNow("team").meta().version());
        assertEquals(2, local.reads());
    }

    public void testAVersionReplacedWhileItsFilesAreReadGivesTheNewVersionNotAFailure() throws Exception {
        Path tmp = createTempDir();
        MemoryStore store = new MemoryStore(threadPool);
        AtomicReference<String> revision = new AtomicReference<>("uuid/r1");
        LocalAdapters local = new LocalAdapters(store, new AdapterCache(() -> 4), tmp.resolve("adapters"), Runnable::run, revision::get);
        store.put("team", 1, "one", tmp);
        // the node reads version 1's metadata; before it reads the files, version 2 is registered and version 1's chunks
        // are deleted, as AdapterStore.write does
        store.onceDuringRead(() -> {
            store.put("team", 2, "two", tmp);
            store.contents.remove("b1");
            revision.set("uuid/r2");
        });
        LocalAdapters.Resolved r = local.prepareNow("team");
        assertEquals(2, r.meta().version());
        assertEquals("two", Files.readString(r.dir().resolve("adapter_config.json")));
        // without a change of the revision, a failure to read the files is the failure
        store.put("other", 1, "x", tmp);
        store.contents.remove("b1");
        io.lloco.common.LlocoException e = expectThrows(io.lloco.common.LlocoException.class, () -> local.prepareNow("other"));
        assertTrue(e.getMessage(), e.getMessage().contains("cannot be read from the registry"));
    }
}
