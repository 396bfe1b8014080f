/** Settings and errors shared by every capability of the plugin. */
package io.lloco.common;
