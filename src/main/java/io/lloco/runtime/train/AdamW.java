/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaWeights;

/**
 * AdamW (decoupled weight decay, bias-corrected moments) over named NDArray parameters, with its state (first
 * and second moments, step count) saved to and restored from a safetensors file so training resumes exactly.
 *
 * <p>Updates run with grad mode off, in place on the parameters; temporaries live in a per-step sub-manager.
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters. */
    public record Hyper(double beta1, double beta2, double eps, double weightDecay) {

        /** The usual values: 0.9, 0.95, 1e-8, weight decay {@code wd}. */
        public static Hyper of(double wd) {
            return new Hyper(0.9, 0.95, 1e-8, wd);
        }
    }

    private final Hyper hyper;
    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private final Map<String, Boolean> decay = new LinkedHashMap<>();
    private long t;

    /**
     * An optimizer over {@code params} (by name). Weight decay applies to matrices only (not to norms).
     *
     * @param parent the moments get their own sub-manager of it
     */
    public AdamW(Map<String, NDArray> params, Hyper hyper, NDManager parent) {
        this.hyper = hyper;
        this.params = new LinkedHashMap<>(params);
        this.manager = parent.newSubManager();
        for (Map.Entry<String, NDArray> e : this.params.entrySet()) {
            Shape s = e.getValue().getShape();
            m.put(e.getKey(), manager.zeros(s, e.getValue().getDataType()));
            v.put(e.getKey(), manager.zeros(s, e.getValue().getDataType()));
            decay.put(e.getKey(), s.dimension() >= 2);
        }
    }

    /** Number of updates applied so far. */
    public long steps() {
        return t;
    }

    /**
     * One update with learning rate {@code lr}, gradients scaled by {@code gradScale} (for clipping).
     *
     * @param grads gradient per parameter name (missing names are skipped)
     */
    public void step(Map<String, NDArray> grads, double lr, double gradScale) {
        t++;
        double bc1 = 1 - Math.pow(hyper.beta1(), t);
        double bc2 = 1 - Math.pow(hyper.beta2(), t);
        double stepSize = lr / bc1;
        try (GradMode g = GradMode.disabled()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray grad = grads.get(e.getKey());
                if (grad == null) {
                    continue;
                }
                try (NDManager tmp = manager.newSubManager()) {
                    NDArray w = e.getValue();
                    NDArray mm = m.get(e.getKey());
                    NDArray vv = v.get(e.getKey());
                    NDArray gs = tmp(grad.mul(gradScale), tmp);
                    mm.muli(hyper.beta1()).addi(tmp(gs.mul(1 - hyper.beta1()), tmp));
                    vv.muli(hyper.beta2()).addi(tmp(tmp(gs.square(), tmp).mul(1 - hyper.beta2()), tmp));
                    NDArray denom = tmp(tmp(tmp(vv.div(bc2), tmp).sqrt(), tmp).add(hyper.eps()), tmp);
                    NDArray upd = tmp(tmp(mm.div(denom), tmp).mul(stepSize), tmp);
                    if (decay.get(e.getKey()) && hyper.weightDecay() > 0) {
                        w.muli(1 - lr * hyper.weightDecay());
                    }
                    w.subi(upd);
                }
            }
        }
    }

    private static NDArray tmp(NDArray a, NDManager tmp) {
        a.attach(tmp);
        return a;
    }

    /** Writes the moments and step count to {@code file} (float32 safetensors). */
    public void save(Path file) throws IOException {
        try (NDManager tmp = manager.newSubManager(ai.djl.Device.cpu())) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            w.metadata("adamw_step", Long.toString(t));
            for (String k : params.keySet()) {
                w.add("m." + k, m.get(k).getShape().getShape(), LlamaWeights.float32View(m.get(k), tmp));
                w.add("v." + k, v.get(k).getShape().getShape(), LlamaWeights.float32View(v.get(k), tmp));
            }
            w.write(file, StoredDtype.F32);
        }
    }

    /** Restores moments and step count written by {@link #save(Path)}; every parameter must be present. */
    public void load(Path file) throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
            String step = r.metadata().get("adamw_step");
            if (step == null) {
                throw new CheckpointException(String.format(Locale.ROOT, "optimizer state [%s] lacks metadata 'adamw_step'", file));
            }
            t = Long.parseLong(step);
            for (String k : params.keySet()) {
                copyInto(r, file, "m." + k, m.get(k));
                copyInto(r, file, "v." + k, v.get(k));
            }
        }
    }

    private static void copyInto(SafeTensorsReader r, Path file, String name, NDArray target) throws IOException {
        if (r.names().contains(name) == false) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "optimizer state [%s] lacks [%s]; was it written for another model or adapter?", file, name)
            );
        }
        HostTensor h = r.get(name);
        if (java.util.Arrays.equals(h.shape(), target.getShape().getShape()) == false) {
            throw new CheckpointException(
                String.format(
                    Locale.ROOT,
                    "optimizer state [%s]: [%s] has shape %s, expected %s",
                    file,
                    name,
                    java.util.Arrays.toString(h.shape()),
                    target.getShape()
                )
            );
        }
        float[] vals = new float[Math.toIntExact(h.numel())];
        h.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vals);
        try (GradMode g = GradMode.disabled(); NDManager tmp = target.getManager().newSubManager()) {
            // copy in place: set(Buffer) would alias a Java buffer
            NDArray src = tmp.create(vals, target.getShape());
            NDArray owned = src.duplicate();
            owned.attach(tmp);
            target.subi(target).addi(owned);
        }
    }

    /** Frees the moments. */
    @Override
    public void close() {
        manager.close();
    }
}
