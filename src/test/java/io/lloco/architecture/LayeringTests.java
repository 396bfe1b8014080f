/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.architecture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.runtime.DjlBootstrap;

/**
 * The model runtime, retrieval scoring, trainer and CLI know nothing of OpenSearch: no compiled class under those
 * packages refers to an {@code org/opensearch} type (read from the class files' constant pools, so fully qualified
 * names in code count as much as imports). The plugin wires them; they never reach back.
 */
public class LayeringTests extends OpenSearchTestCase {

    /** Packages (as class-file folders) that must stay free of OpenSearch. */
    static final List<String> OPENSEARCH_FREE = List
        .of("io/lloco/runtime", "io/lloco/retrieval", "io/lloco/train", "io/lloco/cli", "io/lloco/util");

    public void testRuntimeAndToolsDoNotReferToOpenSearch() throws Exception {
        Path classes = classesRoot();
        List<String> offenders = new ArrayList<>();
        int checked = 0;
        for (String pkg : OPENSEARCH_FREE) {
            Path dir = classes.resolve(pkg);
            assertTrue("compiled package [" + pkg + "] not found under " + classes, Files.isDirectory(dir));
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path f : s.filter(p -> p.toString().endsWith(".class")).toList()) {
                    checked++;
                    if (refersToOpenSearch(Files.readAllBytes(f))) {
                        offenders.add(classes.relativize(f).toString());
                    }
                }
            }
        }
        assertTrue("no classes checked", checked > 50);
        assertEquals("classes that refer to org.opensearch: " + offenders, List.of(), offenders);
    }

    public void testTheCheckSeesAReference() throws Exception {
        // the check itself: a class of ours that does refer to OpenSearch is caught
        Path self = classesRoot().resolve("io/lloco/common/LlocoException.class");
        assertTrue(refersToOpenSearch(Files.readAllBytes(self)));
    }

    /** Whether a class file's bytes name an {@code org/opensearch} type (constant-pool UTF-8 entries hold internal names). */
    static boolean refersToOpenSearch(byte[] classFile) {
        return new String(classFile, StandardCharsets.ISO_8859_1).contains("org/opensearch/");
    }

    private static Path classesRoot() throws IOException {
        try {
            return Path.of(DjlBootstrap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
    }
}
