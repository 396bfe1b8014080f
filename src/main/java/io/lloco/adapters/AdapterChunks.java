/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The stored form of an adapter's files in {@code .lloco-adapters}: each file is cut into chunks of
 * {@value #CHUNK_BYTES} bytes, one document per chunk ({@code name}, {@code blob}, {@code file}, {@code chunk},
 * {@code data}: the bytes, {@code crc32}: their CRC-32), and the metadata document lists every file with its size, its
 * SHA-256 and its chunk count. Reading checks every chunk's CRC-32 as it arrives and the whole file's size and SHA-256
 * at the end; any mismatch is an {@link IOException} naming the file and the chunk. No OpenSearch types: the store
 * moves these maps in and out of the index.
 */
public final class AdapterChunks {

    /** Bytes per chunk document. */
    public static final int CHUNK_BYTES = 1 << 20;

    private AdapterChunks() {
    }

    /** Chunks a file of {@code size} bytes takes (at least one, so an empty file still has a document). */
    public static int chunkCount(long size) {
        return (int) Math.max(1, (size + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    /** Document id of the metadata of adapter {@code name}. */
    public static String metaId(String name) {
        return "meta#" + name;
    }

    /** Document id of chunk {@code index} of {@code file} of version {@code blob} of adapter {@code name}. */
    public static String chunkId(String name, String blob, String file, int index) {
        return "chunk#" + name + "#" + blob + "#" + file + "#" + index;
    }

    /** The source of a chunk document. */
    public static Map<String, Object> chunkSource(String name, String blob, String file, int index, byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("doc_type", "chunk");
        m.put("name", name);
        m.put("blob", blob);
        m.put("file", file);
        m.put("chunk", index);
        m.put("data", data);
        m.put("crc32", crc.getValue());
        return m;
    }

    /** Reads chunk {@code index} of a file (the last one may be shorter). */
    public static byte[] readChunk(InputStream in, long fileSize, int index) throws IOException {
        long left = fileSize - (long) index * CHUNK_BYTES;
        int n = (int) Math.max(0, Math.min(CHUNK_BYTES, left));
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException(String.format(Locale.ROOT, "file ended at chunk %d (%d of %d bytes)", index, b.length, n));
        }
        return b;
    }

    /** Hex SHA-256 of a file. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes a file from its chunks, in order, checking each chunk and the whole: {@link #accept} every chunk document's
     * source, then {@link #finish}.
     */
    public static final class Reassembly {

        private final String what;
        private final AdapterMeta.FileEntry file;
        private final OutputStream out;
        private final MessageDigest md = sha256();
        private long written;
        private int next;

        /**
         * @param what names the adapter version in messages
         * @param file the file as the metadata lists it
         * @param out where its bytes go
         */
        public Reassembly(String what, AdapterMeta.FileEntry file, OutputStream out) {
            this.what = what;
            this.file = file;
            this.out = out;
        }

        /** Checks and writes the next chunk; {@code source} is its document's source (null: the document is missing). */
        public void accept(int index, Map<String, Object> source) throws IOException {
            if (index != next) {
                throw corrupt(index, "expected chunk " + next);
            }
            if (source == null) {
                throw corrupt(index, "the chunk document is missing");
            }
            Object d = source.get("data");
            byte[] data;
            if (d instanceof byte[] b) {
                data = b;
            } else if (d instanceof String s) {
                try {
                    data = Base64.getDecoder().decode(s);
                } catch (IllegalArgumentException e) {
                    throw corrupt(index, "its data is not base64");
                }
            } else {
                throw corrupt(index, "it has no data");
            }
            Object chunk = source.get("chunk");
            if ((chunk instanceof Number n && n.intValue() == index) == false || file.name().equals(source.get("file")) == false) {
                throw corrupt(index, "it is chunk " + source.get("chunk") + " of file [" + source.get("file") + "]");
            }
            CRC32 crc = new CRC32();
            crc.update(data);
            Object stored = source.get("crc32");
            if ((stored instanceof Number c && c.longValue() == crc.getValue()) == false) {
                throw corrupt(index, "its CRC-32 is " + crc.getValue() + ", the document says " + source.get("crc32"));
            }
            if (written + data.length > file.size()) {
                throw corrupt(index, "the chunks hold more than the file's " + file.size() + " bytes");
            }
            md.update(data);
            out.write(data);
            written += data.length;
            next++;
        }

        /** Checks that every chunk came and that the bytes hash to the metadata's SHA-256. */
        public void finish() throws IOException {
            if (next != file.chunks() || written != file.size()) {
                throw corrupt(
                    next,
                    String.format(Locale.ROOT, "got %d chunks / %d bytes of %d / %d", next, written, file.chunks(), file.size())
                );
            }
            String sha = HexFormat.of().formatHex(md.digest());
            if (sha.equals(file.sha256()) == false) {
                throw new IOException(
                    String.format(
                        Locale.ROOT,
                        "stored %s: file [%s] hashes to SHA-256 %s, its metadata says %s; re-register the adapter",
                        what,
                        file.name(),
                        sha,
                        file.sha256()
                    )
                );
            }
        }

        private IOException corrupt(int index, String why) {
            return new IOException(
                String.format(
                    Locale.ROOT,
                    "stored %s: chunk %d of file [%s] is corrupt (%s); re-register the adapter",
                    what,
                    index,
                    file.name(),
                    why
                )
            );
        }
    }
}
