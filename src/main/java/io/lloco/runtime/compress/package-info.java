/**
 * AutoCompressor context compression (LLOCO-SPEC §1.3-1.5): documents to summary vectors, accumulated or
 * independent per segment, single or batched, with a differentiable core for training.
 */
package io.lloco.runtime.compress;
