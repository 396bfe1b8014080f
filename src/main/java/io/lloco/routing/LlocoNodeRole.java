/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.routing;

import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.node.DiscoveryNodeRole;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;

/**
 * The {@code lloco} node role: nodes that run the models (GPU/inference nodes). Opt-in: a node has it only when
 * {@code node.roles} lists {@code lloco}.
 */
public final class LlocoNodeRole extends DiscoveryNodeRole {

    /** Role name as written in {@code node.roles}. */
    public static final String NAME = "lloco";

    /** The role. */
    public static final LlocoNodeRole INSTANCE = new LlocoNodeRole();

    private LlocoNodeRole() {
        super(NAME, "L", false);
    }

    @Override
    public Setting<Boolean> legacySetting() {
        return null;
    }

    @Override
    public boolean isEnabledByDefault(Settings settings) {
        return false;
    }

    /** Whether a node has the role. */
    public static boolean has(DiscoveryNode node) {
        return node.getRoles().stream().anyMatch(r -> NAME.equals(r.roleName()));
    }
}
