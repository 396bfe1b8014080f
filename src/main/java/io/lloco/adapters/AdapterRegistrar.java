/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.engine.ModelService;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.lora.AdapterCheck;
import io.lloco.runtime.lora.AdapterManifest;
import io.lloco.runtime.lora.LoraConfig;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Projection;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * Registers adapters: finds the files (a PEFT directory under the node's config directory, or an upload written to a
 * private temporary directory), checks them against the base model exactly as a load will — config, tensor names,
 * shapes, finite values ({@link AdapterCheck}) — and against the base model's fingerprint when the caller states one,
 * checks the template, then stores the files in the registry ({@link AdapterStore}). Everything is checked before
 * anything is stored: a refused adapter leaves nothing behind. Blocking: run on a generic or plugin thread.
 */
public class AdapterRegistrar {

    /** Where relative {@code path}s are resolved, under the config directory. */
    public static final String CONFIG_ADAPTERS = "lloco/adapters";

    private final ModelService models;
    private final AdapterStore store;
    private final Path configDir;
    private final Path tmpRoot;
    private final LongSupplier maxBytes;

    /**
     * @param configDir the node's config directory (registrations from a directory stay under it)
     * @param tmpRoot where uploads are written while they are checked ({@code <path.data>/lloco/tmp})
     * @param maxBytes {@code plugins.lloco.adapters.max_upload_size} in bytes
     */
    public AdapterRegistrar(ModelService models, AdapterStore store, Path configDir, Path tmpRoot, LongSupplier maxBytes) {
        this.models = models;
        this.store = store;
        this.configDir = configDir;
        this.tmpRoot = tmpRoot;
        this.maxBytes = maxBytes;
    }

    /** The registry storage. */
    public AdapterStore store() {
        return store;
    }

