/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.adapters.AdapterMeta;

/**
 * The typed answers of {@code _train} (the task's result) and {@code _evaluate} cross the wire, and render exactly the
 * JSON the maps they replace rendered (keys, order, nulls, numbers): REST tests and docs/adapters.md read it.
 */
public class AdapterResponsesTests extends OpenSearchTestCase {

    private static final List<EvaluationFigures.SampleAnswer> SAMPLE = List.of(
        new EvaluationFigures.SampleAnswer("b17", "Who sailed to Orlen?", "Mara Quill", "Mara Quill", "a sailor"),
        new EvaluationFigures.SampleAnswer("42", "Which port?", "Orlen", "Orlen", "")
    );

    /** With choices and a sample, without either, and a sample asked for over no examples ({@code "sample": []}). */
    private static List<EvaluationFigures> evaluations() {
        return List.of(
            new EvaluationFigures(
                40,
                new EvaluationFigures.Scores(62.5, 70.12, 75.0, 55.0),
                new EvaluationFigures.Scores(0.0, 3.2, 25.0, 71.0),
                64.0,
                new EvaluationFigures.Delta(62.5, 66.92, 50.0),
                SAMPLE
            ),
            new EvaluationFigures(
                3,
                new EvaluationFigures.Scores(33.33, 41.0, null, 12.67),
                new EvaluationFigures.Scores(0.0, 0.0, null, 20.0),
                9.33,
                new EvaluationFigures.Delta(33.33, 41.0, null),
                null
            ),
            new EvaluationFigures(
                0,
                new EvaluationFigures.Scores(0.0, 0.0, null, 0.0),
                new EvaluationFigures.Scores(0.0, 0.0, null, 0.0),
                0.0,
                new EvaluationFigures.Delta(0.0, 0.0, null),
                List.of()
            )
        );
    }

    /** The map QaEvaluation.evaluate built for {@code e} before it was typed (the same puts, in the same order). */
    private static Map<String, Object> oldEvalMap(EvaluationFigures e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("examples", e.examples());
        out.put("adapter", oldSide(e.adapter()));
        out.put("no_adapter", oldSide(e.noAdapter()));
        out.put("mean_full_context_tokens", e.meanFullContextTokens());
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("exact_match", e.adapterMinusNoAdapter().exactMatch());
        delta.put("f1", e.adapterMinusNoAdapter().f1());
        if (e.adapterMinusNoAdapter().choiceAccuracy() != null) {
            delta.put("choice_accuracy", e.adapterMinusNoAdapter().choiceAccuracy());
        }
        out.put("adapter_minus_no_adapter", delta);
        if (e.sample() != null) {
            List<Map<String, Object>> sample = new ArrayList<>();
            for (EvaluationFigures.SampleAnswer a : e.sample()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("doc_id", a.docId());
                m.put("question", a.question());
                m.put("answer", a.answer());
                m.put("adapter_answer", a.adapterAnswer());
                m.put("no_adapter_answer", a.noAdapterAnswer());
                sample.add(m);
            }
            out.put("sample", sample);
        }
        return out;
    }

    private static Map<String, Object> oldSide(EvaluationFigures.Scores s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exact_match", s.exactMatch());
        m.put("f1", s.f1());
        if (s.choiceAccuracy() != null) {
            m.put("choice_accuracy", s.choiceAccuracy());
        }
        m.put("mean_decoder_positions", s.meanDecoderPositions());
        return m;
    }

    /** A training's figures: with a template and finite losses, and with neither (the default template, NaN losses). */
    private static List<TrainingFigures> trainings() {
        return List.of(
            new TrainingFigures(
                "books",
                "lookup",
                "books-questions",
                270,
                30,
                400L,
                4,
                0.002,
                1L,
                5.7913,
                0.0612,
                116.2345,
                1096.5,
                16.0,
                "node-1"
            ),
            new TrainingFigures("a,b*", null, "inline", 2, 0, 1L, 1, 1e-3, -7L, Double.NaN, Double.NaN, 0.0012, 0.0, 0.0, "n")
        );
    }

    /** The map AdapterTrainRunTransportAction built for {@code t} before it was typed. */
    private static Map<String, Object> oldTrainingMap(TrainingFigures t) {
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("source_index", t.sourceIndex());
        if (t.template() != null) {
            training.put("template", t.template());
        }
        training.put("examples", t.examples());
        training.put("train_examples", t.trainExamples());
        training.put("eval_examples", t.evalExamples());
        training.put("steps", t.steps());
        training.put("batch_size", t.batchSize());
        training.put("learning_rate", t.learningRate());
        training.put("seed", t.seed());
        training.put("first_loss", t.firstLoss());
        training.put("final_loss", t.finalLoss());
        training.put("seconds", t.seconds());
        training.put("tokens_per_second", t.tokensPerSecond());
        training.put("mean_summary_positions", t.meanSummaryPositions());
        training.put("node", t.node());
        return training;
    }

    private static AdapterMeta meta(TrainingFigures t, EvaluationFigures e) {
        return new AdapterMeta(
            "books-v1",
            3,
            "blob-1",
            "lloco-tiny",
            "sha256:abc",
            16,
            32.0,
            List.of("q_proj", "v_proj"),
            false,
            t.template(),
            1234L,
            5678L,
            1_700_000_000_000L,
            "train",
            randomBoolean() ? null : "a description",
            List.of(new AdapterMeta.FileEntry("adapter_model.safetensors", 5000L, "00ff", 1)),
            e == null ? null : e.toMap(),
            t.toMap()
        );
    }

