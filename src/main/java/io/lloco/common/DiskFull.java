/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;

import org.opensearch.core.rest.RestStatus;

/**
 * A write of the plugin's that ran out of space (the embedded model extracted under {@code path.data}, a registry
 * adapter's files written to a node's {@code path.data}): answered 507 Insufficient Storage naming the folder, the node
 * and what to do, instead of a 500 that looks like a bug. The plugin writes nothing there partially: each such write
 * goes to a temporary folder that is moved into place whole or deleted.
 */
public final class DiskFull {

    private DiskFull() {
    }

    /** Whether {@code t} or one of its causes is the operating system's "no space left" (ENOSPC) or "quota exceeded". */
    public static boolean is(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IOException) {
                String m = c instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : c.getMessage();
                if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The path the operating system could not write, when the error of {@code t} (or a cause) names one; else null. */
    public static java.nio.file.Path where(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof FileSystemException fse && fse.getFile() != null) {
                try {
                    return java.nio.file.Path.of(fse.getFile());
                } catch (java.nio.file.InvalidPathException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * A 507 for {@code what} (e.g. "adapter [x] version 2") that could not be written to {@code dir} of node
     * {@code node} (null: not named): the message says to free space on that file system ({@code path.data}) and to ask again.
     */
    public static LlocoException error(String what, Path dir, String node, Throwable cause) {
        return new LlocoException(
            String.format(
                Locale.ROOT,
                "no space left%s to write %s to [%s] (under the node's path.data): free space on that file system and"
                    + " send the request again; nothing was kept",
                node == null ? "" : " on node [" + node + "]",
                what,
                dir
            ),
            RestStatus.INSUFFICIENT_STORAGE,
            cause
        );
    }
}
