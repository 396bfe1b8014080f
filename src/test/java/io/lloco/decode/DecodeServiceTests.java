/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.opensearch.ExceptionsHelper;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.common.breaker.CircuitBreakingException;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.indices.breaker.BreakerSettings;
import org.opensearch.indices.breaker.HierarchyCircuitBreakerService;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.engine.ModelInfo;
import io.lloco.runtime.generate.FinishReason;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Hypothesis;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.prompt.PromptTemplates;
import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;

/**
 * The decode queue alone, over a fake model: failures stay with their questions and the worker goes on, the queue
 * counts questions, questions wait for their model without holding the worker, deadlines and cancellation stop
 * questions, and their memory is accounted and released. Order is set with latches (a gate holds the worker), time
 * with a fake clock.
 */
public class DecodeServiceTests extends OpenSearchTestCase {

    private static final int HIDDEN = 4;
    private static final int L = 2;
    private static final int POISON = 666;

    /** A model whose "answer" is the number of summary rows it read; a prompt containing "poison" makes a batch throw. */
    static final class FakeModel implements DecodeModel {

        final List<Integer> batchSizes = new ArrayList<>();
        volatile BooleanSupplier[] lastStops;
        volatile int window = 64;
        /** What adapter [qm]'s lloco.json declares (null: no lloco.json). */
        volatile String qmTemplate;

        @Override
        public ModelInfo info() {
            return new ModelInfo("fake", "fp-1", HIDDEN, L, 8, window, 1000);
        }

        @Override
        public int[] tokenize(String text) {
            return Arrays.stream(text.trim().split("\\s+")).filter(w -> w.isEmpty() == false).mapToInt(w -> w.equals("poison") ? POISON : 7)
                .toArray();
        }

        @Override
        public Adapter adapter(String name) {
            if (name == null || DecodeService.MODEL_DEFAULT_ADAPTER.equals(name)) {
                return Adapter.NONE;
            }
            if (name.equals("qm")) {
                return new Adapter("qm", null, qmTemplate, "/adapters/qm/lloco.json");
            }
            throw new io.lloco.common.LlocoException("unknown adapter [" + name + "]", RestStatus.NOT_FOUND);
        }

        @Override
        public synchronized List<GenerationResult> generate(List<GenerationRequest> requests, List<BooleanSupplier> cancelled) {
            batchSizes.add(requests.size());
            lastStops = cancelled.toArray(BooleanSupplier[]::new);
            List<GenerationResult> out = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                GenerationRequest g = requests.get(i);
                if (Arrays.stream(g.promptIds()).anyMatch(id -> id == POISON)) {
                    throw new IndexOutOfBoundsException("poisoned prompt");
                }
                boolean stop = cancelled.get(i) != null && cancelled.get(i).getAsBoolean();
                out.add(
                    new GenerationResult(
                        new int[]{1},
                        "rows=" + g.prefixRows(),
                        stop ? FinishReason.CANCELLED : FinishReason.EOS,
                        g.prefixRows(),
                        g.promptIds().length,
                        0,
                        0
                    )
                );
            }
            return out;
        }

        @Override
        public List<Hypothesis> beamSearch(GenerationRequest request, int beams, BooleanSupplier cancelled) {
            List<Hypothesis> out = new ArrayList<>();
            for (int b = 0; b < beams; b++) {
                out.add(new Hypothesis(new int[]{b}, "beam" + b, FinishReason.EOS, -b));
            }
            return out;
        }

