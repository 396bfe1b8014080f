/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.train.PrefixLoss;
import io.lloco.runtime.train.TrainSupport;
import io.lloco.train.world.Document;
import io.lloco.train.world.Fact;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/** The binding contrast of the adapter trainer: rival tokens of QA items and their unlikelihood. */
public class RivalsTests extends OpenSearchTestCase {

    /**
     * Over a few documents' lookups and choices: a rival sits on the first answer token that differs from another
     * person's same-kind value stated in the document (for a choice, that value's option letter); never on needles;
     * none when nothing else of the kind is visible.
     */
    public void testRivalsOfLookupsAndChoices() {
        WorldTokenizer tok = WorldTokenizer.bundled();
        World world = new World(3, WorldConfig.defaults(), tok);
        QaItems qa = new QaItems(tok);
        int lookups = 0;
        int choices = 0;
        for (int d = 0; d < 6; d++) {
            Document doc = world.document(Split.PRETRAIN, d, 1024);
            for (TaskFamily family : List.of(TaskFamily.LOOKUP, TaskFamily.CHOICE)) {
                for (QaExample q : world.questions(doc, family, doc.facts().size())) {
                    Fact f = Rivals.factOf(q, doc.facts());
                    assertNotNull(q.question(), f);
                    PrefixLoss.Item it = qa.item(q, doc, doc.facts());
                    assertArrayEquals("the same answer as without rivals", qa.item(q).target(), it.target());
                    assertTrue("nothing visible, no rival", Arrays.stream(qa.item(q, doc, List.of(f)).rival()).allMatch(r -> r < 0));
                    int at = -1;
                    for (int k = 0; k < it.rival().length; k++) {
                        if (it.rival()[k] >= 0) {
                            assertEquals("one rival per answer", -1, at);
                            at = k;
                        }
                    }
                    if (at < 0) {
                        continue;
                    }
                    assertNotEquals(it.target()[at], it.rival()[at]);
                    int[] start = Arrays.copyOf(it.target(), at + 1);
                    start[at] = it.rival()[at];
                    String rival = tok.decode(start).trim();
                    boolean stated = false;
                    for (Fact g : doc.facts()) {
                        String written = q.options().isEmpty()
                            ? g.value()
                            : (char) ('A' + q.options().indexOf(g.value())) + ". " + g.value();
                        stated |= g.type() == f.type()
                            && Rivals.who(g).equals(Rivals.who(f)) == false
                            && (q.options().isEmpty() || q.options().contains(g.value()))
                            && written.startsWith(rival);
                    }
                    assertTrue(rival + " starts another person's answer of the kind, for " + q.question(), stated);
                    if (q.options().isEmpty()) {
                        lookups++;
                    } else {
                        assertEquals("a choice's rival is an option letter", 0, at);
                        choices++;
                    }
                }
            }
            if (doc.hasNeedle()) {
                QaExample n = world.questions(doc, TaskFamily.NEEDLE, 1).get(0);
                assertTrue(Arrays.stream(qa.item(n, doc, doc.facts()).rival()).allMatch(r -> r < 0));
            }
        }
        assertTrue("lookups with rivals: " + lookups, lookups > 10);
        assertTrue("choices with rivals: " + choices, choices > 10);
    }

    /** PrefixLoss reports the unlikelihood of the rival positions only: none without rivals, the same NLL either way. */
    public void testPrefixLossAddsTheRivalsUnlikelihood() throws Exception {
        WorldTokenizer tok = WorldTokenizer.bundled();
        try (NDManager root = NDManager.newBaseManager()) {
            LlamaWeights w = LlamaWeights.random(ModelShape.ci(tok.vocabSize()).toConfig(), root, 4, 0.02);
            try (LlamaModel model = new LlamaModel(w); NDManager m = root.newSubManager()) {
                int[] prompt = {40, 41, 42};
                int[] target = {43, 44, 2};
                PrefixLoss.Result plain = PrefixLoss.compute(model, m, null, List.of(new PrefixLoss.Item(prompt, target)), null);
                PrefixLoss.Result contrasted = PrefixLoss.compute(
                    model,
                    m,
                    null,
                    List.of(new PrefixLoss.Item(prompt, target, new int[]{-1, 50, -1})),
                    null
                );
                assertNull(plain.unlikelihood());
                assertEquals(0, plain.rivals());
                assertEquals(1, contrasted.rivals());
                assertEquals(plain.nll().getFloat(), contrasted.nll().getFloat(), 1e-6);
                float u = contrasted.unlikelihood().getFloat();
                // a random tiny model spreads its probability: p(50) is about 1/vocab
                assertTrue("unlikelihood " + u, u > 0 && u < 10.0 / tok.vocabSize());
                expectThrows(IllegalArgumentException.class, () -> new PrefixLoss.Item(prompt, target, new int[]{-1}));
            }
        }
    }

    /** --contrast-weight in the adapter trainer: the same seed with the contrast learns another adapter and records the weight. */
    public void testLoraTrainerContrastChangesTheAdapter() throws Exception {
        try (NDManager root = NDManager.newBaseManager()) {
            Path tokFile = TrainerTests.tokenizerFile();
            Path base = createTempDir().resolve("base");
            Pretrainer.run(
                TrainerTests.pretrain(base, false, 2, 0, ModelShape.ci(WorldTokenizer.load(tokFile).vocabSize()), tokFile),
                root,
                TrainerTests.quiet()
            );
            Path model = base.resolve("checkpoint");
            Path plain = createTempDir().resolve("plain");
            Path contrast = createTempDir().resolve("contrast");
            // documents of 512 tokens: their people share kinds of facts, so the questions have rivals
            LoraTrainer.run(withContrast(TrainerTests.lora(model, plain, false, 3, 0), 0.0), root, TrainerTests.quiet());
            LoraTrainer.run(withContrast(TrainerTests.lora(model, contrast, false, 3, 0), 1.0), root, TrainerTests.quiet());
            assertEquals(
                1.0,
                TrainSupport.readJson(contrast.resolve("checkpoint").resolve(TrainSupport.STATE)).path("contrast_weight").asDouble(),
                0
            );
            assertTrue("the contrast reached the adapter's gradient", TrainerTests.queryBDifference(root, model, plain, contrast)[0] > 0);
        }
        expectThrows(
            IllegalArgumentException.class,
            () -> withContrast(TrainerTests.lora(Path.of("m"), Path.of("o"), false, 1, 0), -0.5)
        );
    }

    private static LoraTrainer.Options withContrast(LoraTrainer.Options o, double weight) {
        return new LoraTrainer.Options(
            o.model(), o.out(), o.resume(), o.steps(), o.seed(), o.worldSeed(), o.rank(), o.alpha(), o.lr(), o.warmup(), o.docs(),
            new int[]{512}, 4, o.tasks(), o.logEvery(), o.checkpointEvery(), o.checkpointMinutes(), o.maxMinutes(), o.stopAt(),
            o.retrieve(), o.boundary(), o.targets(), o.context(), o.sentenceBoost(), o.matchChoices(), weight
        );
    }
}
