/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value of {@code plugins.lloco.device}: {@code auto} (every CUDA device the engine sees, else the CPU), or a list
 * of {@code cpu} and {@code cuda:N}. Parsing checks the syntax; whether a device exists is checked when the engine
 * starts ({@link #resolve}).
 *
 * @param auto whether the engine picks
 * @param devices the devices named, in order ({@code cpu}, {@code cuda:0}, ...); empty when {@code auto}
 */
public record DeviceList(boolean auto, List<String> devices) {

    /** The CPU. */
    public static final String CPU = "cpu";

    /** Highest CUDA ordinal accepted. */
    public static final int MAX_CUDA_ORDINAL = 63;

    private static final Pattern CUDA = Pattern.compile("cuda:(\\d{1,2})");

    /** One entry: {@code auto}, {@code cpu} or {@code cuda:N}; anything else throws naming the setting. */
    public static String parseEntry(String entry, String setting) {
        String e = entry.strip().toLowerCase(Locale.ROOT);
        if (e.equals("auto") || e.equals(CPU)) {
            return e;
        }
        Matcher m = CUDA.matcher(e);
        if (m.matches() && Integer.parseInt(m.group(1)) <= MAX_CUDA_ORDINAL) {
            return "cuda:" + Integer.parseInt(m.group(1));
        }
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "[%s] has [%s]: use auto, cpu, or cuda:N (N from 0 to %d), or a list such as cuda:0,cuda:1",
                setting,
                entry,
                MAX_CUDA_ORDINAL
            )
        );
    }

    /** A parsed list; {@code auto} must stand alone and no device may repeat. */
    public static DeviceList of(List<String> entries, String setting) {
        List<String> parsed = new ArrayList<>();
        for (String e : entries) {
            parsed.add(parseEntry(e, setting));
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("[" + setting + "] is empty: use auto, cpu, or cuda:N");
        }
        if (parsed.contains("auto")) {
            if (parsed.size() > 1) {
                throw new IllegalArgumentException("[" + setting + "] = " + entries + ": auto cannot be combined with devices");
            }
            return new DeviceList(true, List.of());
        }
        if (new LinkedHashSet<>(parsed).size() != parsed.size()) {
            throw new IllegalArgumentException("[" + setting + "] = " + entries + " names a device twice");
        }
        return new DeviceList(false, List.copyOf(parsed));
    }

    /**
     * The devices to compute on, given how many CUDA devices the engine sees: {@code auto} is every CUDA device, or
     * the CPU when there is none; a named {@code cuda:N} that does not exist throws naming the setting.
     *
     * @param cudaDevices CUDA devices the engine sees (0 with a CPU libtorch)
     * @param flavor the libtorch flavor, for the message
     */
    public List<String> resolve(int cudaDevices, String flavor, String setting) {
        if (auto) {
            if (cudaDevices == 0) {
                return List.of(CPU);
            }
            List<String> all = new ArrayList<>();
            for (int i = 0; i < cudaDevices; i++) {
                all.add("cuda:" + i);
            }
            return all;
        }
        for (String d : devices) {
            if (d.startsWith("cuda:") && Integer.parseInt(d.substring(5)) >= cudaDevices) {
                throw new IllegalArgumentException(
                    String.format(
                        Locale.ROOT,
                        "[%s] names [%s], but this node's engine (libtorch flavor %s) sees %s; %s",
                        setting,
                        d,
                        flavor,
                        cudaDevices == 0 ? "no CUDA device" : cudaDevices + " CUDA device(s): cuda:0 to cuda:" + (cudaDevices - 1),
                        cudaDevices == 0
                            ? "a CUDA node needs a CUDA libtorch (plugins.lloco.engine.libtorch_path, docs/gpu.md) and an NVIDIA driver; or set it to cpu or auto"
                            : "name an existing device, or set it to auto"
                    )
                );
            }
        }
        return devices;
    }

    @Override
    public String toString() {
        return auto ? "auto" : String.join(",", devices);
    }
}
