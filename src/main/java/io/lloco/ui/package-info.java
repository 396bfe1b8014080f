/**
 * The LLoCO pages the plugin serves at {@code /_plugins/lloco/ui}: built from {@code dashboards/} into the jar under
 * {@code io/lloco/ui/}, looked up by whitelisted file name only.
 */
package io.lloco.ui;
