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

    public void testDtypeSettingsParseAndNameTheSettingWhenWrong() {
        LlocoSettings d = new LlocoSettings(Settings.EMPTY, null);
        assertEquals(io.lloco.runtime.model.DtypePolicy.AUTO, d.dtype());
        assertEquals(io.lloco.runtime.model.WeightsDtype.COMPUTE, d.weightsDtype());
        LlocoSettings s = new LlocoSettings(
            Settings.builder().put("plugins.lloco.dtype", "float16").put("plugins.lloco.weights.dtype", "float16").build(),
            null
        );
        assertEquals(io.lloco.runtime.model.DtypePolicy.FLOAT16, s.dtype());
        assertEquals(io.lloco.runtime.model.WeightsDtype.FLOAT16, s.weightsDtype());
        LlocoSettings bad = new LlocoSettings(Settings.builder().put("plugins.lloco.dtype", "bf16").build(), null);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, bad::dtype);
        assertEquals(
            "Failed to parse value [bf16] for setting [plugins.lloco.dtype]: unknown dtype [bf16]; use one of [auto, float32, float16]",
            e.getMessage()
        );
        LlocoSettings badW = new LlocoSettings(Settings.builder().put("plugins.lloco.weights.dtype", "float32").build(), null);
        e = expectThrows(IllegalArgumentException.class, badW::weightsDtype);
        assertTrue(e.getMessage(), e.getMessage().contains("[plugins.lloco.weights.dtype]: unknown weights dtype [float32]"));
    }

    public void testIndexTemplateAcceptsKnownNamesAndCustomPatternsOnly() {
        for (String ok : new String[]{"", "qmsum", "quality", "Q: {question}\nA:", "{question} {choices}"}) {
            assertEquals(ok, LlocoSettings.INDEX_TEMPLATE.get(Settings.builder().put("index.lloco.template", ok).build()));
        }
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> LlocoSettings.INDEX_TEMPLATE.get(Settings.builder().put("index.lloco.template", "qmsumm").build())
        );
        assertTrue(e.getMessage(), e.getMessage().contains("[qmsumm] is neither a known template nor a valid custom template"));
        assertTrue(e.getMessage(), e.getMessage().contains("unknown prompt template [qmsumm]; known templates: [quality, qasper, qmsum"));
        e = expectThrows(
            IllegalArgumentException.class,
            () -> LlocoSettings.INDEX_TEMPLATE.get(Settings.builder().put("index.lloco.template", "{question} {topic}").build())
        );
        assertTrue(e.getMessage(), e.getMessage().contains("unknown placeholder {topic}"));
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
