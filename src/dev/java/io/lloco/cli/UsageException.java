/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

/** A command line that cannot be run as given (unknown option, missing or malformed value); exit code 2. */
public class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** With a one-line message saying what is wrong. */
    public UsageException(String message) {
        super(message);
    }
}
