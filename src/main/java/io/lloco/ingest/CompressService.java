package io.lloco.ingest;

import java.util.List;

import org.opensearch.core.action.ActionListener;

import io.lloco.engine.ModelInfo;
import io.lloco.engine.SummaryEncoder;

/** Where compression runs: on this node or on a {@code lloco} node. Asynchronous; never blocks the caller. */
public interface CompressService {

    /** Whether {@code model} is known on this node (embedded or under the config directory). */
    boolean knows(String model);

    /** Ids of the models this node knows, for error messages. */
    List<String> knownModels();

    /** The model's facts (loads it if needed). */
    ModelInfo info(String model);

    /** Token count of {@code text} under {@code model}'s tokenizer. */
    int countTokens(String model, String text);

    /** Compresses {@code texts} with {@code model}; the listener gets one result per text, in order. */
    void compress(String model, List<String> texts, int segmentTokens, boolean independent, ActionListener<List<SummaryEncoder.Encoded>> listener);
}
