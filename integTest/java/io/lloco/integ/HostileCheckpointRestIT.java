/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.testing.TestModels;

/**
 * Hostile checkpoints through the APIs that load them, on real nodes (integTest/run.sh): models under
 * {@code config/lloco/models/<id>/} whose {@code model.safetensors} has a 2^62-byte header length, a header length past
 * the end of the file, two tensors over the same bytes, non-ASCII and NUL keys, or is cut in half; whose
 * {@code pytorch_model.bin} pickle calls {@code builtins.eval}, nests a million lists, or pushes a million marks — each
 * loaded with {@code POST /_plugins/lloco/models/{id}/_load}; and LoRA adapters under {@code config/lloco/adapters/}
 * (the embedded model's own adapter, altered: a NaN and an infinity in its weights, a tensor of the wrong shape, the
 * file cut in half) — each named by a question's {@code adapter}. Every one is refused with a message naming the file,
 * nothing of it stays loaded, and afterwards the node is healthy: a sound model loads and a question answers.
 */
public class HostileCheckpointRestIT extends OpenSearchRestTestCase {

    private static final String ADAPTER_RESOURCE = "/io/lloco/models/lloco-tiny/adapters/default/";

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }

    private static Map<String, Object> call(String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        Response resp = client().performRequest(r);
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, resp.getEntity().getContent(), false);
    }

    private static byte[] safetensors(long headerLength, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h).put(data);
        return b.array();
    }

    private static byte[] safetensors(String header, byte[] data) {
        return safetensors(header.getBytes(StandardCharsets.UTF_8).length, header, data);
    }

    /** A torch.save zip ({@code archive/data.pkl}, {@code archive/version}) with stored entries around {@code pickle}. */
    static byte[] torchZip(byte[] pickle) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : Map.of("archive/data.pkl", pickle, "archive/version", "3\n".getBytes(StandardCharsets.UTF_8))
                .entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static byte[] repeat(byte[] head, byte unit, int n, byte[] tail) {
        byte[] b = new byte[head.length + n + tail.length];
        System.arraycopy(head, 0, b, 0, head.length);
        java.util.Arrays.fill(b, head.length, head.length + n, unit);
        System.arraycopy(tail, 0, b, head.length + n, tail.length);
        return b;
    }

    /** Hostile weight files by model id: the file name and its bytes. */
    private static Map<String, Map.Entry<String, byte[]>> hostileModels(Path sound) throws IOException {
        byte[] real = Files.readAllBytes(sound.resolve("model.safetensors"));
        String f32 = "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}";
        Map<String, Map.Entry<String, byte[]>> m = new LinkedHashMap<>();
        m.put("bad-header-2e62", Map.entry("model.safetensors", safetensors(1L << 62, "{}", new byte[0])));
        m.put("bad-header-past-end", Map.entry("model.safetensors", safetensors(1_000_000, "{}", new byte[16])));
        m.put("bad-overlap", Map.entry("model.safetensors", safetensors("{\"a\":" + f32 + ",\"b\":" + f32 + "}", new byte[16])));
        m.put("bad-keys", Map.entry("model.safetensors", safetensors("{\"\\u0000\u00e9vil\u202e\":" + f32 + "}", new byte[16])));
        m.put("bad-truncated", Map.entry("model.safetensors", java.util.Arrays.copyOf(real, real.length / 2)));
        // protocol 2: GLOBAL builtins eval, the argument tuple ("1+1",), REDUCE, STOP
        byte[] eval = "\u0080\u0002cbuiltins\neval\nX\u0003\u0000\u0000\u00001+1\u0085R.".getBytes(StandardCharsets.ISO_8859_1);
        m.put("bad-pickle-eval", Map.entry("pytorch_model.bin", torchZip(eval)));
        byte[] proto = {(byte) 0x80, 2};
        m.put("bad-pickle-lists", Map.entry("pytorch_model.bin", torchZip(repeat(proto, (byte) ']', 1_000_000, new byte[]{'.'}))));
        m.put("bad-pickle-marks", Map.entry("pytorch_model.bin", torchZip(repeat(proto, (byte) '(', 1_000_000, new byte[]{'.'}))));
        return m;
    }

    private static String error(ResponseException e) throws IOException {
        return new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
    }

    public void testHostileModelsAndAdaptersAreRefusedAndTheNodeServesOn() throws Exception {
        Path dir = Files.createTempDirectory("lloco-hostile-checkpoints");
        TestModels.writeRandomAutoCompressor(dir.resolve("sound-ac"), 41, 16);
        Map<String, Map.Entry<String, byte[]>> hostile = hostileModels(dir.resolve("sound-ac"));
        for (var e : hostile.entrySet()) {
            Path m = dir.resolve(e.getKey());
            TestModels.writeRandomAutoCompressor(m, 42, 16);
            Files.delete(m.resolve("model.safetensors"));
            Files.write(m.resolve(e.getValue().getKey()), e.getValue().getValue());
        }
        List<String> ids = new ArrayList<>(hostile.keySet());
        ids.add("sound-ac");
        NodeModels.install(dir, ids);

        List<String> failures = new ArrayList<>();
        Map<String, Integer> statuses = new LinkedHashMap<>();
        for (var e : hostile.entrySet()) {
            try {
                Map<String, Object> r = call("POST", "/_plugins/lloco/models/" + e.getKey() + "/_load", null);
                failures.add(e.getKey() + ": loaded: " + r);
            } catch (ResponseException re) {
                int s = re.getResponse().getStatusLine().getStatusCode();
                statuses.put(e.getKey(), s);
                String err = error(re);
                // a header that parses (odd keys) fails on the first tensor the model needs, named
                String says = e.getKey().equals("bad-keys") ? "lack tensor [model.embed_tokens.weight]" : e.getValue().getKey();
                // 422: the model's files on the node are unusable (what to fix is that folder, not the request)
                if (s != 422 || err.contains(says) == false || err.length() > 20_000) {
                    failures.add(
                        e.getKey() + ": " + s + " does not say " + says + " (or is over-long): "
                            + err.substring(0, Math.min(600, err.length()))
                    );
                }
            }
        }
        // nothing of a refused load stays in service
        Map<String, Object> models = call("GET", "/_plugins/lloco/models", null);
        for (String id : hostile.keySet()) {
            if (models.toString().contains("id=" + id + ", state=loaded")) {
                failures.add(id + " is in service: " + models);
            }
        }

        // hostile adapters for the embedded model, named by questions
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        call(
            "PUT",
            "/_ingest/pipeline/hc-compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"lloco-tiny\"}}]}"
        );
        call("PUT", "/hc", mapping);
        call(
            "PUT",
            "/hc/_doc/1?pipeline=hc-compress&refresh=true",
            "{\"body\":\"Ada Fenn walked to the harbour. She owned three boats.\"}"
        );
        Path adapters = dir.resolve("adapters");
        Map<String, String> adapterCases = writeHostileAdapters(adapters);
        NodeModels.linkTree(adapters, "lloco/adapters");
        for (var a : adapterCases.entrySet()) {
            try {
                Map<String, Object> r = call(
                    "POST",
                    "/hc/_lloco_qa",
                    "{\"question\":\"Where did Ada Fenn walk?\",\"max_new_tokens\":4,\"adapter\":\"" + a.getKey() + "\"}"
                );
                failures.add("adapter " + a.getKey() + ": answered with it: " + r);
            } catch (ResponseException re) {
                int s = re.getResponse().getStatusLine().getStatusCode();
                statuses.put("adapter " + a.getKey(), s);
                String err = error(re);
                if (err.toLowerCase(Locale.ROOT).contains(a.getValue().toLowerCase(Locale.ROOT)) == false || s >= 500 && s != 500) {
                    failures.add(
                        "adapter " + a.getKey() + ": " + s + " does not say [" + a.getValue() + "]: "
                            + err.substring(0, Math.min(600, err.length()))
                    );
                }
            }
        }
        logger.info("hostile checkpoints: statuses {}", statuses);

        // the node serves on: health, a sound model loads, questions answer with the default adapter
        Map<String, Object> health = call(
            "GET",
            "/_cluster/health?wait_for_nodes=" + System.getProperty("tests.expected.nodes", "1"),
            null
        );
        assertNotEquals("red", health.get("status"));
        Map<String, Object> sound = call("POST", "/_plugins/lloco/models/sound-ac/_load", null);
        assertEquals(sound.toString(), 0, ((Number) ((Map<?, ?>) sound.get("_nodes")).get("failed")).intValue());
        assertNotNull(call("POST", "/hc/_lloco_qa", "{\"question\":\"Where did Ada Fenn walk?\",\"max_new_tokens\":4}").get("answer"));
        call("POST", "/_plugins/lloco/models/sound-ac/_unload", null);
        call("DELETE", "/_ingest/pipeline/hc-compress", null);
        assertTrue(failures.size() + " hostile checkpoints not refused cleanly:\n" + String.join("\n", failures), failures.isEmpty());
    }

    /** The embedded model's default adapter, altered; by adapter name, what its error must say. */
    private Map<String, String> writeHostileAdapters(Path adapters) throws IOException {
        Path sound = adapters.resolve(".sound");
        Files.createDirectories(sound);
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            try (InputStream in = getClass().getResourceAsStream(ADAPTER_RESOURCE + f)) {
                assertNotNull(f, in);
                Files.copy(in, sound.resolve(f));
            }
        }
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        try (SafeTensorsReader r = SafeTensorsReader.open(sound.resolve("adapter_model.safetensors"))) {
            for (String n : r.names()) {
                HostTensor t = r.get(n);
                ByteBuffer copy = ByteBuffer.allocate(t.data().remaining()).order(ByteOrder.LITTLE_ENDIAN);
                copy.put(t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN)).flip();
                tensors.put(n, new HostTensor(n, t.shape(), "F32", copy));
            }
        }
        Map<String, String> cases = new LinkedHashMap<>();
        String first = tensors.keySet().iterator().next();
        // a NaN and an infinity in the weights
        for (var bad : Map.of("bad-nan", Float.NaN, "bad-inf", Float.POSITIVE_INFINITY).entrySet()) {
            Map<String, HostTensor> t = new LinkedHashMap<>(tensors);
            HostTensor h = t.get(first);
            ByteBuffer b = ByteBuffer.allocate(h.data().remaining()).order(ByteOrder.LITTLE_ENDIAN);
            b.put(h.data().duplicate().order(ByteOrder.LITTLE_ENDIAN)).flip();
            b.putFloat(b.position() + 4, bad.getValue());
            t.put(first, new HostTensor(first, h.shape(), "F32", b));
            write(adapters.resolve(bad.getKey()), sound, t);
            cases.put(bad.getKey(), "holds " + bad.getValue() + " at element 1");
        }
        // a tensor of the wrong shape: its rows halved
        Map<String, HostTensor> t = new LinkedHashMap<>(tensors);
        HostTensor h = t.get(first);
        long[] shape = h.shape().clone();
        shape[0] = Math.max(1, shape[0] / 2);
        ByteBuffer half = h.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        half.limit(half.position() + (int) (shape[0] * (h.numel() / h.shape()[0]) * 4));
        t.put(first, new HostTensor(first, shape, "F32", half.slice().order(ByteOrder.LITTLE_ENDIAN)));
        write(adapters.resolve("bad-shape"), sound, t);
        cases.put("bad-shape", "shape");
        // cut in half
        Path cut = adapters.resolve("bad-cut");
        Files.createDirectories(cut);
        Files.copy(sound.resolve("adapter_config.json"), cut.resolve("adapter_config.json"));
        byte[] whole = Files.readAllBytes(sound.resolve("adapter_model.safetensors"));
        Files.write(cut.resolve("adapter_model.safetensors"), java.util.Arrays.copyOf(whole, whole.length / 2));
        cases.put("bad-cut", "adapter_model.safetensors");
        return cases;
    }

    private static void write(Path dir, Path sound, Map<String, HostTensor> tensors) throws IOException {
        Files.createDirectories(dir);
        Files.copy(sound.resolve("adapter_config.json"), dir.resolve("adapter_config.json"));
        SafeTensorsWriter.writeF32(dir.resolve("adapter_model.safetensors"), tensors);
    }
}
