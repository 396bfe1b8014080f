/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
/** Small helpers shared by the plugin, the runtime and the tools; no OpenSearch types. */
package io.lloco.util;
