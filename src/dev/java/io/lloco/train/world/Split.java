/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.Locale;

/**
 * Data splits. A document's seed is derived from (world seed, split, index), with a different salt per split,
 * so two splits never produce the same document.
 */
public enum Split {

    /** Language-model pretraining text. */
    PRETRAIN(0x5052455452414931L),
    /** Question-answering fine-tuning documents. */
    TRAIN(0x545241494E5F5F32L),
    /** Held-out documents for model selection. */
    VALIDATION(0x56414C49445F5F33L),
    /** Held-out documents for final evaluation. */
    TEST(0x544553545F5F5F34L);

    private final long salt;

    Split(long salt) {
        this.salt = salt;
    }

    /** The split's salt, mixed into every document seed. */
    public long salt() {
        return salt;
    }

    /** Lower-case tag used in document ids. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
