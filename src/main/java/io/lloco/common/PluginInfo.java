/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Build facts of the plugin, from the Maven-filtered {@code io/lloco/lloco.properties}. */
public final class PluginInfo {

    /** Plugin name, as in the descriptor. */
    public static final String NAME = "lloco";

    private PluginInfo() {
    }

    /** The plugin version (the Maven project version). */
    public static String version() {
        return props().getProperty("version");
    }

    private static Properties props() {
        Properties p = new Properties();
        try (InputStream in = PluginInfo.class.getResourceAsStream("/io/lloco/lloco.properties")) {
            if (in == null) {
                throw new IllegalStateException("io/lloco/lloco.properties missing from the plugin jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
