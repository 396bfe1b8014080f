/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Opens a checkpoint file and hands its channel to a format's parser: a missing, unreadable or unparsable file is a
 * {@link CheckpointException} naming it ({@code what} says which kind of file), and the channel is closed whenever the
 * parser fails.
 */
final class CheckpointChannel {

    /** A format's parser of an open channel; what it returns owns the channel. */
    interface Parser<T> {

        T parse(Path file, FileChannel channel) throws IOException;
    }

    private CheckpointChannel() {
    }

    /** Opens {@code file} read-only and parses it with {@code parser}. */
    static <T> T open(Path file, String what, Parser<T> parser) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(String.format(Locale.ROOT, "%s [%s] does not exist", what, BoundedJson.clip(file)));
        } catch (IOException e) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "%s [%s] cannot be opened: %s", what, BoundedJson.clip(file), BoundedJson.clip(e.getMessage())),
                e
            );
        }
        try {
            return parser.parse(file, ch);
        } catch (CheckpointException | RuntimeException e) {
            ch.close();
            throw e;
        } catch (IOException e) {
            ch.close();
            throw new CheckpointException(String.format(Locale.ROOT, "%s [%s] cannot be read: %s", what, file, e.getMessage()), e);
        }
    }
}
