/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * The stored form of a compressed document: one codec ({@link io.lloco.store.StoredDocument}) that the
 * {@code lloco_compress} processor writes and {@code _lloco_qa} reads, the summary blocks' binary form
 * ({@link io.lloco.store.SummaryBlock}), the index mapping it needs ({@link io.lloco.store.StoreLayout}) and the fetch
 * sub-phase that reads only the summaries a question decodes ({@link io.lloco.store.SummaryFetchSubPhase}). See
 * {@code docs/storage.md}.
 */
package io.lloco.store;
