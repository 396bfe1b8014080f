/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.TensorSource;

/** Block reads pass through to the reader (never a whole-tensor {@code get} per block) and report the tensor once. */
public class ProgressTensorSourceTests extends OpenSearchTestCase {

    /** A 3x4 tensor whose whole-tensor read fails: only block reads may reach it. */
    private static final class BlockOnly implements TensorSource {

        final List<Long> offsets = new ArrayList<>();

        @Override
        public Set<String> names() {
            return Set.of("w");
        }

        @Override
        public long[] shape(String name) {
            return new long[]{3, 4};
        }

        @Override
        public HostTensor get(String name) {
            throw new AssertionError("a block read must not read the whole tensor");
        }

        @Override
        public void readFloats(String name, long offset, int count, ByteBuffer out) {
            offsets.add(offset);
            for (int i = 0; i < count; i++) {
                out.putFloat(i * 4, offset + i);
            }
        }

        @Override
        public void close() {
        }
    }

    public void testBlocksPassThroughAndTheTensorIsReportedOnceWhole() throws IOException {
        BlockOnly delegate = new BlockOnly();
        LoadProgress progress = new LoadProgress("m");
        progress.weights(1, 12 * 2);
        ProgressTensorSource source = new ProgressTensorSource(delegate, progress, key -> 2);
        ByteBuffer block = ByteBuffer.allocate(5 * 4).order(ByteOrder.LITTLE_ENDIAN);
        source.readFloats("w", 0, 5, block);
        assertEquals(0, progress.tensorsLoaded());
        source.readFloats("w", 5, 5, block);
        assertEquals(5f, block.getFloat(0), 0f);
        assertEquals(0, progress.tensorsLoaded());
        source.readFloats("w", 10, 2, block);
        assertEquals(List.of(0L, 5L, 10L), delegate.offsets);
        assertEquals(1, progress.tensorsLoaded());
        assertEquals(24, progress.bytesLoaded());
    }

    public void testCancellingStopsBetweenBlocks() throws IOException {
        BlockOnly delegate = new BlockOnly();
        LoadProgress progress = new LoadProgress("m");
        ProgressTensorSource source = new ProgressTensorSource(delegate, progress, key -> 4);
        ByteBuffer block = ByteBuffer.allocate(5 * 4).order(ByteOrder.LITTLE_ENDIAN);
        source.readFloats("w", 0, 5, block);
        progress.cancel();
        expectThrows(CancellationException.class, () -> source.readFloats("w", 5, 5, block));
        assertEquals(List.of(0L), delegate.offsets);
    }
}
