/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.lora;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.prompt.PromptTemplate;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * What an adapter declares about itself in {@code lloco.json} beside its PEFT files: the prompt template it was
 * trained on, so an index bound to a QMSum-style adapter gets the QMSum prompt without every request naming it.
 *
 * <pre>
 * {"template": "qmsum"}                                   a registered template ({@link PromptTemplates#defaults()})
 * {"template": "Transcript above.\nQuery: {question}\nAnswer:"}   a custom pattern ({@code {choices}} for multiple choice)
 * </pre>
 *
 * Written by {@link #write} (a registry adapter's stored template, when a node fetches it) and read by {@link #read}.
 * Parsed strictly: an unknown field, a non-string or unknown template, or a bad pattern is a
 * {@link CheckpointException} naming the file and the field. No {@code lloco.json}: nothing declared. Precedence
 * (applied by the caller): the request's {@code template} &gt; {@code index.lloco.template} &gt; this &gt; the default.
 *
 * @param template the declared template (a registered name or a custom pattern), or null
 */
public record AdapterManifest(String template) {

    /** The file name, in the adapter directory. */
    public static final String FILE = "lloco.json";

    /** Nothing declared. */
    public static final AdapterManifest NONE = new AdapterManifest(null);

    /** The one field. */
    static final String TEMPLATE = "template";

    /** Reads {@code <adapterDir>/lloco.json}; {@link #NONE} when there is no such file. */
    public static AdapterManifest read(Path adapterDir) throws IOException {
        Path file = adapterDir.resolve(FILE);
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return NONE;
        } catch (JsonProcessingException e) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "adapter manifest [%s] is not valid JSON: %s", file, e.getOriginalMessage())
            );
        }
        if (n == null || n.isObject() == false) {
            throw new CheckpointException(String.format(Locale.ROOT, "adapter manifest [%s] must be a JSON object", file));
        }
        String template = null;
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (e.getKey().equals(TEMPLATE) == false) {
                throw new CheckpointException(
                    String.format(Locale.ROOT, "adapter manifest [%s]: unknown field [%s]; the only field is [template]", file, e.getKey())
                );
            }
            if (e.getValue().isTextual() == false) {
                throw new CheckpointException(
                    String.format(Locale.ROOT, "adapter manifest [%s]: field [template] must be a string, got %s", file, e.getValue())
                );
            }
            template = e.getValue().textValue();
        }
        checkTemplate(file, adapterDir, template);
        return new AdapterManifest(template);
    }

    /**
     * Writes this manifest as {@code <adapterDir>/lloco.json}, in the form {@link #read} reads back to an equal
     * manifest ({@code {}} for {@link #NONE}). The template is checked as {@link #read} checks it, so a manifest that
     * could not be read back is never written.
     */
    public void write(Path adapterDir) throws IOException {
        Path file = adapterDir.resolve(FILE);
        checkTemplate(file, adapterDir, template);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        if (template != null) {
            n.put(TEMPLATE, template);
        }
        Files.writeString(file, mapper.writeValueAsString(n) + "\n", StandardCharsets.UTF_8);
    }

    private static void checkTemplate(Path file, Path adapterDir, String template) throws CheckpointException {
        if (template != null) {
            try {
                PromptTemplates.defaults().resolve(template, "adapter:" + adapterDir.getFileName());
            } catch (IllegalArgumentException ex) {
                throw new CheckpointException(
                    String.format(Locale.ROOT, "adapter manifest [%s]: field [template]: %s", file, ex.getMessage())
                );
            }
        }
    }

    /** Whether a template is declared. */
    public boolean hasTemplate() {
        return template != null;
    }

    /** The declared template resolved against {@code registry} (a custom pattern is named {@code customName}); null if none. */
    public PromptTemplate template(PromptTemplates registry, String customName) {
        return template == null ? null : registry.resolve(template, customName);
    }
}
