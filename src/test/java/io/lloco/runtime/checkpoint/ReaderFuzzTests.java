/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

/**
 * Bounded mutation fuzz of the model-directory readers ({@link ReaderFuzz}): a few hundred seeded cases in CI, any
 * number in a benchmark run ({@code bench/fuzz/run.sh}: {@code -Dlloco.fuzz.cases=10000}). Deterministic: the cases
 * come from {@code lloco.fuzz.seed} (default {@value #DEFAULT_SEED}), not from the test framework's random seed.
 * Every case must be accepted or refused with a {@link CheckpointException} naming what is wrong, within the stated
 * allocation bounds; a hang fails through the suite timeout (the test framework's 20 minutes; the benchmark run raises
 * it to 4 hours with {@code -Dtests.timeoutSuite=14400000!}, whose {@code !} overrides the annotation).
 */
public class ReaderFuzzTests extends OpenSearchTestCase {

    /** The CI seed. */
    public static final long DEFAULT_SEED = 0x5EC0F022L;

    /** Cases per target out of {@code total}: a quarter safetensors, 30% torch.save, the rest index, config, tokenizer. */
    static Map<ReaderFuzz.Target, Integer> split(int total) {
        Map<ReaderFuzz.Target, Integer> m = new EnumMap<>(ReaderFuzz.Target.class);
        m.put(ReaderFuzz.Target.SAFETENSORS, total * 25 / 100);
        m.put(ReaderFuzz.Target.TORCH_BIN, total * 30 / 100);
        m.put(ReaderFuzz.Target.SHARD_INDEX, total * 10 / 100);
        m.put(ReaderFuzz.Target.CONFIG, total * 20 / 100);
        m.put(ReaderFuzz.Target.TOKENIZER, total - total * 85 / 100);
        return m;
    }

    private static Path project() {
        return Path.of(System.getProperty("lloco.project.dir", "."));
    }

    public void testMutatedFilesAreAcceptedOrRefusedWithinBounds() throws Exception {
        long seed = Long.decode(System.getProperty("lloco.fuzz.seed", Long.toString(DEFAULT_SEED)));
        int cases = Integer.getInteger("lloco.fuzz.cases", 400);
        ReaderFuzz fuzz = new ReaderFuzz(createTempDir(), seed, project());
        Map<ReaderFuzz.Target, Integer> split = split(cases);
        String only = System.getProperty("lloco.fuzz.targets", "");
        if (only.isBlank() == false) {
            split.keySet().removeIf(t -> java.util.Arrays.asList(only.toUpperCase(Locale.ROOT).split(",")).contains(t.name()) == false);
        }
        ReaderFuzz.Report report = fuzz.run(split);
        String summary = String.format(Locale.ROOT, "seed %#x%n%s", seed, report.summary());
        logger.info("reader fuzz:\n{}", summary);
        String out = System.getProperty("lloco.fuzz.report");
        if (out != null && out.isBlank() == false) {
            Files.writeString(Path.of(out), summary, StandardCharsets.UTF_8);
        }
        assertEquals(split.values().stream().mapToInt(Integer::intValue).sum(), report.cases);
        assertTrue(summary, report.findings.isEmpty());
        // the mutations reach past the first check: every target both accepts and refuses some of its cases
        for (ReaderFuzz.Target t : split.keySet()) {
            Map<ReaderFuzz.Outcome, Integer> o = report.outcomes.get(t);
            assertNotNull(summary, o);
            assertTrue(t + "\n" + summary, o.getOrDefault(ReaderFuzz.Outcome.REJECTED, 0) > 0);
            assertTrue(t + "\n" + summary, o.getOrDefault(ReaderFuzz.Outcome.ACCEPTED, 0) > 0);
        }
    }

    /** The same (seed, target, case) gives the same file and outcome: any finding can be replayed alone. */
    public void testCasesAreDeterministic() throws Exception {
        ReaderFuzz a = new ReaderFuzz(createTempDir(), DEFAULT_SEED, project());
        ReaderFuzz b = new ReaderFuzz(createTempDir(), DEFAULT_SEED, project());
        for (ReaderFuzz.Target t : ReaderFuzz.Target.values()) {
            for (int i : new int[]{0, 7, 31}) {
                ReaderFuzz.CaseResult x = a.runCase(t, i);
                ReaderFuzz.CaseResult y = b.runCase(t, i);
                assertEquals(x.mutation(), y.mutation());
                assertEquals(x.outcome(), y.outcome());
                assertEquals(x.kind(), y.kind());
            }
        }
    }
}
