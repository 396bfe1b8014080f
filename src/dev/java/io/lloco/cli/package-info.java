/**
 * The {@code bin/lloco} command line (src/dev/java: a development tool, not in the plugin zip): a subcommand registry
 * ({@link io.lloco.cli.LlocoCli}) with the runtime's {@code logits}, {@code compress} and {@code generate}; other tools
 * register theirs (train, eval).
 */
package io.lloco.cli;
