/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of one model load, written by the loading thread and read by the tasks API and the models API: the
 * phase, the bytes hashed for the fingerprint, and the tensors and bytes of weights converted so far. A load may be
 * cancelled (unload while loading): the loading thread sees it at its next step ({@link #checkCancelled()}).
 */
public class LoadProgress {

    /** Phases of a load, in order. */
    public enum Phase {
        /** Waiting for the loading thread. */
        QUEUED,
        /** Finding the checkpoint, reading config.json, checking memory. */
        RESOLVING,
        /** Hashing config.json and the weight files. */
        FINGERPRINT,
        /** Reading and converting weights. */
        WEIGHTS,
        /** Tokenizer and the rest. */
        FINISHING,
        /** Loaded. */
        DONE,
        /** Failed or cancelled. */
        FAILED
    }

    private final String model;
    private volatile Phase phase = Phase.QUEUED;
    private volatile String device;
    private volatile String dtype;
    private final AtomicLong bytesHashed = new AtomicLong();
    private volatile long bytesToHash;
    private final AtomicLong tensorsLoaded = new AtomicLong();
    private volatile long tensorsTotal;
    private final AtomicLong bytesLoaded = new AtomicLong();
    private volatile long bytesTotal;
    private volatile boolean cancelled;
    private volatile java.util.function.Consumer<LoadProgress> afterEachTensor;
    private final long startedNanos = System.nanoTime();

    /** Progress of loading {@code model}. */
    public LoadProgress(String model) {
        this.model = model;
    }

    /** The model id. */
    public String model() {
        return model;
    }

    /** Enters a phase. */
    public void phase(Phase p) {
        this.phase = p;
    }

    /** The current phase. */
    public Phase phase() {
        return phase;
    }

    /** Where the weights go and at which dtype. */
    public void placement(String device, String dtype) {
        this.device = device;
        this.dtype = dtype;
    }

    /** Starts hashing {@code total} bytes. */
    public void hashing(long total) {
        this.bytesToHash = total;
        phase(Phase.FINGERPRINT);
    }

    /** {@code n} more bytes hashed. */
    public void hashed(long n) {
        checkCancelled();
        bytesHashed.addAndGet(n);
    }

    /** Starts converting {@code tensors} tensors of {@code bytes} bytes (at the compute dtype). */
    public void weights(long tensors, long bytes) {
        this.tensorsTotal = tensors;
        this.bytesTotal = bytes;
        phase(Phase.WEIGHTS);
    }

    /** About to read one tensor: throws when the load was cancelled. */
    public void beforeTensor(String name) {
        checkCancelled();
    }

    /** One more tensor of {@code bytes} bytes converted. */
    public void tensorLoaded(String name, long bytes) {
        tensorsLoaded.incrementAndGet();
        bytesLoaded.addAndGet(bytes);
        java.util.function.Consumer<LoadProgress> hook = afterEachTensor;
        if (hook != null) {
            hook.accept(this);
        }
    }

    /** Runs {@code hook} on the loading thread after each tensor (logging; tests pause a load with it). */
    public void afterEachTensor(java.util.function.Consumer<LoadProgress> hook) {
        this.afterEachTensor = hook;
    }

    /** Asks the loading thread to stop. */
    public void cancel() {
        cancelled = true;
    }

    /** Whether the load was cancelled. */
    public boolean cancelled() {
        return cancelled;
    }

    /** Throws when cancelled. */
    public void checkCancelled() {
        if (cancelled) {
            throw new CancellationException("loading model [" + model + "] was cancelled (unloaded while loading)");
        }
    }

    /** Tensors converted so far. */
    public long tensorsLoaded() {
        return tensorsLoaded.get();
    }

    /** Tensors to convert. */
    public long tensorsTotal() {
        return tensorsTotal;
    }

    /** Bytes of weights converted so far. */
    public long bytesLoaded() {
        return bytesLoaded.get();
    }

    /** Bytes of weights to convert. */
    public long bytesTotal() {
        return bytesTotal;
    }

    /** A JSON-ready snapshot. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("phase", phase.name().toLowerCase(java.util.Locale.ROOT));
        if (device != null) {
            m.put("device", device);
            m.put("dtype", dtype);
        }
        m.put("fingerprint_bytes_hashed", bytesHashed.get());
        m.put("fingerprint_bytes_total", bytesToHash);
        m.put("tensors_loaded", tensorsLoaded.get());
        m.put("tensors_total", tensorsTotal);
        m.put("bytes_loaded", bytesLoaded.get());
        m.put("bytes_total", bytesTotal);
        m.put("running_millis", (System.nanoTime() - startedNanos) / 1_000_000);
        return m;
    }
}
