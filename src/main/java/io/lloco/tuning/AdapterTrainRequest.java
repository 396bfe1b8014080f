/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import static org.opensearch.action.ValidateActions.addValidationError;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.common.util.set.Sets;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.tasks.Task;

import io.lloco.adapters.AdapterName;
import io.lloco.runtime.model.Projection;

/**
 * {@code POST /_plugins/lloco/adapters/{name}/_train}: {@code source_index} (documents compressed by
 * {@code lloco_compress}), {@code examples} (an index of {@code {doc_id, question, answer, choices?}} documents, or
 * such objects inline), and optional {@code template}, {@code r} (8), {@code alpha} (2 r), {@code target_modules}
 * (q/k/v/o), {@code steps} or {@code epochs} (default 1 epoch), {@code learning_rate} (1e-3), {@code batch_size} (4),
 * {@code seed} (1), {@code eval_fraction} (0.1), {@code max_new_tokens} (the budget questions will use; 32),
 * {@code description}. Parsed strictly. The same request runs the training task on the {@code lloco} node
 * ({@link #forRun()}: its result is stored for {@code GET _tasks/{id}}).
 */
public class AdapterTrainRequest extends ActionRequest {

    /** Fields the body takes. */
    static final Set<String> FIELDS = Sets.union(
        QaExamples.FIELDS,
        Set.of(
            "r",
            "alpha",
            "target_modules",
            "steps",
            "epochs",
            "learning_rate",
            "batch_size",
            "seed",
            "eval_fraction",
            "description"
        )
    );

    /** Largest step count. */
    public static final long MAX_STEPS = 1_000_000;

    final String name;
    final QaExamples qa;
    int r = 8;
    double alpha = Double.NaN;
    List<String> targetModules = List.of("q_proj", "k_proj", "v_proj", "o_proj");
    long steps;
    int epochs;
    double learningRate = 1e-3;
    int batchSize = 4;
    long seed = 1;
    double evalFraction = 0.1;
    String description;
    private boolean run;

    private AdapterTrainRequest(String name, QaExamples qa) {
        this.name = name;
        this.qa = qa;
    }

    /** Parses a body strictly. */
    public static AdapterTrainRequest parse(String name, XContentParser parser) throws IOException {
        Map<String, Object> m = parser.map();
        for (String k : m.keySet()) {
            if (FIELDS.contains(k) == false) {
                throw QaExamples.bad("[_train] does not take [" + k + "]; it takes " + new TreeSet<>(FIELDS));
            }
        }
        AdapterTrainRequest t = new AdapterTrainRequest(name, QaExamples.parse(m));
        t.r = QaExamples.integer(m, "r", t.r);
        t.alpha = QaExamples.num(m, "alpha", Double.NaN);
        if (m.get("target_modules") != null) {
            Object modules = m.get("target_modules");
            if (modules instanceof List<?> == false || ((List<?>) modules).stream().allMatch(o -> o instanceof String) == false) {
                throw QaExamples.bad("[target_modules] must be a list of module names such as [\"q_proj\", \"v_proj\"]");
            }
            List<String> tm = new ArrayList<>();
            ((List<?>) modules).forEach(o -> tm.add((String) o));
            t.targetModules = List.copyOf(tm);
        }
        t.steps = QaExamples.longInteger(m, "steps", 0);
        t.epochs = QaExamples.integer(m, "epochs", 0);
        t.learningRate = QaExamples.num(m, "learning_rate", t.learningRate);
        t.batchSize = QaExamples.integer(m, "batch_size", t.batchSize);
        t.seed = QaExamples.longInteger(m, "seed", t.seed);
        t.evalFraction = QaExamples.num(m, "eval_fraction", t.evalFraction);
        t.description = QaExamples.str(m, "description");
        return t;
    }

    /** Wire constructor. */
    public AdapterTrainRequest(StreamInput in) throws IOException {
        super(in);
        name = in.readString();
        qa = new QaExamples(in);
        r = in.readVInt();
        alpha = in.readDouble();
        targetModules = in.readStringList();
        steps = in.readVLong();
        epochs = in.readVInt();
        learningRate = in.readDouble();
        batchSize = in.readVInt();
        seed = in.readLong();
        evalFraction = in.readDouble();
        description = in.readOptionalString();
        run = in.readBoolean();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(name);
        qa.writeTo(out);
        out.writeVInt(r);
        out.writeDouble(alpha);
        out.writeStringCollection(targetModules);
        out.writeVLong(steps);
        out.writeVInt(epochs);
        out.writeDouble(learningRate);
        out.writeVInt(batchSize);
        out.writeLong(seed);
        out.writeDouble(evalFraction);
        out.writeOptionalString(description);
        out.writeBoolean(run);
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        String problem = AdapterName.problem(name);
        if (problem != null) {
            e = addValidationError("invalid adapter name [" + name + "]: " + problem, e);
        }
        e = qa.validate(e);
        if (r < 1 || r > 256) {
            e = addValidationError("[r] must be between 1 and 256, got [" + r + "]", e);
        }
        if (Double.isNaN(alpha) == false && (alpha <= 0 || alpha > 4096)) {
            e = addValidationError("[alpha] must be in (0, 4096], got [" + alpha + "]", e);
        }
        for (String t : targetModules) {
            if (Projection.fromModuleName(t) == null) {
                e = addValidationError("[target_modules]: unknown module [" + t + "]", e);
            }
        }
        if (targetModules.isEmpty()) {
            e = addValidationError("[target_modules] must name at least one module", e);
        }
        if (steps < 0 || steps > MAX_STEPS) {
            e = addValidationError("[steps] must be between 1 and " + MAX_STEPS + ", got [" + steps + "]", e);
        }
        if (epochs < 0 || epochs > 1000) {
            e = addValidationError("[epochs] must be between 1 and 1000, got [" + epochs + "]", e);
        }
        if (steps > 0 && epochs > 0) {
            e = addValidationError("give [steps] or [epochs], not both", e);
        }
        if ((learningRate > 0 && learningRate <= 1) == false) {
            e = addValidationError("[learning_rate] must be in (0, 1], got [" + learningRate + "]", e);
        }
        if (batchSize < 1 || batchSize > 256) {
            e = addValidationError("[batch_size] must be between 1 and 256, got [" + batchSize + "]", e);
        }
        if ((evalFraction >= 0 && evalFraction <= 0.9) == false) {
            e = addValidationError("[eval_fraction] must be between 0 and 0.9, got [" + evalFraction + "]", e);
        }
        return e;
    }

    /** The adapter's name. */
    public String name() {
        return name;
    }

    /** The same request, as the training task on this node (its result stored for {@code GET _tasks/{id}}). */
    AdapterTrainRequest forRun() {
        AdapterTrainRequest t = new AdapterTrainRequest(name, qa);
        t.r = r;
        t.alpha = alpha;
        t.targetModules = targetModules;
        t.steps = steps;
        t.epochs = epochs;
        t.learningRate = learningRate;
        t.batchSize = batchSize;
        t.seed = seed;
        t.evalFraction = evalFraction;
        t.description = description;
        t.run = true;
        return t;
    }

    @Override
    public boolean getShouldStoreResult() {
        return run;
    }

    @Override
    public String getDescription() {
        return "train adapter [" + name + "] on [" + qa.sourceIndex + "] with examples from " + qa.describeExamples();
    }

    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        if (run == false) {
            return super.createTask(id, type, action, parentTaskId, headers);
        }
        return new TrainTask(id, type, action, getDescription(), parentTaskId, headers, name);
    }
}
