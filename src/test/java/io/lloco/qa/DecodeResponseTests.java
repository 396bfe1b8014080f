/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.List;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.test.OpenSearchTestCase;

public class DecodeResponseTests extends OpenSearchTestCase {

    private static DecodeResponse response(List<String> hypotheses, double[] logProbs) {
        return new DecodeResponse("7134", "eos", 16, 0, 20, 5, 1, 10, 20, 30, "n1", "default", "fp", 1, 36, null, hypotheses, logProbs);
    }

    /** A beam search's hypotheses and their scores reach the coordinating node in order. */
    public void testWireRoundTripKeepsHypotheses() throws Exception {
        DecodeResponse r = response(List.of("7134", "7143", "7114"), new double[]{-0.5, -1.25, -3.0});
        BytesStreamOutput out = new BytesStreamOutput();
        r.writeTo(out);
        DecodeResponse back = new DecodeResponse(out.bytes().streamInput());
        assertEquals("7134", back.answer());
        assertEquals(List.of("7134", "7143", "7114"), back.hypotheses());
        assertArrayEquals(new double[]{-0.5, -1.25, -3.0}, back.hypothesisLogProbs(), 0.0);
        assertEquals(36, back.decoderPositions());
        assertEquals("default", back.adapter());

        DecodeResponse plain = response(null, null);
        BytesStreamOutput out2 = new BytesStreamOutput();
        plain.writeTo(out2);
        DecodeResponse plainBack = new DecodeResponse(out2.bytes().streamInput());
        assertTrue(plainBack.hypotheses().isEmpty());
        assertEquals(0, plainBack.hypothesisLogProbs().length);
        expectThrows(IllegalArgumentException.class, () -> response(List.of("a", "b"), new double[]{-1}));
    }
}
