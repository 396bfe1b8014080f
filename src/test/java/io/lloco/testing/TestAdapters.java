/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Projection;

/** Writes random PEFT LoRA adapters (q_proj and v_proj, non-zero B so they change answers) for plugin tests. */
public final class TestAdapters {

    private TestAdapters() {
    }

    /** The {@code adapter_config.json} of a q/v adapter at rank {@code r}. */
    public static String configJson(int r, double alpha) {
        return "{\"peft_type\":\"LORA\",\"task_type\":\"CAUSAL_LM\",\"r\":" + r + ",\"lora_alpha\":" + alpha
            + ",\"lora_dropout\":0.0,\"bias\":\"none\",\"fan_in_fan_out\":false,\"target_modules\":[\"q_proj\",\"v_proj\"],"
            + "\"base_model_name_or_path\":\"test-ac\"}";
    }

    /** Random A and B (scaled by {@code scale}) for every layer of {@code model}, keyed by PEFT name. */
    public static Map<String, float[]> random(LlamaConfig model, int r, long seed, double scale) {
        Random rnd = new Random(seed);
        Map<String, float[]> m = new LinkedHashMap<>();
        for (int l = 0; l < model.numHiddenLayers(); l++) {
            for (Projection p : Set.of(Projection.Q, Projection.V)) {
                long[] io = LoraWeights.inOut(model, p);
                float[] a = new float[(int) (r * io[0])];
                float[] b = new float[(int) (io[1] * r)];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (rnd.nextGaussian() * scale);
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (rnd.nextGaussian() * scale);
                }
                m.put(LoraWeights.key(l, p, true), a);
                m.put(LoraWeights.key(l, p, false), b);
            }
        }
        return m;
    }

    /** The safetensors bytes of {@code tensors} (A [r, in], B [out, r]). */
    public static byte[] safetensors(Map<String, float[]> tensors, int r, Path tmp) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            int n = e.getValue().length;
            long[] shape = e.getKey().contains("lora_A") ? new long[]{r, n / r} : new long[]{n / r, r};
            w.add(e.getKey(), shape, e.getValue());
        }
        Path f = Files.createTempFile(tmp, "adapter", ".safetensors");
        w.write(f, StoredDtype.F32);
        byte[] out = Files.readAllBytes(f);
        Files.delete(f);
        return out;
    }

    /** Writes a random q/v adapter for the model in {@code modelDir} into {@code dir}. */
    public static Path write(Path dir, Path modelDir, int r, long seed) throws IOException {
        LlamaConfig c = Checkpoints.config(modelDir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), configJson(r, 2.0 * r), StandardCharsets.UTF_8);
        Files.write(dir.resolve("adapter_model.safetensors"), safetensors(random(c, r, seed, 0.5), r, dir));
        return dir;
    }
}
