/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import io.lloco.runtime.RefCase;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TorchBinWriter;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Precision;
import io.lloco.runtime.prompt.PromptTemplate;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * Adapters as PEFT publishes them: {@code adapter_model.bin} (torch.save, read by the whitelist-only unpickler) gives
 * the same logits as {@code adapter_model.safetensors}; a {@code .bin} calling a forbidden global is refused naming the
 * file; the declared prompt template ({@code lloco.json}) is read strictly.
 */
public class AdapterFilesTests extends OpenSearchTestCase {

    private static Path torchbin(String name) {
        return Path.of(System.getProperty("lloco.project.dir", ".")).resolve("src/test/resources/torchbin").resolve(name);
    }

    /** The fixture's adapter rewritten as adapter_model.bin (same tensors, stored as {@code dtype}). */
    private Path binAdapter(RefCase c, StoredDtype dtype) throws IOException {
        Path dir = createTempDir().resolve("bin-adapter");
        Files.createDirectories(dir);
        Files.copy(c.adapterDir().resolve(LoraConfig.FILE), dir.resolve(LoraConfig.FILE));
        try (
            SafeTensorsReader r = SafeTensorsReader.open(c.adapterDir().resolve(LoraWeights.FILE));
            TorchBinWriter w = TorchBinWriter.create(dir.resolve(LoraWeights.BIN_FILE))) {
            for (String n : r.names()) {
                HostTensor t = r.get(n);
                float[] v = new float[(int) t.numel()];
                t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                w.add(n, t.shape(), v, dtype);
            }
        }
        return dir;
    }

    public void testBinAdapterGivesTheSameLogitsAsSafetensors() throws IOException {
        for (String name : new String[]{"mha_f32_ac_lora", "llama2scale_bf16_ac_lora"}) {
            RefCase c = new RefCase(RefCase.root().resolve(name));
            StoredDtype stored = StoredDtype.valueOf(c.json.get("dtype").asText());
            Path bin = binAdapter(c, stored); // the fixture's adapter dtype equals the model's here
            assertEquals(bin.resolve(LoraWeights.BIN_FILE), LoraWeights.weightsFile(bin));
            int[] ids = c.ints("ids");
            for (Precision p : new Precision[]{Precision.FLOAT32, Precision.FLOAT16}) {
                try (
                    NDManager root = NDManager.newBaseManager();
                    LlamaWeights w = LlamaWeights.load(c.modelDir(), root, p);
                    LlamaModel m = new LlamaModel(w);
                    LoraWeights st = LoraWeights.load(c.adapterDir(), w.config(), w.manager(), w.dataType());
                    LoraWeights fromBin = LoraWeights.load(bin, w.config(), w.manager(), w.dataType())) {
                    assertEquals(p.compute(), fromBin.pair(0, io.lloco.runtime.model.Projection.Q).a().getDataType());
                    Generator g = new Generator(m, null);
                    float[][] a = g.logits(null, ids, st);
                    float[][] b = g.logits(null, ids, fromBin);
                    for (int i = 0; i < a.length; i++) {
                        assertArrayEquals(name + " " + p, a[i], b[i], 0f);
                    }
                    if (p == Precision.FLOAT32) {
                        double err = RefCase.relErr(g.logits(embeddings(c.golden("prefix")), ids, fromBin), c.golden("logits_lora"));
                        assertTrue(name + ": " + err, err < 1e-4);
                    }
                }
            }
        }
    }

