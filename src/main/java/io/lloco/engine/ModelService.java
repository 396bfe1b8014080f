/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;

/**
 * Finds, loads and caches this node's models: the embedded {@value #EMBEDDED_MODEL} (shipped inside the plugin jar,
 * extracted once under the data path) and Hugging Face checkpoints placed under {@code <config>/lloco/models/<id>/}.
 * Adapters come from {@code <config>/lloco/adapters/<name>/} and from a model's own {@code adapters/<name>/}.
 */
public class ModelService implements AutoCloseable {

    /** The model that ships inside the plugin. */
    public static final String EMBEDDED_MODEL = "lloco-tiny";

    /** Classpath folder of the embedded model. */
    public static final String EMBEDDED_RESOURCE = "/io/lloco/models/" + EMBEDDED_MODEL + "/";

    /** Files of the embedded model, relative to {@link #EMBEDDED_RESOURCE}. */
    public static final List<String> EMBEDDED_FILES = List.of(
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "lloco.json",
        "adapters/default/adapter_config.json",
        "adapters/default/adapter_model.safetensors"
    );

    /** Builds a runtime model from a checkpoint directory. */
    @FunctionalInterface
    public interface Loader {

        /** Loads {@code dir} as model {@code id} with the given fingerprint. */
        LoadedModel load(String id, Path dir, String fingerprint) throws IOException;
    }

    /** A loaded model: its encoder side, and whatever else later capabilities attach. */
    public interface LoadedModel extends SummaryEncoder, AutoCloseable {

        /** Parameters in the base model. */
        long parameters();

        @Override
        void close();
    }

    private static final Logger logger = LogManager.getLogger(ModelService.class);

    private final Path configModels;
    private final Path configAdapters;
    private final Path extractDir;
    private final Loader loader;
    private final ModelRegistry registry;
    private final Map<String, LoadedModel> loaded = new ConcurrentHashMap<>();

    /**
     * @param configDir the node's config directory (models under {@code lloco/models})
     * @param dataDir where to extract the embedded model ({@code <path.data>/lloco})
     */
    public ModelService(Path configDir, Path dataDir, Loader loader, ModelRegistry registry) {
        this.configModels = configDir.resolve("lloco").resolve("models");
        this.configAdapters = configDir.resolve("lloco").resolve("adapters");
        this.extractDir = dataDir.resolve("models");
        this.loader = loader;
        this.registry = registry;
    }

    /** Whether the plugin jar carries the embedded model. */
    public static boolean embeddedAvailable() {
        return ModelService.class.getResource(EMBEDDED_RESOURCE + "config.json") != null
            && ModelService.class.getResource(EMBEDDED_RESOURCE + "model.safetensors") != null;
    }

    /** Model ids known on this node, sorted. */
    public List<String> knownModels() {
        TreeSet<String> ids = new TreeSet<>();
        if (embeddedAvailable()) {
            ids.add(EMBEDDED_MODEL);
        }
        if (Files.isDirectory(configModels)) {
            try (Stream<Path> s = Files.list(configModels)) {
                s.filter(p -> Files.isRegularFile(p.resolve("config.json"))).forEach(p -> ids.add(p.getFileName().toString()));
            } catch (IOException e) {
                logger.warn("cannot list [{}]: {}", configModels, e.toString());
            }
        }
        return new ArrayList<>(ids);
    }

    /** Whether {@code id} is known here. */
    public boolean knows(String id) {
        return knownModels().contains(id);
    }

    /** The loaded model, loading it on first use. 404 for unknown ids, 500 for broken checkpoints. */
    public LoadedModel get(String id) {
        LoadedModel m = loaded.get(id);
        if (m != null) {
            return m;
        }
        synchronized (this) {
            m = loaded.get(id);
            if (m != null) {
                return m;
            }
            Path dir = resolve(id);
            try {
                long t0 = System.nanoTime();
                String fp = fingerprint(dir);
                m = loader.load(id, dir, fp);
                loaded.put(id, m);
                registry.modelLoaded(new ModelRegistry.Loaded(id, "base", dir.toString(), m.parameters(), sizeOf(dir)));
                logger.info(
                    "loaded model [{}] from [{}] in {} ms ({} parameters, {})",
                    id,
                    dir,
                    (System.nanoTime() - t0) / 1_000_000,
                    m.parameters(),
                    fp
                );
                return m;
            } catch (IOException e) {
                throw new LlocoException(
                    "cannot load model [" + id + "] from [" + dir + "]: " + e.getMessage(), RestStatus.INTERNAL_SERVER_ERROR, e
                );
            }
        }
    }

    /** Directory of an adapter: {@code <config>/lloco/adapters/<name>}, or the model's own {@code adapters/<name>}. */
    public Path adapterDir(String model, String name) {
        if (name.contains("/") || name.contains("\\") || name.contains("..")) {
            throw new LlocoException("invalid adapter name [" + name + "]", RestStatus.BAD_REQUEST);
        }
        Path user = configAdapters.resolve(name);
        if (Files.isRegularFile(user.resolve("adapter_config.json"))) {
            return user;
        }
        Path own = resolve(model).resolve("adapters").resolve(name);
        if (Files.isRegularFile(own.resolve("adapter_config.json"))) {
            return own;
        }
        throw new LlocoException(
            String.format(Locale.ROOT, "unknown adapter [%s] for model [%s]: put a PEFT adapter in [%s]", name, model, user),
            RestStatus.NOT_FOUND
        );
    }

    /** Whether the model ships its own adapter {@code name} (under its {@code adapters/} folder). */
    public boolean hasModelAdapter(String model, String name) {
        return Files.isRegularFile(resolve(model).resolve("adapters").resolve(name).resolve("adapter_config.json"));
    }

    /** Checkpoint directory of a model id; extracts the embedded model on first use. */
    public Path resolve(String id) {
        if (id.contains("/") || id.contains("\\") || id.contains("..")) {
            throw new LlocoException("invalid model id [" + id + "]", RestStatus.BAD_REQUEST);
        }
        Path user = configModels.resolve(id);
        if (Files.isRegularFile(user.resolve("config.json"))) {
            return user;
        }
        if (EMBEDDED_MODEL.equals(id) && embeddedAvailable()) {
            return extractEmbedded();
        }
        throw new LlocoException(
            "unknown model [" + id + "]; models on this node: " + knownModels() + " (add one under [" + configModels + "/<id>/])",
            RestStatus.NOT_FOUND
        );
    }

    private Path extractEmbedded() {
        Path dir = extractDir.resolve(EMBEDDED_MODEL);
        try {
            Files.createDirectories(dir);
            for (String f : EMBEDDED_FILES) {
                try (InputStream in = ModelService.class.getResourceAsStream(EMBEDDED_RESOURCE + f)) {
                    if (in == null) {
                        continue; // optional files (lloco.json, adapters)
                    }
                    Path target = dir.resolve(f);
                    Files.createDirectories(target.getParent());
                    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the embedded model to [" + dir + "]", e);
        }
    }

    /** {@code sha256:<hex>} over config.json and the weight files, in name order. */
    public static String fingerprint(Path dir) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("config.json") || n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".index.json");
            }).sorted().toList();
        }
        byte[] buf = new byte[1 << 16];
        for (Path f : files) {
            md.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(f)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }

    private static long sizeOf(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        for (LoadedModel m : loaded.values()) {
            m.close();
        }
        loaded.clear();
    }
}
