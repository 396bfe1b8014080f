/**
 * The lloco trainer: AutoCompressor-style pretraining of a small Llama with gradients flowing through
 * summaries across segments, LoRA finetuning on precomputed compressed contexts (the LLoCO step), resumable
 * checkpoints in Hugging Face / PEFT layouts, greedy evaluation on the synthetic world. Pure Java + DJL +
 * Jackson, no OpenSearch imports.
 */
package io.lloco.train;
