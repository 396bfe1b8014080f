/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A model's fingerprint, {@code sha256:<16 hex>} over {@code config.json} and the weight files in name order: what
 * compressed documents and adapters record, so summaries and adapters are never used with another model's weights.
 */
public final class ModelFingerprint {

    private ModelFingerprint() {
    }

    /** The fingerprint of the model folder {@code dir}. */
    public static String of(Path dir) throws IOException {
        return of(dir, null);
    }

    /** {@link #of(Path)}, reporting the bytes hashed to {@code progress} (which may cancel it); null for none. */
    public static String of(Path dir, LoadProgress progress) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("config.json") || n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".index.json");
            }).sorted().toList();
        }
        if (progress != null) {
            long total = 0;
            for (Path f : files) {
                total += Files.size(f);
            }
            progress.hashing(total);
        }
        byte[] buf = new byte[1 << 16];
        for (Path f : files) {
            md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(f)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    if (progress != null) {
                        progress.hashed(n);
                    }
                }
            }
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }
}
