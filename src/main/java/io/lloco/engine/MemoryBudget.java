/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import org.opensearch.common.lease.Releasable;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.indices.breaker.BreakerSettings;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.common.MemoryLimit;

/**
 * The native memory models may take on each compute device ({@code plugins.lloco.memory.limit}) and what is reserved
 * now: weights and KV-cache budgets of loaded (and loading) models, and their adapters. A reservation that does not
 * fit is refused with 503 naming the bytes needed, the bytes free and the setting.
 *
 * <p>Every reservation is mirrored in the {@code lloco} circuit breaker (visible in {@code GET _nodes/stats/breaker})
 * with {@link CircuitBreaker#addWithoutBreaking}: these bytes are off-heap, so they are never checked against the
 * heap's parent breaker (whose real-memory check would refuse a model because the heap happens to be full), and the
 * breaker is registered with overhead 0 so that, with {@code indices.breaker.total.use_real_memory: false}, they do
 * not count in the parent's sum of children either.
 */
public class MemoryBudget {

    /** Name of our circuit breaker. */
    public static final String BREAKER = "lloco";

    private final Supplier<MemoryLimit> limit;
    private final ToLongFunction<String> deviceBytes;
    private final long heapMaxBytes;
    private final CircuitBreaker breaker;
    private final Map<String, Long> reserved = new LinkedHashMap<>();

    /**
     * @param limit the live limit setting
     * @param deviceBytes a device's total memory (physical memory for {@code cpu})
     * @param heapMaxBytes the JVM's max heap ({@code auto} leaves it out on the CPU)
     * @param breaker the {@code lloco} breaker, or null
     */
    public MemoryBudget(Supplier<MemoryLimit> limit, ToLongFunction<String> deviceBytes, long heapMaxBytes, CircuitBreaker breaker) {
        this.limit = limit;
        this.deviceBytes = deviceBytes;
        this.heapMaxBytes = heapMaxBytes;
        this.breaker = breaker;
    }

    /**
     * The {@code lloco} breaker's settings: memory type, overhead 0 (off-heap bytes never count towards the heap's
     * parent breaker), permanent durability, no limit until {@link #syncBreakerLimit} sets one.
     */
    public static BreakerSettings breakerSettings() {
        return new BreakerSettings(BREAKER, -1, 0.0, CircuitBreaker.Type.MEMORY, CircuitBreaker.Durability.PERMANENT);
    }

    /** No limit, no breaker (tests and the compat constructor of {@link ModelService}). */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(() -> new MemoryLimit("1pb", 0, MemoryLimit.MAX_BYTES), d -> Long.MAX_VALUE, 0, null);
    }

    /** The limit on {@code device}, in bytes. */
    public long limit(String device) {
        return limit.get().bytesFor(deviceBytes.applyAsLong(device), heapMaxBytes, device.startsWith("cuda"));
    }

    /** Bytes reserved on {@code device}. */
    public synchronized long reserved(String device) {
        return reserved.getOrDefault(device, 0L);
    }

    /** Bytes still free on {@code device} (never negative: a lowered limit may be below what is reserved). */
    public long free(String device) {
        return Math.max(0, limit(device) - reserved(device));
    }

    /** Bytes reserved on every device. */
    public synchronized long reservedTotal() {
        return reserved.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Reserves {@code bytes} on {@code device}; 503 naming the bytes needed and free and the setting when they do not fit. */
    public synchronized Reservation reserve(String device, long bytes, String what) {
        long lim = limit(device);
        long used = reserved(device);
        if (bytes > lim - used) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "not enough memory for %s on device [%s]: needs %d bytes (%s), %d bytes (%s) free of the limit of %d bytes (%s) set by [%s] = [%s] "
                        + "(%d bytes reserved by loaded models); unload a model (POST /_plugins/lloco/models/{id}/_unload), raise [%s], "
                        + "lower [%s] (the KV-cache budget) or use float16 ([%s])",
                    what,
                    device,
                    bytes,
                    new ByteSizeValue(bytes),
                    Math.max(0, lim - used),
                    new ByteSizeValue(Math.max(0, lim - used)),
                    lim,
                    new ByteSizeValue(lim),
                    LlocoSettings.MEMORY_LIMIT.getKey(),
                    limit.get(),
                    used,
                    LlocoSettings.MEMORY_LIMIT.getKey(),
                    LlocoSettings.QA_MAX_BATCH.getKey(),
                    LlocoSettings.DTYPE.getKey()
                ),
                RestStatus.SERVICE_UNAVAILABLE
            );
        }
        reserved.merge(device, bytes, Long::sum);
        if (breaker != null) {
            breaker.addWithoutBreaking(bytes);
        }
        return new Reservation(device, bytes);
    }

    private synchronized void release(String device, long bytes) {
        reserved.merge(device, -bytes, Long::sum);
        if (breaker != null) {
            breaker.addWithoutBreaking(-bytes);
        }
    }

    /**
     * Sets the {@code lloco} breaker's limit to the sum of {@code limit}'s bytes over {@code devices} (informational:
     * reservations are checked here, per device, and added to the breaker without breaking).
     */
    public void syncBreakerLimit(List<String> devices, MemoryLimit limit) {
        if (breaker == null) {
            return;
        }
        long sum = 0;
        for (String d : devices) {
            try {
                sum += limit.bytesFor(deviceBytes.applyAsLong(d), heapMaxBytes, d.startsWith("cuda"));
            } catch (RuntimeException e) {
                return; // a device whose memory cannot be read: loads there say why; the breaker keeps its limit
            }
        }
        breaker.setLimitAndOverhead(sum, 0.0);
    }

    /** Limit, reserved and free bytes per device, in {@code devices} order. */
    public MemoryStatus describe(List<String> devices) {
        Map<String, MemoryStatus.Device> per = new LinkedHashMap<>();
        for (String d : devices) {
            Long limitBytes = null;
            Long freeBytes = null;
            String error = null;
            try {
                limitBytes = limit(d);
                freeBytes = free(d);
            } catch (RuntimeException e) {
                error = e.getMessage();
            }
            per.put(d, new MemoryStatus.Device(limitBytes, freeBytes, error, reserved(d)));
        }
        return new MemoryStatus(limit.get().toString(), per);
    }

    /** Bytes held on one device; {@link #close()} gives them back (once). */
    public final class Reservation implements Releasable {

        private final String device;
        private final long bytes;
        private final AtomicBoolean held = new AtomicBoolean(true);

        private Reservation(String device, long bytes) {
            this.device = device;
            this.bytes = bytes;
        }

        /** The device. */
        public String device() {
            return device;
        }

        /** The bytes. */
        public long bytes() {
            return bytes;
        }

        @Override
        public void close() {
            if (held.compareAndSet(true, false)) {
                release(device, bytes);
            }
        }
    }
}
