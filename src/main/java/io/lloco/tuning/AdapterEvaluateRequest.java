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
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;

import io.lloco.adapters.AdapterName;
import io.lloco.common.LlocoException;

/**
 * {@code POST /_plugins/lloco/adapters/{name}/_evaluate}: {@code source_index}, {@code examples} (an index or inline
 * {@code {doc_id, question, answer, choices?}} objects; all of them are evaluated: pass held-out ones), optional
 * {@code template}, {@code max_new_tokens} (32), {@code sample} (how many answers to show side by side, 5). Parsed
 * strictly.
 */
public class AdapterEvaluateRequest extends ActionRequest {

    static final Set<String> FIELDS = Set.of("source_index", "examples", "template", "max_new_tokens", "sample");

    final String name;
    String sourceIndex;
    String examplesIndex;
    List<TrainExample> examples = List.of();
    String template;
    int maxNewTokens = 32;
    int sample = 5;

    /** An empty request for adapter {@code name}. */
    public AdapterEvaluateRequest(String name) {
        this.name = name;
    }

    /** Parses a body strictly. */
    @SuppressWarnings("unchecked")
    public static AdapterEvaluateRequest parse(String name, XContentParser parser) throws IOException {
        Map<String, Object> m = parser.map();
        for (String k : m.keySet()) {
            if (FIELDS.contains(k) == false) {
                throw new LlocoException(
                    "[_evaluate] does not take [" + k + "]; it takes " + new TreeSet<>(FIELDS), RestStatus.BAD_REQUEST
                );
            }
        }
        AdapterEvaluateRequest r = new AdapterEvaluateRequest(name);
        AdapterTrainRequest t = AdapterTrainRequest.parse(name, asParser(m, List.of("sample")));
        r.sourceIndex = t.sourceIndex;
        r.examplesIndex = t.examplesIndex;
        r.examples = t.examples;
        r.template = t.template;
        r.maxNewTokens = t.maxNewTokens;
        if (m.get("sample") != null) {
            if (m.get("sample") instanceof Number n == false) {
                throw new LlocoException("[sample] must be a number", RestStatus.BAD_REQUEST);
            }
            r.sample = ((Number) m.get("sample")).intValue();
        }
        return r;
    }

    private static XContentParser asParser(Map<String, Object> m, List<String> drop) throws IOException {
        Map<String, Object> copy = new java.util.LinkedHashMap<>(m);
        drop.forEach(copy::remove);
        return org.opensearch.common.xcontent.json.JsonXContent.jsonXContent.createParser(
            org.opensearch.core.xcontent.NamedXContentRegistry.EMPTY,
            org.opensearch.core.xcontent.DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
            org.opensearch.core.common.bytes.BytesReference
                .bytes(org.opensearch.common.xcontent.json.JsonXContent.contentBuilder().map(copy))
                .streamInput()
        );
    }

    /** Wire constructor. */
    public AdapterEvaluateRequest(StreamInput in) throws IOException {
        super(in);
        name = in.readString();
        sourceIndex = in.readOptionalString();
        examplesIndex = in.readOptionalString();
        examples = new ArrayList<>(in.readList(TrainExample::readFrom));
        template = in.readOptionalString();
        maxNewTokens = in.readVInt();
        sample = in.readVInt();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(name);
        out.writeOptionalString(sourceIndex);
        out.writeOptionalString(examplesIndex);
        out.writeList(examples);
        out.writeOptionalString(template);
        out.writeVInt(maxNewTokens);
        out.writeVInt(sample);
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        String problem = AdapterName.problem(name);
        if (problem != null) {
            e = addValidationError("invalid adapter name [" + name + "]: " + problem, e);
        }
        if (sourceIndex == null || sourceIndex.isBlank()) {
            e = addValidationError("[source_index] must name the index of documents compressed by lloco_compress", e);
        }
        if (examplesIndex == null && examples.isEmpty()) {
            e = addValidationError("[examples] must name an index of {doc_id, question, answer} documents or list them", e);
        }
        if (maxNewTokens < 1 || maxNewTokens > 1024) {
            e = addValidationError("[max_new_tokens] must be between 1 and 1024, got [" + maxNewTokens + "]", e);
        }
        if (sample < 0 || sample > 100) {
            e = addValidationError("[sample] must be between 0 and 100, got [" + sample + "]", e);
        }
        return e;
    }

    @Override
    public String getDescription() {
        return "evaluate adapter [" + name + "] on [" + sourceIndex + "]";
    }

    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new CancellableTask(id, type, action, getDescription(), parentTaskId, headers) {

            @Override
            public boolean shouldCancelChildrenOnCancellation() {
                return true;
            }
        };
    }
}
