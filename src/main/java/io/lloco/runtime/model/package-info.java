/**
 * The Llama transformer on DJL/PyTorch: weights ({@link io.lloco.runtime.model.LlamaWeights}), a pure
 * forward usable with or without gradients ({@link io.lloco.runtime.model.LlamaModel}), batched left-padded
 * layouts, a KV cache, and the {@link io.lloco.runtime.model.LinearDelta} hook that unmerged LoRA adapters plug into.
 */
package io.lloco.runtime.model;
