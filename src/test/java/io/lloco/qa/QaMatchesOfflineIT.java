/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.testing.LlocoIntegTestCase;
import io.lloco.train.Evaluator;
import io.lloco.train.world.Document;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldTokenizer;

/**
 * Issue 6, item 9: the plugin path loses nothing. Held-out documents of the synthetic world are ingested through the
 * {@code lloco_compress} pipeline with the embedded {@code lloco-tiny}, their questions are asked through
 * {@code _lloco_qa} (its default adapter, the paper's templates, the evaluator's token budgets), and every answer is
 * compared with what the offline evaluator ({@code lloco eval}: runtime compressor + generator, float32 summaries
 * that never leave memory) answers to the same question. With float32 storage the answers must be identical, so the
 * accuracies are too; with the default float16 storage the accuracy must be the same. Multiple choice is asked twice:
 * generated (the paper's protocol) and ranked ({@code choice_mode: rank}), where the plugin's four option
 * log-likelihoods must also equal the evaluator's.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class QaMatchesOfflineIT extends LlocoIntegTestCase {

    private static final long SEED = 7;
    private static final int DOCS = 4;
    private static final int QUESTIONS = 2;

    private static Path shipped() {
        return Path.of(System.getProperty("lloco.project.dir", ".")).resolve("src/main/resources/io/lloco/models/lloco-tiny");
    }

    /** The offline evaluator's answers, keyed by document id and question. */
    /**
     * A task family answered by generation, or (CHOICE) by ranking the options ({@code choice_mode: rank}) or their
     * text as answers ({@code choice_mode: cloze}).
     */
    private record Variant(TaskFamily task, Evaluator.ChoiceScoring scoring) {

        boolean ranked() {
            return scoring != Evaluator.ChoiceScoring.GENERATE;
        }

        @Override
        public String toString() {
            return task.templateName() + (ranked() ? " (" + scoring.value() + ")" : "");
        }
    }

    private static Map<String, ObjectNode> offline(Variant v, int docTokens) throws Exception {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        try (
            NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.load(shipped(), root);
            LlamaModel m = new LlamaModel(w);
            LoraWeights lora = LoraWeights.load(shipped().resolve("adapters/default"), w.config(), w.manager())) {
            WorldTokenizer tok = WorldTokenizer.load(shipped().resolve("tokenizer.json"));
            new Evaluator(m, tok).run(
                new Evaluator.Spec(
                    v.task(),
                    Evaluator.Mode.LLOCO,
                    DOCS * QUESTIONS,
                    SEED,
                    docTokens,
                    QUESTIONS,
                    v.scoring(),
                    0,
                    io.lloco.runtime.compress.Segmentation.Boundary.TOKENS,
                    0,
                    false,
                    1,
                    1
                ),
                lora,
                p -> out.put(p.get("doc_id").asText() + " " + p.get("question").asText(), p)
            );
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public void testPluginAnswersHeldOutQuestionsAsTheOfflineEvaluatorDoes() throws Exception {
        internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest", "lloco"));
        // documents of one segment of the shipped model: the length it was trained to read (see its model card)
        int docTokens = io.lloco.runtime.checkpoint.ModelManifest.read(shipped()).segmentTokens();
        World world = new World(SEED);
        Map<Variant, Map<String, ObjectNode>> offline = new LinkedHashMap<>();
        Map<String, Document> docs = new LinkedHashMap<>();
        for (Variant v : new Variant[]{
            new Variant(TaskFamily.LOOKUP, Evaluator.ChoiceScoring.GENERATE),
            new Variant(TaskFamily.CHOICE, Evaluator.ChoiceScoring.GENERATE),
            new Variant(TaskFamily.CHOICE, Evaluator.ChoiceScoring.RANK),
            new Variant(TaskFamily.CHOICE, Evaluator.ChoiceScoring.CLOZE)}) {
            offline.put(v, offline(v, docTokens));
            assertEquals(DOCS * QUESTIONS, offline.get(v).size());
            for (ObjectNode p : offline.get(v).values()) {
                String id = p.get("doc_id").asText();
                for (int i = 0; docs.containsKey(id) == false; i++) {
                    assertTrue("the evaluator's document " + id, i < 100);
                    Document d = world.document(Split.TEST, i, docTokens);
                    docs.putIfAbsent(d.id(), d);
                }
            }
        }
        ObjectMapper om = new ObjectMapper();
        for (String storage : new String[]{"float32", "float16"}) {
            String index = "world-" + storage;
            call(
                "PUT",
                "/_ingest/pipeline/" + index,
                "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"lloco-tiny\",\"storage\":\"" + storage + "\"}}]}"
            );
            call("PUT", "/" + index + "?wait_for_active_shards=1", llocoMapping());
            StringBuilder bulk = new StringBuilder();
            for (Document d : docs.values()) {
                bulk.append("{\"index\":{\"_id\":").append(om.writeValueAsString(d.id())).append("}}\n");
                bulk.append("{\"body\":").append(om.writeValueAsString(d.text())).append("}\n");
            }
            Map<String, Object> r = call("POST", "/" + index + "/_bulk?pipeline=" + index + "&refresh=true", bulk.toString());
            assertEquals(r.toString(), false, r.get("errors"));
        }
        int answeredRight = 0;
        for (Variant v : offline.keySet()) {
            TaskFamily task = v.task();
            for (String storage : new String[]{"float32", "float16"}) {
                int asked = 0;
                int same = 0;
                int pluginRight = 0;
                int offlineRight = 0;
                for (ObjectNode off : offline.get(v).values()) {
                    Document d = docs.get(off.get("doc_id").asText());
                    QaExample q = world.questions(d, task, QUESTIONS)
                        .stream()
                        .filter(x -> x.id().equals(off.get("question_id").asText()))
                        .findFirst()
                        .orElseThrow();
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("question", q.question());
                    body.put("doc_ids", List.of(d.id()));
                    // cloze: the short-answer template, as the evaluator uses
                    body.put(
                        "template",
                        v.scoring() == Evaluator.ChoiceScoring.CLOZE ? TaskFamily.LOOKUP.templateName() : task.templateName()
                    );
                    body.put("max_new_tokens", task == TaskFamily.CHOICE ? 24 : 16);
                    if (task == TaskFamily.CHOICE) {
                        body.put("choices", q.options());
                    }
                    if (v.ranked()) {
                        body.put("choice_mode", v.scoring().value());
                    }
                    Map<String, Object> r = call("POST", "/world-" + storage + "/_lloco_qa", om.writeValueAsString(body));
                    assertEquals("lloco-tiny", r.get("model"));
                    assertEquals("default", r.get("adapter"));
                    Map<String, Object> usage = (Map<String, Object>) r.get("usage");
                    assertEquals(off.get("decoder_positions").asInt(), ((Number) usage.get("decoder_positions")).intValue());
                    String answer = ((String) r.get("answer")).trim();
                    String expected = off.get("prediction").asText();
                    asked++;
                    same += answer.equals(expected) ? 1 : 0;
                    pluginRight += correct(task, answer, q) ? 1 : 0;
                    offlineRight += off.get("correct").asBoolean() ? 1 : 0;
                    if (storage.equals("float32")) {
                        assertEquals("[" + q.question() + "] of " + d.id() + " (float32 summaries)", expected, answer);
                    }
                    if (v.ranked()) {
                        // the same four log-likelihoods as the offline evaluator's
                        assertEquals("ranked", r.get("finish_reason"));
                        List<Map<String, Object>> scores = (List<Map<String, Object>>) r.get("choice_scores");
                        assertEquals(4, scores.size());
                        for (int i = 0; i < 4; i++) {
                            assertEquals(q.options().get(i), scores.get(i).get("option"));
                            double lp = ((Number) scores.get(i).get("logprob")).doubleValue();
                            double tol = storage.equals("float32") ? 1e-2 : 0.25;
                            assertEquals(storage + " option " + i, off.get("option_logprobs").get(i).asDouble(), lp, tol);
                        }
                    }
                }
                logger.info(
                    String.format(
                        Locale.ROOT,
                        "%s, %s summaries: plugin %d/%d right, offline %d/%d, identical answers %d/%d",
                        v,
                        storage,
                        pluginRight,
                        asked,
                        offlineRight,
                        asked,
                        same,
                        asked
                    )
                );
                assertEquals(v + " accuracy with " + storage + " summaries", offlineRight, pluginRight);
                answeredRight += pluginRight;
            }
        }
        // not a quality bar (ShippedModelTests and the model card are), only that the comparison is not between two zeros
        assertTrue("the shipped model answers some of these questions right", answeredRight > 0);
    }

    private static boolean correct(TaskFamily task, String answer, QaExample q) {
        return switch (task) {
            case LOOKUP -> io.lloco.train.world.WorldEval.exactMatch(answer, q.gold()) > 0;
            case CHOICE -> io.lloco.train.world.WorldEval.choiceCorrect(answer, q.gold()) > 0;
            case NEEDLE -> io.lloco.train.world.WorldEval.needleFound(answer, q.gold()) > 0;
        };
    }
}