    public void testEvaluationFiguresRenderAsTheOldMapAndStoreTheSameFields() throws Exception {
        for (EvaluationFigures e : evaluations()) {
            String old = BytesReference.bytes(JsonXContent.contentBuilder().map(oldEvalMap(e))).utf8ToString();
            assertEquals(old, json(e));
            assertEquals("the stored form is the old map", oldEvalMap(e), e.toMap());
            assertEquals(e, roundTrip(e));
        }
    }

    public void testTrainingFiguresRenderAsTheOldMapAndStoreTheSameFields() throws Exception {
        for (TrainingFigures t : trainings()) {
            String old = BytesReference.bytes(JsonXContent.contentBuilder().map(oldTrainingMap(t))).utf8ToString();
            assertEquals(old, json(t));
            assertEquals("the stored form is the old map, boxed the same", oldTrainingMap(t), t.toMap());
            BytesStreamOutput out = new BytesStreamOutput();
            t.writeTo(out);
            assertEquals(t, TrainingFigures.readFrom(out.bytes().streamInput()));
        }
        assertEquals(
            "{\"source_index\":\"books\",\"template\":\"lookup\",\"examples\":\"books-questions\",\"train_examples\":270,"
                + "\"eval_examples\":30,\"steps\":400,\"batch_size\":4,\"learning_rate\":0.002,\"seed\":1,\"first_loss\":5.7913,"
                + "\"final_loss\":0.0612,\"seconds\":116.2345,\"tokens_per_second\":1096.5,\"mean_summary_positions\":16.0,"
                + "\"node\":\"node-1\"}",
            json(trainings().get(0))
        );
    }

    public void testTrainResponseRoundTripAndRendering() throws Exception {
        for (TrainingFigures t : trainings()) {
            for (EvaluationFigures e : new EvaluationFigures[]{evaluations().get(0), evaluations().get(1), null}) {
                AdapterMeta meta = meta(t, e);
                long took = randomLongBetween(0, 1_000_000);
                AdapterTrainResponse r = new AdapterTrainResponse(meta, t, e, took);

                Map<String, Object> old = new LinkedHashMap<>();
                old.put("adapter", meta.toApiMap(List.of()));
                old.put("training", oldTrainingMap(t));
                old.put("eval", e == null ? null : oldEvalMap(e));
                old.put("took_ms", took);
                String oldJson = BytesReference.bytes(JsonXContent.contentBuilder().map(old)).utf8ToString();
                assertEquals(oldJson, json(r));
                assertFalse(r.isFragment());

                BytesStreamOutput out = new BytesStreamOutput();
                r.writeTo(out);
                AdapterTrainResponse back = new AdapterTrainResponse(out.bytes().streamInput());
                assertEquals(meta, back.adapter());
                assertEquals(t, back.training());
                assertEquals(e, back.eval());
                assertEquals(took, back.tookMs());
                assertEquals(oldJson, json(back));
            }
        }
        String noEval = json(new AdapterTrainResponse(meta(trainings().get(0), null), trainings().get(0), null, 5));
        assertTrue(noEval, noEval.contains(",\"eval\":null,\"took_ms\":5}"));
    }

    public void testEvaluateResponseRoundTripAndRendering() throws Exception {
        for (EvaluationFigures e : evaluations()) {
            AdapterEvaluateResponse r = new AdapterEvaluateResponse("books-v1", 3, "books", e);
            Map<String, Object> old = new LinkedHashMap<>();
            old.put("adapter", "books-v1");
            old.put("version", 3L);
            old.put("source_index", "books");
            old.put("eval", oldEvalMap(e));
            String oldJson = BytesReference.bytes(JsonXContent.contentBuilder().map(old)).utf8ToString();
            assertEquals(oldJson, json(r));
            assertFalse(r.isFragment());

            BytesStreamOutput out = new BytesStreamOutput();
            r.writeTo(out);
            AdapterEvaluateResponse back = new AdapterEvaluateResponse(out.bytes().streamInput());
            assertEquals("books-v1", back.adapter());
            assertEquals(3, back.version());
            assertEquals("books", back.sourceIndex());
            assertEquals(e, back.eval());
            assertEquals(oldJson, json(back));
        }
        assertEquals(
            "{\"adapter\":\"books-v1\",\"version\":3,\"source_index\":\"books\",\"eval\":{\"examples\":40,"
                + "\"adapter\":{\"exact_match\":62.5,\"f1\":70.12,\"choice_accuracy\":75.0,\"mean_decoder_positions\":55.0},"
                + "\"no_adapter\":{\"exact_match\":0.0,\"f1\":3.2,\"choice_accuracy\":25.0,\"mean_decoder_positions\":71.0},"
                + "\"mean_full_context_tokens\":64.0,"
                + "\"adapter_minus_no_adapter\":{\"exact_match\":62.5,\"f1\":66.92,\"choice_accuracy\":50.0},"
                + "\"sample\":[{\"doc_id\":\"b17\",\"question\":\"Who sailed to Orlen?\",\"answer\":\"Mara Quill\","
                + "\"adapter_answer\":\"Mara Quill\",\"no_adapter_answer\":\"a sailor\"},{\"doc_id\":\"42\",\"question\":"
                + "\"Which port?\",\"answer\":\"Orlen\",\"adapter_answer\":\"Orlen\",\"no_adapter_answer\":\"\"}]}}",
            json(new AdapterEvaluateResponse("books-v1", 3, "books", evaluations().get(0)))
        );
    }

    private static EvaluationFigures roundTrip(EvaluationFigures e) throws Exception {
        BytesStreamOutput out = new BytesStreamOutput();
        e.writeTo(out);
        return EvaluationFigures.readFrom(out.bytes().streamInput());
    }

    private static String json(ToXContent x) throws Exception {
        return BytesReference.bytes(x.toXContent(JsonXContent.contentBuilder(), ToXContent.EMPTY_PARAMS)).utf8ToString();
    }
}
