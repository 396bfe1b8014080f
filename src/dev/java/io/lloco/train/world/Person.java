/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

/**
 * A member of a document's cast.
 *
 * @param firstName two-piece first name, e.g. "Mara"
 * @param surname two-piece surname, e.g. "Ashwick"
 * @param female whether the first name is from the female pool (decides "sister" or "brother")
 */
public record Person(String firstName, String surname, boolean female) {

    /** "First Surname": how every sentence and question refers to the person. */
    public String fullName() {
        return firstName + " " + surname;
    }

    /** "sister" or "brother". */
    public String siblingWord() {
        return female ? "sister" : "brother";
    }
}
