/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A libtorch build an operator installed, found and checked before DJL is pointed at it.
 *
 * <p>DJL itself never checks which libtorch a directory holds: it takes the version and flavor it is told and loads
 * whatever {@code libtorch.so} it finds, and a mismatch surfaces later as an unresolved symbol or a crash. So the
 * version and flavor are read here from the file each distribution ships, and anything but libtorch
 * {@value #EXPECTED_VERSION} in a flavor the bundled JNI library was built for ({@link #SUPPORTED_FLAVORS}) is refused
 * with a message naming both. Layouts recognised (the path may be the folder or its {@code lib/}):
 * <ul>
 * <li>PyTorch's libtorch zip ({@code libtorch/build-version}, e.g. {@code 2.7.1+cu128}, and {@code libtorch/lib/});
 * <li>a torch wheel's package folder ({@code torch/version.py} with {@code __version__} and {@code cuda}, and
 * {@code torch/lib/});
 * <li>DJL's {@code pytorch-native-<flavor>} jar unzipped ({@code native/lib/pytorch.properties} and
 * {@code pytorch/<flavor>/<classifier>/}).
 * </ul>
 *
 * @param requested the path as configured
 * @param libDir the folder holding {@code libtorch.so} (what DJL's {@code PYTORCH_LIBRARY_PATH} gets)
 * @param version the libtorch version, e.g. {@code 2.7.1}
 * @param flavor {@code cpu} or a CUDA flavor such as {@code cu128}
 * @param layout which distribution the folder is ({@code libtorch-zip}, {@code torch-wheel}, {@code djl-native-jar})
 * @param versionFile the file the version was read from
 */
public record LibtorchDirectory(Path requested, Path libDir, String version, String flavor, String layout, Path versionFile) {

    /** The libtorch version the bundled JNI library ({@code pytorch-jni 2.7.1-0.36.0}) was built against. */
    public static final String EXPECTED_VERSION = DjlBootstrap.EXPECTED_PYTORCH_VERSION;

    /** Flavors the bundled {@code pytorch-jni} jar has a JNI library for on linux-x86_64. */
    public static final List<String> SUPPORTED_FLAVORS = List.of("cpu", "cu128");

    /** The library DJL looks for. */
    public static final String LIBTORCH = "libtorch.so";

    private static final Pattern WHEEL_VERSION = Pattern.compile("(?m)^__version__\\s*=\\s*['\"]([^'\"]+)['\"]");
    private static final Pattern WHEEL_CUDA = Pattern.compile("(?m)^cuda\\s*(?::[^=]*)?=\\s*(None|['\"]([^'\"]*)['\"])");
    private static final Pattern SEMVER = Pattern.compile("(\\d+\\.\\d+\\.\\d+)(.*)");

    /**
     * Finds and checks the libtorch under {@code path}.
     *
     * @param setting the setting that named the path, for messages
     * @throws IllegalArgumentException naming the setting, the path and what is wrong
     */
    public static LibtorchDirectory inspect(Path path, String setting) {
        if (path.isAbsolute() == false) {
            throw bad(setting, path, "is not an absolute path");
        }
        try {
            return check(path, setting);
        } catch (SecurityException e) {
            throw denied(setting, path, e);
        }
    }

    private static LibtorchDirectory check(Path path, String setting) {
        if (Files.exists(path) == false) {
            throw bad(setting, path, "does not exist");
        }
        if (Files.isDirectory(path) == false) {
            throw bad(setting, path, "is not a directory");
        }
        LibtorchDirectory found = djlJar(path, setting);
        if (found == null) {
            found = libtorchZip(path, setting);
        }
        if (found == null) {
            found = torchWheel(path, setting);
        }
        if (found == null) {
            throw bad(
                setting,
                path,
                "is not a libtorch installation this plugin recognises: expected PyTorch's libtorch folder (build-version and lib/"
                    + LIBTORCH
                    + "), a torch wheel's torch/ folder (version.py and lib/"
                    + LIBTORCH
                    + "), DJL's pytorch-native jar unzipped (native/lib/pytorch.properties), or the lib/ folder of one of them"
            );
        }
        if (Files.isRegularFile(found.libDir().resolve(LIBTORCH)) == false) {
            throw bad(setting, path, "has no " + LIBTORCH + " in [" + found.libDir() + "]");
        }
        if (EXPECTED_VERSION.equals(found.version()) == false || SUPPORTED_FLAVORS.contains(found.flavor()) == false) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "[%s] = [%s] holds libtorch %s (flavor %s, from [%s]); this plugin needs libtorch %s with flavor %s: the versions "
                        + "its JNI library (DJL 0.36.0) was built for. Install libtorch %s+cu128 (CUDA 12.8) or %s+cpu there, or remove "
                        + "the setting to use the bundled CPU build",
                    setting,
                    path,
                    found.version(),
                    found.flavor(),
                    found.versionFile(),
                    EXPECTED_VERSION,
                    String.join(" or ", SUPPORTED_FLAVORS),
                    EXPECTED_VERSION,
                    EXPECTED_VERSION
                )
            );
        }
        return found;
    }

    /** DJL's pytorch-native jar unzipped, addressed by its root or by its {@code pytorch/<flavor>/<classifier>} folder. */
    private static LibtorchDirectory djlJar(Path path, String setting) {
        Path root = path;
        Path props = root.resolve("native/lib/pytorch.properties");
        if (Files.isRegularFile(props) == false) {
            Path up = path.getParent() == null || path.getParent().getParent() == null ? null : path.getParent().getParent().getParent();
            if (up == null || Files.isRegularFile(up.resolve("native/lib/pytorch.properties")) == false) {
                return null;
            }
            root = up;
            props = root.resolve("native/lib/pytorch.properties");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(props)) {
            p.load(in);
        } catch (IOException e) {
            throw bad(setting, path, "has an unreadable [" + props + "]: " + e.getMessage());
        } catch (SecurityException e) {
            throw denied(setting, path, e);
        }
        String version = p.getProperty("version", "");
        String flavor = p.getProperty("flavor", "");
        String classifier = p.getProperty("classifier", "");
        if (version.isEmpty() || flavor.isEmpty() || classifier.isEmpty()) {
            throw bad(setting, path, "has [" + props + "] without version, flavor and classifier");
        }
        // DJL versions read 2.7.1-20250812: the libtorch version, then the build date
        int dash = version.indexOf('-');
        String v = dash > 0 ? version.substring(0, dash) : version;
        return new LibtorchDirectory(path, root.resolve("pytorch").resolve(flavor).resolve(classifier), v, flavor, "djl-native-jar", props);
    }

    /** PyTorch's libtorch zip: {@code build-version} beside {@code lib/}. */
    private static LibtorchDirectory libtorchZip(Path path, String setting) {
        Path root = Files.isRegularFile(path.resolve("build-version")) ? path : parentWith(path, "build-version");
        if (root == null) {
            return null;
        }
        Path file = root.resolve("build-version");
        String text = read(file, setting, path).strip();
        Path lib = Files.isRegularFile(path.resolve(LIBTORCH)) ? path : root.resolve("lib");
        String[] vf = versionAndFlavor(text, null, lib, setting, path, file);
        return new LibtorchDirectory(path, lib, vf[0], vf[1], "libtorch-zip", file);
    }

    /** A torch wheel's package folder: {@code version.py} beside {@code lib/}. */
    private static LibtorchDirectory torchWheel(Path path, String setting) {
        Path root = Files.isRegularFile(path.resolve("version.py")) ? path : parentWith(path, "version.py");
        if (root == null) {
            return null;
        }
        Path file = root.resolve("version.py");
        String text = read(file, setting, path);
        Matcher m = WHEEL_VERSION.matcher(text);
        if (m.find() == false) {
            throw bad(setting, path, "has [" + file + "] without __version__");
        }
        Matcher c = WHEEL_CUDA.matcher(text);
        String cuda = c.find() ? (c.group(2) == null ? "" : c.group(2)) : null;
        Path lib = Files.isRegularFile(path.resolve(LIBTORCH)) ? path : root.resolve("lib");
        String[] vf = versionAndFlavor(m.group(1), cuda, lib, setting, path, file);
        return new LibtorchDirectory(path, lib, vf[0], vf[1], "torch-wheel", file);
    }

    /**
     * Splits {@code 2.7.1+cu128} into version and flavor. Without a local tag the flavor comes from the wheel's
     * {@code cuda} field ({@code ""}: None, CPU), or else from whether the library folder holds CUDA libraries.
     */
    private static String[] versionAndFlavor(String text, String wheelCuda, Path lib, String setting, Path path, Path file) {
        Matcher m = SEMVER.matcher(text);
        if (m.matches() == false) {
            throw bad(setting, path, "has [" + file + "] with an unreadable version [" + text + "]");
        }
        String version = m.group(1);
        String rest = m.group(2);
        if (rest.startsWith("+")) {
            return new String[]{version, rest.substring(1)};
        }
        if (wheelCuda != null) {
            return new String[]{version, wheelCuda.isEmpty() ? "cpu" : "cu" + wheelCuda.replace(".", "")};
        }
        if (Files.exists(lib.resolve("libtorch_cuda.so"))) {
            return new String[]{version, "cuda (version unknown)"};
        }
        return new String[]{version, "cpu"};
    }

    private static Path parentWith(Path path, String file) {
        Path parent = path.getParent();
        return parent != null && Files.isRegularFile(parent.resolve(file)) && Files.isRegularFile(path.resolve(LIBTORCH)) ? parent : null;
    }

    private static String read(Path file, String setting, Path path) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw bad(setting, path, "has an unreadable [" + file + "]: " + e.getMessage());
        } catch (SecurityException e) {
            throw denied(setting, path, e);
        }
    }

    /** OpenSearch 3.x's agent lets a plugin read only some folders (the node's config directory among them). */
    private static IllegalArgumentException denied(String setting, Path path, SecurityException e) {
        return bad(
            setting,
            path,
            "cannot be read by the plugin: OpenSearch only lets plugins read files under the node's config, plugins and data "
                + "directories; put the libtorch (or a link to it) under <config>/lloco/ and set the path relative to the config "
                + "directory, e.g. lloco/libtorch ("
                + e.getMessage().lines().findFirst().orElse("")
                + ")"
        );
    }

    private static IllegalArgumentException bad(String setting, Path path, String what) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "[%s] = [%s] %s", setting, path, what));
    }
}
