/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.opensearch.OpenSearchException;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.engine.ModelRegistry;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.engine.SummaryEncoder;
import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;
import io.lloco.testing.TestModels;

/** The processor over a real (random) AutoCompressor checkpoint loaded through the model service. */
public class LlocoCompressProcessorTests extends OpenSearchTestCase {

    private static Path home;
    private static ModelService models;

    @BeforeClass
    public static void writeModel() throws Exception {
        home = createTempDir();
        TestModels.writeRandomAutoCompressor(home.resolve("config/lloco/models/test-ac"), 7, 16);
        models = new ModelService(home.resolve("config"), home.resolve("data"), RuntimeModel::load, new ModelRegistry());
    }

    @AfterClass
    public static void closeModels() {
        models.close();
        models = null;
    }

    private LlocoCompressProcessorFactory factory(int nodeMax) {
        LocalCompressService service = new LocalCompressService(models);
        return new LlocoCompressProcessorFactory(() -> service, () -> Runnable::run, () -> nodeMax, index -> 10_000L);
    }

    private LlocoCompressProcessor processor(Map<String, Object> config, int nodeMax) throws Exception {
        Map<String, Object> c = new HashMap<>(config);
        LlocoCompressProcessor p = (LlocoCompressProcessor) factory(nodeMax).create(Map.of(), "t1", null, c);
        assertTrue("every key consumed: " + c, c.isEmpty());
        return p;
    }

    private static IngestDocument doc(Map<String, Object> source) {
        return new IngestDocument("idx", "1", null, null, null, new HashMap<>(source));
    }

