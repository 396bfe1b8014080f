/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.ExceptionsHelper;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.lease.Releasable;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;

import ai.djl.ndarray.types.DataType;

import io.lloco.common.DiskFull;
import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.model.MemoryEstimate;
import io.lloco.runtime.model.Precision;

/**
 * This node's models: finds them (the embedded {@value EmbeddedModel#ID}, extracted once per node under the data path,
 * and Hugging Face checkpoints under {@code <config>/lloco/models/<id>/}), loads each at most once at a time on the
 * loading executor (concurrent callers share one load), checks its memory estimate against
 * {@code plugins.lloco.memory.limit} first, keeps it until unloaded, and frees its native memory only when no caller
 * holds it any more. Adapters come from {@code <config>/lloco/adapters/<name>/} and from a model's own
 * {@code adapters/<name>/}.
 *
 * <p>APIs for callers: {@link #whenLoaded} (asynchronous: completes when the model is loaded or failed, starting the
 * load if needed), {@link #state} and {@link #progress} (non-blocking), {@link #tryAcquire} (a {@link ModelLease} on a
 * loaded model, or null), {@link #lease} and {@link #get} (blocking: load if needed).
 */
public class ModelService implements AutoCloseable {

    /** The model that ships inside the plugin (the default of ingest and questions). */
    public static final String EMBEDDED_MODEL = EmbeddedModel.ID;

    /** Builds a runtime model from a checkpoint directory (the old form: CPU, float32, no progress). */
    @FunctionalInterface
    public interface Loader {

        /** Loads {@code dir} as model {@code id} with the given fingerprint. */
        LoadedModel load(String id, Path dir, String fingerprint) throws IOException;
    }

    /** Builds a runtime model on a device at a dtype, reporting progress. */
    @FunctionalInterface
    public interface ModelLoader {

        /** Loads the model {@code spec} describes; throws {@link CancellationException} when {@code progress} is cancelled. */
        LoadedModel load(LoadSpec spec, LoadProgress progress) throws IOException;
    }

    /** Reserves native memory for an adapter of a loaded model (on the model's device). */
    @FunctionalInterface
    public interface AdapterMemory {

        /** Reserves {@code bytes}; 503 when they do not fit. */
        Releasable reserve(String what, long bytes);

        /** No accounting. */
        AdapterMemory NONE = (what, bytes) -> () -> {
        };
    }

    /**
     * What to load and where.
     *
     * @param estimate weights at {@code precision} and the KV-cache budget, already reserved on {@code device}
     */
    public record LoadSpec(String id, Path dir, String fingerprint, LlamaConfig config, String device, Precision precision,
        MemoryEstimate estimate, AdapterMemory adapterMemory) {
    }

    /** An adapter a loaded model holds. */
    public record AdapterInfo(String name, String path, long parameters, long bytes) {
    }

    /** A loaded model: its encoder side, what it holds, and its reference count ({@link ManagedModel}). */
    public interface LoadedModel extends SummaryEncoder, AutoCloseable {

        /** Parameters in the base model. */
        long parameters();

        /** The compute device ({@code cpu}, {@code cuda:0}). */
        default String device() {
            return "cpu";
        }

        /** The compute dtype ({@code float32}, {@code float16}). */
        default String dtype() {
            return "float32";
        }

        /** Native bytes of the weights. */
        default long weightBytes() {
            return 0;
        }

        /** Adapters loaded so far. */
        default List<AdapterInfo> adapters() {
            return List.of();
        }

        /** Takes a reference (false once closed). */
        boolean tryAcquire();

        /** Drops a reference taken by {@link #tryAcquire()}. */
        void release();

        /** Whether {@link #close()} was called. */
        boolean isClosed();

        /** References held besides the registry's. */
        int users();

        /** Runs {@code callback} once the natives are freed (now if they already are). */
        void onFreed(Runnable callback);

        /** Drops the registry's reference: frees the natives now or when the last user releases the model. */
        @Override
        void close();
    }

