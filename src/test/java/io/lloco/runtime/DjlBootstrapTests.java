/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime;

import java.nio.file.Path;
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
        // a second start is a no-op returning the same status
        assertSame(s, b.start(new DjlBootstrap.Options(cache, 2, 1)));
    }
}
