/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.List;

import ai.djl.ndarray.types.DataType;

/** Where models may be loaded on this node and at which dtype ({@link EngineService} on a node). */
public interface Placement {

    /** The compute devices ({@code cpu}, {@code cuda:0}, ...); throws 503 naming the reason when no model can load here. */
    List<String> devices();

    /** The compute dtype on {@code device} (FLOAT32 or FLOAT16). */
    DataType dtype(String device);

    /** The CPU at float32, with no engine checks (tests and the CLI-style compat constructor). */
    Placement CPU_FLOAT32 = new Placement() {

        @Override
        public List<String> devices() {
            return List.of("cpu");
        }

        @Override
        public DataType dtype(String device) {
            return DataType.FLOAT32;
        }
    };
}
