/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.architecture;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.runtime.DjlBootstrap;

/**
 * What the built plugin zip holds (issue 21: the LoRA trainer runs inside the node; the synthetic world and base
 * pretraining are development tools and stay out of the zip). Runs in the {@code verify} phase, after {@code package}
 * built the zip ({@code plugin-zip-check} in pom.xml), on the zip named by {@code lloco.plugin.zip}:
 * <ul>
 * <li>no class of the development tools ({@code io/lloco/train/**}: the synthetic world, the pretrainer, the world
 * trainers and evaluators, {@code large/}; {@code io/lloco/cli/**}: the command line) is in the plugin jar;</li>
 * <li>the node's training path is ({@code _train}, {@code _evaluate} and the trainer they call);</li>
 * <li>every {@code io.lloco} class a shipped class refers to (read from the class files' constant pools) is shipped
 * too, so a node never meets a {@link NoClassDefFoundError} for a class left out.</li>
 * </ul>
 */
public class PluginZipTests extends OpenSearchTestCase {

    /** Class-file folders of the development tools: compiled from src/dev/java, never shipped. */
    static final Set<String> DEV_ONLY = Set.of("io/lloco/train/", "io/lloco/cli/");

    public void testTheZipShipsTheTrainerButNoDevelopmentTool() throws Exception {
        Map<String, byte[]> classes = pluginJarClasses(zip());
        assertTrue("too few classes in the plugin jar: " + classes.size(), classes.size() > 200);
        for (String needed : new String[]{
            "io/lloco/LlocoPlugin.class",
            "io/lloco/tuning/AdapterTrainRunTransportAction.class",
            "io/lloco/tuning/AdapterEvaluateTransportAction.class",
            "io/lloco/runtime/train/QaAdapterTrainer.class",
            "io/lloco/runtime/train/PrefixLoss.class",
            "io/lloco/runtime/train/AdamW.class",
            "io/lloco/runtime/train/AnswerMetrics.class"}) {
            assertTrue("the plugin jar lacks " + needed, classes.containsKey(needed));
        }
        TreeSet<String> dev = new TreeSet<>();
        for (String name : classes.keySet()) {
            if (DEV_ONLY.stream().anyMatch(name::startsWith)) {
                dev.add(name);
            }
        }
        assertEquals("development tools in the plugin zip", Set.of(), dev);
    }

    public void testEveryLlocoClassAShippedClassNamesIsShipped() throws Exception {
        Map<String, byte[]> classes = pluginJarClasses(zip());
        Map<String, Set<String>> missing = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : classes.entrySet()) {
            for (String ref : llocoReferences(e.getValue())) {
                if (classes.containsKey(ref + ".class") == false) {
                    missing.computeIfAbsent(ref, k -> new TreeSet<>()).add(e.getKey());
                }
            }
        }
        assertEquals("io.lloco classes referred to by shipped classes but not shipped (class -> referrers)", Map.of(), missing);
    }

    public void testTheReferenceScanSeesADevelopmentToolReference() throws Exception {
        // the scan itself: the CLI's train command (compiled beside the plugin, not shipped) names the pretrainer
        Path classesDir = Path.of(DjlBootstrap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> refs = llocoReferences(Files.readAllBytes(classesDir.resolve("io/lloco/cli/TrainCommand.class")));
        assertTrue(refs.toString(), refs.contains("io/lloco/train/Pretrainer"));
        assertTrue(refs.toString(), refs.contains("io/lloco/runtime/train/TrainSupport") || refs.contains("io/lloco/train/LoraTrainer"));
        assertFalse("the scan names only classes, not resources: " + refs, refs.stream().anyMatch(r -> r.contains(".")));
    }

    private static Path zip() {
        String p = System.getProperty("lloco.plugin.zip");
        assertNotNull("system property [lloco.plugin.zip] is not set: run through `./mvnw verify` (plugin-zip-check)", p);
        Path zip = Path.of(p);
        assertTrue("no plugin zip at [" + zip + "]: `./mvnw package` builds it before this check", Files.isRegularFile(zip));
        return zip;
    }

    /** The class files of the plugin's own jar ({@code lloco-*.jar}) inside the plugin zip, by entry name. */
    static Map<String, byte[]> pluginJarClasses(Path zip) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            ArrayList<ZipEntry> jars = new ArrayList<>();
            z.stream().filter(e -> e.getName().matches("lloco-[0-9][^/]*\\.jar")).forEach(jars::add);
            assertEquals("the plugin's own jar in " + zip + ": " + jars, 1, jars.size());
            Map<String, byte[]> out = new TreeMap<>();
            try (InputStream in = z.getInputStream(jars.get(0)); ZipInputStream jar = new ZipInputStream(in)) {
                for (ZipEntry e = jar.getNextEntry(); e != null; e = jar.getNextEntry()) {
                    if (e.getName().endsWith(".class")) {
                        out.put(e.getName(), jar.readAllBytes());
                    }
                }
            }
            return out;
        }
    }

    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L(io/lloco/[^;<>.\\[]+);");

    /**
     * The {@code io/lloco} classes (internal names) a class file names: its constant pool's class entries and the types
     * in its descriptors and signatures.
     */
    static Set<String> llocoReferences(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        assertEquals("not a class file", 0xCAFEBABE, in.readInt());
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        ArrayList<Integer> classNames = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNames.add(in.readUnsignedShort());
                case 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++; // takes two slots
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        Set<String> out = new TreeSet<>();
        for (int idx : classNames) {
            String n = utf8[idx];
            if (n.startsWith("io/lloco/")) {
                out.add(n);
            }
        }
        for (String s : utf8) {
            if (s != null && s.contains("Lio/lloco/")) {
                Matcher m = DESCRIPTOR_TYPE.matcher(s);
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }
}
