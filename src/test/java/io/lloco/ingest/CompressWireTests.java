/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.List;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.engine.ModelInfo;
import io.lloco.engine.SummaryEncoder;
import io.lloco.runtime.compress.Segmentation;

/** The compress request and response survive the transport wire: texts, options, binary summaries, per-document errors. */
public class CompressWireTests extends OpenSearchTestCase {

    public void testRequestRoundTrip() throws Exception {
        CompressService.Job job = new CompressService.Job(
            "m", "body", List.of("a b", "ü c"), null, true, Segmentation.Boundary.SENTENCE, 77, 10_000L, true
        );
        CompressRequest r = new CompressRequest(job, false).asRouted();
        BytesStreamOutput out = new BytesStreamOutput();
        r.writeTo(out);
        CompressRequest back = new CompressRequest(out.bytes().streamInput());
        assertTrue(back.routed());
        assertEquals(job, back.job());
        CompressService.Job job2 = new CompressService.Job(
            "m", "body", List.of("x"), 16, false, Segmentation.Boundary.TOKENS, 5, 0L, false
        );
        out = new BytesStreamOutput();
        new CompressRequest(job2, false).writeTo(out);
        CompressRequest back2 = new CompressRequest(out.bytes().streamInput());
        assertFalse(back2.routed());
        assertEquals(Integer.valueOf(16), back2.job().segmentTokens());
        assertEquals(Segmentation.Boundary.TOKENS, back2.job().boundary());
        assertNotNull(
            new CompressRequest(new CompressService.Job("", "f", List.of(), null, false, Segmentation.Boundary.TOKENS, 1, 0L, false), false)
                .validate()
        );
    }

    public void testResponseRoundTripKeepsSummariesBitExactAndErrors() throws Exception {
        float[] s0 = {1.0f, -2.5f, Float.MIN_VALUE, 3.0e-8f, 65504.5f, -0.0f};
        float[] s1 = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
        SummaryEncoder.Encoded enc = new SummaryEncoder.Encoded(
            9,
            List.of(new SummaryEncoder.Segment(0, 5, 4, s0), new SummaryEncoder.Segment(5, 11, 5, s1))
        );
        ModelInfo info = new ModelInfo("m", "sha256:abc", 3, 2, 4, 2048, 1000);
        CompressService.Result result = new CompressService.Result(
            info,
            4,
            "node-x",
            List.of(
                new CompressService.Outcome(enc, null),
                new CompressService.Outcome(null, new IllegalArgumentException("field [body] has 9 tokens, over the limit"))
            )
        );
        BytesStreamOutput out = new BytesStreamOutput();
        new CompressResponse(result).writeTo(out);
        StreamInput in = out.bytes().streamInput();
        CompressService.Result back = new CompressResponse(in).result();
        assertEquals(info, back.info());
        assertEquals(4, back.segmentTokens());
        assertEquals("node-x", back.node());
        SummaryEncoder.Encoded e = back.outcomes().get(0).encoded();
        assertEquals(9, e.tokens());
        assertEquals(2, e.segments().size());
        assertEquals(5, e.segments().get(1).startChar());
        assertEquals(11, e.segments().get(1).endChar());
        assertEquals(5, e.segments().get(1).tokens());
        for (int i = 0; i < s0.length; i++) {
            assertEquals(Float.floatToRawIntBits(s0[i]), Float.floatToRawIntBits(e.segments().get(0).summaries()[i]));
        }
        Exception err = back.outcomes().get(1).error();
        assertTrue(err.getClass().getName(), err instanceof IllegalArgumentException);
        assertEquals("field [body] has 9 tokens, over the limit", err.getMessage());
        // summaries travel as 4-byte floats, not text: 12 floats dominate a payload without errors
        BytesStreamOutput ok = new BytesStreamOutput();
        new CompressResponse(new CompressService.Result(info, 4, "node-x", List.of(new CompressService.Outcome(enc, null)))).writeTo(ok);
        assertTrue("payload " + ok.size(), ok.size() >= 12 * 4 && ok.size() < 12 * 4 + 60);
    }
}
