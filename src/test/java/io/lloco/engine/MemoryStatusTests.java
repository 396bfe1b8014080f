/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.test.OpenSearchTestCase;

/** {@link MemoryStatus} renders what the map-building {@code MemoryBudget.describe} rendered and survives the wire. */
public class MemoryStatusTests extends OpenSearchTestCase {

    /** The former MemoryBudget.describe, verbatim but for the limit, free and reserved figures passed in. */
    private static Map<String, Object> oldDescribe(
        String limitSetting,
        List<String> devices,
        ToLongFunction<String> limit,
        ToLongFunction<String> free,
        ToLongFunction<String> reserved
    ) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("limit_setting", limitSetting);
        Map<String, Object> per = new LinkedHashMap<>();
        for (String d : devices) {
            Map<String, Object> x = new LinkedHashMap<>();
            try {
                x.put("limit_in_bytes", limit.applyAsLong(d));
                x.put("free_in_bytes", free.applyAsLong(d));
            } catch (RuntimeException e) {
                x.put("error", e.getMessage());
            }
            x.put("reserved_in_bytes", reserved.applyAsLong(d));
            per.put(d, x);
        }
        m.put("devices", per);
        return m;
    }

    /** The new MemoryBudget.describe, over the same figures. */
    private static MemoryStatus newDescribe(
        String limitSetting,
        List<String> devices,
        ToLongFunction<String> limit,
        ToLongFunction<String> free,
        ToLongFunction<String> reserved
    ) {
        Map<String, MemoryStatus.Device> per = new LinkedHashMap<>();
        for (String d : devices) {
            Long limitBytes = null;
            Long freeBytes = null;
            String error = null;
            try {
                limitBytes = limit.applyAsLong(d);
                freeBytes = free.applyAsLong(d);
            } catch (RuntimeException e) {
                error = e.getMessage();
            }
            per.put(d, new MemoryStatus.Device(limitBytes, freeBytes, error, reserved.applyAsLong(d)));
        }
        return new MemoryStatus(limitSetting, per);
    }

    public void testSameJsonAsTheMapAndWireRoundTrip() throws IOException {
        // cuda:1's limit cannot be read; cuda:0's limit can but not what is free; cpu reads fine
        ToLongFunction<String> limit = d -> {
            if (d.equals("cuda:1")) {
                throw new IllegalStateException("no libcudart");
            }
            return d.equals("cpu") ? 1_073_741_824L : 24_000_000_000L;
        };
        ToLongFunction<String> free = d -> {
            if (d.startsWith("cuda")) {
                throw new IllegalStateException("cannot read [" + d + "]");
            }
            return 1_000L;
        };
        ToLongFunction<String> reserved = d -> d.equals("cpu") ? 1_073_740_824L : 0L;
        for (List<String> devices : List.<List<String>>of(List.of(), List.of("cpu"), List.of("cuda:1", "cpu", "cuda:0"))) {
            String old = XContentFactory.jsonBuilder().map(oldDescribe("90%", devices, limit, free, reserved)).toString();
            MemoryStatus s = newDescribe("90%", devices, limit, free, reserved);
            assertEquals(old, s.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS).toString());
            BytesStreamOutput out = new BytesStreamOutput();
            s.writeTo(out);
            MemoryStatus back = MemoryStatus.readFrom(out.bytes().streamInput());
            assertEquals(s, back);
            assertEquals(List.copyOf(s.devices().keySet()), List.copyOf(back.devices().keySet()));
            assertEquals(old, back.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS).toString());
        }
    }
}
