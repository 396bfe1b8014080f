/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ.security;

import java.util.List;
import java.util.Map;

/**
 * Authentication and the cluster-level actions of the plugin with the security plugin (docs/security.md): every REST
 * path of the plugin needs an authenticated user, and the info API needs {@code cluster:monitor/lloco/info}.
 */
public class ClusterSecurityRestIT extends SecureRestTestCase {

    /**
     * No credentials, or wrong ones: 401 on every REST path of the plugin, on either node, before its handler runs
     * (the security plugin authenticates every request that has a handler; a path without one is a 400).
     */
    public void testEveryPluginPathNeedsAnAuthenticatedUser() throws Exception {
        for (boolean lloco : List.of(false, true)) {
            for (String path : List.of("/_plugins/lloco", "/_plugins/lloco/_nodes", "/_plugins/lloco/_nodes/lloco:true")) {
                fails(401, as(null, lloco), "GET", path, null);
            }
            fails(401, as(null, lloco), "POST", "/" + DOCS + "/_lloco_qa", "{\"question\":\"Where?\"}");
            fails(401, as(null, lloco), "GET", "/" + DOCS + "/_lloco_qa", "{\"question\":\"Where?\"}");
        }
        fails(401, as("no_such_user"), "GET", "/_plugins/lloco", null);
        fails(401, new User(as(null).client(), "no_such_user"), "POST", "/" + DOCS + "/_lloco_qa", "{\"question\":\"Where?\"}");
    }

    /**
     * The web page ({@code GET /_plugins/lloco/ui}) is served to authenticated users only: without credentials 401 on
     * either node, whether the page is built into the plugin (admin: 200) or not (admin: the handler's 404).
     */
    public void testTheUiPageIsServedOnlyToAuthenticatedUsers() throws Exception {
        int adminStatus;
        try {
            adminStatus = as("admin").perform(new org.opensearch.client.Request("GET", "/_plugins/lloco/ui")).getStatusLine()
                .getStatusCode();
        } catch (org.opensearch.client.ResponseException e) {
            adminStatus = e.getResponse().getStatusLine().getStatusCode();
        }
        assertTrue("admin gets the page or the handler's own answer: " + adminStatus, adminStatus == 200 || adminStatus == 404);
        for (boolean lloco : List.of(false, true)) {
            fails(401, as(null, lloco), "GET", "/_plugins/lloco/ui", null);
            fails(401, as("no_such_user", lloco), "GET", "/_plugins/lloco/ui", null);
        }
    }

    /** {@code GET /_plugins/lloco[/_nodes]} is {@code cluster:monitor/lloco/info}: the monitor role has it, a QA user not. */
    @SuppressWarnings("unchecked")
    public void testInfoNeedsTheMonitorPermission() throws Exception {
        Map<String, Object> one = call(as("monitor"), "GET", "/_plugins/lloco", null);
        assertEquals("lloco", ((Map<String, Object>) one.get("plugin")).get("name"));
        assertEquals("3.4.0", one.get("opensearch_version"));
        Map<String, Object> nodes = (Map<String, Object>) call(as("monitor"), "GET", "/_plugins/lloco/_nodes", null).get("nodes");
        assertEquals(nodes.toString(), 2, nodes.size());

        for (String path : List.of("/_plugins/lloco", "/_plugins/lloco/_nodes", "/_plugins/lloco/_nodes/lloco:true")) {
            String e = fails(403, as("asker"), "GET", path, null);
            assertTrue(e, e.contains("no permissions for [cluster:monitor/lloco/info]") && e.contains("name=asker"));
        }
    }
}
