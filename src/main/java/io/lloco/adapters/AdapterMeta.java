/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the registry knows of an adapter version: its base model and that model's fingerprint, the LoRA shape, the
 * prompt template it was trained on, its files (name, size, SHA-256, chunk count), where it came from, and its
 * evaluation and training figures. Stored as the {@code meta} document of {@code .lloco-adapters}; {@code blob} names
 * the chunk documents of this version.
 *
 * @param version 1 for the first registration, +1 at every re-registration under the same name
 * @param blob unique id of this version's chunks
 * @param fingerprint the base model's fingerprint ({@code sha256:...}) the adapter was checked against
 * @param template the prompt template declared for it (a registered name or a custom pattern), or null
 * @param parameters values in its A and B matrices
 * @param sizeBytes bytes of its files
 * @param source {@code path}, {@code upload} or {@code train}
 * @param eval evaluation figures ({@code _evaluate} or the training's), or null
 * @param training training parameters and figures (for {@code source: train}), or null
 */
public record AdapterMeta(
    String name,
    long version,
    String blob,
    String baseModel,
    String fingerprint,
    int r,
    double alpha,
    List<String> targetModules,
    boolean useRslora,
    String template,
    long parameters,
    long sizeBytes,
    long createdMillis,
    String source,
    String description,
    List<FileEntry> files,
    Map<String, Object> eval,
    Map<String, Object> training) {

    /**
     * One stored file of an adapter.
     *
     * @param name file name ({@code adapter_config.json}, {@code adapter_model.safetensors} or {@code adapter_model.bin})
     * @param size bytes
     * @param sha256 hex SHA-256 of the whole file
     * @param chunks chunk documents it is split into
     */
    public record FileEntry(String name, long size, String sha256, int chunks) {

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("size", size);
            m.put("sha256", sha256);
            m.put("chunks", chunks);
            return m;
        }

        static FileEntry fromMap(Map<String, Object> m) {
            return new FileEntry((String) m.get("name"), num(m.get("size")), (String) m.get("sha256"), (int) num(m.get("chunks")));
        }
    }

    /** This version with evaluation figures. */
    public AdapterMeta withEval(Map<String, Object> newEval) {
        return new AdapterMeta(
            name,
            version,
            blob,
            baseModel,
            fingerprint,
            r,
            alpha,
            targetModules,
            useRslora,
            template,
            parameters,
            sizeBytes,
            createdMillis,
            source,
            description,
            files,
            newEval,
            training
        );
    }

    /** This metadata as the version {@code v} stored under {@code newBlob}. */
    public AdapterMeta asVersion(long v, String newBlob) {
        return new AdapterMeta(
            name,
            v,
            newBlob,
            baseModel,
            fingerprint,
            r,
            alpha,
            targetModules,
            useRslora,
            template,
            parameters,
            sizeBytes,
            createdMillis,
            source,
            description,
            files,
            eval,
            training
        );
    }

    /** The stored form (the {@code meta} document's source, without {@code doc_type}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("version", version);
        m.put("blob", blob);
        m.put("base_model", baseModel);
        m.put("fingerprint", fingerprint);
        m.put("r", r);
        m.put("alpha", alpha);
        m.put("target_modules", targetModules);
        m.put("use_rslora", useRslora);
        m.put("template", template);
        m.put("parameters", parameters);
        m.put("size_bytes", sizeBytes);
        m.put("created", java.time.Instant.ofEpochMilli(createdMillis).toString());
        m.put("created_millis", createdMillis);
        m.put("source", source);
        if (description != null) {
            m.put("description", description);
        }
        List<Map<String, Object>> f = new ArrayList<>();
        files.forEach(e -> f.add(e.toMap()));
        m.put("files", f);
        if (eval != null) {
            m.put("eval", eval);
        }
        if (training != null) {
            m.put("training", training);
        }
        return m;
    }

    /** What the adapters API shows: the stored form without the chunk id, with the indices bound to it. */
    public Map<String, Object> toApiMap(List<String> boundIndices) {
        Map<String, Object> m = toMap();
        m.remove("blob");
        m.put("bound_indices", boundIndices);
        return m;
    }

    /** Reads the stored form. */
    @SuppressWarnings("unchecked")
    public static AdapterMeta fromMap(Map<String, Object> m) {
        List<FileEntry> files = new ArrayList<>();
        Object fs = m.get("files");
        if (fs instanceof List<?> l) {
            for (Object o : l) {
                files.add(FileEntry.fromMap((Map<String, Object>) o));
            }
        }
        List<String> targets = new ArrayList<>();
        if (m.get("target_modules") instanceof List<?> l) {
            l.forEach(t -> targets.add(String.valueOf(t)));
        }
        return new AdapterMeta(
            (String) m.get("name"),
            num(m.get("version")),
            (String) m.get("blob"),
            (String) m.get("base_model"),
            (String) m.get("fingerprint"),
            (int) num(m.get("r")),
            m.get("alpha") instanceof Number n ? n.doubleValue() : 0,
            List.copyOf(targets),
            Boolean.TRUE.equals(m.get("use_rslora")),
            (String) m.get("template"),
            num(m.get("parameters")),
            num(m.get("size_bytes")),
            num(m.get("created_millis")),
            (String) m.get("source"),
            (String) m.get("description"),
            List.copyOf(files),
            (Map<String, Object>) m.get("eval"),
            (Map<String, Object>) m.get("training")
        );
    }

    private static long num(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
