/**
 * Checkpoint files: Hugging Face Llama/AutoCompressor configs, safetensors (single or sharded) and
 * PyTorch {@code .bin} weights read into float32 host tensors; a safetensors writer.
 *
 * <p>No DJL and no OpenSearch here: plain Java and Jackson, so every dtype conversion (BF16 in
 * particular) happens before a tensor reaches the engine.
 */
package io.lloco.runtime.checkpoint;
