/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * Training and evaluating registry adapters inside the cluster: {@code POST /_plugins/lloco/adapters/{name}/_train}
 * (a cancellable task on a {@code lloco} node, one per node at a time) and {@code .../_evaluate}, on a team's own
 * compressed documents and questions, each question planned exactly as {@code _lloco_qa} would read it.
 */
package io.lloco.tuning;