    private static io.lloco.runtime.model.Embeddings embeddings(float[][] m) {
        float[] flat = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, flat, i * m[0].length, m[0].length);
        }
        return new io.lloco.runtime.model.Embeddings(m.length, m[0].length, flat);
    }

    public void testSafetensorsWinsWhenBothArePresentAndMissingWeightsNameBothFiles() throws IOException {
        RefCase c = new RefCase(RefCase.root().resolve("mha_f32_ac_lora"));
        Path both = binAdapter(c, StoredDtype.F32);
        Files.copy(c.adapterDir().resolve(LoraWeights.FILE), both.resolve(LoraWeights.FILE));
        assertEquals(both.resolve(LoraWeights.FILE), LoraWeights.weightsFile(both));
        Path none = createTempDir();
        Files.copy(c.adapterDir().resolve(LoraConfig.FILE), none.resolve(LoraConfig.FILE));
        try (NDManager root = NDManager.newBaseManager(); LlamaWeights w = LlamaWeights.load(c.modelDir(), root)) {
            CheckpointException e = expectThrows(CheckpointException.class, () -> LoraWeights.load(none, w.config(), w.manager()));
            assertEquals(
                "adapter weights [" + none.resolve(LoraWeights.FILE) + "] (or [" + none.resolve(LoraWeights.BIN_FILE) + "]) do not exist",
                e.getMessage()
            );
        }
    }

    public void testBinAdapterWithAForbiddenPickleGlobalIsRefusedNamingTheFile() throws IOException {
        RefCase c = new RefCase(RefCase.root().resolve("mha_f32_ac_lora"));
        for (String evil : new String[]{"malicious_system.bin", "malicious_load_from_bytes.bin"}) {
            Path dir = createTempDir().resolve("evil");
            Files.createDirectories(dir);
            Files.copy(c.adapterDir().resolve(LoraConfig.FILE), dir.resolve(LoraConfig.FILE));
            Files.copy(torchbin(evil), dir.resolve(LoraWeights.BIN_FILE));
            try (NDManager root = NDManager.newBaseManager(); LlamaWeights w = LlamaWeights.load(c.modelDir(), root)) {
                CheckpointException e = expectThrows(
                    CheckpointException.class,
                    () -> LoraWeights.load(dir, w.config(), w.manager(), DataType.FLOAT32)
                );
                assertTrue(
                    e.getMessage(),
                    e.getMessage().startsWith("PyTorch checkpoint [" + dir.resolve(LoraWeights.BIN_FILE) + "] refuses")
                );
                assertTrue(
                    e.getMessage(),
                    e.getMessage().contains("posix.system") || e.getMessage().contains("torch.storage._load_from_bytes")
                );
            }
        }
    }

    public void testManifestDeclaresATemplateAndIsReadStrictly() throws IOException {
        Path dir = createTempDir();
        assertSame(AdapterManifest.NONE, AdapterManifest.read(dir));
        assertFalse(AdapterManifest.NONE.hasTemplate());
        assertNull(AdapterManifest.NONE.template(PromptTemplates.defaults(), "x"));

        Files.writeString(dir.resolve(AdapterManifest.FILE), "{\"template\": \"qmsum\"}");
        AdapterManifest named = AdapterManifest.read(dir);
        assertEquals("qmsum", named.template());
        PromptTemplate t = named.template(PromptTemplates.defaults(), "custom");
        assertEquals("qmsum", t.name());
        assertEquals(PromptTemplates.QMSUM_PROMPT + "When?" + PromptTemplates.ANSWER_SUFFIX, t.render("When?"));

        Files.writeString(dir.resolve(AdapterManifest.FILE), "{\"template\": \"Transcript above.\\nQuery: {question}\\nAnswer:\"}");
        PromptTemplate custom = AdapterManifest.read(dir).template(PromptTemplates.defaults(), "adapter:qm");
        assertEquals("adapter:qm", custom.name());
        assertEquals(PromptTemplate.Kind.FREE_FORM, custom.kind());
        assertEquals("Transcript above.\nQuery: Who?\nAnswer:", custom.render("Who?"));

        Files.writeString(dir.resolve(AdapterManifest.FILE), "{\"template\": \"Q: {question}\\n{choices}\\nA:\"}");
        assertEquals(PromptTemplate.Kind.MULTIPLE_CHOICE, AdapterManifest.read(dir).template(PromptTemplates.defaults(), "mc").kind());

        Path f = dir.resolve(AdapterManifest.FILE);
        String[][] bad = {
            {"{\"template\": \"qmsumm\"}",
                "adapter manifest [" + f + "]: field [template]: unknown prompt template [qmsumm]; known templates: ["},
            {"{\"template\": \"{question} {topic}\"}", "field [template]: prompt template [adapter:"},
            {"{\"template\": 3}", "adapter manifest [" + f + "]: field [template] must be a string, got 3"},
            {"{\"template\": \"qmsum\", \"segment_tokens\": 4}",
                "adapter manifest [" + f + "]: unknown field [segment_tokens]; the only field is [template]"},
            {"[\"qmsum\"]", "adapter manifest [" + f + "] must be a JSON object"},
            {"{\"template\": ", "adapter manifest [" + f + "] is not valid JSON"}};
        for (String[] b : bad) {
            Files.writeString(f, b[0]);
            CheckpointException e = expectThrows(CheckpointException.class, () -> AdapterManifest.read(dir));
            assertTrue(b[0] + " -> " + e.getMessage(), e.getMessage().startsWith(b[1]) || e.getMessage().contains(b[1]));
        }
    }

    /** What {@link AdapterManifest#write} writes, {@link AdapterManifest#read} reads back equal; what it would refuse is not written. */
    public void testManifestWrittenReadsBack() throws IOException {
        Path dir = createTempDir();
        for (String template : new String[]{"qmsum", "Transcript \"above\" \u00e9\nQuery: {question}\n{choices}\nAnswer:", null}) {
            AdapterManifest m = new AdapterManifest(template);
            m.write(dir);
            assertEquals(template, m, AdapterManifest.read(dir));
        }
        Files.delete(dir.resolve(AdapterManifest.FILE));
        CheckpointException e = expectThrows(CheckpointException.class, () -> new AdapterManifest("qmsumm").write(dir));
        assertTrue(e.getMessage(), e.getMessage().contains("field [template]: unknown prompt template [qmsumm]"));
        assertFalse("nothing written", Files.exists(dir.resolve(AdapterManifest.FILE)));
    }
}
