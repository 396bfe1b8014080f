/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

public class DiskFullTests extends OpenSearchTestCase {

    public void testRecognisesNoSpaceAndQuotaAnywhereInTheCauses() {
        assertTrue(DiskFull.is(new FileSystemException("/d/f", null, "No space left on device")));
        assertTrue(DiskFull.is(new IOException("No space left on device")));
        assertTrue(DiskFull.is(new UncheckedIOException("extract", new FileSystemException("/d/f", null, "Disk quota exceeded"))));
        assertTrue(DiskFull.is(new RuntimeException("x", new IOException("write", new IOException("No space left on device")))));
        assertFalse(DiskFull.is(new FileSystemException("/d/f", null, "Permission denied")));
        assertFalse(DiskFull.is(new RuntimeException("No space left on device"))); // not an I/O error
        assertFalse(DiskFull.is(null));
    }

    public void testWhereIsThePathTheFailedWriteNames() {
        assertEquals(
            Path.of("/d/f"),
            DiskFull.where(new UncheckedIOException("x", new FileSystemException("/d/f", null, "No space left on device")))
        );
        assertNull(DiskFull.where(new IOException("No space left on device")));
        assertNull(DiskFull.where(null));
    }

    public void testTheErrorIs507NamingTheFolderTheNodeAndWhatToDo() {
        LlocoException e = DiskFull.error("adapter [a] version 2", Path.of("/data/lloco/adapters/a"), "lloco-0", new IOException("x"));
        assertEquals(RestStatus.INSUFFICIENT_STORAGE, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("on node [lloco-0]"));
        assertTrue(e.getMessage(), e.getMessage().contains("adapter [a] version 2"));
        assertTrue(e.getMessage(), e.getMessage().contains("[/data/lloco/adapters/a]"));
        assertTrue(e.getMessage(), e.getMessage().contains("free space on that file system"));
        assertFalse(DiskFull.error("x", Path.of("/d"), null, null).getMessage().contains("on node"));
    }
}
