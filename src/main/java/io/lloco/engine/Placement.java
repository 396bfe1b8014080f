/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.List;

import io.lloco.runtime.model.Precision;

/** Where models may be loaded on this node and at which dtype ({@link EngineService} on a node). */
public interface Placement {

    /** The compute devices ({@code cpu}, {@code cuda:0}, ...); throws 503 naming the reason when no model can load here. */
    List<String> devices();

    /** The compute dtype and the dtype weights are kept in on {@code device}. */
    Precision precision(String device);

    /** The CPU at float32, with no engine checks (tests and the CLI-style compat constructor). */
    Placement CPU_FLOAT32 = new Placement() {

        @Override
        public List<String> devices() {
            return List.of("cpu");
        }

        @Override
        public Precision precision(String device) {
            return Precision.FLOAT32;
        }
    };
}
