/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.transport.client.Client;

import io.lloco.qa.LlocoQaAction;
import io.lloco.qa.LlocoQaRequest;
import io.lloco.qa.LlocoQaResponse;
import io.lloco.runtime.train.AnswerMetrics;

/**
 * Evaluates an adapter on held-out examples by asking each question through {@code _lloco_qa} twice, with the adapter
 * and with none (the same documents, template and budget), as the calling user: exact match and token F1 (percent),
 * choice accuracy for the examples with {@code choices}, mean decoder positions, and the mean full-context token count
 * of the documents read. Blocking: run it off the network threads.
 */
final class QaEvaluation {

    private QaEvaluation() {
    }

    /** The {@code _lloco_qa} request for {@code e} over {@code index} with {@code adapter} ({@code none} for none). */
    static LlocoQaRequest question(TrainExample e, String index, String adapter, String template, int maxNewTokens) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("question", e.question());
        body.put("doc_ids", List.of(e.docId()));
        body.put("max_new_tokens", maxNewTokens);
        body.put("adapter", adapter);
        if (template != null) {
            body.put("template", template);
        }
        if (e.choices().isEmpty() == false) {
            body.put("choices", e.choices());
        }
        try (
            XContentParser p = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY,
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                BytesReference.bytes(JsonXContent.contentBuilder().map(body)).streamInput()
            )) {
            return LlocoQaRequest.parse(p, index);
        }
    }

    /** Scores of one side (adapter or none). */
    private static final class Side {

        double em;
        double f1;
        double choice;
        int choices;
        long positions;
        long fullContext;
        int n;
        final List<String> answers = new ArrayList<>();

        void add(TrainExample e, LlocoQaResponse r) {
            String a = r.answer() == null ? "" : r.answer();
            answers.add(a);
            em += AnswerMetrics.exactMatch(a, e.answer());
            f1 += AnswerMetrics.f1(a, e.answer());
            if (e.choices().isEmpty() == false) {
                choice += AnswerMetrics.choiceCorrect(a, e.choices(), e.answer());
                choices++;
            }
            positions += r.usage().decoderPositions();
            fullContext += r.usage().fullContextTokens();
            n++;
        }

        EvaluationFigures.Scores scores() {
            return new EvaluationFigures.Scores(
                round(100 * em / Math.max(1, n)),
                round(100 * f1 / Math.max(1, n)),
                choices > 0 ? round(100 * choice / choices) : null,
                round((double) positions / Math.max(1, n))
            );
        }
    }

    /** Told after each answer: how many examples have been answered with the adapter and with none so far. */
    interface Progress {

        /** No one listens. */
        Progress NONE = (withAdapter, withNone) -> {
        };

        /** {@code withAdapter} examples have been answered with the adapter, {@code withNone} with none. */
        void answered(int withAdapter, int withNone);
    }

    /**
     * Evaluates adapter {@code adapter} against no adapter on {@code examples}; {@code parent} (may be null) is the
     * task the questions run under, {@code cancelled} is checked between questions.
     */
    static EvaluationFigures evaluate(
        Client client,
        TaskId parent,
        String index,
        String adapter,
        List<TrainExample> examples,
        String template,
        int maxNewTokens,
        int keepAnswers,
        BooleanSupplier cancelled
    ) throws IOException {
        return evaluate(client, parent, index, adapter, examples, template, maxNewTokens, keepAnswers, cancelled, Progress.NONE);
    }

    /**
     * Evaluates adapter {@code adapter} against no adapter on {@code examples}; {@code parent} (may be null) is the
     * task the questions run under, {@code cancelled} is checked before each question, {@code progress} is told after
     * each answer.
     */
    static EvaluationFigures evaluate(
        Client client,
        TaskId parent,
        String index,
        String adapter,
        List<TrainExample> examples,
        String template,
        int maxNewTokens,
        int keepAnswers,
        BooleanSupplier cancelled,
        Progress progress
    ) throws IOException {
        Side with = new Side();
        Side without = new Side();
        for (TrainExample e : examples) {
            for (Side s : List.of(with, without)) {
                if (cancelled.getAsBoolean()) {
                    throw new TaskCancelledException("evaluation cancelled");
                }
                LlocoQaRequest q = question(e, index, s == with ? adapter : "none", template, maxNewTokens);
                if (parent != null) {
                    q.setParentTask(parent);
                }
                s.add(e, client.execute(LlocoQaAction.INSTANCE, q).actionGet());
                progress.answered(with.n, without.n);
            }
        }
        EvaluationFigures.Delta delta = new EvaluationFigures.Delta(
            round(100 * (with.em - without.em) / Math.max(1, with.n)),
            round(100 * (with.f1 - without.f1) / Math.max(1, with.n)),
            with.choices > 0 ? round(100 * (with.choice - without.choice) / with.choices) : null
        );
        List<EvaluationFigures.SampleAnswer> sample = null;
        if (keepAnswers > 0) {
            sample = new ArrayList<>();
            for (int i = 0; i < Math.min(keepAnswers, examples.size()); i++) {
                TrainExample e = examples.get(i);
                sample.add(
                    new EvaluationFigures.SampleAnswer(e.docId(), e.question(), e.answer(), with.answers.get(i), without.answers.get(i))
                );
            }
        }
        return new EvaluationFigures(
            examples.size(),
            with.scores(),
            without.scores(),
            round((double) with.fullContext / Math.max(1, with.n)),
            delta,
            sample
        );
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
