/**
 * The node's LoRA training ({@code _train}): the loss of answer + EOS after stored summaries ({@link
 * io.lloco.runtime.train.PrefixLoss}), AdamW, the trainer loop with progress and cancellation ({@link
 * io.lloco.runtime.train.QaAdapterTrainer}) and the answer metrics of {@code _evaluate}. Shipped in the plugin zip; the
 * synthetic world, base pretraining and the world trainers are development tools ({@code io.lloco.train}, src/dev/java).
 * Pure Java + DJL, no OpenSearch imports.
 */
package io.lloco.runtime.train;
