/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.After;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.lloco.common.LlocoException;
import io.lloco.common.MemoryLimit;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.MemoryEstimate;
import io.lloco.testing.TestModels;

/** The lifecycle with fake models (no libtorch) ordered by latches, and the real loader where files matter. */
public class ModelServiceTests extends OpenSearchTestCase {

    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @After
    public void stopPools() throws Exception {
        pool.shutdownNow();
        callers.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertTrue(callers.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** hidden 64, 2 layers, vocab 4000, window 128: 338,496 parameters; 1,616,128 bytes at float32 with a KV budget of 2 x 128. */
    static LlamaConfig smallConfig() {
        return LlamaConfig.builder()
            .hiddenSize(64)
            .intermediateSize(128)
            .numHiddenLayers(2)
            .numAttentionHeads(4)
            .vocabSize(4000)
            .tieWordEmbeddings(true)
            .maxPositionEmbeddings(128)
            .summaryLength(4)
            .build();
    }

    /** A config-only model folder under {@code config/lloco/models/<id>}. */
    static void writeConfig(Path configDir, String id, LlamaConfig c) throws IOException {
        Path dir = Files.createDirectories(configDir.resolve("lloco/models").resolve(id));
        Files.writeString(dir.resolve("config.json"), new ObjectMapper().writeValueAsString(c.toJson()), StandardCharsets.UTF_8);
    }

    /** A model with no natives: records when it is freed; {@link #work} holds it like a decode would. */
    static final class FakeModel extends ManagedModel {

        final AtomicBoolean freed = new AtomicBoolean();
        final ModelInfo info;

        FakeModel(String id) {
            super(id);
            this.info = new ModelInfo(id, "sha256:fake", 64, 4, 16, 128, 1000);
        }

        @Override
        protected void free() {
            assertFalse("freed twice", freed.getAndSet(true));
        }

        @Override
        public ModelInfo info() {
            return info;
        }

        @Override
        public long parameters() {
            return 1;
        }

        @Override
        public int countTokens(String text) {
            return guarded(() -> text.length());
        }

        @Override
        public List<Encoded> encode(List<String> texts, int segmentTokens, boolean independent, Segmentation.Boundary boundary) {
            return List.of();
        }

        @Override
        public List<int[]> segmentSpans(String text, int segmentTokens, Segmentation.Boundary boundary) {
            return List.of(new int[]{0, text.length()});
        }

        /** Holds a reference from {@code inside} until {@code finish}, then checks the model was not freed meanwhile. */
        boolean work(CountDownLatch inside, CountDownLatch finish) {
            return guarded(() -> {
                inside.countDown();
                try {
                    assertTrue(finish.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return freed.get() == false;
            });
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private ModelService service(Path home, ModelService.ModelLoader loader, MemoryBudget memory) {
        return new ModelService(home.resolve("config"), home.resolve("data"), loader, Placement.CPU_FLOAT32, memory, () -> 2, pool, "n0");
    }

    private static MemoryBudget budget(String limit) {
        return new MemoryBudget(() -> MemoryLimit.parse(limit, "plugins.lloco.memory.limit"), d -> 1L << 40, 0, null);
    }

    private static long estimateBytes(LlamaConfig c) {
        return MemoryEstimate.of(c, 4, c.maxPositionEmbeddings(), 2).totalBytes();
    }

    public void testEstimateOfTheSmallConfig() {
        assertEquals(1_616_128L, estimateBytes(smallConfig()));
    }

    public void testConcurrentCallersShareOneLoad() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "m", smallConfig());
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, (spec, progress) -> {
            loads.incrementAndGet();
            loading.countDown();
            await(release);
            return new FakeModel(spec.id());
        }, memory)) {
            PlainActionFuture<ModelService.LoadedModel> first = new PlainActionFuture<>();
            ms.whenLoaded("m", first);
            assertTrue(loading.await(30, TimeUnit.SECONDS));
            assertEquals(ModelService.State.LOADING, ms.state("m"));
            assertEquals(LoadProgress.Phase.FINGERPRINT, ms.progress("m").phase());
            // the estimate is reserved before any weight is read
            assertEquals(estimateBytes(smallConfig()), memory.reserved("cpu"));
            PlainActionFuture<ModelService.LoadedModel> second = new PlainActionFuture<>();
            ms.whenLoaded("m", second);
            CountDownLatch waiting = new CountDownLatch(1);
            ms.beforeAwaitingLoad(waiting::countDown);
            Future<ModelService.LoadedModel> blocking = callers.submit(() -> ms.get("m"));
            try {
                // the blocking caller has joined the load in flight (the load cannot end before release)
                assertTrue(waiting.await(30, TimeUnit.SECONDS));
                assertNull("not loaded yet", ms.tryAcquire("m"));
                assertFalse(first.isDone());
                assertFalse(blocking.isDone());
            } finally {
                release.countDown();
            }
            ModelService.LoadedModel m = first.actionGet();
            assertSame(m, second.actionGet());
            assertSame(m, blocking.get(30, TimeUnit.SECONDS));
            assertEquals(1, loads.get());
            assertEquals(ModelService.State.LOADED, ms.state("m"));
            // once loaded, whenLoaded answers at once on the caller's thread
            PlainActionFuture<ModelService.LoadedModel> third = new PlainActionFuture<>();
            ms.whenLoaded("m", third);
            assertTrue(third.isDone());
            assertEquals(1, loads.get());
            ModelStatus status = ms.status().get(0);
            assertEquals("loaded", status.state());
            assertEquals("cpu", status.device());
            assertEquals(Long.valueOf(estimateBytes(smallConfig())), status.reservedBytes());
            assertEquals(
                List.of(new ModelSummary("m", status.path(), status.parameters(), status.weightBytes(), "cpu", status.dtype())),
                ms.loadedSummary()
            );
        }
        assertEquals("close frees everything", 0, memory.reserved("cpu"));
    }

    public void testUnloadNeverFreesUnderARunningCall() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "m", smallConfig());
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, (spec, progress) -> new FakeModel(spec.id()), memory)) {
            FakeModel m = (FakeModel) ms.get("m");
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            Future<Boolean> call = callers.submit(() -> m.work(inside, finish));
            assertTrue(inside.await(30, TimeUnit.SECONDS));
            ModelService.UnloadResult r = ms.unload("m");
            assertEquals("unloading", r.result());
            assertEquals(1, r.users());
            assertFalse("natives kept while a call runs", m.freed.get());
            assertEquals(ModelService.State.NOT_LOADED, ms.state("m"));
            assertNull(ms.tryAcquire("m"));
            assertEquals("still accounted", estimateBytes(smallConfig()), memory.reserved("cpu"));
            assertEquals("unloading", ms.status().get(0).state());
            // while the running call keeps it alive the model still answers
            assertEquals(1, m.countTokens("x"));
            finish.countDown();
            assertTrue("the call saw its model intact", call.get(30, TimeUnit.SECONDS));
            assertTrue(m.freed.get());
            // once freed, a call is refused rather than run on freed memory
            LlocoException e = expectThrows(LlocoException.class, () -> m.countTokens("x"));
            assertEquals(RestStatus.SERVICE_UNAVAILABLE, e.status());
            assertEquals(0, memory.reserved("cpu"));
            assertEquals(List.of(), ms.status());
        }
    }

    public void testLeaseKeepsTheModelUntilClosed() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "m", smallConfig());
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, (spec, progress) -> new FakeModel(spec.id()), memory)) {
            ModelLease lease = ms.lease("m");
            FakeModel m = (FakeModel) lease.model();
            assertEquals(1, m.users());
            assertEquals("unloading", ms.unload("m").result());
            assertFalse(m.freed.get());
            lease.close();
            lease.close(); // harmless
            assertTrue(m.freed.get());
            assertEquals(0, memory.reserved("cpu"));
            // without users an unload frees at once
            ms.get("m");
            assertEquals("unloaded", ms.unload("m").result());
            assertEquals("not_loaded", ms.unload("m").result());
        }
    }

    public void testModelTooLargeForTheLimitIsRefusedBeforeLoading() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "big", smallConfig());
        AtomicInteger loads = new AtomicInteger();
        MemoryBudget memory = budget("1mb");
        try (ModelService ms = service(home, (spec, progress) -> {
            loads.incrementAndGet();
            return new FakeModel(spec.id());
        }, memory)) {
            LlocoException e = expectThrows(LlocoException.class, () -> ms.get("big"));
            assertEquals(RestStatus.SERVICE_UNAVAILABLE, e.status());
            long needed = estimateBytes(smallConfig());
            assertTrue(e.getMessage(), e.getMessage().contains("needs " + needed + " bytes"));
            assertTrue(e.getMessage(), e.getMessage().contains("1048576 bytes (1mb) free"));
            assertTrue(e.getMessage(), e.getMessage().contains("[plugins.lloco.memory.limit] = [1mb]"));
            assertTrue(e.getMessage(), e.getMessage().contains("model [big]"));
            assertEquals(0, loads.get());
            assertEquals(0, memory.reserved("cpu"));
            assertNull(ms.tryAcquire("big"));
            ModelStatus status = ms.status("big").get(0);
            assertEquals("failed", status.state());
            assertEquals(503, status.error().status());
        }
    }

    public void testUnknownModelIs404AndLeavesNothing() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "m", smallConfig());
        try (ModelService ms = service(home, (spec, progress) -> new FakeModel(spec.id()), budget("1gb"))) {
            LlocoException e = expectThrows(LlocoException.class, () -> ms.get("nope"));
            assertEquals(RestStatus.NOT_FOUND, e.status());
            assertTrue(e.getMessage(), e.getMessage().contains("unknown model [nope] on node [n0]"));
            assertTrue(e.getMessage(), e.getMessage().contains("m"));
            assertEquals(List.of(), ms.status());
            assertEquals(RestStatus.BAD_REQUEST, expectThrows(LlocoException.class, () -> ms.get("../etc")).status());
        }
    }

    public void testFailedLoadReleasesMemoryAndTheNextCallRetries() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "m", smallConfig());
        AtomicInteger loads = new AtomicInteger();
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, (spec, progress) -> {
            if (loads.incrementAndGet() == 1) {
                throw new IOException("weights truncated");
            }
            return new FakeModel(spec.id());
        }, memory)) {
            LlocoException e = expectThrows(LlocoException.class, () -> ms.get("m"));
            assertEquals(RestStatus.INTERNAL_SERVER_ERROR, e.status());
            assertTrue(e.getMessage(), e.getMessage().contains("weights truncated"));
            assertEquals(0, memory.reserved("cpu"));
            assertEquals(ModelService.State.FAILED, ms.state("m"));
            assertNotNull(ms.get("m"));
            assertEquals(2, loads.get());
            assertEquals(estimateBytes(smallConfig()), memory.reserved("cpu"));
        }
    }

    public void testUnloadWhileLoadingCancelsTheLoad() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "m", smallConfig());
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<FakeModel> built = new AtomicReference<>();
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, (spec, progress) -> {
            loading.countDown();
            await(release);
            progress.beforeTensor("model.embed_tokens.weight"); // the next step of a real load
            built.set(new FakeModel(spec.id()));
            return built.get();
        }, memory)) {
            PlainActionFuture<ModelService.LoadedModel> f = new PlainActionFuture<>();
            ms.whenLoaded("m", f);
            assertTrue(loading.await(30, TimeUnit.SECONDS));
            assertEquals("cancelled", ms.unload("m").result());
            release.countDown();
            LlocoException e = expectThrows(LlocoException.class, f::actionGet);
            assertEquals(RestStatus.SERVICE_UNAVAILABLE, e.status());
            assertTrue(e.getMessage(), e.getMessage().contains("cancelled"));
            assertNull(built.get());
            assertEquals(0, memory.reserved("cpu"));
            assertEquals(ModelService.State.NOT_LOADED, ms.state("m"));
        }
    }

    public void testFloat16WeightsReserveWhatTheModelHolds() throws Exception {
        Path home = createTempDir();
        TestModels.writeRandomAutoCompressor(home.resolve("config").resolve("lloco/models/half"), 5, 16);
        io.lloco.runtime.model.Precision halfWeights = new io.lloco.runtime.model.Precision(
            ai.djl.ndarray.types.DataType.FLOAT32,
            ai.djl.ndarray.types.DataType.FLOAT16
        );
        Placement placement = new Placement() {

            @Override
            public java.util.List<String> devices() {
                return java.util.List.of("cpu");
            }

            @Override
            public io.lloco.runtime.model.Precision precision(String device) {
                return halfWeights;
            }
        };
        MemoryBudget memory = budget("1gb");
        try (
            ModelService ms = new ModelService(
                home.resolve("config"),
                home.resolve("data"),
                RuntimeModel::load,
                placement,
                memory,
                () -> 2,
                pool,
                "n0"
            )) {
            RuntimeModel m = (RuntimeModel) ms.get("half");
            assertEquals(halfWeights, m.precision());
            MemoryEstimate est = ms.estimate(m.model().config(), halfWeights);
            assertTrue(est.weightBytes() < 3 * m.parameters());
            assertTrue(est.scratchBytes() > 0);
            assertEquals(est.totalBytes(), memory.reserved("cpu"));
            // the estimate is what the loaded weights hold: float16 matrices, norms included
            assertEquals(est.weightBytes(), m.weightBytes());
            assertTrue(m.countTokens("a half-weight model still answers") > 0);
        }
    }

    public void testCorruptWeightsFailNamingTheFileWhileOtherModelsServe() throws Exception {
        Path home = createTempDir();
        Path config = home.resolve("config");
        TestModels.writeRandomAutoCompressor(config.resolve("lloco/models/good"), 3, 16);
        Path broken = TestModels.writeRandomAutoCompressor(config.resolve("lloco/models/broken"), 4, 16);
        byte[] bytes = Files.readAllBytes(broken.resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, RuntimeModel::load, memory)) {
            RuntimeModel good = (RuntimeModel) ms.get("good");
            LlocoException e = expectThrows(LlocoException.class, () -> ms.get("broken"));
            assertEquals(RestStatus.UNPROCESSABLE_ENTITY, e.status()); // the files are what to fix, not the request or the node
            assertTrue(e.getMessage(), e.getMessage().contains("model.safetensors"));
            assertTrue(e.getMessage(), e.getMessage().contains("[broken]"));
            assertEquals(ModelService.State.FAILED, ms.state("broken"));
            // only the good model stays accounted, and it still serves
            MemoryEstimate est = ms.estimate(good.model().config(), io.lloco.runtime.model.Precision.FLOAT32);
            assertEquals(est.totalBytes(), memory.reserved("cpu"));
            assertTrue(good.countTokens("the good model still answers") > 0);
            assertEquals(est.weightBytes(), good.weightBytes());
        }
    }

    public void testGarbledConfigTokenizerAndManifestAre422NamingTheFileAndNothingStaysReserved() throws Exception {
        Path home = createTempDir();
        Path config = home.resolve("config");
        TestModels.writeRandomAutoCompressor(config.resolve("lloco/models/good"), 3, 16);
        Map<String, String> garbled = new java.util.LinkedHashMap<>();
        garbled.put("config.json", "{\"hidden_size\": 64, \"num_hidden");
        garbled.put("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": [1, 2");
        garbled.put("lloco.json", "{segment_tokens: 16");
        for (var f : garbled.entrySet()) {
            Path m = TestModels.writeRandomAutoCompressor(config.resolve("lloco/models/bad-" + f.getKey()), 4, 16);
            Files.writeString(m.resolve(f.getKey()), f.getValue());
        }
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, RuntimeModel::load, memory)) {
            RuntimeModel good = (RuntimeModel) ms.get("good");
            long reserved = memory.reserved("cpu");
            for (String f : garbled.keySet()) {
                LlocoException e = expectThrows(LlocoException.class, () -> ms.get("bad-" + f));
                assertEquals(f + ": " + e.getMessage(), RestStatus.UNPROCESSABLE_ENTITY, e.status());
                assertTrue(e.getMessage(), e.getMessage().contains(f));
                assertTrue(e.getMessage(), e.getMessage().contains("[bad-" + f + "]"));
                assertEquals(ModelService.State.FAILED, ms.state("bad-" + f));
                assertEquals(f, reserved, memory.reserved("cpu"));
            }
            assertTrue(good.countTokens("the good model still answers") > 0);
        }
    }

    public void testAGarbledTokenizerFailsBeforeTheWeightsAreRead() throws Exception {
        // the weights are truncated too: a 422 naming tokenizer.json shows the tokenizer was checked first, so a 7B
        // checkpoint with a bad tokenizer.json fails in milliseconds rather than after minutes of reading weights
        Path home = createTempDir();
        Path m = TestModels.writeRandomAutoCompressor(home.resolve("config").resolve("lloco/models/bad"), 4, 16);
        Files.writeString(m.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": [1, 2");
        byte[] bytes = Files.readAllBytes(m.resolve("model.safetensors"));
        Files.write(m.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, RuntimeModel::load, memory)) {
            LlocoException e = expectThrows(LlocoException.class, () -> ms.get("bad"));
            assertEquals(RestStatus.UNPROCESSABLE_ENTITY, e.status());
            assertTrue(e.getMessage(), e.getMessage().contains("tokenizer.json"));
            assertFalse(e.getMessage(), e.getMessage().contains("model.safetensors"));
            assertEquals(0, memory.reserved("cpu"));
        }
    }

    public void testAFullDiskIs507NamingTheFolderAndAFileChangedUnderAReadIs422() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "m", smallConfig());
        AtomicInteger loads = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> failedAt = new java.util.concurrent.atomic.AtomicReference<>();
        MemoryBudget memory = budget("1gb");
        try (ModelService ms = service(home, (spec, progress) -> {
            switch (loads.incrementAndGet()) {
                case 1 -> throw new java.io.UncheckedIOException(
                    "cannot extract",
                    new java.nio.file.FileSystemException(
                        failedAt.updateAndGet(x -> spec.dir().toString()), null, "No space left on device"
                    )
                );
                case 2 -> throw new InternalError("a fault occurred in an unsafe memory access operation");
                default -> {
                    return new FakeModel(spec.id());
                }
            }
        }, memory)) {
            LlocoException full = expectThrows(LlocoException.class, () -> ms.get("m"));
            assertEquals(RestStatus.INSUFFICIENT_STORAGE, full.status());
            assertTrue(full.getMessage(), full.getMessage().contains("no space left on node [n0]"));
            // the path the failed write names, not the extraction folder
            assertTrue(full.getMessage(), full.getMessage().contains("[" + failedAt.get() + "]"));
            assertTrue(full.getMessage(), full.getMessage().contains("free space"));
            assertEquals(0, memory.reserved("cpu"));
            LlocoException changed = expectThrows(LlocoException.class, () -> ms.get("m"));
            assertEquals(RestStatus.UNPROCESSABLE_ENTITY, changed.status());
            assertTrue(changed.getMessage(), changed.getMessage().contains("changed or was truncated while it was read"));
            assertEquals(0, memory.reserved("cpu"));
            assertNotNull(ms.get("m")); // and the next load, with the files whole, works
        }
    }

    public void testRealLoadReportsEveryTensor() throws Exception {
        Path home = createTempDir();
        TestModels.writeRandomAutoCompressor(home.resolve("config/lloco/models/ac"), 5, 16);
        List<LoadProgress> seen = new ArrayList<>();
        try (ModelService ms = service(home, (spec, progress) -> {
            seen.add(progress);
            return RuntimeModel.load(spec, progress);
        }, budget("1gb"))) {
            RuntimeModel m = (RuntimeModel) ms.get("ac");
            LoadProgress p = seen.get(0);
            assertEquals(LoadProgress.Phase.DONE, p.phase());
            assertEquals(LlamaWeights.expectedShapes(m.model().config()).size(), p.tensorsTotal());
            assertEquals(p.tensorsTotal(), p.tensorsLoaded());
            assertEquals(m.weightBytes(), p.bytesTotal());
            assertEquals(p.bytesTotal(), p.bytesLoaded());
            assertEquals("float32", m.dtype());
            assertEquals("cpu", m.device());
        }
    }

    public void testEmbeddedModelIsExtractedOncePerNode() throws Exception {
        assumeTrue("the embedded model is on the classpath", EmbeddedModel.available());
        Path home = createTempDir();
        try (ModelService ms = service(home, (spec, progress) -> new FakeModel(spec.id()), budget("1gb"))) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Path>> resolves = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                resolves.add(callers.submit(() -> {
                    go.await();
                    return ms.resolve(ModelService.EMBEDDED_MODEL);
                }));
            }
            go.countDown();
            Path dir = resolves.get(0).get(30, TimeUnit.SECONDS);
            for (Future<Path> f : resolves) {
                assertEquals(dir, f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(dir, ms.resolve(ModelService.EMBEDDED_MODEL));
            assertEquals(1, ms.embeddedExtractions());
            assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
            try (var s = Files.list(dir.getParent())) {
                // (Lucene's test file system may add an "extra*" entry to any folder: not ours)
                assertEquals(
                    "no temporary folders left",
                    List.of(dir),
                    s.filter(p -> p.getFileName().toString().startsWith("extra") == false).toList()
                );
            }
        }
        // the next start of the node finds this build's files and writes nothing
        try (ModelService ms = service(home, (spec, progress) -> new FakeModel(spec.id()), budget("1gb"))) {
            ms.resolve(ModelService.EMBEDDED_MODEL);
            assertEquals(0, ms.embeddedExtractions());
        }
        // files from another build are replaced whole
        Path stamp = home.resolve("data/models").resolve(ModelService.EMBEDDED_MODEL).resolve(EmbeddedModel.EXTRACTED_STAMP);
        Files.writeString(stamp, "another build");
        try (ModelService ms = service(home, (spec, progress) -> new FakeModel(spec.id()), budget("1gb"))) {
            ms.resolve(ModelService.EMBEDDED_MODEL);
            assertEquals(1, ms.embeddedExtractions());
            assertNotEquals("another build", Files.readString(stamp));
        }
    }

    public void testClosedServiceRefusesAndFrees() throws Exception {
        Path home = createTempDir();
        writeConfig(home.resolve("config"), "m", smallConfig());
        MemoryBudget memory = budget("1gb");
        ModelService ms = service(home, (spec, progress) -> new FakeModel(spec.id()), memory);
        FakeModel m = (FakeModel) ms.get("m");
        ms.close();
        assertTrue(m.freed.get());
        assertEquals(0, memory.reserved("cpu"));
        assertEquals(RestStatus.SERVICE_UNAVAILABLE, expectThrows(LlocoException.class, () -> ms.get("m")).status());
    }
}
