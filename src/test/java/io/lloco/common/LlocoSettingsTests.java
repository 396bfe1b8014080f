/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchTestCase;

public class LlocoSettingsTests extends OpenSearchTestCase {

    public void testDefaultsAreBounded() {
        LlocoSettings s = new LlocoSettings(Settings.EMPTY, null);
        assertTrue(s.engineEnabled());
        assertTrue(s.engineNumThreads() >= 1 && s.engineNumThreads() <= 8);
        assertEquals(1, s.engineNumInteropThreads());
        assertTrue(s.infoSelfTest());
    }

    public void testOutOfBoundsThreadCountIsRejectedNamingTheSetting() {
        LlocoSettings s = new LlocoSettings(Settings.builder().put("plugins.lloco.engine.num_threads", 0).build(), null);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, s::engineNumThreads);
        assertTrue(e.getMessage(), e.getMessage().contains("plugins.lloco.engine.num_threads"));
        LlocoSettings t = new LlocoSettings(Settings.builder().put("plugins.lloco.engine.num_interop_threads", 65).build(), null);
        e = expectThrows(IllegalArgumentException.class, t::engineNumInteropThreads);
        assertTrue(e.getMessage(), e.getMessage().contains("must be <= 64"));
    }

    public void testAllSettingsUseThePluginPrefix() {
        for (var setting : LlocoSettings.all()) {
            assertTrue(setting.getKey(), setting.getKey().startsWith("plugins.lloco.") || setting.getKey().startsWith("index.lloco."));
        }
    }

    public void testPluginVersionComesFromTheBuild() {
        assertTrue(PluginInfo.version(), PluginInfo.version().matches("\\d+\\.\\d+\\.\\d+.*"));
    }
}
