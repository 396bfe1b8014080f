/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.opensearch.test.OpenSearchTestCase;

public class CheckpointsTests extends OpenSearchTestCase {

    private static float first(HostTensor t) {
        return t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    }

    public void testSingleFile() throws IOException {
        Path dir = createTempDir();
        new SafeTensorsWriter().add("a", new long[]{1}, new float[]{3f}).write(dir.resolve("model.safetensors"), StoredDtype.F32);
        try (TensorSource s = Checkpoints.open(dir)) {
            assertEquals(Set.of("a"), s.names());
            assertEquals(3f, first(s.get("a")), 0f);
        }
    }

    public void testShardedIndex() throws IOException {
        Path dir = createTempDir();
        new SafeTensorsWriter().add("a", new long[]{1}, new float[]{1f}).write(dir.resolve("s1.safetensors"), StoredDtype.BF16);
        new SafeTensorsWriter().add("b", new long[]{1}, new float[]{2f})
            .add("c", new long[]{1}, new float[]{4f})
            .write(dir.resolve("s2.safetensors"), StoredDtype.F16);
        Files.writeString(
            dir.resolve("model.safetensors.index.json"),
            "{\"metadata\":{\"total_size\":10},\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\",\"c\":\"s2.safetensors\"}}",
            StandardCharsets.UTF_8
        );
        try (TensorSource s = Checkpoints.open(dir)) {
            assertEquals(Set.of("a", "b", "c"), s.names());
            assertEquals(1f, first(s.get("a")), 0f);
            assertEquals(2f, first(s.get("b")), 0f);
            assertEquals(4f, first(s.get("c")), 0f);
            assertArrayEquals(new long[]{1}, s.shape("c"));
            CheckpointException e = expectThrows(CheckpointException.class, () -> s.get("d"));
            assertTrue(e.getMessage(), e.getMessage().contains("[d]"));
        }
    }

    public void testShardErrors() throws IOException {
        Path dir = createTempDir();
        new SafeTensorsWriter().add("a", new long[]{1}, new float[]{1f}).write(dir.resolve("s1.safetensors"), StoredDtype.F32);
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s9.safetensors\"}}", StandardCharsets.UTF_8);
        CheckpointException missing = expectThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(missing.getMessage(), missing.getMessage().contains("s9.safetensors"));
        Files.writeString(index, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}}", StandardCharsets.UTF_8);
        CheckpointException wrong = expectThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(wrong.getMessage(), wrong.getMessage().contains("maps tensor [b]"));
        Files.writeString(index, "{\"weight_map\":{\"a\":\"../s1.safetensors\"}}", StandardCharsets.UTF_8);
        CheckpointException escape = expectThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(escape.getMessage(), escape.getMessage().contains("plain file name"));
        Files.writeString(index, "{\"nothing\":1}", StandardCharsets.UTF_8);
        CheckpointException noMap = expectThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(noMap.getMessage(), noMap.getMessage().contains("weight_map"));
    }

    public void testNoWeightsOrNoDirectory() throws IOException {
        Path dir = createTempDir();
        CheckpointException none = expectThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(none.getMessage(), none.getMessage().contains("has no weights"));
        assertTrue(none.getMessage(), none.getMessage().contains("model.safetensors"));
        CheckpointException gone = expectThrows(CheckpointException.class, () -> Checkpoints.open(dir.resolve("missing")));
        assertTrue(gone.getMessage(), gone.getMessage().contains("does not exist"));
    }

    public void testTorchBinIsRoutedToTorchBinReader() throws IOException {
        Path dir = createTempDir();
        Files.write(dir.resolve("pytorch_model.bin"), new byte[]{0x50, 0x4b});
        // whatever TorchBinReader thinks of these two bytes, it must answer with a CheckpointException naming the file
        CheckpointException e = expectThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage(), e.getMessage().contains("pytorch_model.bin"));
    }
}