        @Override
        public double[] rank(Embeddings prefix, int[] prompt, List<String> continuations, LoraWeights adapter) {
            double[] s = new double[continuations.size()];
            s[s.length - 1] = 1; // the last option is the most likely
            return s;
        }
    }

    /** A model source the test completes by hand (a load in progress) or at once. */
    static final class Models implements ModelSource {

        final FakeModel model = new FakeModel();
        final BlockingQueue<ActionListener<DecodeModel>> waiting = new ArrayBlockingQueue<>(100);
        volatile boolean loaded = true;

        @Override
        public void acquire(String id, ActionListener<DecodeModel> listener) {
            if (loaded) {
                listener.onResponse(model);
            } else {
                waiting.add(listener);
            }
        }
    }

    /** Holds the worker before each batch until opened. */
    static final class Gate implements DecodeService.Observer {

        final CountDownLatch open = new CountDownLatch(1);
        volatile CountDownLatch queued = new CountDownLatch(0);
        volatile int expected;

        void expect(int questions) {
            expected = questions;
            queued = new CountDownLatch(1);
        }

        @Override
        public void queued(int questions) {
            if (questions >= expected) {
                queued.countDown();
            }
        }

        @Override
        public void beforeBatch() {
            try {
                assertTrue(open.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private ExecutorService worker;
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Override
    public void setUp() throws Exception {
        super.setUp();
        worker = Executors.newSingleThreadExecutor();
    }

    @Override
    public void tearDown() throws Exception {
        worker.shutdownNow();
        assertTrue(worker.awaitTermination(10, TimeUnit.SECONDS));
        super.tearDown();
    }

    private DecodeService service(Models models, int queueSize, int maxBatch, CircuitBreaker breaker) {
        return new DecodeService(
            models,
            worker,
            () -> queueSize,
            () -> maxBatch,
            () -> TimeValue.timeValueSeconds(10),
            clock::get,
            () -> breaker,
            "node-t"
        );
    }

    private static DecodeOptions options() {
        return new DecodeOptions(
            null, List.of(), 4, 0, 1, 0, List.of(), null, DecodeOptions.Mode.LLOCO, DecodeOptions.ChoiceMode.GENERATE, 1
        );
    }

    private static DecodeRequest.Read read(int segments) {
        List<DecodeRequest.Block> blocks = new ArrayList<>();
        for (int s = 0; s < segments; s++) {
            float[] v = new float[L * HIDDEN];
            Arrays.fill(v, s + 1);
            blocks.add(new DecodeRequest.Block(SummaryDtype.FLOAT16, SummaryBlock.toBytes(v, SummaryDtype.FLOAT16)));
        }
        return new DecodeRequest.Read(blocks, null);
    }

    private static DecodeRequest question(String prompt, DecodeOptions o, DecodeRequest.Read... reads) {
        return new DecodeRequest("fake", null, prompt, o, List.of(reads), 0);
    }

    /** A listener that keeps the outcome. */
    static final class Outcome implements ActionListener<DecodeResponse> {

        final CountDownLatch done = new CountDownLatch(1);
        final AtomicReference<Object> result = new AtomicReference<>();

        @Override
        public void onResponse(DecodeResponse r) {
            result.set(r);
            done.countDown();
        }

        @Override
        public void onFailure(Exception e) {
            result.set(e);
            done.countDown();
        }

        Object get() throws InterruptedException {
            assertTrue("answered", done.await(30, TimeUnit.SECONDS));
            return result.get();
        }

        DecodeResponse response() throws InterruptedException {
            Object r = get();
            if (r instanceof Exception e) {
                throw new AssertionError("expected an answer, got " + e, e);
            }
            return (DecodeResponse) r;
        }

        Exception failure() throws InterruptedException {
            Object r = get();
            assertTrue("expected a failure, got " + r, r instanceof Exception);
            return (Exception) r;
        }
    }

    /** A batch that throws fails its questions with a status; the worker answers the next question. */
    public void testAPoisonedBatchFailsItsQuestionsAndTheWorkerGoesOn() throws Exception {
        Models models = new Models();
        DecodeService s = service(models, 10, 8, null);
        Outcome poisoned = new Outcome();
        s.submit(question("what poison", options(), read(1)), null, poisoned);
        Exception e = poisoned.failure();
        assertEquals(RestStatus.INTERNAL_SERVER_ERROR, ExceptionsHelper.status(e));
        assertTrue(e.getMessage(), e.getMessage().contains("poisoned prompt"));
        Outcome good = new Outcome();
        s.submit(question("where now", options(), read(2)), null, good);
        DecodeResponse r = good.response();
        assertEquals("rows=" + 2 * L, r.reads().get(0).answer());
        assertEquals(0, s.queued());
        assertArrayEquals(new long[]{1, 0, 1, 2}, s.counters());
    }

    /** A poisoned question batched with good ones fails them all (one batched forward), and later questions are answered. */
    public void testAPoisonedBatchDoesNotWedgeTheQueue() throws Exception {
        Models models = new Models();
        DecodeService s = service(models, 10, 8, null);
        Gate gate = new Gate();
        gate.expect(3);
        s.observer(gate);
        Outcome a = new Outcome();
        Outcome b = new Outcome();
        Outcome c = new Outcome();
        s.submit(question("good one", options(), read(1)), null, a);
        s.submit(question("poison here", options(), read(1)), null, b);
        s.submit(question("good two", options(), read(1)), null, c);
        assertTrue(gate.queued.await(30, TimeUnit.SECONDS));
        gate.open.countDown();
        for (Outcome o : List.of(a, b, c)) {
            assertEquals(RestStatus.INTERNAL_SERVER_ERROR, ExceptionsHelper.status(o.failure()));
        }
        Outcome after = new Outcome();
        s.submit(question("fine", options(), read(1)), null, after);
        assertEquals("rows=" + L, after.response().reads().get(0).answer());
    }

    /** A question that cannot be prepared fails alone, with a 4xx; the others of its batch are answered. */
    public void testABadQuestionFailsAloneInItsBatch() throws Exception {
        Models models = new Models();
        DecodeService s = service(models, 10, 8, null);
        Gate gate = new Gate();
        gate.expect(3);
        s.observer(gate);
        Outcome ok = new Outcome();
        Outcome misSized = new Outcome();
        Outcome unknownAdapter = new Outcome();
        s.submit(question("fine", options(), read(1)), null, ok);
        byte[] wrong = new byte[3 * HIDDEN * 2];
        s.submit(
            question("wrong", options(), new DecodeRequest.Read(List.of(new DecodeRequest.Block(SummaryDtype.FLOAT16, wrong)), null)),
            null,
            misSized
        );
        s.submit(new DecodeRequest("fake", "nope", "q", options(), List.of(read(1)), 0), null, unknownAdapter);
        assertTrue(gate.queued.await(30, TimeUnit.SECONDS));
        gate.open.countDown();
        assertEquals("rows=" + L, ok.response().reads().get(0).answer());
        Exception e = misSized.failure();
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(e));
        assertTrue(e.getMessage(), e.getMessage().contains("does not fit model [fake]"));
        assertEquals(RestStatus.NOT_FOUND, ExceptionsHelper.status(unknownAdapter.failure()));
    }

    /** The queue bound counts questions, whatever their reads: a full queue is a 429 naming the setting. */
    public void testTheQueueCountsQuestionsNotReads() throws Exception {
        Models models = new Models();
        DecodeService s = service(models, 2, 16, null);
        Gate gate = new Gate();
        gate.expect(2);
        s.observer(gate);
        Outcome first = new Outcome();
        Outcome second = new Outcome();
        // two questions of five reads each fill a queue of two questions, not of ten reads
        s.submit(question("one", options(), read(1), read(1), read(1), read(1), read(1)), null, first);
        s.submit(question("two", options(), read(1), read(1), read(1), read(1), read(1)), null, second);
        assertTrue(gate.queued.await(30, TimeUnit.SECONDS));
        Outcome third = new Outcome();
        s.submit(question("three", options(), read(1)), null, third);
        Exception e = third.failure();
        assertEquals(RestStatus.TOO_MANY_REQUESTS, ExceptionsHelper.status(e));
        assertTrue(
            e.getMessage(),
            e.getMessage().contains("2 questions waiting") && e.getMessage().contains("plugins.lloco.qa.queue_size")
        );
        gate.open.countDown();
        assertEquals(5, first.response().reads().size());
        assertEquals(5, second.response().reads().size());
        // ten reads of two questions share one batched forward (max_batch counts reads)
        assertEquals(List.of(10), models.model.batchSizes);
        assertEquals(2, first.response().batchSize());
    }

    /** Questions whose model is loading wait without holding the worker; a failed load fails them with its status. */
    public void testQuestionsWaitForTheirModelWithoutHoldingTheWorker() throws Exception {
        Models models = new Models();
        models.loaded = false;
        DecodeService s = service(models, 10, 8, null);
        Outcome waiting = new Outcome();
        s.submit(question("patience", options(), read(1)), null, waiting);
        assertEquals(1, s.queued());
        assertEquals(1, waiting.done.getCount());
        // the load completes: the question is decoded; its clock starts when the model is ready
        clock.addAndGet(TimeValue.timeValueMinutes(5).nanos());
        models.waiting.take().onResponse(models.model);
        assertEquals("rows=" + L, waiting.response().reads().get(0).answer());

        Outcome failed = new Outcome();
        s.submit(question("again", options(), read(1)), null, failed);
        models.waiting.take().onFailure(new io.lloco.common.LlocoException("model does not fit", RestStatus.SERVICE_UNAVAILABLE));
        assertEquals(RestStatus.SERVICE_UNAVAILABLE, ExceptionsHelper.status(failed.failure()));
        assertEquals(0, s.queued());
    }

    /** A question past plugins.lloco.qa.timeout (on the fake clock) is a 504 naming the setting, without decoding. */
    public void testAQuestionPastTheTimeoutIs504() throws Exception {
        Models models = new Models();
        DecodeService s = service(models, 10, 8, null);
        Gate gate = new Gate();
        gate.expect(1);
        s.observer(gate);
        Outcome late = new Outcome();
        s.submit(question("slow", options(), read(1)), null, late);
        assertTrue(gate.queued.await(30, TimeUnit.SECONDS));
        clock.addAndGet(TimeValue.timeValueSeconds(11).nanos());
        gate.open.countDown();
        Exception e = late.failure();
        assertEquals(RestStatus.GATEWAY_TIMEOUT, ExceptionsHelper.status(e));
        assertTrue(e.getMessage(), e.getMessage().contains("plugins.lloco.qa.timeout"));
        assertTrue(models.model.batchSizes.isEmpty());
    }

    /** The stop check given to the decoder turns true when the deadline passes mid-decode (a 504) or the task is cancelled. */
    public void testDeadlineAndCancellationReachTheDecoder() throws Exception {
        Models models = new Models();
        DecodeService s = service(models, 10, 8, null);
        Outcome ok = new Outcome();
        s.submit(question("in time", options(), read(1)), null, ok);
        ok.response();
        BooleanSupplier stop = models.model.lastStops[0];
        assertFalse(stop.getAsBoolean());
        clock.addAndGet(TimeValue.timeValueSeconds(11).nanos());
        assertTrue(stop.getAsBoolean());

        org.opensearch.tasks.CancellableTask task = new DecodeTask(1, "transport", DecodeAction.NAME, "q", TaskId.EMPTY_TASK_ID, Map.of());
        Gate gate = new Gate();
        gate.expect(1);
        s.observer(gate);
        Outcome cancelled = new Outcome();
        s.submit(question("cancel me", options(), read(1)), task, cancelled);
        assertTrue(gate.queued.await(30, TimeUnit.SECONDS));
        task.cancel("user asked");
        gate.open.countDown();
        assertTrue(ExceptionsHelper.unwrapCause(cancelled.failure()) instanceof TaskCancelledException);
    }

    /** Segments beyond the window are not read: whole segments only, the read reports how many it used. */
    public void testOnlyWholeSegmentsWithinTheWindowAreRead() throws Exception {
        Models models = new Models();
        models.model.window = 1 + 4 + 2 * L + 1; // prompt 1 token, 4 new tokens, two segments and one spare position
        DecodeService s = service(models, 10, 8, null);
        Outcome o = new Outcome();
        s.submit(question("q", options(), read(5)), null, o);
        DecodeResponse.ReadResult r = o.response().reads().get(0);
        assertEquals(2, r.blocksUsed());
        assertEquals(2 * L, r.summaryPositions());
    }

    /** Ranked and beam reads answer too (one at a time), beside generated ones in the same batch. */
    public void testRankAndBeamReads() throws Exception {
        Models models = new Models();
        DecodeService s = service(models, 10, 8, null);
        DecodeOptions rank = new DecodeOptions(
            null,
            List.of("red", "blue", "green"),
            4,
            0,
            1,
            0,
            List.of(),
            null,
            DecodeOptions.Mode.LLOCO,
            DecodeOptions.ChoiceMode.RANK,
            1
        );
        Outcome ranked = new Outcome();
        s.submit(question("colour", rank, read(1)), null, ranked);
        DecodeResponse.ReadResult r = ranked.response().reads().get(0);
        assertEquals("C. green", r.answer());
        assertEquals("ranked", r.finishReason());
        assertEquals(3, r.optionLogProbs().length);
        DecodeOptions beams = new DecodeOptions(
            null, List.of(), 4, 0, 1, 0, List.of(), null, DecodeOptions.Mode.LLOCO, DecodeOptions.ChoiceMode.GENERATE, 3
        );
        Outcome beamed = new Outcome();
        s.submit(question("where", beams, read(1), read(1)), null, beamed);
        DecodeResponse b = beamed.response();
        assertEquals(2, b.reads().size());
        assertEquals(List.of("beam0", "beam1", "beam2"), b.reads().get(1).hypotheses());
    }

    /** A question's bytes are held in the circuit breaker while it waits and decodes, and released whatever the outcome. */
    public void testMemoryIsAccountedInTheBreakerAndReleased() throws Exception {
        HierarchyCircuitBreakerService breakers = new HierarchyCircuitBreakerService(
            Settings.EMPTY,
            List.of(new BreakerSettings("lloco-test", 1_000, 1.0)),
            new ClusterSettings(Settings.EMPTY, ClusterSettings.BUILT_IN_CLUSTER_SETTINGS)
        );
        CircuitBreaker breaker = breakers.getBreaker("lloco-test");
        Models models = new Models();
        DecodeService s = service(models, 10, 8, breaker);
        Gate gate = new Gate();
        gate.expect(1);
        s.observer(gate);
        DecodeRequest q = question("q", options(), read(10)); // 10 x 16 bytes + 10 x 32 float bytes = 480
        assertEquals(480, DecodeService.memoryOf(q));
        Outcome first = new Outcome();
        s.submit(q, null, first);
        assertTrue(gate.queued.await(30, TimeUnit.SECONDS));
        assertEquals(480, breaker.getUsed());
        Outcome second = new Outcome();
        s.submit(question("poison too big", options(), read(20)), null, second);
        Exception e = second.failure();
        assertTrue(e.toString(), ExceptionsHelper.unwrapCause(e) instanceof CircuitBreakingException);
        assertEquals(RestStatus.TOO_MANY_REQUESTS, ExceptionsHelper.status(e));
        gate.open.countDown();
        first.response();
        assertEquals(0, breaker.getUsed());
        Outcome poisoned = new Outcome();
        s.submit(question("poison", options(), read(1)), null, poisoned);
        poisoned.failure();
        assertEquals(0, breaker.getUsed());
    }

    /** When the node stops, queued questions are answered 503 (the coordinating node retries elsewhere) and new ones too. */
    public void testStoppingAnswersQueuedQuestions503() throws Exception {
        Models models = new Models();
        DecodeService s = service(models, 10, 8, null);
        s.start();
        Gate gate = new Gate();
        gate.expect(2);
        s.observer(gate);
        Outcome a = new Outcome();
        Outcome b = new Outcome();
        s.submit(question("one", options(), read(1)), null, a);
        s.submit(question("two", options(), read(1)), null, b);
        assertTrue(gate.queued.await(30, TimeUnit.SECONDS));
        s.stop();
        for (Outcome o : List.of(a, b)) {
            Exception e = o.failure();
            assertEquals(RestStatus.SERVICE_UNAVAILABLE, ExceptionsHelper.status(e));
            assertTrue(e.getMessage(), e.getMessage().contains("shutting down"));
        }
        Outcome late = new Outcome();
        s.submit(question("three", options(), read(1)), null, late);
        assertEquals(RestStatus.SERVICE_UNAVAILABLE, ExceptionsHelper.status(late.failure()));
        gate.open.countDown();
        assertEquals(0, s.queued());
        assertTrue(models.model.batchSizes.isEmpty());
    }

    private static WindowResponse window(DecodeService s, WindowRequest request) {
        AtomicReference<Object> out = new AtomicReference<>();
        s.window(request, ActionListener.wrap(out::set, out::set));
        if (out.get() instanceof Exception e) {
            throw new AssertionError("expected a window, got " + e, e);
        }
        return (WindowResponse) out.get();
    }

    private static Exception windowFails(DecodeService s, WindowRequest request) {
        AtomicReference<Object> out = new AtomicReference<>();
        s.window(request, ActionListener.wrap(out::set, out::set));
        assertTrue("expected a failure, got " + out.get(), out.get() instanceof Exception);
        return (Exception) out.get();
    }

    private static DecodeOptions choices(DecodeOptions.ChoiceMode mode) {
        return new DecodeOptions(
            null, List.of("inn", "well", "mill", "barn"), 4, 0, 1, 0, List.of(), null, DecodeOptions.Mode.LLOCO, mode, 1
        );
    }

    /**
     * The window resolves the adapter where its files are and renders with the precedence: the request's template &gt;
     * the adapter's lloco.json &gt; the index's &gt; the default; the prompt tokens and the budget are those of the
     * prompt it returns.
     */
    public void testTheWindowRendersWithTheTemplatePrecedence() {
        Models models = new Models();
        models.model.qmTemplate = "Transcript above.\nQuery: {question}\nAnswer:";
        DecodeService s = service(models, 4, 4, null);
        PromptTemplates registry = PromptTemplates.defaults();

        WindowResponse w = window(s, new WindowRequest("fake", "Who spoke?", "qm", null, null, options(), 0));
        assertEquals("Transcript above.\nQuery: Who spoke?\nAnswer:", w.prompt());
        assertEquals(PromptRenderer.CUSTOM, w.templateName());
        assertEquals(TemplateSource.ADAPTER, w.templateSource());
        assertEquals(models.model.tokenize(w.prompt()).length, w.promptTokens());
        assertEquals(64 - w.promptTokens() - 4, w.budget());
        assertEquals(List.of(), w.warnings());

        // the index's template: below the adapter's (an adapter is asked with the template it was trained with) ...
        w = window(s, new WindowRequest("fake", "Who spoke?", "qm", "qmsum", TemplateSource.INDEX, options(), 0));
        assertEquals("Transcript above.\nQuery: Who spoke?\nAnswer:", w.prompt());
        assertEquals(TemplateSource.ADAPTER, w.templateSource());
        // ... above the default, without an adapter
        w = window(s, new WindowRequest("fake", "Who spoke?", null, "qmsum", TemplateSource.INDEX, options(), 0));
        assertEquals(registry.get("qmsum").render("Who spoke?"), w.prompt());
        assertEquals("qmsum", w.templateName());
        assertEquals(TemplateSource.INDEX, w.templateSource());
        assertEquals(models.model.tokenize(w.prompt()).length, w.promptTokens());

        w = window(s, new WindowRequest("fake", "Who spoke?", "qm", "Q: {question}\nA:", TemplateSource.REQUEST, options(), 0));
        assertEquals("Q: Who spoke?\nA:", w.prompt());
        assertEquals(PromptRenderer.CUSTOM, w.templateName());
        assertEquals(TemplateSource.REQUEST, w.templateSource());

        // no adapter, or an adapter without lloco.json: the default of the question's kind
        w = window(s, new WindowRequest("fake", "Who spoke?", null, null, null, options(), 0));
        assertEquals(registry.get("narrativeqa").render("Who spoke?"), w.prompt());
        assertEquals("narrativeqa", w.templateName());
        assertEquals(TemplateSource.DEFAULT, w.templateSource());
        models.model.qmTemplate = null;
        w = window(s, new WindowRequest("fake", "Who spoke?", "qm", null, null, options(), 0));
        assertEquals(TemplateSource.DEFAULT, w.templateSource());
        // an adapter without a template: the index's
        w = window(s, new WindowRequest("fake", "Who spoke?", "qm", "qmsum", TemplateSource.INDEX, options(), 0));
        assertEquals(TemplateSource.INDEX, w.templateSource());
    }

    /**
     * A template the adapter declares is for questions of its kind: a multiple-choice question passes over a free-form
     * one (with a warning naming the manifest) and a cloze question a multiple-choice one; a request template that does
     * not fit is a 400.
     */
    public void testTheWindowPassesOverADeclaredTemplateOfTheOtherKind() {
        Models models = new Models();
        models.model.qmTemplate = "qmsum";
        models.model.window = 1000; // the quality prompt is long
        DecodeService s = service(models, 4, 4, null);

        WindowResponse w = window(s, new WindowRequest("fake", "Where?", "qm", null, null, choices(DecodeOptions.ChoiceMode.RANK), 0));
        assertEquals("quality", w.templateName());
        assertEquals(TemplateSource.DEFAULT, w.templateSource());
        assertEquals(1, w.warnings().size());
        assertTrue(
            w.warnings().get(0),
            w.warnings().get(0)
                .contains("field [template] of adapter [qm]'s manifest [/adapters/qm/lloco.json] names the free-form template [qmsum]")
        );
        assertTrue(w.warnings().get(0), w.warnings().get(0).contains("does not fit a question with [choices]"));

        // a cloze question reads a free-form template: the adapter's qmsum applies
        w = window(s, new WindowRequest("fake", "Where?", "qm", null, null, choices(DecodeOptions.ChoiceMode.CLOZE), 0));
        assertEquals("qmsum", w.templateName());
        assertEquals(TemplateSource.ADAPTER, w.templateSource());
        assertEquals(PromptTemplates.defaults().get("qmsum").render("Where?"), w.prompt());

        // a multiple-choice adapter template and a cloze question: passed over for narrativeqa
        models.model.qmTemplate = "quality";
        w = window(s, new WindowRequest("fake", "Where?", "qm", null, null, choices(DecodeOptions.ChoiceMode.CLOZE), 0));
        assertEquals("narrativeqa", w.templateName());
        assertTrue(w.warnings().get(0), w.warnings().get(0).contains("does not fit [choice_mode] [cloze]"));
        // ... and it applies to a multiple-choice question
        w = window(s, new WindowRequest("fake", "Where?", "qm", null, null, choices(DecodeOptions.ChoiceMode.GENERATE), 0));
        assertEquals("quality", w.templateName());
        assertEquals(TemplateSource.ADAPTER, w.templateSource());

        // the request's template must fit
        Exception e = windowFails(
            s,
            new WindowRequest("fake", "Where?", "qm", "qmsum", TemplateSource.REQUEST, choices(DecodeOptions.ChoiceMode.RANK), 0)
        );
        assertEquals(RestStatus.BAD_REQUEST, ExceptionsHelper.status(e));
        assertTrue(e.getMessage(), e.getMessage().contains("Field [template]/[choices]: prompt template [qmsum] is free-form"));
    }

    /** An unknown adapter fails the window (before the coordinating node fetches anything). */
    public void testTheWindowResolvesTheAdapter() {
        DecodeService s = service(new Models(), 4, 4, null);
        Exception e = windowFails(s, new WindowRequest("fake", "Where?", "ghost", null, null, options(), 0));
        assertEquals(RestStatus.NOT_FOUND, ExceptionsHelper.status(e));
        assertTrue(e.getMessage(), e.getMessage().contains("unknown adapter [ghost]"));
    }
}
