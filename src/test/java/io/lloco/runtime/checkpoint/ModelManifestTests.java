/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.opensearch.test.OpenSearchTestCase;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

public class ModelManifestTests extends OpenSearchTestCase {

    public void testNoFileIsLlocosSegmentLength() throws Exception {
        assertEquals(1536, ModelManifest.read(createTempDir()).segmentTokens());
        Path dir = createTempDir();
        Files.writeString(dir.resolve(ModelManifest.FILE), "{\"stage\": \"pretrain\"}");
        ModelManifest m = ModelManifest.read(dir);
        assertEquals(1536, m.segmentTokens());
        assertEquals("pretrain", m.get("stage").textValue());
    }

    public void testWriteThenReadKeepsSegmentTokensAndProvenance() throws Exception {
        ObjectNode prov = JsonNodeFactory.instance.objectNode().put("step", 1200).put("seed", 2);
        ModelManifest m = ModelManifest.of(256).with("base_training", prov).with("summary_length", JsonNodeFactory.instance.numberNode(16));
        prov.put("step", 7); // with() copies: changing the node afterwards changes nothing
        Path dir = createTempDir();
        m.write(dir);
        ModelManifest back = ModelManifest.read(dir);
        assertEquals(256, back.segmentTokens());
        assertEquals(1200, back.get("base_training").get("step").intValue());
        assertEquals(16, back.get("summary_length").intValue());
        ModelManifest fewer = back.without("base_training");
        assertNull(fewer.get("base_training"));
        assertNotNull(back.get("base_training"));
        expectThrows(IllegalArgumentException.class, () -> m.with("segment_tokens", JsonNodeFactory.instance.numberNode(9)));
        expectThrows(IllegalArgumentException.class, () -> m.without("segment_tokens"));
        expectThrows(IllegalArgumentException.class, () -> ModelManifest.of(0));
        expectThrows(IllegalArgumentException.class, () -> ModelManifest.of(8193));
    }

    public void testTheShippedModelsManifestReads() throws Exception {
        Path dir = createTempDir();
        try (InputStream in = getClass().getResourceAsStream("/io/lloco/models/lloco-tiny/lloco.json")) {
            Files.copy(in, dir.resolve(ModelManifest.FILE));
        }
        ModelManifest m = ModelManifest.read(dir);
        assertEquals(64, m.segmentTokens());
        assertTrue(m.get("lineage").isArray());
    }

    public void testBadFilesNameTheFileAndTheField() throws Exception {
        String[][] cases = {
            {"{\"segment_tokens\": 64.5}", "field [segment_tokens] must be a whole number in [1, 8192], got 64.5"},
            {"{\"segment_tokens\": \"64\"}", "field [segment_tokens] must be a whole number in [1, 8192], got \"64\""},
            {"{\"segment_tokens\": 0}", "got 0"},
            {"{\"segment_tokens\": 8193}", "got 8193"},
            {"{\"segment_tokens\": 4294967360}", "got 4294967360"},
            {"[64]", "must be a JSON object"},
            {"{segment_tokens: 16", "is not valid JSON"}};
        for (String[] c : cases) {
            Path dir = createTempDir();
            Files.writeString(dir.resolve(ModelManifest.FILE), c[0]);
            CheckpointException e = expectThrows(CheckpointException.class, () -> ModelManifest.read(dir));
            assertTrue(c[0] + ": " + e.getMessage(), e.getMessage().contains(c[1]));
            assertTrue(c[0] + ": " + e.getMessage(), e.getMessage().contains(dir.resolve(ModelManifest.FILE).toString()));
        }
    }
}
