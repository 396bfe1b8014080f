/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;

import org.opensearch.threadpool.ThreadPool;

/** Names of the plugin's thread pools (registered by the plugin, used by the services and actions). */
public final class ThreadPools {

    /** One worker that drains the decode queue in batches. */
    public static final String DECODE = "lloco_decode";

    /** Compression (ingest), off the write threads. */
    public static final String COMPRESS = "lloco_compress";

    /** The steps of a question on its coordinating node (parsing hits, checking summaries, planning), off the network threads. */
    public static final String QA = "lloco_qa";

    /** Model loads, so no decode or compress worker ever waits for one. */
    public static final String LOAD = "lloco_load";

    /** Adapter trainings on a {@code lloco} node: one at a time, the others queued. */
    public static final String TRAIN = "lloco_train";

    private ThreadPools() {
    }

    /**
     * Waits until none of {@code pools} runs a task, for at most {@code timeout} in all (at node shutdown, so native
     * weights outlive any compression or decoding still running on them). Returns early if interrupted.
     */
    public static void awaitIdle(ThreadPool threadPool, Duration timeout, String... pools) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String pool : pools) {
            ExecutorService e = threadPool.executor(pool);
            if (e instanceof ThreadPoolExecutor tpe) {
                while (tpe.getActiveCount() > 0 && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }
}