    private static String text(int sentences) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sentences; i++) {
            sb.append("Mara Quill lives in Tallowmere and owns ").append(i).append(" boats. ");
        }
        return sb.toString().trim();
    }

    @SuppressWarnings("unchecked")
    public void testStoresSegmentsThatTileTheTextWithDecodableSummaries() throws Exception {
        LlocoCompressProcessor p = processor(Map.of("field", "body", "model", "test-ac", "storage", "float32"), 100_000);
        String body = text(12);
        IngestDocument d = doc(Map.of("body", body));
        AtomicReference<Exception> err = new AtomicReference<>();
        p.execute(d, (r, e) -> err.set(e));
        assertNull(err.get());
        Map<String, Object> lloco = d.getFieldValue("lloco", Map.class);
        assertEquals("test-ac", lloco.get("model"));
        assertTrue(lloco.get("fingerprint").toString().startsWith("sha256:"));
        assertEquals("body", lloco.get("source_field"));
        assertEquals("accumulate", lloco.get("mode"));
        int tokens = (Integer) lloco.get("tokens");
        assertEquals(models.get("test-ac").countTokens(body), tokens);
        assertEquals(16, lloco.get("segment_tokens"));
        List<Map<String, Object>> segs = (List<Map<String, Object>>) lloco.get("segments");
        assertEquals((tokens + 15) / 16, segs.size());
        assertEquals(segs.size(), lloco.get("segment_count"));
        // segments tile the text: concatenating their text gives the text back
        StringBuilder joined = new StringBuilder();
        int at = 0;
        int tokenSum = 0;
        for (Map<String, Object> s : segs) {
            assertEquals(at, s.get("start"));
            at = (Integer) s.get("end");
            joined.append(s.get("text"));
            tokenSum += (Integer) s.get("tokens");
        }
        assertEquals(body, joined.toString());
        assertEquals(tokens, tokenSum);
        // stored summaries = what the model computes for the text (float32 storage: exact)
        SummaryEncoder.Encoded direct = models.get("test-ac").encode(List.of(body), 16, false).get(0);
        for (int k = 0; k < segs.size(); k++) {
            float[] stored = SummaryBlock
                .toFloats(java.util.Base64.getDecoder().decode((String) segs.get(k).get("summaries")), SummaryDtype.FLOAT32);
            assertEquals(4 * 32, stored.length);
            assertArrayEquals(direct.segments().get(k).summaries(), stored, 1e-5f);
        }
    }

    @SuppressWarnings("unchecked")
    public void testAccumulateAndIndependentDifferAfterTheFirstSegment() throws Exception {
        String body = text(8);
        IngestDocument a = doc(Map.of("body", body));
        IngestDocument i = doc(Map.of("body", body));
        processor(Map.of("field", "body", "model", "test-ac", "storage", "float32"), 100_000).execute(a, (r, e) -> assertNull(e));
        processor(Map.of("field", "body", "model", "test-ac", "storage", "float32", "mode", "independent"), 100_000).execute(
            i,
            (r, e) -> assertNull(e)
        );
        List<Map<String, Object>> sa = (List<Map<String, Object>>) a.getFieldValue("lloco.segments", List.class);
        List<Map<String, Object>> si = (List<Map<String, Object>>) i.getFieldValue("lloco.segments", List.class);
        assertTrue(sa.size() >= 2);
        // segment 0 sees no earlier summaries in either mode (equal up to batching rounding); segment 1 differs
        assertArrayEquals(f32(sa.get(0)), f32(si.get(0)), 1e-4f);
        float[] a1 = f32(sa.get(1));
        float[] i1 = f32(si.get(1));
        double diff = 0;
        for (int k = 0; k < a1.length; k++) {
            diff = Math.max(diff, Math.abs(a1[k] - i1[k]));
        }
        assertTrue("accumulated summaries must differ from independent ones, max diff " + diff, diff > 1e-3);
    }

    @SuppressWarnings("unchecked")
    public void testSentenceBoundaryKeepsSentencesWhole() throws Exception {
        // sentences of different lengths, so that 16-token cuts fall inside sentences
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            sb.append(i % 3 == 0 ? "Mara Quill owns " + i + " boats. " : "The rain came over the river and the old town. ");
        }
        String body = sb.toString().trim();
        Map<String, List<Map<String, Object>>> byBoundary = new HashMap<>();
        for (String boundary : List.of("tokens", "sentence")) {
            IngestDocument d = doc(Map.of("body", body));
            Map<String, Object> cfg = Map.of(
                "field",
                "body",
                "model",
                "test-ac",
                "storage",
                "float32",
                "mode",
                "independent",
                "segment_boundary",
                boundary
            );
            processor(cfg, 100_000).execute(d, (r, e) -> assertNull(e));
            assertEquals(boundary, d.getFieldValue("lloco.segment_boundary", String.class));
            byBoundary.put(boundary, (List<Map<String, Object>>) d.getFieldValue("lloco.segments", List.class));
        }
        List<Map<String, Object>> sentence = byBoundary.get("sentence");
        StringBuilder joined = new StringBuilder();
        for (int k = 0; k < sentence.size(); k++) {
            String t = (String) sentence.get(k).get("text");
            joined.append(t);
            assertTrue((Integer) sentence.get(k).get("tokens") <= 16);
            assertTrue("segment " + k + " [" + t + "] ends inside a sentence", t.endsWith("."));
        }
        assertEquals(body, joined.toString());
        assertTrue("more (shorter) segments than the fixed split", sentence.size() > byBoundary.get("tokens").size());
        boolean fixedCutsASentence = byBoundary.get("tokens").stream().anyMatch(m -> ((String) m.get("text")).endsWith(".") == false);
        assertTrue("the fixed split cuts some sentence (else this test proves nothing)", fixedCutsASentence);
        // the first segment alone, compressed as a document of its own, has the same summaries (independent mode)
        String first = (String) sentence.get(0).get("text");
        SummaryEncoder.Encoded alone = models.get("test-ac").encode(List.of(first), 16, true).get(0);
        assertEquals(1, alone.segments().size());
        assertArrayEquals(alone.segments().get(0).summaries(), f32(sentence.get(0)), 1e-4f);
    }

    @SuppressWarnings("unchecked")
    public void testSentencesAreStoredPerSegmentUnlessTurnedOff() throws Exception {
        String body = "Mara Quill owns 3 boats. The rain came over the river!\nA line without a stop\nOdo Penn lives in Larkmere.";
        IngestDocument d = doc(Map.of("body", body));
        processor(Map.of("field", "body", "model", "test-ac", "segment_boundary", "sentence"), 100_000).execute(d, (r, e) -> assertNull(e));
        List<String> sentences = new ArrayList<>();
        StringBuilder texts = new StringBuilder();
        for (Map<String, Object> seg : (List<Map<String, Object>>) d.getFieldValue("lloco.segments", List.class)) {
            String text = (String) seg.get("text");
            texts.append(text);
            StringBuilder again = new StringBuilder();
            for (Map<String, Object> s : (List<Map<String, Object>>) seg.get("sentences")) {
                String one = (String) s.get("text");
                assertTrue(text + " holds " + one, text.contains(one));
                sentences.add(one);
                again.append(one);
            }
            assertEquals(text.replaceAll("\\s", ""), again.toString().replaceAll("\\s", ""));
        }
        assertEquals(body, texts.toString());
        assertEquals(
            List.of("Mara Quill owns 3 boats.", "The rain came over the river!", "A line without a stop", "Odo Penn lives in Larkmere."),
            sentences
        );

        IngestDocument off = doc(Map.of("body", body));
        processor(Map.of("field", "body", "model", "test-ac", "index_sentences", false), 100_000).execute(off, (r, e) -> assertNull(e));
        for (Map<String, Object> seg : (List<Map<String, Object>>) off.getFieldValue("lloco.segments", List.class)) {
            assertFalse(seg.containsKey("sentences"));
        }
    }

    private static float[] f32(Map<String, Object> segment) {
        return SummaryBlock.toFloats(java.util.Base64.getDecoder().decode((String) segment.get("summaries")), SummaryDtype.FLOAT32);
    }

    /** A document that would exceed its index's nested-object limit fails alone, naming the setting, before compression. */
    public void testTheNestedObjectLimitOfTheTargetIndexIsCheckedFirst() throws Exception {
        LocalCompressService service = new LocalCompressService(models);
        LlocoCompressProcessorFactory f = new LlocoCompressProcessorFactory(
            () -> service,
            () -> Runnable::run,
            () -> 100_000,
            index -> "idx".equals(index) ? 12L : 10_000L
        );
        Map<String, Object> c = new HashMap<>(Map.of("field", "body", "model", "test-ac", "batch_size", 10));
        LlocoCompressProcessor p = (LlocoCompressProcessor) f.create(Map.of(), "t1", null, c);
        List<IngestDocumentWrapper> batch = new ArrayList<>();
        batch.add(new IngestDocumentWrapper(0, 0, doc(Map.of("body", text(2))), null));
        batch.add(new IngestDocumentWrapper(1, 0, doc(Map.of("body", text(12))), null));
        CountDownLatch done = new CountDownLatch(1);
        p.batchExecute(batch, r -> done.countDown());
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertNull(batch.get(0).getException());
        String msg = batch.get(1).getException().getMessage();
        assertTrue(
            msg,
            msg.contains("nested objects, over the target index's limit of 12") && msg.contains("index.mapping.nested_objects.limit")
        );
        assertTrue(msg, msg.matches(".*stored as \\d+ segments \\+ \\d+ sentences = \\d+ nested objects.*"));
        assertEquals(org.opensearch.core.rest.RestStatus.BAD_REQUEST, org.opensearch.ExceptionsHelper.status(batch.get(1).getException()));
        assertFalse(batch.get(1).getIngestDocument().hasField("lloco"));
    }

    public void testBadDocumentsFailAloneInABatch() throws Exception {
        LlocoCompressProcessor p = processor(Map.of("field", "body", "model", "test-ac", "batch_size", 10, "max_tokens", 200), 100_000);
        List<IngestDocumentWrapper> batch = new ArrayList<>();
        batch.add(new IngestDocumentWrapper(0, 0, doc(Map.of("body", text(3))), null));
        batch.add(new IngestDocumentWrapper(1, 0, doc(Map.of("other", "x")), null));
        batch.add(new IngestDocumentWrapper(2, 0, doc(Map.of("body", 42)), null));
        batch.add(new IngestDocumentWrapper(3, 0, doc(Map.of("body", "   ")), null));
        batch.add(new IngestDocumentWrapper(4, 0, doc(Map.of("body", text(60))), null));
        batch.add(new IngestDocumentWrapper(5, 0, doc(Map.of("body", text(4))), null));
        CountDownLatch done = new CountDownLatch(1);
        p.batchExecute(batch, r -> done.countDown());
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertNull(batch.get(0).getException());
        assertTrue(batch.get(0).getIngestDocument().hasField("lloco.segments"));
        assertEquals("field [body] not present as part of path [body]", batch.get(1).getException().getMessage());
        assertTrue(batch.get(2).getException().getMessage(), batch.get(2).getException().getMessage().contains("must be a string"));
        assertTrue(batch.get(3).getException().getMessage(), batch.get(3).getException().getMessage().contains("is empty"));
        String over = batch.get(4).getException().getMessage();
        assertTrue(
            over,
            over.contains("over the limit of 200") && over.contains("[max_tokens]") && over.contains("plugins.lloco.ingest.max_tokens")
        );
        assertFalse(batch.get(4).getIngestDocument().hasField("lloco"));
        assertNull(batch.get(5).getException());
        assertTrue(batch.get(5).getIngestDocument().hasField("lloco.segments"));
    }

    public void testIgnoreMissingPassesTheDocumentThrough() throws Exception {
        LlocoCompressProcessor p = processor(Map.of("field", "body", "model", "test-ac", "ignore_missing", true), 100_000);
        IngestDocument d = doc(Map.of("title", "t"));
        AtomicReference<IngestDocument> out = new AtomicReference<>();
        p.execute(d, (r, e) -> {
            assertNull(e);
            out.set(r);
        });
        assertSame(d, out.get());
        assertFalse(d.hasField("lloco"));
    }

    public void testConfigErrorsNameTheProperty() {
        LlocoCompressProcessorFactory f = factory(1000);
        assertConfigError(f, Map.of(), "field", "required property is missing");
        assertConfigError(f, Map.of("field", "body", "model", "nope"), "model", "unknown model [nope]");
        assertConfigError(
            f,
            Map.of("field", "body", "model", "test-ac", "mode", "sideways"),
            "mode",
            "must be one of [accumulate, independent], got [sideways]"
        );
        assertConfigError(
            f,
            Map.of("field", "body", "model", "test-ac", "storage", "int8"),
            "storage",
            "must be one of [float16, float32], got [int8]"
        );
        assertConfigError(
            f,
            Map.of("field", "body", "model", "test-ac", "segment_boundary", "words"),
            "segment_boundary",
            "must be one of [tokens, sentence], got [words]"
        );
        assertConfigError(f, Map.of("field", "body", "model", "test-ac", "segment_tokens", 0), "segment_tokens", "between 16 and 8192");
        assertConfigError(f, Map.of("field", "body", "model", "test-ac", "segment_tokens", "many"), "segment_tokens", "must be an integer");
        assertConfigError(
            f,
            Map.of("field", "body", "model", "test-ac", "max_tokens", 5000),
            "max_tokens",
            "plugins.lloco.ingest.max_tokens"
        );
        assertConfigError(f, Map.of("field", "body", "target_field", "body", "model", "test-ac"), "target_field", "must differ");
        assertConfigError(f, Map.of("field", "body", "target_field", "_id", "model", "test-ac"), "target_field", "metadata field");
        assertConfigError(f, Map.of("field", "body", "target_field", "_source", "model", "test-ac"), "target_field", "metadata field");
        assertConfigError(f, Map.of("field", "body", "target_field", "body.sub", "model", "test-ac"), "target_field", "inside one another");
        assertConfigError(f, Map.of("field", "lloco.text", "model", "test-ac"), "target_field", "inside one another");
        assertConfigError(f, Map.of("field", "", "model", "test-ac"), "field", "must name the text field");
        assertConfigError(f, Map.of("field", "body", "target_field", "a..b", "model", "test-ac"), "target_field", "not a valid field path");
        assertConfigError(f, Map.of("field", "a\u0000b", "model", "test-ac"), "field", "no control characters");
        assertConfigError(f, Map.of("field", "body", "model", "test-ac", "max_bytes", "lots"), "max_bytes", "a size such as [64kb]");
        assertConfigError(f, Map.of("field", "body", "model", "test-ac", "max_bytes", 0), "max_bytes", "at least 1 byte");
        assertConfigError(f, Map.of("field", "body", "model", "test-ac", "max_bytes", 1.5), "max_bytes", "a size such as");
        assertConfigError(
            f,
            Map.of("field", "body", "model", "test-ac", "max_bytes", "1gb"),
            "max_bytes",
            "plugins.lloco.ingest.max_bytes"
        );
    }

    /**
     * Was: a 10 MB string without spaces is a handful of tokens, passed {@code max_tokens} and was stored (31.5 MB of
     * {@code _source}); the text's UTF-8 bytes are bounded too, by the processor's {@code max_bytes} under the node setting,
     * checked before the tokenizer runs.
     */
    public void testTheTextsBytesAreBoundedBeforeTokenizing() throws Exception {
        LlocoCompressProcessorFactory f = new LlocoCompressProcessorFactory(
            () -> new LocalCompressService(models),
            () -> Runnable::run,
            () -> 100_000,
            () -> 4096L,
            index -> 10_000L
        );
        Map<String, Object> c = new HashMap<>(Map.of("field", "body", "model", "test-ac", "max_bytes", "1kb"));
        LlocoCompressProcessor p = (LlocoCompressProcessor) f.create(Map.of(), "t", null, c);
        for (String body : new String[]{"a".repeat(1025), "\u00e9".repeat(513), "\u6771".repeat(342), "a".repeat(10_000_000)}) {
            IngestDocument d = doc(Map.of("body", body));
            AtomicReference<Exception> err = new AtomicReference<>();
            p.execute(d, (r, e) -> err.set(e));
            assertNotNull(err.get());
            String m = err.get().getMessage();
            assertTrue(
                m,
                m.contains("over the limit of 1024") && m.contains("[max_bytes]") && m.contains("plugins.lloco.ingest.max_bytes")
            );
            assertFalse(d.hasField("lloco"));
        }
        IngestDocument fits = doc(Map.of("body", "\u00e9".repeat(512)));
        p.execute(fits, (r, e) -> assertNull(e));
        assertTrue(fits.hasField("lloco.segments"));
        // without the property the node setting bounds the text
        LlocoCompressProcessor nodeBound = (LlocoCompressProcessor) f.create(
            Map.of(),
            "t",
            null,
            new HashMap<>(Map.of("field", "body", "model", "test-ac"))
        );
        AtomicReference<Exception> err = new AtomicReference<>();
        nodeBound.execute(doc(Map.of("body", "b".repeat(4097))), (r, e) -> err.set(e));
        assertTrue(err.get().getMessage(), err.get().getMessage().contains("over the limit of 4096"));
    }

    public void testTextOfOnlyControlCharactersIsEmpty() throws Exception {
        LlocoCompressProcessor p = processor(Map.of("field", "body", "model", "test-ac"), 100_000);
        IngestDocument d = doc(Map.of("body", "\u0000\u0001 \u0007\n\u3000"));
        AtomicReference<Exception> err = new AtomicReference<>();
        p.execute(d, (r, e) -> err.set(e));
        assertTrue(String.valueOf(err.get()), err.get().getMessage().contains("is empty"));
        assertEquals(3, LlocoCompressProcessor.utf8Length("\u00e9a", 10));
        assertEquals(4, LlocoCompressProcessor.utf8Length("\uD83D\uDE00", 10));
        assertEquals(3, LlocoCompressProcessor.utf8Length("\uD800", 10));
        assertEquals(Long.MAX_VALUE, LlocoCompressProcessor.utf8Length("abc", 2));
    }

    public void testUnknownKeysAreLeftForCoreToReject() throws Exception {
        Map<String, Object> c = new HashMap<>(Map.of("field", "body", "model", "test-ac", "colour", "blue"));
        factory(1000).create(Map.of(), "t", null, c);
        assertEquals(Map.of("colour", "blue"), c);
    }

    private static void assertConfigError(LlocoCompressProcessorFactory f, Map<String, Object> config, String property, String text) {
        OpenSearchException e = expectThrows(OpenSearchException.class, () -> f.create(Map.of(), "tag1", null, new HashMap<>(config)));
        assertTrue(e.getMessage(), e.getMessage().contains(text));
        assertEquals(List.of(property), e.getMetadata("opensearch.property_name"));
        assertEquals(List.of("lloco_compress"), e.getMetadata("opensearch.processor_type"));
    }
}
