/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.core.action.ActionListener;

/**
 * The listener of an action started in the background ({@code wait_for_completion=false}): a failure raised before
 * {@link #started()} (the request's own checks, run on the calling thread: a selection of no node, say) is handed back
 * so the caller answers it instead of a task id nobody could look up; later outcomes are logged, as OpenSearch's
 * {@code LoggingTaskListener} does.
 */
public final class EarlyFailureListener<T> implements ActionListener<T> {

    private static final Logger logger = LogManager.getLogger(EarlyFailureListener.class);

    private final String what;
    private boolean started;
    private Exception early;

    /** @param what the work, for the log ("load of model [m]") */
    public EarlyFailureListener(String what) {
        this.what = what;
    }

    /** Marks the work as started and returns the failure raised before, or null. */
    public synchronized Exception started() {
        started = true;
        return early;
    }

    @Override
    public void onResponse(T response) {
        logger.info("{} finished", what);
    }

    @Override
    public void onFailure(Exception e) {
        synchronized (this) {
            if (started == false) {
                early = e;
                return;
            }
        }
        logger.warn(() -> what + " failed", e);
    }
}
