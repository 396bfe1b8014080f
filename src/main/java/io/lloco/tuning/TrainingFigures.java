/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * What a training read, its parameters and its figures. Stored with the adapter ({@link #toMap}) under
 * {@code training}.
 *
 * @param sourceIndex the compressed documents' index
 * @param template the template the adapter was trained with and stores, null for the default (then not shown)
 * @param examples the examples index, or {@code inline}
 * @param trainExamples examples trained on
 * @param evalExamples examples held out and evaluated
 * @param steps optimizer steps run
 * @param firstLoss loss of the first step (NaN when not finite)
 * @param finalLoss loss of the last step (NaN when not finite)
 * @param seconds training time
 * @param meanSummaryPositions mean summary vectors per training question
 * @param node name of the node that trained it
 */
public record TrainingFigures(
    String sourceIndex,
    String template,
    String examples,
    int trainExamples,
    int evalExamples,
    long steps,
    int batchSize,
    double learningRate,
    long seed,
    double firstLoss,
    double finalLoss,
    double seconds,
    double tokensPerSecond,
    double meanSummaryPositions,
    String node) implements Writeable, ToXContentObject {

    /** Wire constructor. */
    public static TrainingFigures readFrom(StreamInput in) throws IOException {
        return new TrainingFigures(
            in.readString(),
            in.readOptionalString(),
            in.readString(),
            in.readVInt(),
            in.readVInt(),
            in.readLong(),
            in.readVInt(),
            in.readDouble(),
            in.readLong(),
            in.readDouble(),
            in.readDouble(),
            in.readDouble(),
            in.readDouble(),
            in.readDouble(),
            in.readString()
        );
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(sourceIndex);
        out.writeOptionalString(template);
        out.writeString(examples);
        out.writeVInt(trainExamples);
        out.writeVInt(evalExamples);
        out.writeLong(steps);
        out.writeVInt(batchSize);
        out.writeDouble(learningRate);
        out.writeLong(seed);
        out.writeDouble(firstLoss);
        out.writeDouble(finalLoss);
        out.writeDouble(seconds);
        out.writeDouble(tokensPerSecond);
        out.writeDouble(meanSummaryPositions);
        out.writeString(node);
    }

    /** The stored form (the adapter's {@code training}): the same fields as {@link #toXContent}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source_index", sourceIndex);
        if (template != null) {
            m.put("template", template);
        }
        m.put("examples", examples);
        m.put("train_examples", trainExamples);
        m.put("eval_examples", evalExamples);
        m.put("steps", steps);
        m.put("batch_size", batchSize);
        m.put("learning_rate", learningRate);
        m.put("seed", seed);
        m.put("first_loss", firstLoss);
        m.put("final_loss", finalLoss);
        m.put("seconds", seconds);
        m.put("tokens_per_second", tokensPerSecond);
        m.put("mean_summary_positions", meanSummaryPositions);
        m.put("node", node);
        return m;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject().field("source_index", sourceIndex);
        if (template != null) {
            b.field("template", template);
        }
        return b.field("examples", examples)
            .field("train_examples", trainExamples)
            .field("eval_examples", evalExamples)
            .field("steps", steps)
            .field("batch_size", batchSize)
            .field("learning_rate", learningRate)
            .field("seed", seed)
            .field("first_loss", firstLoss)
            .field("final_loss", finalLoss)
            .field("seconds", seconds)
            .field("tokens_per_second", tokensPerSecond)
            .field("mean_summary_positions", meanSummaryPositions)
            .field("node", node)
            .endObject();
    }
}
