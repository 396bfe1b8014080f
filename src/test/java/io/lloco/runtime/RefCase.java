/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.SafeTensorsReader;

/** One golden fixture case written by tools/reference (numpy float64), see tools/reference/README.md. */
public final class RefCase {

    /** The fixtures' root: src/test/resources/ref under the project directory. */
    public static Path root() {
        return Path.of(System.getProperty("lloco.project.dir", ".")).resolve("src/test/resources/ref");
    }

    /** Every case directory, sorted. */
    public static List<RefCase> all() throws IOException {
        List<RefCase> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root())) {
            for (Path p : s.sorted().toList()) {
                if (Files.isRegularFile(p.resolve("case.json"))) {
                    out.add(new RefCase(p));
                }
            }
        }
        return out;
    }

    public final Path dir;
    public final JsonNode json;

    public RefCase(Path dir) throws IOException {
        this.dir = dir;
        this.json = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
    }

    public String name() {
        return dir.getFileName().toString();
    }

    public Path modelDir() {
        return dir.resolve("model");
    }

    public Path adapterDir() {
        return dir.resolve("adapter");
    }

    public boolean hasAdapter() {
        return json.path("has_adapter").asBoolean(false);
    }

    public boolean isAutoCompressor() {
        return json.path("segment_tokens").isIntegralNumber();
    }

    public int[] ints(String key) {
        JsonNode a = json.get(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    /** A golden tensor as [rows][cols]. */
    public float[][] golden(String tensor) throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(dir.resolve("golden.safetensors"))) {
            return matrix(r.get(tensor));
        }
    }

    public static float[][] matrix(HostTensor t) {
        long[] s = t.shape();
        int rows = (int) s[0];
        int cols = (int) (t.numel() / Math.max(1, rows));
        float[][] out = new float[rows][cols];
        var fb = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < rows; i++) {
            fb.get(out[i]);
        }
        return out;
    }

    /** max |a - b| / max |b|, failing on shape mismatch. */
    public static double relErr(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new AssertionError("rows " + a.length + " vs " + b.length);
        }
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new AssertionError("cols " + a[i].length + " vs " + b[i].length + " in row " + i);
            }
            for (int j = 0; j < a[i].length; j++) {
                maxDiff = Math.max(maxDiff, Math.abs((double) a[i][j] - b[i][j]));
                maxRef = Math.max(maxRef, Math.abs((double) b[i][j]));
            }
        }
        return maxDiff / Math.max(maxRef, 1e-30);
    }
}
