/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import static org.opensearch.action.ValidateActions.addValidationError;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.common.util.set.Sets;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.tasks.Task;

import io.lloco.adapters.AdapterName;

/**
 * {@code POST /_plugins/lloco/adapters/{name}/_evaluate}: {@code source_index}, {@code examples} (an index or inline
 * {@code {doc_id, question, answer, choices?}} objects; all of them are evaluated: pass held-out ones), optional
 * {@code template}, {@code max_new_tokens} (32), {@code sample} (how many answers to show side by side, 5). Parsed
 * strictly. It runs as an {@link EvaluateTask} (its progress in {@code _tasks}); {@link #inBackground} is the same
 * request with its result stored for {@code GET _tasks/{id}} ({@code wait_for_completion=false}).
 */
public class AdapterEvaluateRequest extends ActionRequest {

    static final Set<String> FIELDS = Sets.union(QaExamples.FIELDS, Set.of("sample"));

    final String name;
    final QaExamples qa;
    final int sample;
    /**
     * Whether the task's result is stored in the tasks index. Neither this nor {@link #onBegun} is sent between nodes:
     * only a request executed on the node that registers its task (as {@link #inBackground} ones are) is stored.
     */
    private boolean storeResult;
    /** Told the task's id once the evaluation has begun (the adapter found, the examples read); may be null. */
    private Consumer<TaskId> onBegun;

    AdapterEvaluateRequest(String name, QaExamples qa, int sample) {
        this.name = name;
        this.qa = qa;
        this.sample = sample;
    }

    /** Parses a body strictly. */
    public static AdapterEvaluateRequest parse(String name, XContentParser parser) throws IOException {
        Map<String, Object> m = parser.map();
        for (String k : m.keySet()) {
            if (FIELDS.contains(k) == false) {
                throw QaExamples.bad("[_evaluate] does not take [" + k + "]; it takes " + new TreeSet<>(FIELDS));
            }
        }
        return new AdapterEvaluateRequest(name, QaExamples.parse(m), QaExamples.integer(m, "sample", 5));
    }

    /** Wire constructor. */
    public AdapterEvaluateRequest(StreamInput in) throws IOException {
        super(in);
        name = in.readString();
        qa = new QaExamples(in);
        sample = in.readVInt();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(name);
        qa.writeTo(out);
        out.writeVInt(sample);
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        String problem = AdapterName.problem(name);
        if (problem != null) {
            e = addValidationError("invalid adapter name [" + name + "]: " + problem, e);
        }
        e = qa.validate(e);
        if (sample < 0 || sample > 100) {
            e = addValidationError("[sample] must be between 0 and 100, got [" + sample + "]", e);
        }
        return e;
    }

    /** The adapter's name. */
    public String name() {
        return name;
    }

    /**
     * The same request, its result stored for {@code GET _tasks/{id}}, to execute locally: {@code onBegun} is told the
     * task's id once the evaluation has begun (the adapter found and the examples read; what fails before is the
     * listener's failure, as for a synchronous call).
     */
    public AdapterEvaluateRequest inBackground(Consumer<TaskId> onBegun) {
        AdapterEvaluateRequest r = new AdapterEvaluateRequest(name, qa, sample);
        r.storeResult = true;
        r.onBegun = onBegun;
        return r;
    }

    /** The evaluation, task {@code task}, has begun. */
    void begun(TaskId task) {
        if (onBegun != null) {
            onBegun.accept(task);
        }
    }

    @Override
    public boolean getShouldStoreResult() {
        return storeResult;
    }

    @Override
    public String getDescription() {
        return "evaluate adapter [" + name + "] on [" + qa.sourceIndex + "]";
    }

    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new EvaluateTask(id, type, action, getDescription(), parentTaskId, headers, name);
    }
}