    /**
     * The directory of {@code path}: relative to {@code <config>/lloco/adapters/}, or absolute; it and the files read from
     * it must resolve (symbolic links followed) inside the node's config directory. 400 naming [path] otherwise.
     */
    public Path configPath(String path) {
        if (path == null || path.isBlank() || path.indexOf('\0') >= 0 || path.length() > 4096) {
            throw bad("[path] must name a directory under the node's config directory");
        }
        for (String part : path.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw bad("[path] = [" + path + "] must not contain '..'");
            }
        }
        Path p = configDir.getFileSystem().getPath(path);
        Path dir = p.isAbsolute() ? p : configDir.resolve(CONFIG_ADAPTERS).resolve(p);
        Path root;
        Path real;
        try {
            root = configDir.toRealPath();
            real = dir.toRealPath();
        } catch (NoSuchFileException e) {
            throw bad("[path] = [" + path + "]: [" + dir + "] does not exist on node's config directory [" + configDir + "]");
        } catch (IOException | SecurityException e) {
            throw bad("[path] = [" + path + "]: [" + dir + "] cannot be read: " + e.getMessage());
        }
        if (real.startsWith(root) == false) {
            throw bad(
                "[path] = [" + path + "] resolves to [" + real + "], outside the node's config directory [" + root
                    + "]; put the adapter (not a link to it) under [" + configDir.resolve(CONFIG_ADAPTERS) + "]"
            );
        }
        if (Files.isDirectory(real) == false) {
            throw bad("[path] = [" + path + "] is not a directory");
        }
        for (String f : new String[]{LoraConfig.FILE, LoraWeights.FILE, LoraWeights.BIN_FILE, AdapterManifest.FILE}) {
            Path file = real.resolve(f);
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    if (file.toRealPath().startsWith(root) == false) {
                        throw bad("[path] = [" + path + "]: [" + f + "] links outside the node's config directory [" + root + "]");
                    }
                } catch (IOException e) {
                    throw bad("[path] = [" + path + "]: [" + f + "] cannot be read: " + e.getMessage());
                }
            }
        }
        return real;
    }

    /**
     * Writes an uploaded adapter into a fresh private directory: {@code adapter_config.json} and the weights as
     * {@code adapter_model.safetensors} or {@code adapter_model.bin}. Delete it with {@link #deleteUpload}.
     */
    public Path writeUpload(byte[] adapterConfigJson, byte[] weights, String format) throws IOException {
        Files.createDirectories(tmpRoot);
        Path dir = Files.createTempDirectory(tmpRoot, "upload-");
        Files.write(dir.resolve(LoraConfig.FILE), adapterConfigJson);
        Files.write(dir.resolve("bin".equals(format) ? LoraWeights.BIN_FILE : LoraWeights.FILE), weights);
        return dir;
    }

    /** A fresh private directory under the node's temporary folder (remove it with {@link #deleteUpload}). */
    public Path newTempDir(String prefix) throws IOException {
        Files.createDirectories(tmpRoot);
        return Files.createTempDirectory(tmpRoot, prefix);
    }

    /** The node's models (base models of adapters). */
    public ModelService models() {
        return models;
    }

    /** Removes an upload directory. */
    public void deleteUpload(Path dir) {
        if (dir == null) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort: the node's tmp folder is under its data path
        }
    }

    /** What to register. */
    public record Request(
        String name,
        Path dir,
        String baseModel,
        String baseFingerprint,
        String template,
        String description,
        String source,
        Map<String, Object> training,
        Map<String, Object> eval) {
    }

    /** Checks the adapter in {@code r.dir()} and stores it; the stored metadata. */
    public AdapterMeta register(Request r) throws IOException {
        AdapterName.check(r.name());
        Path dir = r.dir();
        Path weights;
        LoraConfig config;
        try {
            weights = LoraWeights.weightsFile(dir);
            config = LoraConfig.load(dir.resolve(LoraConfig.FILE));
        } catch (CheckpointException e) {
            throw bad(e.getMessage());
        }
        long size = Files.size(dir.resolve(LoraConfig.FILE)) + Files.size(weights);
        if (size > maxBytes.getAsLong()) {
            throw bad(
                String.format(
                    Locale.ROOT,
                    "adapter [%s] is %d bytes, more than [%s] = %d bytes; raise the setting to register it",
                    r.name(),
                    size,
                    LlocoSettings.ADAPTERS_MAX_UPLOAD_SIZE.getKey(),
                    maxBytes.getAsLong()
                )
            );
        }
        String base = r.baseModel();
        if (base == null) {
            String declared = config.baseModelNameOrPath();
            if (declared != null && models.knownModels().contains(declared)) {
                base = declared;
            } else {
                throw bad(
                    "name the base model in [base_model] (adapter_config.json says [" + declared + "], which is not a model of this node; "
                        + "models: " + models.knownModels() + ")"
                );
            }
        }
        if (models.knownModels().contains(base) == false) {
            throw bad("[base_model] = [" + base + "] is not a model of this node; models: " + models.knownModels());
        }
        LlamaConfig baseConfig = Checkpoints.config(models.resolve(base));
        AdapterCheck check;
        try {
            check = AdapterCheck.check(dir, baseConfig);
        } catch (CheckpointException e) {
            throw bad(
                "adapter [" + r.name() + "] does not fit base model [" + base + "]: " + e.getMessage().replace(dir.toString(), "<adapter>")
            );
        }
        String fingerprint = models.fingerprintOf(base);
        if (r.baseFingerprint() != null && r.baseFingerprint().equals(fingerprint) == false) {
            throw bad(
                "[base_fingerprint] = [" + r.baseFingerprint() + "] but base model [" + base + "] here has fingerprint [" + fingerprint
                    + "]: the adapter was trained on another base model; register it for the model it was trained on"
            );
        }
        String template = r.template();
        if (template == null) {
            try {
                template = AdapterManifest.read(dir).template();
            } catch (CheckpointException e) {
                throw bad(e.getMessage().replace(dir.toString(), "<adapter>"));
            }
        }
        if (template != null) {
            try {
                PromptTemplates.defaults().resolve(template, "adapter:" + r.name());
            } catch (IllegalArgumentException e) {
                throw bad("[template] = [" + template + "]: " + e.getMessage());
            }
        }
        List<String> targets = config.targets().stream().map(Projection::moduleName).toList();
        AdapterMeta draft = new AdapterMeta(
            r.name(),
            0,
            null,
            base,
            fingerprint,
            config.r(),
            config.loraAlpha(),
            targets,
            config.useRslora(),
            template,
            check.parameters(),
            size,
            System.currentTimeMillis(),
            r.source(),
            r.description(),
            List.of(),
            r.eval(),
            r.training()
        );
        Map<String, Path> files = new LinkedHashMap<>();
        files.put(LoraConfig.FILE, dir.resolve(LoraConfig.FILE));
        files.put(weights.getFileName().toString(), weights);
        return store.write(draft, files);
    }

    private static LlocoException bad(String message) {
        return new LlocoException(message, RestStatus.BAD_REQUEST);
    }
}
