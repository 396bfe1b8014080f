/**
 * The lloco trainer: AutoCompressor-style pretraining of a small Llama with gradients flowing through
 * summaries across segments ({@link io.lloco.train.Pretrainer}), a batched retrieval curriculum that teaches
 * reading facts from the raw document and then from its summaries with a held-out right-vs-wrong-context probe
 * ({@link io.lloco.train.RecallTrainer}), LoRA finetuning on precomputed compressed contexts (the LLoCO step), resumable
 * checkpoints in Hugging Face / PEFT layouts, greedy evaluation on the synthetic world. Pure Java + DJL +
 * Jackson, no OpenSearch imports.
 */
package io.lloco.train;
