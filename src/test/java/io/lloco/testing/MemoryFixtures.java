/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.testing;

import java.util.LinkedHashMap;
import java.util.Map;

import io.lloco.engine.MemoryStatus;

/** One node's memory section, typed and as the map the API rendered before it was typed (for the wire tests). */
public final class MemoryFixtures {

    private MemoryFixtures() {
    }

    /** A memory section: a CPU with its limit and free bytes, a GPU that could not be read. */
    public static MemoryStatus memory() {
        Map<String, MemoryStatus.Device> devices = new LinkedHashMap<>();
        devices.put("cpu", new MemoryStatus.Device(1_073_741_824L, 1_000L, null, 1_073_740_824L));
        devices.put("cuda:0", new MemoryStatus.Device(null, null, "no such device", 0L));
        return new MemoryStatus("1gb", devices);
    }

    /** {@link #memory()} as the former map-building MemoryBudget.describe had it (MemoryStatusTests checks they agree). */
    public static Map<String, Object> memoryMap() {
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("limit_in_bytes", 1_073_741_824L);
        cpu.put("free_in_bytes", 1_000L);
        cpu.put("reserved_in_bytes", 1_073_740_824L);
        Map<String, Object> gpu = new LinkedHashMap<>();
        gpu.put("error", "no such device");
        gpu.put("reserved_in_bytes", 0L);
        Map<String, Object> devices = new LinkedHashMap<>();
        devices.put("cpu", cpu);
        devices.put("cuda:0", gpu);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("limit_setting", "1gb");
        m.put("devices", devices);
        return m;
    }
}
