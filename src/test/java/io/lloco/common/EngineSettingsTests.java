/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.util.List;

import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchTestCase;

/** plugins.lloco.engine.libtorch_path, plugins.lloco.device, plugins.lloco.dtype, models.preload and memory.limit. */
public class EngineSettingsTests extends OpenSearchTestCase {

    private static final String DEVICE = "plugins.lloco.device";

    public void testDefaults() {
        LlocoSettings s = new LlocoSettings(Settings.EMPTY, null);
        assertNull(s.engineLibtorchPath(java.nio.file.Path.of("/etc/opensearch")));
        assertTrue(s.device().auto());
        assertEquals(io.lloco.runtime.model.DtypePolicy.AUTO, s.dtype());
        assertEquals(List.of(), s.modelsPreload());
        assertTrue(s.memoryLimit().auto());
    }

    public void testDeviceLists() {
        assertEquals(List.of("cuda:0", "cuda:1"), settings(DEVICE, "cuda:0,cuda:1").device().devices());
        assertEquals(List.of("cpu"), settings(DEVICE, "CPU").device().devices());
        LlocoSettings yamlList = new LlocoSettings(Settings.builder().putList(DEVICE, "cuda:1", "cuda:3").build(), null);
        assertEquals(List.of("cuda:1", "cuda:3"), yamlList.device().devices());
        for (String bad : new String[]{"gpu0", "cuda:-1", "cuda:x", "cuda:64", "tpu:0", "cuda:0,cuda:0", "auto,cpu"}) {
            LlocoSettings s = settings(DEVICE, bad);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, s::device);
            assertTrue(bad + ": " + e.getMessage(), e.getMessage().contains("[" + DEVICE + "]"));
        }
    }

    public void testDeviceThatDoesNotExistNamesTheSetting() {
        DeviceList cuda1 = DeviceList.of(List.of("cuda:1"), DEVICE);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> cuda1.resolve(0, "cpu", DEVICE));
        assertTrue(e.getMessage(), e.getMessage().contains("[" + DEVICE + "] names [cuda:1]"));
        assertTrue(e.getMessage(), e.getMessage().contains("libtorch flavor cpu"));
        assertTrue(e.getMessage(), e.getMessage().contains("no CUDA device"));
        e = expectThrows(IllegalArgumentException.class, () -> cuda1.resolve(1, "cu128", DEVICE));
        assertTrue(e.getMessage(), e.getMessage().contains("1 CUDA device(s): cuda:0 to cuda:0"));
        assertEquals(List.of("cuda:1"), cuda1.resolve(2, "cu128", DEVICE));
        DeviceList auto = DeviceList.of(List.of("auto"), DEVICE);
        assertEquals(List.of("cpu"), auto.resolve(0, "cpu", DEVICE));
        assertEquals(List.of("cuda:0", "cuda:1"), auto.resolve(2, "cu128", DEVICE));
    }

    public void testDtype() {
        assertEquals(io.lloco.runtime.model.DtypePolicy.FLOAT16, settings("plugins.lloco.dtype", "float16").dtype());
        LlocoSettings bad = settings("plugins.lloco.dtype", "bfloat16");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, bad::dtype);
        assertTrue(e.getMessage(), e.getMessage().contains("[plugins.lloco.dtype]"));
    }

    public void testRelativeLibtorchPathIsUnderTheConfigDirectory() {
        java.nio.file.Path config = java.nio.file.Path.of("/etc/opensearch");
        assertEquals(
            java.nio.file.Path.of("/opt/libtorch"),
            settings("plugins.lloco.engine.libtorch_path", "/opt/libtorch").engineLibtorchPath(config)
        );
        assertEquals(
            java.nio.file.Path.of("/etc/opensearch/lloco/libtorch"),
            settings("plugins.lloco.engine.libtorch_path", "lloco/libtorch").engineLibtorchPath(config)
        );
    }

    public void testPreloadIsBounded() {
        assertEquals(List.of("a", "b"), settings("plugins.lloco.models.preload", "a,b").modelsPreload());
        LlocoSettings traversal = settings("plugins.lloco.models.preload", "../x");
        expectThrows(IllegalArgumentException.class, traversal::modelsPreload);
        String many = String.join(",", java.util.Collections.nCopies(LlocoSettings.MAX_PRELOAD + 1, "m"));
        LlocoSettings tooMany = settings("plugins.lloco.models.preload", many);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, tooMany::modelsPreload);
        assertTrue(e.getMessage(), e.getMessage().contains("at most 16"));
    }

    public void testMemoryLimitForms() {
        long gib = 1L << 30;
        MemoryLimit auto = MemoryLimit.parse("auto", "x");
        // CPU: 80% of what the heap leaves; CUDA: 90% of the device
        assertEquals((long) (0.8 * 20 * gib), auto.bytesFor(24 * gib, 4 * gib, false));
        assertEquals((long) (0.9 * 80 * gib), auto.bytesFor(80 * gib, 4 * gib, true));
        assertEquals(0, auto.bytesFor(gib, 2 * gib, false));
        MemoryLimit half = MemoryLimit.parse("50%", "x");
        assertEquals(12 * gib, half.bytesFor(24 * gib, 4 * gib, false));
        assertEquals(12 * gib, MemoryLimit.parse("12gb", "x").bytesFor(24 * gib, 4 * gib, false));
        for (String bad : new String[]{"0%", "101%", "x%", "512kb", "2pb", "lots"}) {
            IllegalArgumentException e = expectThrows(
                IllegalArgumentException.class,
                () -> MemoryLimit.parse(bad, "plugins.lloco.memory.limit")
            );
            assertTrue(bad + ": " + e.getMessage(), e.getMessage().contains("[plugins.lloco.memory.limit] = [" + bad + "]"));
        }
        // through the setting
        assertEquals(12 * gib, settings("plugins.lloco.memory.limit", "12gb").memoryLimit().bytes());
        expectThrows(IllegalArgumentException.class, () -> settings("plugins.lloco.memory.limit", "0%"));
    }

    private static LlocoSettings settings(String key, String value) {
        return new LlocoSettings(Settings.builder().put(key, value).build(), null);
    }
}
