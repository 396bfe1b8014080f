/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Minimal read-only zip central-directory parser for {@code torch.save} archives (ZIP64 aware). It only
 * locates entries: data of stored (uncompressed) entries is then memory-mapped in place, which
 * {@link java.util.zip.ZipFile} cannot do. Every offset is checked against the file size (without 64-bit overflow),
 * so a truncated or corrupt archive gives a {@link CheckpointException} naming the file. Allocation: the central
 * directory and the small entries read whole ({@link #readSmall}, capped by the caller) — at most the file size.
 */
final class TorchBinZip {

    /** One entry: name, compression method, sizes, CRC and the absolute offset of its data. */
    record Entry(String name, int method, long compressedSize, long size, long crc, long dataOffset) {
    }

    private static final int EOCD_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CEN_SIG = 0x02014b50;
    private static final int LOC_SIG = 0x04034b50;
    private static final int MAX_ENTRIES = 1_000_000;

    private TorchBinZip() {
    }

    /** Reads the central directory; entries keep archive order. */
    static Map<String, Entry> readEntries(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 22) {
            throw bad(file, "is too short (" + size + " bytes) to be a zip archive");
        }
        int tailLen = (int) Math.min(size, 22 + 65535);
        ByteBuffer tail = read(ch, size - tailLen, tailLen);
        int eocd = -1;
        for (int i = tailLen - 22; i >= 0; i--) {
            if (tail.getInt(i) == EOCD_SIG && i + 22 + (tail.getShort(i + 20) & 0xFFFF) == tailLen) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            for (int i = tailLen - 22; i >= 0; i--) {
                if (tail.getInt(i) == EOCD_SIG) {
                    eocd = i;
                    break;
                }
            }
        }
        if (eocd < 0) {
            throw bad(file, "has no zip end-of-central-directory record (truncated or not a zip file)");
        }
        long eocdPos = size - tailLen + eocd;
        long count = tail.getShort(eocd + 10) & 0xFFFF;
        long cdSize = tail.getInt(eocd + 12) & 0xFFFFFFFFL;
        long cdOffset = tail.getInt(eocd + 16) & 0xFFFFFFFFL;
        if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            if (eocdPos < 20) {
                throw bad(file, "has a ZIP64 end record but no ZIP64 locator");
            }
            ByteBuffer loc = read(ch, eocdPos - 20, 20);
            if (loc.getInt(0) != ZIP64_LOCATOR_SIG) {
                throw bad(file, "has a ZIP64 end record but no ZIP64 locator");
            }
            long z64 = loc.getLong(8);
            if (z64 < 0 || z64 > size - 56) {
                throw bad(file, "has a ZIP64 end record offset outside the file (truncated?)");
            }
            ByteBuffer rec = read(ch, z64, 56);
            if (rec.getInt(0) != ZIP64_EOCD_SIG) {
                throw bad(file, "has a corrupt ZIP64 end-of-central-directory record");
            }
            count = rec.getLong(32);
            cdSize = rec.getLong(40);
            cdOffset = rec.getLong(48);
        }
        if (count < 0 || count > MAX_ENTRIES || cdSize < 0 || cdOffset < 0 || cdSize > size || cdOffset > size - cdSize
            || cdSize > Integer.MAX_VALUE) {
            throw bad(
                file,
                String.format(
                    Locale.ROOT,
                    "has a central directory outside the file (offset %d, size %d, file %d bytes): truncated?",
                    cdOffset,
                    cdSize,
                    size
                )
            );
        }
        ByteBuffer cd = read(ch, cdOffset, (int) cdSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long n = 0; n < count; n++) {
            if (p + 46 > cdSize || cd.getInt(p) != CEN_SIG) {
                throw bad(file, "has a corrupt central directory entry #" + n);
            }
            int method = cd.getShort(p + 10) & 0xFFFF;
            long crc = cd.getInt(p + 16) & 0xFFFFFFFFL;
            long csize = cd.getInt(p + 20) & 0xFFFFFFFFL;
            long usize = cd.getInt(p + 24) & 0xFFFFFFFFL;
            int nameLen = cd.getShort(p + 28) & 0xFFFF;
            int extraLen = cd.getShort(p + 30) & 0xFFFF;
            int commentLen = cd.getShort(p + 32) & 0xFFFF;
            long localOffset = cd.getInt(p + 42) & 0xFFFFFFFFL;
            if (p + 46L + nameLen + extraLen + commentLen > cdSize) {
                throw bad(file, "has a corrupt central directory entry #" + n);
            }
            byte[] nameBytes = new byte[nameLen];
            cd.get(p + 46, nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            int e = p + 46 + nameLen;
            int eEnd = e + extraLen;
            while (e + 4 <= eEnd) {
                int id = cd.getShort(e) & 0xFFFF;
                int len = cd.getShort(e + 2) & 0xFFFF;
                int q = e + 4;
                if (q + len > eEnd) {
                    break;
                }
                if (id == 0x0001) {
                    if (usize == 0xFFFFFFFFL && q + 8 <= e + 4 + len) {
                        usize = cd.getLong(q);
                        q += 8;
                    }
                    if (csize == 0xFFFFFFFFL && q + 8 <= e + 4 + len) {
                        csize = cd.getLong(q);
                        q += 8;
                    }
                    if (localOffset == 0xFFFFFFFFL && q + 8 <= e + 4 + len) {
                        localOffset = cd.getLong(q);
                    }
                }
                e += 4 + len;
            }
            if (localOffset < 0 || localOffset > size - 30) {
                throw bad(file, "entry [" + BoundedJson.clip(name) + "] starts outside the file (truncated?)");
            }
            ByteBuffer lh = read(ch, localOffset, 30);
            if (lh.getInt(0) != LOC_SIG) {
                throw bad(file, "entry [" + BoundedJson.clip(name) + "] has a corrupt local header");
            }
            long dataOffset = localOffset + 30 + (lh.getShort(26) & 0xFFFF) + (lh.getShort(28) & 0xFFFF);
            if (csize < 0 || usize < 0 || csize > size - dataOffset) {
                throw bad(
                    file,
                    String.format(
                        Locale.ROOT,
                        "entry [%s] of %d bytes at byte %d ends past the end of the file (%d bytes): the file is truncated",
                        BoundedJson.clip(name),
                        csize,
                        dataOffset,
                        size
                    )
                );
            }
            if (method != 0 && method != 8) {
                throw bad(
                    file,
                    "entry [" + BoundedJson.clip(name) + "] uses unsupported zip compression method " + method
                        + " (only stored and deflate)"
                );
            }
            if (method == 0 && csize != usize) {
                throw bad(
                    file,
                    String.format(
                        Locale.ROOT,
                        "stored entry [%s] declares %d bytes but holds %d (corrupt)",
                        BoundedJson.clip(name),
                        usize,
                        csize
                    )
                );
            }
            entries.put(name, new Entry(name, method, csize, usize, crc, dataOffset));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return entries;
    }

    /** Reads a small entry fully (inflating if needed) and checks its CRC-32. */
    static byte[] readSmall(Path file, FileChannel ch, Entry entry, long maxBytes) throws IOException {
        if (entry.size() > maxBytes || entry.compressedSize() > Integer.MAX_VALUE) {
            throw bad(
                file,
                String.format(
                    Locale.ROOT,
                    "entry [%s] is %d bytes, more than the %d allowed",
                    BoundedJson.clip(entry.name()),
                    entry.size(),
                    maxBytes
                )
            );
        }
        ByteBuffer raw = read(ch, entry.dataOffset(), (int) entry.compressedSize());
        byte[] out = new byte[(int) entry.size()];
        if (entry.method() == 0) {
            raw.get(0, out);
        } else {
            byte[] in = new byte[raw.remaining()];
            raw.get(0, in);
            Inflater inf = new Inflater(true);
            try {
                inf.setInput(in);
                int n = inf.inflate(out);
                if (n != out.length) {
                    throw bad(file, "entry [" + BoundedJson.clip(entry.name()) + "] inflates to fewer bytes than its declared size");
                }
            } catch (DataFormatException ex) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "PyTorch checkpoint [%s]: entry [%s] is corrupt: %s",
                        file,
                        BoundedJson.clip(entry.name()),
                        ex.getMessage()
                    ),
                    ex
                );
            } finally {
                inf.end();
            }
        }
        CRC32 crc = new CRC32();
        crc.update(out);
        if (crc.getValue() != entry.crc()) {
            throw bad(file, "entry [" + BoundedJson.clip(entry.name()) + "] fails its CRC-32 check (corrupt file)");
        }
        return out;
    }

    static ByteBuffer read(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new CheckpointException(String.format(Locale.ROOT, "unexpected end of file at byte %d", pos + b.position()));
            }
        }
        b.flip();
        return b;
    }

    static CheckpointException bad(Path file, String what) {
        return new CheckpointException(String.format(Locale.ROOT, "PyTorch checkpoint [%s] %s", file, what));
    }
}
