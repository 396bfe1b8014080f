/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

/** Every REST path of the plugin, in one place. */
public final class LlocoPaths {

    /** Root of the plugin's own APIs. */
    public static final String BASE = "/_plugins/lloco";
    /** Info of the node that receives the request. */
    public static final String INFO = BASE;
    /** Info of every node, or of the nodes named in {@code {node_id}}. */
    public static final String NODES_INFO = BASE + "/_nodes";
    /** Info of selected nodes. */
    public static final String NODES_INFO_FILTERED = BASE + "/_nodes/{node_id}";

    /** The LLoCO pages (Ask, Ingest, Adapters, Nodes), served from the plugin jar. */
    public static final String UI = BASE + "/ui";
    /** One file of the pages (whitelisted names only). */
    public static final String UI_FILE = UI + "/{file}";
    /** Every model of the addressed nodes. */
    public static final String MODELS = BASE + "/models";
    /** One model on the addressed nodes. */
    public static final String MODEL = MODELS + "/{model_id}";
    /** Load a model. */
    public static final String MODEL_LOAD = MODEL + "/_load";
    /** Unload a model. */
    public static final String MODEL_UNLOAD = MODEL + "/_unload";

    /** Every registered adapter. */
    public static final String ADAPTERS = BASE + "/adapters";
    /** One registered adapter. */
    public static final String ADAPTER = ADAPTERS + "/{name}";
    /** Train an adapter on an index's compressed documents and its questions. */
    public static final String ADAPTER_TRAIN = ADAPTER + "/_train";
    /** Evaluate an adapter against no adapter on held-out questions. */
    public static final String ADAPTER_EVALUATE = ADAPTER + "/_evaluate";

    /** Question answering over an index (or indices, aliases, patterns). */
    public static final String QA = "/{index}/_lloco_qa";

    private LlocoPaths() {
    }
}
