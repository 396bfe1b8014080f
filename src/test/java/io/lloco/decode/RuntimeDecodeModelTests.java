/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.nio.file.Files;
import java.nio.file.Path;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;
import io.lloco.engine.ModelRegistry;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.lora.AdapterManifest;
import io.lloco.testing.TestModels;
import io.lloco.train.large.LargeCheckpoint;

/**
 * Adapters as the decode node resolves them, from its own file system: the weights and the template the adapter's
 * {@code lloco.json} declares; an invalid {@code lloco.json} is a 400 naming the file and the field, before any weight
 * is loaded.
 */
public class RuntimeDecodeModelTests extends OpenSearchTestCase {

    public void testAnAdapterCarriesTheTemplateItsManifestDeclares() throws Exception {
        Path home = createTempDir();
        Path config = home.resolve("config");
        Path modelDir = TestModels.writeRandomAutoCompressor(config.resolve("lloco/models/m"), 5, 16);
        Path adapters = config.resolve("lloco/adapters");
        LargeCheckpoint
            .writeAdapter(adapters.resolve("qm"), Checkpoints.config(modelDir), 2, 7, "Transcript above.\nQuery: {question}\nAnswer:");
        LargeCheckpoint.writeAdapter(adapters.resolve("plain"), Checkpoints.config(modelDir), 2, 8, null);
        LargeCheckpoint.writeAdapter(adapters.resolve("broken"), Checkpoints.config(modelDir), 2, 9, null);
        Files.writeString(adapters.resolve("broken").resolve(AdapterManifest.FILE), "{\"template\": 5}");
        LargeCheckpoint.writeAdapter(adapters.resolve("typo"), Checkpoints.config(modelDir), 2, 9, null);
        Files.writeString(adapters.resolve("typo").resolve(AdapterManifest.FILE), "{\"tempalte\": \"qmsum\"}");
        try (ModelService ms = new ModelService(config, home.resolve("data"), RuntimeModel::load, new ModelRegistry())) {
            RuntimeModel m = (RuntimeModel) ms.get("m");
            RuntimeDecodeModel dm = new RuntimeDecodeModel(ms, m);

            DecodeModel.Adapter qm = dm.adapter("qm");
            assertEquals("qm", qm.name());
            assertNotNull(qm.weights());
            assertEquals("Transcript above.\nQuery: {question}\nAnswer:", qm.template());
            assertEquals(adapters.resolve("qm").resolve(AdapterManifest.FILE).toString(), qm.manifest());

            DecodeModel.Adapter plain = dm.adapter("plain");
            assertNotNull(plain.weights());
            assertNull("no lloco.json: nothing declared", plain.template());

            assertSame(DecodeModel.Adapter.NONE, dm.adapter(null));
            assertSame(
                "the test model ships no default adapter",
                DecodeModel.Adapter.NONE,
                dm.adapter(DecodeService.MODEL_DEFAULT_ADAPTER)
            );

            for (String bad : new String[]{"broken", "typo"}) {
                LlocoException e = expectThrows(LlocoException.class, () -> dm.adapter(bad));
                assertEquals(RestStatus.BAD_REQUEST, e.status());
                String file = adapters.resolve(bad).resolve(AdapterManifest.FILE).toString();
                assertTrue(e.getMessage(), e.getMessage().startsWith("adapter [" + bad + "]: adapter manifest [" + file + "]"));
            }
            assertTrue(
                expectThrows(LlocoException.class, () -> dm.adapter("broken")).getMessage().contains("field [template] must be a string")
            );
            assertTrue(expectThrows(LlocoException.class, () -> dm.adapter("typo")).getMessage().contains("unknown field [tempalte]"));
            // the invalid manifests failed before their weights were loaded
            assertEquals(2, m.loadedAdapters().size());
        }
    }
}
