/** Node role, node choice, inference queue and batching. */
package io.lloco.routing;
