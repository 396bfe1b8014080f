/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.core.action.ActionListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.TaskStartedResponse;

/**
 * {@code _evaluate} with {@code wait_for_completion=false}: the evaluation runs as a task on this node with its
 * response stored in the tasks index (as a training's is), and {@code listener} is answered with
 * {@code {"task": "node:id"}} as soon as it has begun. What fails before (validation, a missing permission, an unknown
 * adapter, examples that cannot be read) is {@code listener}'s failure, as it would be for a synchronous call; what
 * fails after is the stored task's {@code error}.
 */
public final class BackgroundEvaluate {

    private static final Logger logger = LogManager.getLogger(BackgroundEvaluate.class);

    private BackgroundEvaluate() {
    }

    /** Starts {@code request} in the background on this node. */
    public static void start(NodeClient client, AdapterEvaluateRequest request, ActionListener<TaskStartedResponse> listener) {
        AtomicBoolean answered = new AtomicBoolean();
        AdapterEvaluateRequest background = request.inBackground(task -> {
            if (answered.compareAndSet(false, true)) {
                listener.onResponse(new TaskStartedResponse(task));
            }
        });
        client.executeLocally(AdapterEvaluateAction.INSTANCE, background, new ActionListener<AdapterEvaluateResponse>() {

            @Override
            public void onResponse(AdapterEvaluateResponse r) {
                logger.info("evaluation of adapter [{}] done", request.name());
            }

            @Override
            public void onFailure(Exception e) {
                if (answered.compareAndSet(false, true)) {
                    listener.onFailure(e);
                } else {
                    logger.warn("evaluation of adapter [" + request.name() + "] failed", e);
                }
            }
        });
    }
}
