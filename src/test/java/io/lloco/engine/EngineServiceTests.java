/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoSettings;
import io.lloco.runtime.DjlBootstrap;

public class EngineServiceTests extends OpenSearchTestCase {

    public void testDeviceNames() {
        assertEquals("cpu", EngineService.deviceName("cpu()"));
        assertEquals("cuda:0", EngineService.deviceName("gpu(0)"));
        assertEquals("cuda:12", EngineService.deviceName("gpu(12)"));
    }

    public void testCudaDevicesAreProbedWhenDjlCannotCountThem() {
        // a CPU libtorch has none, whatever a probe would say
        assertEquals(0, EngineService.cudaDevices("cpu", 0, i -> true));
        // DJL's count (through libcudart) wins when it has one
        assertEquals(2, EngineService.cudaDevices("cu128", 2, i -> false));
        // else the ordinals libtorch can place a tensor on, from 0 up to the first that fails
        assertEquals(3, EngineService.cudaDevices("cu128", 0, i -> i < 3));
        assertEquals(0, EngineService.cudaDevices("cu128", 0, i -> false));
        assertEquals(64, EngineService.cudaDevices("cu128", 0, i -> true));
    }

    public void testDescribeRunsSelfTestThroughLibtorch() {
        Path cache = Path.of(System.getProperty("DJL_CACHE_DIR"));
        EngineService e = new EngineService(
            new LlocoSettings(Settings.EMPTY, null), new DjlBootstrap(Map.of()), cache, new ModelRegistry()
        );
        e.start();
        EngineStatus d = e.describe(true);
        assertEquals("started", d.status());
        assertEquals("2.7.1", d.pytorchVersion());
        EngineStatus.SelfTest t = d.selfTest();
        assertEquals(List.of(21f, 43f), t.result());
        assertTrue(t.ok());
        assertNull(t.error());
    }

    public void testDisabledEngineSaysWhichSetting() {
        LlocoSettings s = new LlocoSettings(Settings.builder().put("plugins.lloco.engine.enabled", false).build(), null);
        EngineService e = new EngineService(s, new DjlBootstrap(Map.of()), createTempDir(), new ModelRegistry());
        assertNull(e.start());
        EngineStatus d = e.describe(true);
        assertEquals("disabled", d.status());
        assertTrue(d.reason(), d.reason().contains("plugins.lloco.engine.enabled"));
        assertNull(d.selfTest());
    }
}
