/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import static org.junit.Assert.assertFalse;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Puts model checkpoints into the real nodes started by {@code integTest/cluster.sh}: copies them into every node's
 * {@code config/lloco/models/} (the nodes list that folder on each request, so no restart is needed), readable by the
 * nodes' unprivileged uid. The node folders come from the system property {@value #NODES_DIR}, which
 * {@code integTest/run.sh} sets to {@code $OS_BASE/nodes}.
 */
final class NodeModels {

    /** System property naming the folder that holds one folder per node. */
    static final String NODES_DIR = "tests.lloco.nodes_dir";

    private NodeModels() {
    }

    /**
     * Puts the tree {@code src} at {@code config/<relTarget>} of every node, sub-folders included, hard-linking each file
     * (no copy of multi-gigabyte checkpoints; falls back to copying across file systems); skips the test when run without
     * integTest/run.sh.
     */
    static void linkTree(Path src, String relTarget) throws IOException {
        for (Path c : nodeConfigs()) {
            Path target = c.resolve(relTarget);
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.toList()) {
                    Path t = target.resolve(src.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(t);
                    } else {
                        Files.deleteIfExists(t);
                        try {
                            Files.createLink(t, f);
                        } catch (IOException | UnsupportedOperationException e) {
                            Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                        }
                        t.toFile().setReadable(true, false);
                    }
                }
            }
            try (Stream<Path> dirs = Files.walk(target)) {
                for (Path d : dirs.filter(Files::isDirectory).toList()) {
                    d.toFile().setReadable(true, false);
                    d.toFile().setExecutable(true, false);
                }
            }
            for (Path p = target.getParent(); p != null && p.startsWith(c); p = p.getParent()) {
                p.toFile().setReadable(true, false);
                p.toFile().setExecutable(true, false);
            }
        }
    }

    private static List<Path> nodeConfigs() throws IOException {
        String prop = System.getProperty(NODES_DIR);
        assumeTrue("run through integTest/run.sh, which sets -D" + NODES_DIR, prop != null && prop.isBlank() == false);
        Path nodes = Path.of(prop);
        assumeTrue("node directories of integTest/cluster.sh under " + nodes, Files.isDirectory(nodes));
        List<Path> configs;
        try (Stream<Path> s = Files.list(nodes)) {
            configs = s.map(p -> p.resolve("config")).filter(Files::isDirectory).toList();
        }
        assertFalse("no node config directory under " + nodes, configs.isEmpty());
        return configs;
    }

    /** Copies each {@code models/<id>} folder into every node; skips the test when run without integTest/run.sh. */
    static void install(Path models, List<String> ids) throws IOException {
        String prop = System.getProperty(NODES_DIR);
        assumeTrue("run through integTest/run.sh, which sets -D" + NODES_DIR, prop != null && prop.isBlank() == false);
        Path nodes = Path.of(prop);
        assumeTrue("node directories of integTest/cluster.sh under " + nodes, Files.isDirectory(nodes));
        List<Path> configs;
        try (Stream<Path> s = Files.list(nodes)) {
            configs = s.map(p -> p.resolve("config")).filter(Files::isDirectory).toList();
        }
        assertFalse("no node config directory under " + nodes, configs.isEmpty());
        for (Path c : configs) {
            for (String id : ids) {
                Path target = c.resolve("lloco/models").resolve(id);
                Files.createDirectories(target);
                try (Stream<Path> files = Files.list(models.resolve(id))) {
                    for (Path f : files.toList()) {
                        Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                        target.resolve(f.getFileName()).toFile().setReadable(true, false);
                    }
                }
                for (Path p = target; p.startsWith(c); p = p.getParent()) {
                    p.toFile().setReadable(true, false);
                    p.toFile().setExecutable(true, false);
                }
            }
        }
    }
}
