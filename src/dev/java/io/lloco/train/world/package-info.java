/**
 * The synthetic long-document QA world that lloco-tiny is trained and evaluated on, and its tokenizer.
 *
 * <h2>Why</h2>
 * No pretrained weights can be downloaded, so the project trains a small AutoCompressor-style Llama on this
 * world and then LoRA-finetunes it on compressed contexts (the LLoCO step). The world is designed so a model of
 * a few million parameters, trained for hours on two CPU cores, can learn it: a bounded vocabulary, facts in a
 * few regular sentence patterns, names made of two sub-word pieces it can copy, and short answers.
 *
 * <h2>Documents</h2>
 * {@link io.lloco.train.world.World#document} builds a document of a requested length (64 to 131,072 tokens;
 * 1k-32k is the intended range) from a seed derived from (world seed, {@link io.lloco.train.world.Split},
 * index). Each document has a cast of 6-20 people (more in longer documents) drawn from a per-document pool of
 * 20, each with a profile: a town, a birth year (1700-1999), a favourite colour (16), a trade (24), a number
 * (2-19) of some possession (16), and for about 30% of them a sibling, who shares their surname. Some of those
 * attributes are stated as facts: about one fact per 120 tokens, 8 to 80 per document, each in one of three
 * sentence patterns per fact type ({@link io.lloco.train.world.WorldLexicon#factPatterns}). Every fact is stated
 * once, and every (person, fact type) at most once, so each question has exactly one answer.
 *
 * <p>Filler comes from 36 sentence templates over small word banks (subjects, places, times, weather,
 * adjectives, things, sounds, actions). A quarter of filler sentences name a cast member (distractor mentions),
 * but filler never uses a fact word: no digits, colours, trades, possessions, town names, "lives", "born",
 * "sister", "named" and so on, so it can neither state nor contradict a fact. Facts sit at uniformly random
 * points of the filler. Sentences are joined by one space and grouped into paragraphs of 3-7 sentences joined by
 * one "\n". Lengths are controlled with the real tokenizer ({@link io.lloco.train.world.WorldTokenizer}, which
 * reproduces the committed {@code tokenizer.json} exactly): each sentence is counted with the separator it
 * follows, and the last filler sentences are picked to land on the target: within 5 tokens in each of 200
 * documents per length from 64 to 2,048 tokens; the tests require 5% from 200 to 32,000 tokens. {@link io.lloco.train.world.Document#tokenCount()} is exact.
 *
 * <p>Names: first names are one of 32 capitalised starts plus one of 8 female or 8 male ends ("Ma"+"ra"),
 * surnames one of 24 starts plus one of 12 ends ("Ash"+"wick"), towns one of 24 starts plus one of 12 ends
 * ("Tallow"+"mere"). The tokenizer keeps every name exactly two tokens ("▁Ma", "ra"), with or without a
 * preceding space, so a name is copied piece by piece.
 *
 * <h2>Tasks</h2>
 * {@link io.lloco.train.world.World#questions} makes, per document:
 * <ul>
 *   <li>{@code lookup} (NarrativeQA/Qasper-like): "Where does Mara Ashwick live?" → "Tallowmere". Answers are
 *   1-2 tokens (a colour, trade, count or town), 4 for a year ("▁1", "8", "4", "3"), 4 for a sibling's name.</li>
 *   <li>{@code choice} (QuALITY-like): the same questions with 4 options A-D, one correct; distractors are other
 *   values of the same kind stated in the same document first, then other cast members' values, then random
 *   ones. The target is the paper's "{letter}. {option text}", e.g. "B. Tallowmere".</li>
 *   <li>{@code needle}: {@link io.lloco.train.world.World#needleDocument} plants a sentence ("The magic city is
 *   Orlmere.", "The secret number is 4821.", "The magic animal is the otter.") as its own line at the last
 *   paragraph boundary at or before the requested depth, as the paper's needle_util inserts at a newline; the
 *   actual depth is recorded. The needle's value occurs nowhere else in the document.</li>
 * </ul>
 * Prompt templates for the three families are {@code lookup}, {@code choice} and {@code needle} in
 * {@link io.lloco.runtime.prompt.PromptTemplates}; {@link io.lloco.train.world.WorldEval} scores predictions.
 *
 * <h2>Splits</h2>
 * {@link io.lloco.train.world.Split#PRETRAIN} (plain text for language modelling, {@link
 * io.lloco.train.world.World#lmText}), {@code TRAIN}, {@code VALIDATION} and {@code TEST}. Document seeds mix
 * the world seed, a per-split salt and the index through SplitMix64, so splits never share a document; they do
 * share the name inventory and sentence patterns (held-out documents, not held-out vocabulary).
 *
 * <h2>Tokenizer</h2>
 * {@link io.lloco.train.world.TokenizerBuilder} writes {@code
 * src/main/resources/io/lloco/models/lloco-tiny/tokenizer.json} (run {@code tools/world/regen-tokenizer.sh}):
 * a Hugging Face WordPiece tokenizer with SentencePiece-style "▁" word markers, so that {@code decode(encode(s))}
 * reproduces s exactly for covered text; ids {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, {@code <pad>}=3;
 * digits split one per token; every character of Latin, Greek and Cyrillic scripts and common punctuation has
 * its own token, so ordinary text never becomes {@code <unk>} (other scripts become one {@code <unk>} per
 * character). 6,323 entries: world words and prompt words whole, about 2,000 common English words, and
 * BPE pieces learned on them.
 */
package io.lloco.train.world;
