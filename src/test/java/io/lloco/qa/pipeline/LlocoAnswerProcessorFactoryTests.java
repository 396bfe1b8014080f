/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.pipeline;

import java.util.HashMap;
import java.util.Map;

import org.opensearch.OpenSearchParseException;
import org.opensearch.test.OpenSearchTestCase;

/**
 * Was: {@code target_field: _source}, a template without {@code {question}} or an adapter {@code ../../etc} were accepted
 * when the search pipeline was put, and every search through it failed. Now the put is the 400, naming the property.
 */
public class LlocoAnswerProcessorFactoryTests extends OpenSearchTestCase {

    private static void refused(Map<String, Object> config, String property) {
        LlocoAnswerProcessor.Factory f = new LlocoAnswerProcessor.Factory(null);
        OpenSearchParseException e = expectThrows(
            OpenSearchParseException.class,
            () -> f.create(Map.of(), "t", null, false, new HashMap<>(config), null)
        );
        assertEquals(config + ": " + e.getMessage(), java.util.List.of(property), e.getMetadata("opensearch.property_name"));
        assertTrue(e.getMessage(), e.getMessage().length() < 600);
    }

    public void testBadFieldsAreRefusedAtPut() throws Exception {
        refused(Map.of("target_field", "_source"), "target_field");
        refused(Map.of("target_field", "a..b"), "target_field");
        refused(Map.of("template", ""), "template");
        refused(Map.of("template", "no placeholder here"), "template");
        refused(Map.of("adapter", "../../etc"), "adapter");
        refused(Map.of("adapter", "a\u0000b"), "adapter");
        refused(Map.of("adapter", "x".repeat(100_000)), "adapter");
        refused(Map.of("size", 0), "size");
    }

    public void testGoodConfigsAreAccepted() throws Exception {
        LlocoAnswerProcessor.Factory f = new LlocoAnswerProcessor.Factory(null);
        Map<String, Object> c = new HashMap<>(Map.of("target_field", "lz", "template", "Q: {question}", "adapter", "none", "size", 2));
        assertNotNull(f.create(Map.of(), "t", null, false, c, null));
        assertTrue(c.isEmpty());
        assertNotNull(f.create(Map.of(), "t", null, false, new HashMap<>(Map.of("template", "qmsum")), null));
    }
}
