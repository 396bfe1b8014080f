/** Settings, errors and responses shared by every capability of the plugin. */
package io.lloco.common;
