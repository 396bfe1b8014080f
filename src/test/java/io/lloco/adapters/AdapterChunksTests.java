/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

public class AdapterChunksTests extends OpenSearchTestCase {

    private static List<Map<String, Object>> chunks(byte[] bytes) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        for (int c = 0; c < AdapterChunks.chunkCount(bytes.length); c++) {
            out.add(new HashMap<>(AdapterChunks.chunkSource("a", "b", "f.bin", c, AdapterChunks.readChunk(in, bytes.length, c))));
        }
        return out;
    }

    private AdapterMeta.FileEntry entry(byte[] bytes) throws IOException {
        Path f = createTempDir().resolve("f.bin");
        Files.write(f, bytes);
        return new AdapterMeta.FileEntry("f.bin", bytes.length, AdapterChunks.sha256(f), AdapterChunks.chunkCount(bytes.length));
    }

    private static byte[] reassemble(AdapterMeta.FileEntry e, List<Map<String, Object>> chunks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AdapterChunks.Reassembly r = new AdapterChunks.Reassembly("adapter [a] version 1", e, out);
        for (int i = 0; i < chunks.size(); i++) {
            r.accept(i, chunks.get(i));
        }
        r.finish();
        return out.toByteArray();
    }

    public void testRoundTripAcrossChunksAndEveryCorruptionIsNamed() throws IOException {
        byte[] bytes = randomByteArrayOfLength(AdapterChunks.CHUNK_BYTES * 2 + 17);
        AdapterMeta.FileEntry e = entry(bytes);
        assertEquals(3, e.chunks());
        assertArrayEquals(bytes, reassemble(e, chunks(bytes)));

        List<Map<String, Object>> flipped = chunks(bytes);
        ((byte[]) flipped.get(1).get("data"))[5] ^= 1;
        IOException x = expectThrows(IOException.class, () -> reassemble(e, flipped));
        assertTrue(x.getMessage(), x.getMessage().contains("chunk 1 of file [f.bin] is corrupt (its CRC-32"));

        List<Map<String, Object>> missing = chunks(bytes);
        missing.set(2, null);
        x = expectThrows(IOException.class, () -> reassemble(e, missing));
        assertTrue(x.getMessage(), x.getMessage().contains("chunk 2 of file [f.bin] is corrupt (the chunk document is missing)"));

        List<Map<String, Object>> truncated = chunks(bytes).subList(0, 2);
        x = expectThrows(IOException.class, () -> reassemble(e, truncated));
        assertTrue(x.getMessage(), x.getMessage().contains("got 2 chunks"));

        // consistent chunks of other bytes: the file's SHA-256 catches it
        byte[] other = bytes.clone();
        other[0] ^= 1;
        x = expectThrows(IOException.class, () -> reassemble(e, chunks(other)));
        assertTrue(x.getMessage(), x.getMessage().contains("hashes to SHA-256"));
    }

    public void testStoredFileNamesArePlainNames() {
        for (String bad : List.of("../x", "a/b", "a\\b", "", "..")) {
            expectThrows(IOException.class, () -> AdapterStore.checkFileName(bad));
        }
    }
}
