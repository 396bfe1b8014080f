/**
 * The lloco development trainer (src/dev/java: compiled beside the plugin for {@code bin/lloco} and
 * {@code tools/train/run.sh}, never in the plugin zip): AutoCompressor-style pretraining of a small Llama with
 * gradients flowing through summaries across segments ({@link io.lloco.train.Pretrainer}), a batched retrieval
 * curriculum that teaches reading facts from the raw document and then from its summaries with a held-out
 * right-vs-wrong-context probe ({@link io.lloco.train.RecallTrainer}), LoRA finetuning on precomputed compressed
 * contexts of the synthetic world (the LLoCO step), resumable checkpoints in Hugging Face / PEFT layouts, greedy
 * evaluation on the synthetic world. The pieces the node's own training needs ({@code _train}: the loss, AdamW, the
 * LoRA trainer, answer metrics) live in {@code io.lloco.runtime.train}. Pure Java + DJL + Jackson, no OpenSearch imports.
 */
package io.lloco.train;
