/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The files of the LLoCO pages: a fixed whitelist of names, each with its content type, read once from the plugin jar
 * ({@code /io/lloco/ui/<name>}, written there by the Maven build from {@code dashboards/}). No other name is ever
 * looked up, so a request cannot reach any other resource.
 */
public final class UiAssets {

    /** The page itself. */
    public static final String INDEX = "index.html";

    /** Every file that may be served, and its content type. */
    public static final Map<String, String> FILES;

    static {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(INDEX, "text/html; charset=UTF-8");
        files.put("lloco-ui.js", "text/javascript; charset=UTF-8");
        files.put("lloco-ui.css", "text/css; charset=UTF-8");
        FILES = java.util.Collections.unmodifiableMap(files);
    }

    /** A file to serve: its bytes, content type and a strong entity tag of its content. */
    public record Asset(String name, String contentType, byte[] bytes, String etag) {
    }

    private final Function<String, InputStream> opener;
    private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

    /** Reads the files from the plugin jar. */
    public UiAssets() {
        this(name -> UiAssets.class.getResourceAsStream("/io/lloco/ui/" + name));
    }

    /** Reads the files through {@code opener} (a name in, the file's stream or null out). */
    public UiAssets(Function<String, InputStream> opener) {
        this.opener = opener;
    }

    /** Whether {@code name} is one of the page's files. */
    public static boolean allowed(String name) {
        return FILES.containsKey(name);
    }

    /** The file, or empty when the name is not whitelisted or the build left the page out. */
    public Optional<Asset> get(String name) {
        if (allowed(name) == false) {
            return Optional.empty();
        }
        return cache.computeIfAbsent(name, this::load);
    }

    private Optional<Asset> load(String name) {
        try (InputStream in = opener.apply(name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            return Optional.of(new Asset(name, FILES.get(name), bytes, etag(bytes)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the LLoCO page file [" + name + "]", e);
        }
    }

    static String etag(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(d, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
