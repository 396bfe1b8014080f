/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.util.List;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.test.OpenSearchTestCase;

public class DecodeResponseTests extends OpenSearchTestCase {

    private static DecodeResponse.ReadResult read(String answer, List<String> hypotheses, double[] logProbs) {
        return new DecodeResponse.ReadResult(answer, "eos", 16, 1, 0, 0, 5, 36, 20, 30, new double[0], hypotheses, logProbs);
    }

    /** A beam search's hypotheses and their scores, and every read of a question, reach the coordinating node in order. */
    public void testWireRoundTripKeepsEveryReadAndItsHypotheses() throws Exception {
        DecodeResponse r = new DecodeResponse(
            "n1",
            "default",
            "fp",
            20,
            10,
            3,
            List.of(read("7134", List.of("7134", "7143", "7114"), new double[]{-0.5, -1.25, -3.0}), read("plain", null, null))
        );
        BytesStreamOutput out = new BytesStreamOutput();
        r.writeTo(out);
        DecodeResponse back = new DecodeResponse(out.bytes().streamInput());
        assertEquals("n1", back.node());
        assertEquals("default", back.adapter());
        assertEquals(20, back.promptTokens());
        assertEquals(3, back.batchSize());
        assertEquals(2, back.reads().size());
        DecodeResponse.ReadResult first = back.reads().get(0);
        assertEquals("7134", first.answer());
        assertEquals(List.of("7134", "7143", "7114"), first.hypotheses());
        assertArrayEquals(new double[]{-0.5, -1.25, -3.0}, first.hypothesisLogProbs(), 0.0);
        assertEquals(36, first.decoderPositions());
        DecodeResponse.ReadResult second = back.reads().get(1);
        assertEquals("plain", second.answer());
        assertNull(second.hypotheses());
        assertNull(second.hypothesisLogProbs());
    }
}
