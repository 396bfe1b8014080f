/** Tokenization for the runtime: a Hugging Face {@code tokenizer.json} wrapper without truncation, padding or BOS. */
package io.lloco.runtime.tokenizer;
