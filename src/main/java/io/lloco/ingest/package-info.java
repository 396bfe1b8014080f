/** The {@code lloco_compress} ingest processor: long text to stored per-segment summary embeddings. */
package io.lloco.ingest;
