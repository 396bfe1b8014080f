/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.io.IOException;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

import io.lloco.runtime.compress.Segmentation;

/**
 * A batch of documents to compress. {@code routed} marks a request that a router already sent to its target: the
 * receiving node runs it locally instead of routing again, so requests never bounce between nodes.
 */
public class CompressRequest extends ActionRequest {

    private final CompressService.Job job;
    private final boolean routed;

    /** A request for {@code job}. */
    public CompressRequest(CompressService.Job job, boolean routed) {
        this.job = job;
        this.routed = routed;
    }

    /** Reads a request from the wire. */
    public CompressRequest(StreamInput in) throws IOException {
        super(in);
        String model = in.readString();
        String field = in.readString();
        java.util.List<String> texts = in.readStringList();
        Integer segmentTokens = in.readOptionalVInt();
        boolean independent = in.readBoolean();
        Segmentation.Boundary boundary = in.readEnum(Segmentation.Boundary.class);
        int maxTokens = in.readVInt();
        long maxNested = in.readVLong();
        boolean sentences = in.readBoolean();
        this.job = new CompressService.Job(model, field, texts, segmentTokens, independent, boundary, maxTokens, maxNested, sentences);
        this.routed = in.readBoolean();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(job.model());
        out.writeString(job.field());
        out.writeStringCollection(job.texts());
        out.writeOptionalVInt(job.segmentTokens());
        out.writeBoolean(job.independent());
        out.writeEnum(job.boundary());
        out.writeVInt(job.maxTokens());
        out.writeVLong(job.maxNestedObjects());
        out.writeBoolean(job.indexSentences());
        out.writeBoolean(routed);
    }

    /** The batch. */
    public CompressService.Job job() {
        return job;
    }

    /** Whether a router already chose this node. */
    public boolean routed() {
        return routed;
    }

    /** The same batch, marked as routed. */
    public CompressRequest asRouted() {
        return new CompressRequest(job, true);
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        if (job.model() == null || job.model().isEmpty()) {
            e = new ActionRequestValidationException();
            e.addValidationError("[model] is required");
        }
        if (job.texts().isEmpty()) {
            e = e == null ? new ActionRequestValidationException() : e;
            e.addValidationError("at least one text is required");
        }
        return e;
    }
}
