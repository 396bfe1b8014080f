/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.runtime.checkpoint.CheckpointException;

public class HfTokenizerTests extends OpenSearchTestCase {

    public void testEncodeDecodeWithoutBosOrTruncation() throws IOException {
        Path dir = createTempDir();
        TinyTokenizer.write(dir);
        Map<String, Integer> v = TinyTokenizer.vocab();
        try (HfTokenizer t = HfTokenizer.load(dir)) {
            int[] ids = t.encode("the cat in");
            // ▁the c a t ▁in : merges applied, no BOS
            assertArrayEquals(new int[]{v.get("\u2581the"), v.get("\u2581"), v.get("c"), v.get("a"), v.get("t"), v.get("\u2581in")}, ids);
            assertEquals("the cat in", t.decode(ids));
            int[] withBos = t.encode("the cat in", true);
            assertEquals(1, withBos[0]);
            assertEquals(ids.length + 1, withBos.length);
            assertEquals(
                "special tokens are skipped when decoding",
                "the cat in",
                t.decode(new int[]{1, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], 2})
            );
            // far beyond DJL's default 512-token truncation
            String longText = "ab ".repeat(1500).trim();
            int[] many = t.encode(longText);
            assertEquals(1500 * 3, many.length);
            assertEquals(longText, t.decode(many));
        }
    }

    public void testMissingOrBrokenFile() throws IOException {
        Path dir = createTempDir();
        CheckpointException missing = expectThrows(CheckpointException.class, () -> HfTokenizer.load(dir));
        assertTrue(missing.getMessage(), missing.getMessage().contains("tokenizer.json"));
        assertTrue(missing.getMessage(), missing.getMessage().contains("does not exist"));
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": 3}", StandardCharsets.UTF_8);
        CheckpointException broken = expectThrows(CheckpointException.class, () -> HfTokenizer.load(dir.resolve("tokenizer.json")));
        assertTrue(broken.getMessage(), broken.getMessage().contains("tokenizer.json"));
    }
}
