/**
 * The model lifecycle APIs: load and unload a model on chosen nodes ({@code cluster:admin/lloco/models/load},
 * {@code .../unload}; loading is a task with progress) and list what each node has
 * ({@code cluster:monitor/lloco/models/get}).
 */
package io.lloco.models;
