/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.large;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.TensorSource;
import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.lora.AdapterManifest;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;

/** The 7B-shape checkpoint writer at a small width: layout, determinism, loadability; the tokenizer; exact-length texts. */
public class LargeCheckpointTests extends OpenSearchTestCase {

    private static LargeCheckpoint.Spec small(long shardBytes) {
        LlamaConfig c = LargeCheckpoint.Spec.llama27b(2, 3)
            .config()
            .toBuilder()
            .hiddenSize(64)
            .intermediateSize(96)
            .numAttentionHeads(4)
            .numKeyValueHeads(4)
            .headDim(16)
            .summaryLength(5)
            .build();
        return new LargeCheckpoint.Spec(c, 3, shardBytes);
    }

    private static float[] floats(HostTensor t) {
        float[] v = new float[(int) t.numel()];
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    public void testShardedBf16CheckpointLoadsAndIsDeterministic() throws IOException {
        Path a = createTempDir().resolve("a");
        Path b = createTempDir().resolve("b");
        List<Path> shardsA = LargeCheckpoint.writeModel(a, small(3_000_000));
        List<Path> shardsB = LargeCheckpoint.writeModel(b, small(3_000_000));
        assertTrue("several shards: " + shardsA, shardsA.size() >= 2);
        assertEquals("pytorch_model-00001-of-0000" + shardsA.size() + ".bin", shardsA.get(0).getFileName().toString());
        for (int i = 0; i < shardsA.size(); i++) {
            assertArrayEquals(Files.readAllBytes(shardsA.get(i)), Files.readAllBytes(shardsB.get(i)));
        }
        JsonNode cfg = new ObjectMapper().readTree(a.resolve("config.json").toFile());
        assertEquals(50, LargeCheckpoint.Spec.llama27b(32, 0).config().summaryLength());
        assertEquals("bfloat16", cfg.get("torch_dtype").asText());
        assertEquals(32000, cfg.get("vocab_size").asInt());
        assertTrue(Files.isRegularFile(a.resolve(Checkpoints.TORCH_BIN_INDEX)));
        try (TensorSource s = Checkpoints.open(a)) {
            HostTensor q = s.get("model.layers.1.self_attn.q_proj.weight");
            assertEquals("BF16", q.storedDtype());
            float[] v = floats(q);
            double sum = 0;
            double sq = 0;
            for (float x : v) {
                sum += x;
                sq += x * x;
            }
            assertEquals(0.0, sum / v.length, 0.003);
            assertEquals(LargeCheckpoint.STD, Math.sqrt(sq / v.length), 0.002);
            float[] norm = floats(s.get("model.norm.weight"));
            for (float x : norm) {
                assertTrue(x >= 0.89f && x <= 1.11f);
            }
            // the summary table starts from the eos embedding
            float[] eos = Arrays.copyOfRange(floats(s.get("model.embed_tokens.weight")), 2 * 64, 3 * 64);
            float[] summary = floats(s.get("embed_summary.weight"));
            double maxDev = 0;
            for (int r = 0; r < 5; r++) {
                for (int j = 0; j < 64; j++) {
                    maxDev = Math.max(maxDev, Math.abs(summary[r * 64 + j] - eos[j]));
                }
            }
            assertTrue("summary rows = eos + noise (max deviation " + maxDev + ")", maxDev > 0 && maxDev < 0.02);
        }
        // the runtime loads and runs it
        try (NDManager root = NDManager.newBaseManager(); LlamaWeights w = LlamaWeights.load(a, root); LlamaModel m = new LlamaModel(w)) {
            var out = new AutoCompressor(m).compress(new int[]{5, 900, 31999, 7, 8, 9}, 4, false);
            assertEquals(10, out.rows());
            for (float x : out.data()) {
                assertTrue(Float.isFinite(x));
            }
        }
    }

    public void testAdapterIsPeftBinWithTheDeclaredTemplate() throws IOException {
        Path dir = createTempDir().resolve("adapter");
        LargeCheckpoint.Spec spec = small(1L << 30);
        LargeCheckpoint.writeAdapter(dir, spec.config(), 8, 4, "qmsum");
        assertFalse(Files.exists(dir.resolve(LoraWeights.FILE)));
        assertEquals("qmsum", AdapterManifest.read(dir).template());
        try (NDManager root = NDManager.newBaseManager(); LoraWeights l = LoraWeights.load(dir, spec.config(), root)) {
            assertEquals(8, l.config().r());
            assertEquals(2.0, l.config().scale(), 0);
            assertEquals(4, l.config().targets().size());
            assertEquals(16, l.named().size()); // 2 layers x 4 projections x (A, B)
        }
    }

    public void testTokenizerHasLlama2LayoutAndByteFallback() throws IOException {
        Path dir = createTempDir();
        Path tok = dir.resolve("tokenizer.json");
        Files.writeString(tok, Llama2StyleTokenizer.json());
        JsonNode root = new ObjectMapper().readTree(tok.toFile());
        JsonNode vocab = root.get("model").get("vocab");
        assertEquals(32000, vocab.size());
        assertEquals(0, vocab.get("<unk>").asInt());
        assertEquals(2, vocab.get("</s>").asInt());
        assertEquals(3, vocab.get("<0x00>").asInt());
        assertEquals(258, vocab.get("<0xFF>").asInt());
        assertTrue(root.get("model").get("byte_fallback").asBoolean());
        try (HuggingFaceTokenizer t = LargeCheckpoint.tokenizer(tok)) {
            long[] ids = t.encode("the water", false, false).getIds();
            assertEquals(2, ids.length); // "▁the" "▁water": whole common words
            // characters outside the vocabulary fall back to their UTF-8 bytes, and decode back
            String odd = "Zürich 東京 🙂";
            long[] oddIds = t.encode(odd, false, false).getIds();
            assertTrue(Arrays.stream(oddIds).anyMatch(id -> id >= 3 && id <= 258));
            assertTrue(Arrays.stream(oddIds).noneMatch(id -> id == 0));
            assertEquals(odd, t.decode(oddIds, true));
        }
        String text = LargeCheckpoint.text(tok, 700, 5);
        try (HuggingFaceTokenizer t = LargeCheckpoint.tokenizer(tok)) {
            assertEquals(700, t.encode(text, false, false).getIds().length);
        }
        assertEquals(text, LargeCheckpoint.text(tok, 700, 5));
    }
}
