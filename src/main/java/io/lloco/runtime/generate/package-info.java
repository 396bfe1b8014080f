/**
 * Text generation on the Llama runtime: batched requests with per-request soft prompts, LoRA adapters and
 * decoding settings (greedy or seeded temperature/top-p sampling, EOS ids, stop strings), plus per-position logits.
 */
package io.lloco.runtime.generate;
