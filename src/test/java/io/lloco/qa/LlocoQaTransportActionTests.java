/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import org.opensearch.Version;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.Metadata;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;
import io.lloco.decode.PromptRenderer;
import io.lloco.decode.TemplateSource;

/**
 * The coordinating node's half of the template precedence: the request's {@code template}, else the value every target
 * index sets in {@code index.lloco.template} (400 when they differ), else none (the adapter's or the default, chosen on
 * the {@code lloco} node).
 */
public class LlocoQaTransportActionTests extends OpenSearchTestCase {

    private static ClusterState state(String... indexAndTemplate) {
        Metadata.Builder md = Metadata.builder();
        for (int i = 0; i < indexAndTemplate.length; i += 2) {
            Settings.Builder s = Settings.builder().put(IndexMetadata.SETTING_VERSION_CREATED, Version.CURRENT);
            if (indexAndTemplate[i + 1] != null) {
                s.put("index.lloco.template", indexAndTemplate[i + 1]);
            }
            md.put(IndexMetadata.builder(indexAndTemplate[i]).settings(s).numberOfShards(1).numberOfReplicas(0));
        }
        return ClusterState.builder(ClusterName.DEFAULT).metadata(md).build();
    }

    private static LlocoQaRequest question(String template) {
        return new LlocoQaRequest("a").question("Who?").template(template, java.util.List.of());
    }

    public void testTheRequestsTemplateWinsOverTheIndexSetting() {
        PromptRenderer.Declared d = LlocoQaTransportAction.resolveTemplate(
            question("hotpotqa"),
            state("a", "qmsum", "b", "qasper"),
            new String[]{"a", "b"}
        );
        assertEquals(PromptRenderer.Declared.request("hotpotqa"), d);
    }

    public void testTheIndexSettingAppliesWhenEveryTargetIndexSetsIt() {
        PromptRenderer.Declared d = LlocoQaTransportAction.resolveTemplate(
            question(null),
            state("a", "qmsum", "b", "qmsum"),
            new String[]{"a", "b"}
        );
        assertEquals("qmsum", d.value());
        assertEquals(TemplateSource.INDEX, d.source());
        assertEquals("setting [index.lloco.template]", d.origin());
    }

    public void testNoTemplateLeavesTheChoiceToTheLlocoNode() {
        assertNull(LlocoQaTransportAction.resolveTemplate(question(null), state("a", null), new String[]{"a"}));
        assertNull(LlocoQaTransportAction.resolveTemplate(question(null), state("a", ""), new String[]{"a"}));
        assertNull(LlocoQaTransportAction.resolveTemplate(question(null), state(), new String[0]));
    }

    public void testDifferentIndexValuesAreA400NamingTheSetting() {
        LlocoException e = expectThrows(
            LlocoException.class,
            () -> LlocoQaTransportAction.resolveTemplate(question(null), state("a", "qmsum", "b", "qasper"), new String[]{"a", "b"})
        );
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(
            e.getMessage(),
            e.getMessage().contains("the target indices set different [index.lloco.template] values ([qasper] on [b], [qmsum] on [a])")
        );
        assertTrue(e.getMessage(), e.getMessage().contains("pass [template]"));
        // one index set, another not: they differ too (as with index.lloco.adapter)
        e = expectThrows(
            LlocoException.class,
            () -> LlocoQaTransportAction.resolveTemplate(question(null), state("a", "qmsum", "b", null), new String[]{"a", "b"})
        );
        assertTrue(e.getMessage(), e.getMessage().contains("values (not set on [b], [qmsum] on [a])"));
    }
}
