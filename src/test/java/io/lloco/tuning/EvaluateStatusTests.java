/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionType;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.test.client.NoOpClient;

import io.lloco.qa.LlocoQaAction;
import io.lloco.qa.LlocoQaResponse;

/**
 * An evaluation's task status crosses the wire and renders its fields as {@code _tasks} shows them, and its counts of
 * answered examples rise with each answer (observed from inside the questions, no waiting).
 */
public class EvaluateStatusTests extends OpenSearchTestCase {

    private static String json(ToXContent x) throws Exception {
        XContentBuilder b = JsonXContent.contentBuilder();
        x.toXContent(b, ToXContent.EMPTY_PARAMS);
        return BytesReference.bytes(b).utf8ToString();
    }

    public void testRoundTripAndRendering() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("adapter", "a1");
        fields.put("phase", "evaluating");
        fields.put("examples", 40);
        fields.put("adapter_done", 12);
        fields.put("no_adapter_done", 11);
        EvaluateStatus s = new EvaluateStatus(fields);
        BytesStreamOutput out = new BytesStreamOutput();
        s.writeTo(out);
        EvaluateStatus back = new EvaluateStatus(out.bytes().streamInput());
        assertEquals(fields, back.fields());
        assertEquals("lloco_adapter_evaluate", back.getWriteableName());
        assertEquals(
            "{\"adapter\":\"a1\",\"phase\":\"evaluating\",\"examples\":40,\"adapter_done\":12,\"no_adapter_done\":11}",
            json(back)
        );
    }

    public void testTheTaskShowsItsPhases() throws Exception {
        EvaluateTask t = task();
        assertEquals("{\"adapter\":\"a1\",\"phase\":\"queued\"}", json(t.getStatus()));
        t.phase("reading_examples");
        assertEquals("{\"adapter\":\"a1\",\"phase\":\"reading_examples\"}", json(t.getStatus()));
        t.examples(3);
        assertEquals(
            "{\"adapter\":\"a1\",\"phase\":\"evaluating\",\"examples\":3,\"adapter_done\":0,\"no_adapter_done\":0}",
            json(t.getStatus())
        );
        t.answered(3, 3);
        t.phase("done");
        assertEquals(
            "{\"adapter\":\"a1\",\"phase\":\"done\",\"examples\":3,\"adapter_done\":3,\"no_adapter_done\":3}",
            json(t.getStatus())
        );
        assertTrue(t.shouldCancelChildrenOnCancellation());
    }

    private static EvaluateTask task() {
        return new EvaluateTask(1, "transport", AdapterEvaluateAction.NAME, "evaluate", TaskId.EMPTY_TASK_ID, Map.of(), "a1");
    }

    /** Answers every question at once, calling {@code onQuestion} first (as the question under way). */
    private static final class Answers extends NoOpClient {

        final Runnable onQuestion;
        int questions;

        Answers(String name, Runnable onQuestion) {
            super(name);
            this.onQuestion = onQuestion;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
            ActionType<Response> action,
            Request request,
            ActionListener<Response> listener
        ) {
            if (action != LlocoQaAction.INSTANCE) {
                listener.onFailure(new UnsupportedOperationException(action.name()));
                return;
            }
            questions++;
            onQuestion.run();
            LlocoQaResponse.Usage usage = new LlocoQaResponse.Usage(8, 0, 4, 1, 12, 64, null, 1, 0, 0, 0, 0);
            listener.onResponse(
                (Response) new LlocoQaResponse("x", "compressed", "m", null, null, "n", "stop", null, null, null, usage, null, null)
            );
        }
    }

    public void testTheCountsRiseWithEachAnswer() throws Exception {
        EvaluateTask t = task();
        List<TrainExample> examples = List.of(
            new TrainExample("d1", "q1", "x", List.of()),
            new TrainExample("d2", "q2", "y", List.of()),
            new TrainExample("d3", "q3", "x", List.of())
        );
        t.examples(examples.size());
        List<String> seen = new ArrayList<>();
        try (Answers client = new Answers(getTestName(), () -> {
            try {
                Map<String, Object> f = ((EvaluateStatus) t.getStatus()).fields();
                seen.add(f.get("adapter_done") + "/" + f.get("no_adapter_done"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        })) {
            EvaluationFigures eval = QaEvaluation.evaluate(client, null, "docs", "a1", examples, null, 4, 0, () -> false, t);
            assertEquals(3, eval.examples());
            assertEquals(6, client.questions);
        }
        // before each question: the adapter side answers first, then the no-adapter side
        assertEquals(List.of("0/0", "1/0", "1/1", "2/1", "2/2", "3/2"), seen);
        Map<String, Object> f = ((EvaluateStatus) t.getStatus()).fields();
        assertEquals(3, f.get("adapter_done"));
        assertEquals(3, f.get("no_adapter_done"));
    }

    public void testCancellingStopsBeforeTheNextQuestion() throws Exception {
        EvaluateTask t = task();
        List<TrainExample> examples = List.of(new TrainExample("d1", "q1", "x", List.of()), new TrainExample("d2", "q2", "y", List.of()));
        t.examples(examples.size());
        boolean[] cancelled = new boolean[1];
        try (Answers client = new Answers(getTestName(), () -> cancelled[0] = true)) {
            expectThrows(
                TaskCancelledException.class,
                () -> QaEvaluation.evaluate(client, null, "docs", "a1", examples, null, 4, 0, () -> cancelled[0], t)
            );
            assertEquals("the question under way is answered, none after it is asked", 1, client.questions);
        }
        Map<String, Object> f = ((EvaluateStatus) t.getStatus()).fields();
        assertEquals(1, f.get("adapter_done"));
        assertEquals(0, f.get("no_adapter_done"));
    }
}
