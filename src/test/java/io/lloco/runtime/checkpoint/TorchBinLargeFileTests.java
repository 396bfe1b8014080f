/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.opensearch.test.OpenSearchTestCase;

/**
 * Opt-in check on a real > 4 GiB {@code torch.save} file (ZIP64, tensors past the 4 GiB mark), made by
 * {@code /usr/bin/python3 tools/reference/make_torchbin_fixtures.py --large $TMPDIR/large.bin} and run with
 * {@code -Dtests.lloco.torchbin.large=$TMPDIR/large.bin}. Skipped otherwise (CI has no such file).
 */
public class TorchBinLargeFileTests extends OpenSearchTestCase {

    public void testLargeZip64FileIsReadLazily() throws IOException {
        String prop = System.getProperty("tests.lloco.torchbin.large");
        assumeTrue("set -Dtests.lloco.torchbin.large=<file> to run", prop != null && prop.isEmpty() == false);
        Path file = Path.of(prop);
        assertTrue(Files.size(file) > (1L << 32));
        Runtime rt = Runtime.getRuntime();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
        long t0 = System.nanoTime();
        try (TensorSource src = TorchBinReader.open(file)) {
            long openMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(77, src.names().size());
            // the last layers lie beyond 4 GiB in the file
            for (int k : new int[]{0, 75}) {
                long t1 = System.nanoTime();
                HostTensor t = src.get("layers." + k + ".weight");
                long ms = (System.nanoTime() - t1) / 1_000_000;
                assertEquals("BF16", t.storedDtype());
                assertArrayEquals(new long[]{4096, 8192}, t.shape());
                int n = (int) t.numel();
                for (int i = 0; i < n; i += 9973) {
                    assertEquals(((i + k) % 256) - 128, t.data().getFloat(4 * i), 0f);
                }
                assertEquals(((n - 1 + k) % 256) - 128, t.data().getFloat(4 * (n - 1)), 0f);
                logger.info("layers.{}: {} elements widened in {} ms", k, n, ms);
            }
            HostTensor tail = src.get("tail.transposed");
            assertArrayEquals(new long[]{4, 3}, tail.shape());
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(c * 4 + r, tail.data().getFloat((r * 3 + c) * 4), 0f);
                }
            }
            long heapAfter = rt.totalMemory() - rt.freeMemory();
            logger
                .info("opened {} ({} bytes) in {} ms; heap grew by {} MB", file, Files.size(file), openMs, (heapAfter - heapBefore) >> 20);
        }
    }
}
