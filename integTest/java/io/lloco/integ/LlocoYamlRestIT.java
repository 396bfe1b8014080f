/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import org.junit.Before;
import org.opensearch.test.rest.yaml.ClientYamlTestCandidate;
import org.opensearch.test.rest.yaml.OpenSearchClientYamlSuiteTestCase;

import com.carrotsearch.randomizedtesting.annotations.Name;
import com.carrotsearch.randomizedtesting.annotations.ParametersFactory;

/**
 * Runs the YAML REST suite ({@code integTest/yaml/rest-api-spec/test/lloco/*.yml}) against the real nodes of
 * integTest/run.sh, with the plugin's API specs ({@code rest-api-spec/api}) and the minimal core-API specs the tests
 * call ({@code integTest/yaml/rest-api-spec/api}). The random test model {@code it-qa} is copied into every node first.
 */
public class LlocoYamlRestIT extends OpenSearchClientYamlSuiteTestCase {

    /** One test per YAML test section. */
    public LlocoYamlRestIT(@Name("yaml") ClientYamlTestCandidate testCandidate) {
        super(testCandidate);
    }

    /** Every YAML test under /rest-api-spec/test on the test classpath. */
    @ParametersFactory
    public static Iterable<Object[]> parameters() throws Exception {
        return createParameters();
    }

    /** The YAML tests' pipelines name the test model, so it must be on the nodes before the first test runs. */
    @Before
    public void installTestModel() throws Exception {
        QaRestIT.installModel();
    }
}