    /** The state of a model id on this node. */
    public enum State {
        /** Never loaded, or unloaded. */
        NOT_LOADED,
        /** Loading now. */
        LOADING,
        /** Loaded and serving. */
        LOADED,
        /** The last load failed ({@link #status} has the error); the next request tries again. */
        FAILED
    }

    /** What an unload did. */
    public record UnloadResult(String model, String result, int users) {
    }

    private static final Logger logger = LogManager.getLogger(ModelService.class);

    private final Path configModels;
    private final Path configAdapters;
    private final EmbeddedModel embedded;
    private final ModelLoader loader;
    private final Placement placement;
    private final MemoryBudget memory;
    private final IntSupplier kvBatch;
    private final Executor executor;
    private final String nodeName;
    private final AdapterCache adapterCache;
    private final Map<String, String[]> fingerprints = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final List<Entry> draining = new ArrayList<>();
    private boolean closed;
    private volatile Runnable beforeAwaitingLoad = () -> {
    };

    /** One load of one model id, and the model once loaded. */
    private static final class Entry {

        final String id;
        final LoadProgress progress;
        final List<ActionListener<LoadedModel>> listeners = new ArrayList<>();
        final long startedMillis = System.currentTimeMillis();
        volatile State state = State.LOADING;
        volatile LoadedModel model;
        volatile Exception failure;
        volatile Path dir;
        volatile String fingerprint;
        volatile MemoryEstimate estimate;
        volatile long loadMillis;
        volatile MemoryBudget.Reservation reservation;
        volatile boolean preload;

        Entry(String id) {
            this.id = id;
            this.progress = new LoadProgress(id);
        }
    }

    /**
     * A node's model service.
     *
     * @param configDir the node's config directory (models under {@code lloco/models})
     * @param dataDir where to extract the embedded model ({@code <path.data>/lloco})
     * @param loader builds models
     * @param placement devices and dtypes (the engine)
     * @param memory the memory limit and the {@code lloco} breaker
     * @param kvBatch sequences the KV-cache budget is sized for ({@code plugins.lloco.qa.max_batch})
     * @param executor runs loads (the {@code lloco_load} pool)
     * @param nodeName this node's name, for messages
     */
    public ModelService(
        Path configDir,
        Path dataDir,
        ModelLoader loader,
        Placement placement,
        MemoryBudget memory,
        IntSupplier kvBatch,
        Executor executor,
        String nodeName
    ) {
        this(configDir, dataDir, loader, placement, memory, kvBatch, executor, nodeName, () -> DEFAULT_ADAPTER_CACHE_SIZE);
    }

    /** Adapters a node keeps loaded when nothing says otherwise ({@code plugins.lloco.adapters.cache_size}). */
    public static final int DEFAULT_ADAPTER_CACHE_SIZE = 16;

    /**
     * A node's model service whose adapter cache holds {@code adapterCacheSize} adapters
     * ({@code plugins.lloco.adapters.cache_size}, read at every adapter load); other parameters as above.
     */
    public ModelService(
        Path configDir,
        Path dataDir,
        ModelLoader loader,
        Placement placement,
        MemoryBudget memory,
        IntSupplier kvBatch,
        Executor executor,
        String nodeName,
        IntSupplier adapterCacheSize
    ) {
        this.adapterCache = new AdapterCache(adapterCacheSize);
        this.configModels = configDir.resolve("lloco").resolve("models");
        this.configAdapters = configDir.resolve("lloco").resolve("adapters");
        this.embedded = new EmbeddedModel(dataDir.resolve("models"));
        this.loader = loader;
        this.placement = placement;
        this.memory = memory;
        this.kvBatch = kvBatch;
        this.executor = executor;
        this.nodeName = nodeName;
    }

    /**
     * The old form, for tools and tests: loads on the calling thread, on the CPU at float32, without a memory limit.
     *
     * @param registry unused (kept for callers of the old constructor)
     */
    public ModelService(Path configDir, Path dataDir, Loader loader, ModelRegistry registry) {
        this(
            configDir,
            dataDir,
            (spec, progress) -> loader.load(spec.id(), spec.dir(), spec.fingerprint()),
            Placement.CPU_FLOAT32,
            MemoryBudget.unlimited(),
            () -> 1,
            Runnable::run,
            "_local"
        );
    }

