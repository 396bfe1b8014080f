/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.types.DataType;

import io.lloco.runtime.checkpoint.LlamaConfig;

/** Figures computed by hand (in the comments), not by the code under test. */
public class MemoryEstimateTests extends OpenSearchTestCase {

    /** Llama-2-7B: hidden 4096, 32 layers, 32 heads, intermediate 11008, vocab 32000, untied head. */
    static LlamaConfig.Builder llama2_7b() {
        return LlamaConfig.builder()
            .hiddenSize(4096)
            .intermediateSize(11008)
            .numHiddenLayers(32)
            .numAttentionHeads(32)
            .vocabSize(32000)
            .tieWordEmbeddings(false)
            .maxPositionEmbeddings(4096);
    }

    public void testLlama2_7bParametersAndBytes() {
        // embed 32000*4096 = 131,072,000; per layer: q,k,v,o 4*4096^2 = 67,108,864, gate/up/down 3*4096*11008 =
        // 135,266,304, two norms 8,192 -> 202,383,360; x32 = 6,476,267,520; final norm 4,096; lm_head 131,072,000
        // 131,072,000 + 6,476,267,520 + 4,096 + 131,072,000 = 6,738,415,616, Llama-2-7b's published count
        MemoryEstimate fp16 = MemoryEstimate.of(llama2_7b().build(), DataType.FLOAT16, 4096, 1);
        assertEquals(6_738_415_616L, fp16.parameters());
        assertEquals(13_476_831_232L, fp16.weightBytes());
        // KV: 2 (k and v) * 32 layers * 4096 * 2 bytes = 524,288 B per position; 4096 positions = 2 GiB
        assertEquals(524_288L, fp16.kvBytesPerPosition());
        assertEquals(2_147_483_648L, fp16.kvCacheBytes());
        assertEquals(13_476_831_232L + 2_147_483_648L, fp16.totalBytes());

        MemoryEstimate fp32 = MemoryEstimate.of(llama2_7b().build(), DataType.FLOAT32, 4096, 8);
        assertEquals(26_953_662_464L, fp32.weightBytes());
        // 1 MiB per position at float32; 4096 positions x 8 sequences = 32 GiB
        assertEquals(34_359_738_368L, fp32.kvCacheBytes());
    }

    public void testAutoCompressorAddsItsSummaryTable() {
        // AutoCompressor-Llama-2-7b-6k: 50 summary vectors of 4096 = 204,800 more parameters
        MemoryEstimate e = MemoryEstimate.of(llama2_7b().summaryLength(50).build(), DataType.FLOAT16, 0, 0);
        assertEquals(6_738_415_616L + 204_800L, e.parameters());
        assertEquals(2 * (6_738_415_616L + 204_800L), e.weightBytes());
        assertEquals(0, e.kvCacheBytes());
    }

    public void testTinyGqaModelWithTiedHead() {
        // hidden 32, ffn 64, 2 layers, 4 heads of 8, 2 kv heads (kv width 16), vocab 100, tied, 4 summaries:
        // embed 3,200; per layer norms 64 + q 1,024 + k 512 + v 512 + o 1,024 + gate/up/down 3*2,048 = 9,280;
        // x2 = 18,560; final norm 32; no lm_head (tied); summary 128 -> 21,920
        LlamaConfig c = LlamaConfig.builder()
            .hiddenSize(32)
            .intermediateSize(64)
            .numHiddenLayers(2)
            .numAttentionHeads(4)
            .numKeyValueHeads(2)
            .vocabSize(100)
            .tieWordEmbeddings(true)
            .summaryLength(4)
            .build();
        MemoryEstimate e = MemoryEstimate.of(c, DataType.FLOAT32, 10, 3);
        assertEquals(21_920L, e.parameters());
        assertEquals(87_680L, e.weightBytes());
        // KV counts kv heads, not query heads: 2 * 2 layers * 16 * 4 bytes = 256 B per position
        assertEquals(256L, e.kvBytesPerPosition());
        assertEquals(256L * 10 * 3, e.kvCacheBytes());
    }

    public void testFloat16WeightsUnderFloat32ComputeCountTwoBytesAndScratch() {
        // matrices (all but the 65 norms of 4096) x 2 B + norms 266,240 x 4 B; KV at float32: 1 MiB per position x 4096 x 1 = 4 GiB;
        // scratch per thread: q/k/v/o share 4096x4096 (16,777,216), gate/up 11008x4096 (45,088,768), down 4096x11008
        // (45,088,768, a different shape), lm_head 32000x4096 (131,072,000) = 238,026,752 values x 4 B = 952,107,008
        MemoryEstimate e = MemoryEstimate.of(llama2_7b().build(), new Precision(DataType.FLOAT32, DataType.FLOAT16), 4096, 1, 2);
        assertEquals(2 * (6_738_415_616L - 266_240L) + 4 * 266_240L, e.weightBytes());
        assertEquals(13_477_363_712L, e.weightBytes());
        assertEquals(4_294_967_296L, e.kvCacheBytes());
        assertEquals(4, e.bytesPerElement());
        assertEquals(2 * 952_107_008L, e.scratchBytes());
        assertEquals(13_477_363_712L + 4_294_967_296L + 1_904_214_016L, e.totalBytes());
        // weights in the compute dtype: no scratch, same as the dtype form
        MemoryEstimate plain = MemoryEstimate.of(llama2_7b().build(), Precision.FLOAT16, 4096, 1, 2);
        assertEquals(MemoryEstimate.of(llama2_7b().build(), DataType.FLOAT16, 4096, 1), plain);
        assertEquals(0, plain.scratchBytes());
    }

    public void testRefusesBfloat16AndNonsense() {
        LlamaConfig c = llama2_7b().build();
        expectThrows(IllegalArgumentException.class, () -> MemoryEstimate.of(c, DataType.BFLOAT16, 1, 1));
        expectThrows(IllegalArgumentException.class, () -> MemoryEstimate.of(c, 4, -1, 1));
        expectThrows(ArithmeticException.class, () -> MemoryEstimate.of(c, 4, Long.MAX_VALUE / 2, 4));
    }
}
