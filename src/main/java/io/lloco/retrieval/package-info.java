/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Text scoring shared by the plugin and the offline evaluator, with no OpenSearch dependency: BM25 over a document's
 * own segments or sentences ({@link io.lloco.retrieval.Bm25}) and the support of a candidate answer by the sentences
 * of the segment it was read from ({@link io.lloco.retrieval.AnswerSupport}).
 */
package io.lloco.retrieval;
