/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import org.opensearch.common.lease.Releasable;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

public class AdmissionTests extends OpenSearchTestCase {

    private static LlocoException full(int admitted) {
        return new LlocoException("full with " + admitted, RestStatus.TOO_MANY_REQUESTS);
    }

    public void testAdmitsUpToTheLimitThenRefusesNamingTheCount() {
        Admission a = new Admission();
        Releasable first = a.admit(2, AdmissionTests::full);
        Releasable second = a.admit(2, AdmissionTests::full);
        assertEquals(2, a.admitted());
        LlocoException e = expectThrows(LlocoException.class, () -> a.admit(2, AdmissionTests::full));
        assertEquals(RestStatus.TOO_MANY_REQUESTS, e.status());
        assertEquals("full with 2", e.getMessage());
        assertEquals("a refused request holds no place", 2, a.admitted());
        first.close();
        a.admit(2, AdmissionTests::full);
        assertEquals(2, a.admitted());
        second.close();
        assertEquals(1, a.admitted());
    }

    public void testClosingTwiceReleasesOnce() {
        // a training that fails releases its place from doRun's finally and again from onFailure: one place, not two
        Admission a = new Admission();
        Releasable running = a.admit(2, AdmissionTests::full);
        Releasable waiting = a.admit(2, AdmissionTests::full);
        running.close();
        running.close();
        assertEquals("the other request still holds its place", 1, a.admitted());
        a.admit(2, AdmissionTests::full);
        expectThrows(LlocoException.class, () -> a.admit(2, AdmissionTests::full));
        waiting.close();
        assertEquals(1, a.admitted());
    }

    public void testCheckAdmitsNothing() {
        Admission a = new Admission();
        a.check(1, AdmissionTests::full);
        assertEquals(0, a.admitted());
        a.admit(1, AdmissionTests::full);
        LlocoException e = expectThrows(LlocoException.class, () -> a.check(1, AdmissionTests::full));
        assertEquals("full with 1", e.getMessage());
        assertEquals(1, a.admitted());
    }
}
