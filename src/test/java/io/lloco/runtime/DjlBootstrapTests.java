/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

public class DjlBootstrapTests extends OpenSearchTestCase {

    public void testRefusesEnvironmentThatRedirectsDjl() {
        DjlBootstrap b = new DjlBootstrap(Map.of("PYTORCH_VERSION", "2.5.1", "HOME", "/root"));
        DjlBootstrap.Status s = b.start(new DjlBootstrap.Options(createTempDir(), 1, 1));
        assertFalse(s.started());
        assertTrue(s.error(), s.error().contains("PYTORCH_VERSION=2.5.1"));
        assertTrue(s.error(), s.error().contains("unset"));
    }

    public void testEachForbiddenVariableIsNamed() {
        for (String v : DjlBootstrap.FORBIDDEN_ENV) {
            DjlBootstrap b = new DjlBootstrap(Map.of(v, "x"));
            assertEquals(1, b.forbiddenEnvironment().size());
            assertTrue(b.forbiddenEnvironment().get(0).startsWith(v + "="));
        }
        assertTrue(new DjlBootstrap(Map.of("PYTORCH_VERSION", "")).forbiddenEnvironment().isEmpty());
        // DJL_OFFLINE=true says what the bootstrap sets anyway; anything else would turn network access on
        assertTrue(new DjlBootstrap(Map.of("DJL_OFFLINE", "true")).forbiddenEnvironment().isEmpty());
        assertEquals(List.of("DJL_OFFLINE=false"), new DjlBootstrap(Map.of("DJL_OFFLINE", "false")).forbiddenEnvironment());
    }

    public void testEnvironmentLibraryPathPointsAtTheSetting() {
        DjlBootstrap b = new DjlBootstrap(Map.of("PYTORCH_LIBRARY_PATH", "/opt/libtorch/lib"));
        DjlBootstrap.Status s = b.start(new DjlBootstrap.Options(createTempDir(), 1, 1, null, LibtorchDirectoryTests.SETTING));
        assertFalse(s.started());
        assertTrue(s.error(), s.error().contains("PYTORCH_LIBRARY_PATH=/opt/libtorch/lib"));
        assertTrue(s.error(), s.error().contains("set [" + LibtorchDirectoryTests.SETTING + "] instead"));
    }

    public void testBadLibtorchPathFailsBeforeTouchingDjl() throws Exception {
        Path wrong = LibtorchDirectoryTests.libtorchZip(createTempDir().resolve("libtorch"), "2.6.0+cpu");
        DjlBootstrap b = new DjlBootstrap(Map.of());
        DjlBootstrap.Status s = b.start(new DjlBootstrap.Options(createTempDir(), 1, 1, wrong, LibtorchDirectoryTests.SETTING));
        assertFalse(s.started());
        assertEquals("libtorch_path", s.source());
        assertTrue(s.error(), s.error().contains("needs libtorch 2.7.1"));
        assertNull(System.getProperty("PYTORCH_LIBRARY_PATH"));

        Path missing = createTempDir().resolve("missing");
        s = b.start(new DjlBootstrap.Options(createTempDir(), 1, 1, missing, LibtorchDirectoryTests.SETTING));
        assertFalse(s.started());
        assertTrue(s.error(), s.error().contains("[" + LibtorchDirectoryTests.SETTING + "] = [" + missing + "] does not exist"));
    }

    public void testOneLibtorchPerJvm() throws Exception {
        Path cache = Path.of(System.getProperty("DJL_CACHE_DIR"));
        assertTrue(new DjlBootstrap(Map.of()).start(new DjlBootstrap.Options(cache, 2, 1)).started());
        // the JVM now runs the bundled libtorch; a node asking for another one is refused, naming both
        Path other = LibtorchDirectoryTests.libtorchZip(createTempDir().resolve("libtorch"), "2.7.1+cpu");
        DjlBootstrap.Status s = new DjlBootstrap(Map.of()).start(
            new DjlBootstrap.Options(cache, 2, 1, other, LibtorchDirectoryTests.SETTING)
        );
        assertFalse(s.started());
        assertTrue(s.error(), s.error().contains("this JVM already runs libtorch from"));
        assertTrue(s.error(), s.error().contains(other.resolve("lib").toString()));
        assertNull(System.getProperty("PYTORCH_LIBRARY_PATH"));
    }

    public void testStartsOfflineWithBundledPytorch() {
        Path cache = Path.of(System.getProperty("DJL_CACHE_DIR"));
        DjlBootstrap b = new DjlBootstrap(Map.of());
        DjlBootstrap.Status s = b.start(new DjlBootstrap.Options(cache, 2, 1));
        assertTrue(String.valueOf(s.error()), s.started());
        assertEquals(DjlBootstrap.EXPECTED_PYTORCH_VERSION, s.pytorchVersion());
        assertEquals("0.36.0", s.djlVersion());
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertFalse(s.devices().isEmpty());
        assertEquals("bundled", s.source());
        assertEquals("cpu", s.flavor());
        assertTrue(s.libraryPath(), s.libraryPath().contains("2.7.1-20250812-cpu-linux-x86_64"));
        // a second start is a no-op returning the same status
        assertSame(s, b.start(new DjlBootstrap.Options(cache, 2, 1)));
    }

    public void testASecondNodeInTheJvmKeepsTheLoadedEnginesCacheAndThreads() {
        Path cache = Path.of(System.getProperty("DJL_CACHE_DIR"));
        assertTrue(new DjlBootstrap(Map.of()).start(new DjlBootstrap.Options(cache, 2, 1)).started());
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        // libtorch is loaded: DJL will not read a new cache folder or thread count, so none is set and the
        // status names the cache DJL actually uses
        Path elsewhere = createTempDir();
        DjlBootstrap.Status s = new DjlBootstrap(Map.of()).start(new DjlBootstrap.Options(elsewhere, 1, 1));
        assertTrue(String.valueOf(s.error()), s.started());
        assertEquals(cache, s.cacheDir());
        assertEquals(cache.toAbsolutePath().toString(), System.getProperty("DJL_CACHE_DIR"));
        assertEquals(threads, System.getProperty("ai.djl.pytorch.num_threads"));
    }
}