    /** Model ids known on this node, sorted. */
    public List<String> knownModels() {
        TreeSet<String> ids = new TreeSet<>();
        if (EmbeddedModel.available()) {
            ids.add(EmbeddedModel.ID);
        }
        if (Files.isDirectory(configModels)) {
            try (Stream<Path> s = Files.list(configModels)) {
                s.filter(p -> Files.isRegularFile(p.resolve("config.json"))).forEach(p -> ids.add(p.getFileName().toString()));
            } catch (IOException e) {
                logger.warn("cannot list [{}]: {}", configModels, e.toString());
            }
        }
        return new ArrayList<>(ids);
    }

    /** Whether {@code id} is known here. */
    public boolean knows(String id) {
        return knownModels().contains(id);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // loading

    /**
     * Completes {@code listener} with the model once it is loaded (at once if it is), or with the load's failure.
     * Starts loading it on the loading executor if no load is running; concurrent callers share one load. The
     * listener runs on the loading thread (or the caller's, when already loaded): hand heavy work to your own executor.
     * The model handed over is not leased: take a {@link ModelLease} ({@link #tryAcquire}) for the time you use it.
     */
    public void whenLoaded(String id, ActionListener<LoadedModel> listener) {
        whenLoaded(id, listener, false);
    }

    private void whenLoaded(String id, ActionListener<LoadedModel> listener, boolean preload) {
        try {
            checkId(id);
        } catch (LlocoException bad) {
            listener.onFailure(bad);
            return;
        }
        Entry start = null;
        LoadedModel ready = null;
        synchronized (this) {
            if (closed == false) {
                Entry e = entries.get(id);
                if (e != null && e.state == State.LOADED) {
                    ready = e.model;
                } else if (e != null && e.state == State.LOADING) {
                    e.listeners.add(listener);
                    return;
                } else {
                    start = new Entry(id);
                    start.preload = preload;
                    start.listeners.add(listener);
                    entries.put(id, start);
                }
            }
        }
        if (ready == null && start == null) {
            listener.onFailure(new LlocoException("node [" + nodeName + "] is closing", RestStatus.SERVICE_UNAVAILABLE));
            return;
        }
        if (ready != null) {
            listener.onResponse(ready);
            return;
        }
        if (start != null) {
            Entry e = start;
            try {
                executor.execute(() -> load(e));
            } catch (Exception rejected) {
                fail(
                    e,
                    new LlocoException(
                        "cannot start loading model [" + id + "] on node [" + nodeName + "]: " + rejected.getMessage(),
                        RestStatus.TOO_MANY_REQUESTS,
                        rejected
                    )
                );
            }
        }
    }

    /** The state of {@code id} on this node (non-blocking). */
    public synchronized State state(String id) {
        Entry e = entries.get(id);
        return e == null ? State.NOT_LOADED : e.state;
    }

    /** The progress of the current (or last) load of {@code id}, or null when there is none (non-blocking). */
    public synchronized LoadProgress progress(String id) {
        Entry e = entries.get(id);
        return e == null ? null : e.progress;
    }

    /** A lease on {@code id} if it is loaded now, else null (non-blocking). Close the lease when done. */
    public ModelLease tryAcquire(String id) {
        LoadedModel m;
        synchronized (this) {
            Entry e = entries.get(id);
            m = e == null || e.state != State.LOADED ? null : e.model;
        }
        return m != null && m.tryAcquire() ? new ModelLease(m) : null;
    }

    /** A lease on {@code id}, loading it first if needed (blocking). 404 for unknown ids, the load's error if it fails. */
    public ModelLease lease(String id) {
        while (true) {
            LoadedModel m = get(id);
            if (m.tryAcquire()) {
                return new ModelLease(m);
            }
            // unloaded between the load and the lease: load again
        }
    }

    /**
     * The loaded model, loading it first if needed (blocking; concurrent callers share one load). 404 for unknown ids,
     * 503 when it does not fit the memory limit, 422 for unusable files (naming the file), 507 for a full disk. The model is not leased: a concurrent
     * unload makes later calls on it fail with 503 but never frees memory under a running call.
     */
    public LoadedModel get(String id) {
        PlainActionFuture<LoadedModel> f = new PlainActionFuture<>();
        whenLoaded(id, f);
        beforeAwaitingLoad.run();
        return f.actionGet();
    }

    /**
     * For tests: {@code hook} runs in {@link #get} once the caller waits on the load (its listener is registered with
     * the load in flight, or already answered), just before it blocks.
     */
    void beforeAwaitingLoad(Runnable hook) {
        this.beforeAwaitingLoad = hook;
    }

    /** Loads each of {@code ids} in the background; failures (unknown ids too) are logged and kept in {@link #status}. */
    public void preload(List<String> ids) {
        for (String id : ids) {
            logger.info("preloading model [{}] on node [{}]", id, nodeName);
            ActionListener<LoadedModel> log = ActionListener.wrap(
                m -> {
                },
                e -> logger.warn("preloading model [" + id + "] named by [" + preloadSetting() + "] failed: " + e.getMessage())
            );
            whenLoaded(id, log, true);
        }
    }

    private void load(Entry e) {
        LoadProgress progress = e.progress;
        long t0 = System.nanoTime();
        LoadedModel model = null;
        try {
            progress.phase(LoadProgress.Phase.RESOLVING);
            progress.checkCancelled();
            Path dir = resolve(e.id); // first: an unknown id is a 404 whatever the engine's state
            e.dir = dir;
            List<String> devices = placement.devices();
            LlamaConfig config = Checkpoints.config(dir);
            // the device with the most free bytes among those the model fits on (each device at its own dtype)
            String device = null;
            MemoryEstimate est = null;
            for (String d : devices) {
                MemoryEstimate m = estimate(config, placement.precision(d));
                long spare = memory.free(d) - m.totalBytes();
                if (est == null || spare > memory.free(device) - est.totalBytes()) {
                    device = d;
                    est = m;
                }
            }
            e.estimate = est;
            e.reservation = memory.reserve(device, est.totalBytes(), describe(e.id, est));
            Precision precision = placement.precision(device);
            progress.placement(device, precision.computeName());
            String fingerprint = ModelFingerprint.of(dir, progress);
            e.fingerprint = fingerprint;
            String chosen = device;
            AdapterMemory adapters = (what, bytes) -> memory.reserve(chosen, bytes, what);
            model = loader.load(new LoadSpec(e.id, dir, fingerprint, config, chosen, precision, est, adapters), progress);
            progress.phase(LoadProgress.Phase.DONE);
            e.loadMillis = (System.nanoTime() - t0) / 1_000_000;
            List<ActionListener<LoadedModel>> waiting;
            synchronized (this) {
                progress.checkCancelled();
                if (closed) {
                    throw new LlocoException("node [" + nodeName + "] is closing", RestStatus.SERVICE_UNAVAILABLE);
                }
                MemoryBudget.Reservation r = e.reservation;
                model.onFreed(r::close);
                LoadedModel freed = model;
                model.onFreed(() -> adapterCache.invalidateModel(freed));
                e.model = model;
                e.state = State.LOADED;
                waiting = new ArrayList<>(e.listeners);
                e.listeners.clear();
            }
            logger.info(
                "loaded model [{}] from [{}] on [{}] at {} in {} ms ({} parameters, {} weight bytes, {} KV-cache budget bytes, {})",
                e.id,
                dir,
                device,
                precision,
                e.loadMillis,
                model.parameters(),
                est.weightBytes(),
                est.kvCacheBytes(),
                fingerprint
            );
            ActionListener.onResponse(waiting, model);
        } catch (Exception | AssertionError | InternalError ex) {
            if (model != null) {
                model.close(); // built but not registered: nothing half-loaded stays
            }
            if (e.reservation != null && (model == null || e.model == null)) {
                e.reservation.close();
            }
            fail(e, asLocco(e, ex));
        }
    }

    private void fail(Entry e, Exception error) {
        List<ActionListener<LoadedModel>> waiting;
        synchronized (this) {
            e.progress.phase(LoadProgress.Phase.FAILED);
            e.failure = error;
            e.state = State.FAILED;
            waiting = new ArrayList<>(e.listeners);
            e.listeners.clear();
            RestStatus status = ExceptionsHelper.status(error);
            if ((status == RestStatus.NOT_FOUND || status == RestStatus.BAD_REQUEST) && e.preload == false) {
                entries.remove(e.id, e); // an unknown id asked for by a request leaves no entry (a preloaded one stays visible)
            }
        }
        logger.warn("loading model [{}] on node [{}] failed: {}", e.id, nodeName, error.getMessage());
        ActionListener.onFailure(waiting, error);
    }

    private Exception asLocco(Entry e, Throwable t) {
        if (t instanceof LlocoException le) {
            return le;
        }
        if (t instanceof CancellationException) {
            return new LlocoException(t.getMessage(), RestStatus.SERVICE_UNAVAILABLE, t);
        }
        if (DiskFull.is(t)) {
            // the path the failed write names, else the folder models are extracted to
            java.nio.file.Path where = DiskFull.where(t);
            return DiskFull.error("model [" + e.id + "]", where != null ? where : embedded.extractDir(), nodeName, t);
        }
        if (t instanceof CheckpointException || t.getCause() instanceof CheckpointException) {
            // the files on this node are unusable (truncated, garbled, not this architecture): the model directory is
            // what to fix, the node is fine; the message names the file
            return new LlocoException(
                "cannot load model [" + e.id + "] from [" + e.dir + "]: " + t.getMessage(),
                RestStatus.UNPROCESSABLE_ENTITY,
                t
            );
        }
        if (t instanceof InternalError) {
            // a mapped file truncated or replaced under a read (the JVM turns the SIGBUS into this error)
            return new LlocoException(
                "cannot load model [" + e.id + "] from [" + e.dir + "]: a file changed or was truncated while it was read ("
                    + t.getMessage()
                    + "); put the model's files in place whole and load it again",
                RestStatus.UNPROCESSABLE_ENTITY,
                t
            );
        }
        if (t instanceof IOException || t instanceof UncheckedIOException) {
            return new LlocoException(
                "cannot load model [" + e.id + "] from [" + e.dir + "]: " + t.getMessage(),
                RestStatus.INTERNAL_SERVER_ERROR,
                t
            );
        }
        if (t instanceof org.opensearch.OpenSearchException ose) {
            return ose;
        }
        return new LlocoException("cannot load model [" + e.id + "] from [" + e.dir + "]: " + t, ExceptionsHelper.status(t), t);
    }

    /**
     * The memory estimate of a model of {@code config} at {@code precision}: KV budget for its window x the decode
     * batch, plus widening scratch for the {@link #MODEL_THREADS} threads that run models.
     */
    public MemoryEstimate estimate(LlamaConfig config, Precision precision) {
        return MemoryEstimate.of(config, precision, config.maxPositionEmbeddings(), Math.max(1, kvBatch.getAsInt()), MODEL_THREADS);
    }

    /** Threads that run a model's forward pass: the compress and the decode thread pools (one thread each). */
    public static final int MODEL_THREADS = 2;

    private static String describe(String id, MemoryEstimate est) {
        return String.format(
            Locale.ROOT,
            "model [%s] (weights %d bytes + KV-cache budget %d bytes at %d bytes per value for %d sequences of %d positions"
                + " + widening scratch %d bytes)",
            id,
            est.weightBytes(),
            est.kvCacheBytes(),
            est.bytesPerElement(),
            est.batch(),
            est.positions(),
            est.scratchBytes()
        );
    }

    /** {@code float32} or {@code float16}. */
    public static String dtypeName(DataType dtype) {
        return dtype == DataType.FLOAT16 ? "float16" : "float32";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // unloading

    /**
     * Unloads {@code id}: it leaves the registry at once and its native memory is freed when its last user releases
     * it ({@code result}: {@code unloaded} when freed now, {@code unloading} while {@code users} still hold it). A load
     * in progress is cancelled ({@code cancelled}); a failed load is forgotten; otherwise {@code not_loaded}.
     */
    public UnloadResult unload(String id) {
        checkId(id);
        LoadedModel model;
        Entry e;
        synchronized (this) {
            e = entries.get(id);
            if (e == null) {
                return new UnloadResult(id, "not_loaded", 0);
            }
            entries.remove(id);
            if (e.state == State.LOADING) {
                e.progress.cancel();
                return new UnloadResult(id, "cancelled", 0);
            }
            if (e.state == State.FAILED) {
                return new UnloadResult(id, "not_loaded", 0);
            }
            model = e.model;
            draining.add(e);
        }
        Entry gone = e;
        model.onFreed(() -> {
            synchronized (this) {
                draining.remove(gone);
            }
        });
        model.close();
        adapterCache.invalidateModel(model);
        int users = model.users();
        logger.info("unloaded model [{}] on node [{}]{}", id, nodeName, users == 0 ? "" : " (freed when its " + users + " user(s) finish)");
        return new UnloadResult(id, users == 0 && draining.contains(e) == false ? "unloaded" : "unloading", users);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // status

    /** Every model this node has (loading, loaded, failed, or unloaded but still in use), sorted by id then state. */
    public List<ModelStatus> status() {
        List<Entry> all;
        List<Entry> gone;
        synchronized (this) {
            all = new ArrayList<>(entries.values());
            gone = new ArrayList<>(draining);
        }
        List<ModelStatus> out = new ArrayList<>();
        all.forEach(e -> out.add(describe(e, e.state.name().toLowerCase(Locale.ROOT))));
        gone.forEach(e -> out.add(describe(e, "unloading")));
        out.sort(Comparator.comparing(ModelStatus::id).thenComparing(ModelStatus::state));
        return out;
    }

    /** The status of {@code id}'s entries (see {@link #status()}). */
    public List<ModelStatus> status(String id) {
        return status().stream().filter(m -> id.equals(m.id())).toList();
    }

    /** Loaded models, as the info API lists them. */
    public List<ModelSummary> loadedSummary() {
        List<ModelSummary> out = new ArrayList<>();
        for (ModelStatus m : status()) {
            if ("loaded".equals(m.state())) {
                out.add(new ModelSummary(m.id(), m.path(), m.parameters(), m.weightBytes(), m.device(), m.dtype()));
            }
        }
        return out;
    }

    /** Adapters of loaded models, as the info API lists them. */
    public List<AdapterSummary> adapterSummary() {
        List<LoadedModel> models = new ArrayList<>();
        synchronized (this) {
            entries.values().stream().filter(e -> e.state == State.LOADED).forEach(e -> models.add(e.model));
        }
        List<AdapterSummary> out = new ArrayList<>();
        for (LoadedModel m : models) {
            for (AdapterInfo a : adapterCache.adapters(m)) {
                out.add(new AdapterSummary(a.name(), m.info().id(), a.path(), a.parameters(), a.bytes()));
            }
        }
        return out;
    }

    /** The node's memory limit and reservations per compute device (empty devices when the engine is down). */
    public MemoryStatus memory() {
        List<String> devices;
        try {
            devices = placement.devices();
        } catch (RuntimeException e) {
            devices = List.of();
        }
        return memory.describe(devices);
    }

    private ModelStatus describe(Entry e, String state) {
        String path = e.dir == null ? null : e.dir.toString();
        LoadedModel model = e.model;
        MemoryEstimate est = e.estimate;
        Map<String, Object> progress = e.state == State.LOADING ? e.progress.toMap() : null;
        Exception f = e.failure;
        ModelStatus.Failure error = f != null && e.state == State.FAILED
            ? new ModelStatus.Failure(ExceptionsHelper.status(f).getStatus(), f.getMessage())
            : null;
        if (model != null) {
            List<ModelStatus.AdapterStatus> adapters = new ArrayList<>();
            for (AdapterInfo a : adapterCache.adapters(model)) {
                adapters.add(new ModelStatus.AdapterStatus(a.name(), a.path(), a.parameters(), a.bytes()));
            }
            return ModelStatus.inMemory(
                e.id,
                state,
                path,
                model.device(),
                model.dtype(),
                model.parameters(),
                model.info().fingerprint(),
                model.weightBytes(),
                est,
                adapters,
                model.users(),
                e.loadMillis,
                e.startedMillis,
                progress,
                error
            );
        }
        return ModelStatus.notInMemory(e.id, state, path, est, e.fingerprint, e.startedMillis, progress, error);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // files

    /** Directory of an adapter: {@code <config>/lloco/adapters/<name>}, or the model's own {@code adapters/<name>}. */
    public Path adapterDir(String model, String name) {
        io.lloco.common.ResourceNames.check("adapter name", "adapter", name);
        Path user = configAdapters.resolve(name);
        if (Files.isRegularFile(user.resolve("adapter_config.json"))) {
            return user;
        }
        Path own = resolve(model).resolve("adapters").resolve(name);
        if (Files.isRegularFile(own.resolve("adapter_config.json"))) {
            return own;
        }
        throw new LlocoException(
            String.format(Locale.ROOT, "unknown adapter [%s] for model [%s]: put a PEFT adapter in [%s]", name, model, user),
            RestStatus.NOT_FOUND
        );
    }

    /** The LoRA adapters this node holds in memory (every model's), least recently used evicted first. */
    public AdapterCache adapterCache() {
        return adapterCache;
    }

    /** Whether the model ships its own adapter {@code name} (under its {@code adapters/} folder). */
    public boolean hasModelAdapter(String model, String name) {
        return Files.isRegularFile(resolve(model).resolve("adapters").resolve(name).resolve("adapter_config.json"));
    }

    /** Checkpoint directory of a model id; extracts the embedded model on its first use on this node. */
    public Path resolve(String id) {
        checkId(id);
        Path user = configModels.resolve(id);
        if (Files.isRegularFile(user.resolve("config.json"))) {
            return user;
        }
        if (EmbeddedModel.ID.equals(id) && EmbeddedModel.available()) {
            return embedded.path();
        }
        throw new LlocoException(
            "unknown model [" + id + "] on node [" + nodeName + "]; models on this node: " + knownModels() + " (add one under ["
                + configModels
                + "/<id>/])",
            RestStatus.NOT_FOUND
        );
    }

    private static void checkId(String id) {
        io.lloco.common.ResourceNames.check("model id", "model", id);
    }

    /** Times the embedded model was written to disk by this service (at most once per node start). */
    int embeddedExtractions() {
        return embedded.extractions();
    }

    /**
     * The fingerprint of model {@code id} on this node: the loaded model's, else computed from its files (and kept until
     * one of them changes size or modification time). 404 for an unknown id.
     */
    public String fingerprintOf(String id) throws IOException {
        synchronized (this) {
            Entry e = entries.get(id);
            if (e != null && e.state == State.LOADED && e.model != null) {
                return e.model.info().fingerprint();
            }
        }
        Path dir = resolve(id);
        StringBuilder stamp = new StringBuilder(dir.toString());
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                stamp.append('|').append(f.getFileName()).append(':').append(Files.size(f)).append(':')
                    .append(Files.getLastModifiedTime(f).toMillis());
            }
        }
        String key = stamp.toString();
        String[] known = fingerprints.get(id);
        if (known != null && known[0].equals(key)) {
            return known[1];
        }
        String fp = ModelFingerprint.of(dir);
        fingerprints.put(id, new String[]{key, fp});
        return fp;
    }

    /** Names the setting that lists models loaded at start, for messages. */
    static String preloadSetting() {
        return LlocoSettings.MODELS_PRELOAD.getKey();
    }

    /** Unloads every model (their natives go when their last users finish) and refuses new loads. */
    @Override
    public void close() {
        List<Entry> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(entries.values());
            entries.clear();
        }
        for (Entry e : all) {
            e.progress.cancel();
            LoadedModel m = e.model;
            if (m != null) {
                m.close();
                adapterCache.invalidateModel(m);
            }
        }
    }
}
