/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.CRC32;

import org.opensearch.common.util.io.IOUtils;

/**
 * The model that ships inside the plugin jar ({@value #ID}): whether this build carries it, and its folder on this
 * node, extracted once per node under the data path and reused while it holds this build's files.
 */
final class EmbeddedModel {

    /** The model that ships inside the plugin. */
    static final String ID = "lloco-tiny";

    /** Classpath folder of the embedded model. */
    static final String RESOURCE = "/io/lloco/models/" + ID + "/";

    /** Files of the embedded model, relative to {@link #RESOURCE}. */
    static final List<String> FILES = List.of(
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "lloco.json",
        "adapters/default/adapter_config.json",
        "adapters/default/adapter_model.safetensors"
    );

    /** File that records which plugin build an extracted embedded model came from. */
    static final String EXTRACTED_STAMP = ".lloco-extracted";

    private final Path extractDir;
    private final Object lock = new Object();
    private volatile Path extracted;
    private volatile int extractions;

    /** @param extractDir the folder the model's own folder is extracted into ({@code <path.data>/lloco/models}) */
    EmbeddedModel(Path extractDir) {
        this.extractDir = extractDir;
    }

    /** Whether the plugin jar carries the embedded model. */
    static boolean available() {
        return EmbeddedModel.class.getResource(RESOURCE + "config.json") != null
            && EmbeddedModel.class.getResource(RESOURCE + "model.safetensors") != null;
    }

    /** The folder the model is extracted into. */
    Path extractDir() {
        return extractDir;
    }

    /** Times the model was written to disk by this instance (at most once per node start). */
    int extractions() {
        return extractions;
    }

    /**
     * The model's folder, extracted on first use: into a fresh temporary folder, then moved into place whole, unless
     * the folder already holds this plugin build's files (same sizes and CRC32s as the jar's, recorded in
     * {@value #EXTRACTED_STAMP}). Never rewrites files a load may be reading.
     */
    Path path() {
        Path done = extracted;
        if (done != null) {
            return done;
        }
        synchronized (lock) {
            if (extracted != null) {
                return extracted;
            }
            Path dir = extractDir.resolve(ID);
            Path tmp = null;
            try {
                String stamp = stamp();
                Path stampFile = dir.resolve(EXTRACTED_STAMP);
                if (Files.isRegularFile(stampFile) && Files.readString(stampFile, StandardCharsets.UTF_8).equals(stamp)) {
                    extracted = dir;
                    return dir;
                }
                Files.createDirectories(extractDir);
                tmp = Files.createTempDirectory(extractDir, "." + ID + "-");
                for (String f : FILES) {
                    try (InputStream in = EmbeddedModel.class.getResourceAsStream(RESOURCE + f)) {
                        if (in == null) {
                            continue; // optional files (lloco.json, adapters)
                        }
                        Path target = tmp.resolve(f);
                        Files.createDirectories(target.getParent());
                        Files.copy(in, target);
                    }
                }
                Files.writeString(tmp.resolve(EXTRACTED_STAMP), stamp, StandardCharsets.UTF_8);
                if (Files.exists(dir)) {
                    IOUtils.rm(dir);
                }
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                extractions++;
                extracted = dir;
                return dir;
            } catch (IOException e) {
                if (tmp != null) {
                    try {
                        IOUtils.rm(tmp); // nothing half-written stays
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw new UncheckedIOException("cannot extract the embedded model to [" + dir + "]", e);
            }
        }
    }

    /** Name, size and CRC32 of each embedded file, one per line. */
    private static String stamp() throws IOException {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[1 << 16];
        for (String f : FILES) {
            try (InputStream in = EmbeddedModel.class.getResourceAsStream(RESOURCE + f)) {
                if (in == null) {
                    continue;
                }
                CRC32 crc = new CRC32();
                long size = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    crc.update(buf, 0, n);
                    size += n;
                }
                sb.append(f).append(' ').append(size).append(' ').append(Long.toHexString(crc.getValue())).append('\n');
            }
        }
        return sb.toString();
    }
}
