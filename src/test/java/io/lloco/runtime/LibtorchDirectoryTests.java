/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime;

import java.nio.file.Files;
import java.nio.file.Path;

import org.opensearch.test.OpenSearchTestCase;

/** Fake installations (empty library files): the check reads only the version files and the layout. */
public class LibtorchDirectoryTests extends OpenSearchTestCase {

    static final String SETTING = "plugins.lloco.engine.libtorch_path";

    private static Path touch(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        return Files.write(p, new byte[0]);
    }

    /** PyTorch's libtorch zip: libtorch/build-version + libtorch/lib/. */
    static Path libtorchZip(Path dir, String buildVersion) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("build-version"), buildVersion + "\n");
        touch(dir.resolve("lib/libtorch.so"));
        touch(dir.resolve("lib/libtorch_cpu.so"));
        touch(dir.resolve("lib/libc10.so"));
        return dir;
    }

    public void testLibtorchZipRootAndLibFolder() throws Exception {
        Path root = libtorchZip(createTempDir().resolve("libtorch"), "2.7.1+cu128");
        for (Path given : new Path[]{root, root.resolve("lib")}) {
            LibtorchDirectory d = LibtorchDirectory.inspect(given, SETTING);
            assertEquals(root.resolve("lib"), d.libDir());
            assertEquals("2.7.1", d.version());
            assertEquals("cu128", d.flavor());
            assertEquals("libtorch-zip", d.layout());
            assertEquals(root.resolve("build-version"), d.versionFile());
        }
    }

    public void testTorchWheelReadsVersionAndCuda() throws Exception {
        Path torch = createTempDir().resolve("site-packages/torch");
        touch(torch.resolve("lib/libtorch.so"));
        Files.writeString(
            torch.resolve("version.py"),
            "from typing import Optional\n__version__ = '2.7.1+cu128'\ndebug = False\ncuda: Optional[str] = '12.8'\n"
        );
        LibtorchDirectory d = LibtorchDirectory.inspect(torch, SETTING);
        assertEquals("2.7.1", d.version());
        assertEquals("cu128", d.flavor());
        assertEquals(torch.resolve("lib"), d.libDir());

        // PyPI's default Linux wheel has no local tag: the flavor comes from the cuda field (12.6 here: refused)
        Files.writeString(torch.resolve("version.py"), "__version__ = '2.7.1'\ncuda: Optional[str] = '12.6'\n");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(torch, SETTING));
        assertTrue(e.getMessage(), e.getMessage().contains("flavor cu126"));
        assertTrue(e.getMessage(), e.getMessage().contains("cpu or cu128"));

        // a CPU wheel: cuda = None
        Files.writeString(torch.resolve("version.py"), "__version__ = '2.7.1+cpu'\ncuda: Optional[str] = None\n");
        assertEquals("cpu", LibtorchDirectory.inspect(torch.resolve("lib"), SETTING).flavor());
    }

    public void testDjlNativeJarUnzipped() throws Exception {
        Path root = createTempDir().resolve("pytorch-native-cpu");
        touch(root.resolve("pytorch/cpu/linux-x86_64/libtorch.so"));
        Files.createDirectories(root.resolve("native/lib"));
        Files.writeString(
            root.resolve("native/lib/pytorch.properties"),
            "version=2.7.1-20250812\nflavor=cpu\nclassifier=linux-x86_64\nlibraries=libtorch.so\n"
        );
        for (Path given : new Path[]{root, root.resolve("pytorch/cpu/linux-x86_64")}) {
            LibtorchDirectory d = LibtorchDirectory.inspect(given, SETTING);
            assertEquals(root.resolve("pytorch/cpu/linux-x86_64"), d.libDir());
            assertEquals("2.7.1", d.version());
            assertEquals("cpu", d.flavor());
            assertEquals("djl-native-jar", d.layout());
        }
    }

    public void testWrongVersionNamesTheExpectedOne() throws Exception {
        Path root = libtorchZip(createTempDir().resolve("libtorch"), "2.5.1+cpu");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(root, SETTING));
        assertTrue(e.getMessage(), e.getMessage().contains("[" + SETTING + "] = [" + root + "]"));
        assertTrue(e.getMessage(), e.getMessage().contains("holds libtorch 2.5.1 (flavor cpu"));
        assertTrue(e.getMessage(), e.getMessage().contains("needs libtorch 2.7.1 with flavor cpu or cu128"));
    }

    public void testWrongFlavorIsRefused() throws Exception {
        Path root = libtorchZip(createTempDir().resolve("libtorch"), "2.7.1+cu121");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(root, SETTING));
        assertTrue(e.getMessage(), e.getMessage().contains("flavor cu121"));
        // a build without a local tag whose lib/ holds CUDA libraries: which CUDA cannot be told, refused
        Path plain = libtorchZip(createTempDir().resolve("libtorch"), "2.7.1");
        touch(plain.resolve("lib/libtorch_cuda.so"));
        e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(plain, SETTING));
        assertTrue(e.getMessage(), e.getMessage().contains("cuda (version unknown)"));
        // without CUDA libraries it is a CPU build
        assertEquals("cpu", LibtorchDirectory.inspect(libtorchZip(createTempDir().resolve("libtorch"), "2.7.1"), SETTING).flavor());
    }

    public void testMissingOrForeignDirectories() throws Exception {
        Path missing = createTempDir().resolve("nowhere");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(missing, SETTING));
        assertEquals("[" + SETTING + "] = [" + missing + "] does not exist", e.getMessage());

        e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(Path.of("relative/libtorch"), SETTING));
        assertTrue(e.getMessage(), e.getMessage().contains("is not an absolute path"));

        Path file = touch(createTempDir().resolve("libtorch.so"));
        e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(file, SETTING));
        assertTrue(e.getMessage(), e.getMessage().contains("is not a directory"));

        Path empty = createTempDir();
        e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(empty, SETTING));
        assertTrue(e.getMessage(), e.getMessage().contains("not a libtorch installation"));
        assertTrue(e.getMessage(), e.getMessage().contains("build-version"));

        Path noLib = createTempDir();
        Files.writeString(noLib.resolve("build-version"), "2.7.1+cpu");
        e = expectThrows(IllegalArgumentException.class, () -> LibtorchDirectory.inspect(noLib, SETTING));
        assertTrue(e.getMessage(), e.getMessage().contains("has no libtorch.so"));
    }
}
