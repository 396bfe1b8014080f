/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;

/** A checkpoint file is missing, truncated, corrupt, or does not fit the model; the message names the file and the problem. */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    /** With a message naming the file/tensor and what is wrong. */
    public CheckpointException(String message) {
        super(message);
    }

    /** With a cause. */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
