/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import io.lloco.runtime.model.GradMode;

/** Pieces shared by the trainers: gradients, clipping, learning-rate schedule, atomic checkpoints, progress lines. */
public final class TrainSupport {

    /** Trainer state file in a checkpoint directory. */
    public static final String STATE = "trainer_state.json";
    /** Optimizer state file in a checkpoint directory. */
    public static final String OPTIMIZER = "optimizer.safetensors";

    private TrainSupport() {
    }

    /** Marks every parameter as requiring a gradient. */
    public static void requireGradients(Map<String, NDArray> params) {
        for (NDArray p : params.values()) {
            p.setRequiresGradient(true);
        }
    }

    /** The gradients of {@code params}, as handles owned by {@code step} (closing it leaves the gradients in place). */
    public static Map<String, NDArray> gradients(Map<String, NDArray> params, NDManager step) {
        Map<String, NDArray> g = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray grad = e.getValue().getGradient();
            grad.attach(step);
            g.put(e.getKey(), grad);
        }
        return g;
    }

    /** Global L2 norm of the gradients (NaN or infinity if any is non-finite). */
    public static double globalNorm(Map<String, NDArray> grads) {
        double sum = 0;
        try (GradMode g = GradMode.disabled()) {
            for (NDArray a : grads.values()) {
                try (NDArray sq = a.square(); NDArray s = sq.sum()) {
                    sum += s.getFloat();
                }
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Zeroes the gradients in place (PyTorch accumulates them across backward passes). In-place arithmetic
     * only: {@code NDArray.set(Buffer)} would make the gradient alias a Java buffer that is freed once the
     * handle is closed.
     *
     * @param finite whether every gradient is finite (otherwise NaN/inf entries are cleared too)
     */
    public static void zero(Map<String, NDArray> grads, boolean finite) {
        try (GradMode g = GradMode.disabled()) {
            for (NDArray a : grads.values()) {
                a.subi(a);
                if (finite == false) {
                    try (NDArray bad = a.isNaN().logicalOr(a.isInfinite())) {
                        a.set(bad, 0f);
                    }
                }
            }
        }
    }

    /** Linear warmup to {@code peak}, then cosine decay to {@code floor} at {@code total}. */
    public static double learningRate(long step, long total, long warmup, double peak, double floor) {
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = total <= warmup ? 1.0 : Math.min(1.0, (double) (step - warmup) / (total - warmup));
        return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    /** "h:mm:ss". */
    public static String hms(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    /** Writes {@code json} pretty-printed. */
    public static void writeJson(Path file, JsonNode json) throws IOException {
        Files.write(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json).getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a JSON object. */
    public static ObjectNode readJson(Path file) throws IOException {
        JsonNode n = new ObjectMapper().readTree(Files.readAllBytes(file));
        if (n instanceof ObjectNode o) {
            return o;
        }
        throw new IOException(String.format(Locale.ROOT, "[%s] must hold a JSON object", file));
    }

    /** Something that writes a complete checkpoint into an empty directory. */
    @FunctionalInterface
    public interface DirWriter {

        /** Writes into {@code dir}. */
        void write(Path dir) throws IOException;
    }

    /**
     * Writes a checkpoint atomically: into {@code dir.tmp}, then swapped for {@code dir} (the old one is kept as
     * {@code dir.prev} until the swap is done), so a crash never leaves a half-written {@code dir}.
     */
    public static void atomicWrite(Path dir, DirWriter writer) throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        Path prev = dir.resolveSibling(dir.getFileName() + ".prev");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        writer.write(tmp);
        deleteTree(prev);
        if (Files.exists(dir)) {
            Files.move(dir, prev, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(prev);
    }

    /** The checkpoint to resume from: {@code dir}, or {@code dir.prev} if a crash interrupted a swap; null if none. */
    public static Path resumable(Path dir) {
        if (Files.isRegularFile(dir.resolve(STATE))) {
            return dir;
        }
        Path prev = dir.resolveSibling(dir.getFileName() + ".prev");
        return Files.isRegularFile(prev.resolve(STATE)) ? prev : null;
    }

    /**
     * Where a run starts: the checkpoint to resume when {@code resume} (an error when there is none), else null (an
     * error when {@code ckpt} already holds a checkpoint, so a new run never overwrites one).
     */
    public static Path startingPoint(Path ckpt, boolean resume) throws IOException {
        Path found = resumable(ckpt);
        if (resume && found == null) {
            throw new IOException(String.format(Locale.ROOT, "--resume: no checkpoint under [%s]; start without --resume", ckpt));
        }
        if (resume == false && found != null) {
            throw new IOException(
                String.format(Locale.ROOT, "[%s] already holds a checkpoint; pass --resume to continue it or choose another --out", ckpt)
            );
        }
        return resume ? found : null;
    }

    /** Deletes a directory tree if it exists. */
    public static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir) == false) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
