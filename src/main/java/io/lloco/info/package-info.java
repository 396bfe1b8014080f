/** The info API: {@code GET /_plugins/lloco} and {@code GET /_plugins/lloco/_nodes}. */
package io.lloco.info;
