/**
 * Prompt templates: the LLoCO paper's formats verbatim (QuALITY, Qasper, QMSum, NarrativeQA, HotpotQA; the
 * released LoRA adapters were trained on exactly these strings) plus the synthetic world's templates and
 * user-defined templates with {@code {question}} / {@code {choices}} placeholders.
 *
 * <p>Contract (LLOCO-SPEC §2.4): the rendered prompt follows the summary vectors directly, is tokenized without
 * special tokens, and the answer target (tokenized separately, so it gets its own leading word marker) is
 * followed by EOS; the loss covers answer + EOS only. No BOS, no {@code [INST]} markup.
 */
package io.lloco.runtime.prompt;
