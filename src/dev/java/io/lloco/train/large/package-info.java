/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Random checkpoints of Llama-2-7B's shape (AutoCompressor-Llama-2-7b-6k) in the published layout, a Llama-2-style
 * tokenizer, an adapter and texts of exact token counts: what the 7B-shape integration test and bench/large measure.
 */
package io.lloco.train.large;
