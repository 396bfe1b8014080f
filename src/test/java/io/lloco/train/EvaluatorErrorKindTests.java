/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.train.world.Document;
import io.lloco.train.world.Fact;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;

/** The evaluator's classification of wrong answers (binding errors against missing context). */
public class EvaluatorErrorKindTests extends OpenSearchTestCase {

    public void testKinds() {
        World world = new World(7);
        for (int d = 0; d < 20; d++) {
            Document doc = world.document(Split.TEST, d, 2048);
            QaExample q = world.questions(doc, TaskFamily.LOOKUP, 1).get(0);
            Fact asked = null;
            Fact other = null;
            for (Fact f : doc.facts()) {
                if (f.type() != q.factType()) {
                    continue;
                }
                if (f.value().equals(q.gold()) && q.question().contains(f.subject().fullName()) && asked == null) {
                    asked = f;
                } else if (f.value().equals(q.gold()) == false) {
                    other = f;
                }
            }
            if (asked == null || other == null) {
                continue;
            }
            String both = asked.sentence() + " " + other.sentence();
            assertEquals("other_person_same_kind", Evaluator.errorKind(doc, q, other.value(), both));
            assertEquals("not_in_context", Evaluator.errorKind(doc, q, other.value(), other.sentence()));
            assertEquals("other", Evaluator.errorKind(doc, q, "zzz", both));
            return;
        }
        fail("no document with two facts of the asked kind among 20");
    }

    public void testRankedIsBestFirstWithTiesInDocumentOrder() {
        assertArrayEquals(new int[]{2, 0}, SegmentRetriever.ranked(new double[]{1.0, 0.5, 3.0, 1.0}, 2));
        assertArrayEquals(new int[]{2, 0, 3, 1}, SegmentRetriever.ranked(new double[]{1.0, 0.5, 3.0, 1.0}, 9));
    }
}
