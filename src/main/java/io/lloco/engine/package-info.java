/** The node-side owner of the neural runtime: engine bootstrap with node settings, and the registry of loaded models. */
package io.lloco.engine;
