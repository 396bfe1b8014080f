/**
 * PEFT LoRA adapters for the Llama runtime: config and weights loading with checks against the base model,
 * unmerged application per forward call (one adapter, or different adapters per batch row), merging into a
 * copy, and saving in the PEFT layout.
 */
package io.lloco.runtime.lora;
