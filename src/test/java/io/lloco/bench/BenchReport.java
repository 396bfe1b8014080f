/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns the JSON lines of {@link QaBench} into a summary ({@code summary.json}), Markdown tables ({@code summary.md})
 * and PNG plots (latency vs length, accuracy vs compression, throughput vs clients, the needle heatmap).
 *
 * <p>Usage: {@code BenchReport results.jsonl out-dir [shape.jsonl]}.
 */
public final class BenchReport {

    static final ObjectMapper OM = new ObjectMapper();
    static final String[] MODES = {"lloco", "rag", "full_context"};

    private BenchReport() {
    }

    /** Entry point; see the class documentation. */
    public static void main(String[] args) throws Exception {
        List<JsonNode> points = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of(args[0]))) {
            if (l.isBlank() == false) {
                points.add(OM.readTree(l));
            }
        }
        Path dir = Path.of(args[1]);
        Files.createDirectories(dir);
        ObjectNode summary = OM.createObjectNode();
        StringBuilder md = new StringBuilder();
        sweep(points, summary, md, dir);
        compression(points, summary, md);
        ingest(points, summary, md);
        load(points, summary, md, dir);
        memory(points, summary, md);
        needle(points, summary, md, dir);
        shape(points, summary, md);
        Files.writeString(dir.resolve("summary.json"), OM.writerWithDefaultPrettyPrinter().writeValueAsString(summary) + "\n");
        Files.writeString(dir.resolve("summary.md"), md.toString());
        System.out.print(md);
        if (args.length > 2 && args[2].equals("--check")) {
            List<String> failures = check(points, summary);
            if (failures.isEmpty() == false) {
                System.err.println("bench check failed:\n  " + String.join("\n  ", failures));
                System.exit(1);
            }
            System.out.println("bench check passed");
        }
    }

    /**
     * What bin/test's quick run holds the product to (the figures themselves vary with the machine's load): every stage
     * measured; at every length lloco reads fewer decoder positions than the whole document and no question failed; the
     * load test answered every question; lloco-tiny finds the needle where it was trained to (documents in its window).
     */
    static List<String> check(List<JsonNode> points, ObjectNode summary) {
        List<String> f = new ArrayList<>();
        for (String s : new String[]{"memory", "ingest", "storage", "sweep", "load"}) {
            if (stage(points, s).isEmpty()) {
                f.add("no [" + s + "] point measured");
            }
        }
        int full = 0;
        for (JsonNode r : summary.path("sweep")) {
            if (r.path("mode").asText().equals("full_context") && r.has("decoder_positions")) {
                full++;
            }
            if (r.path("mode").asText().equals("lloco") && r.has("positions_ratio_full_over_mode")) {
                if (r.path("positions_ratio_full_over_mode").asDouble() <= 1) {
                    f.add("lloco read as many decoder positions as full_context at " + r.path("length").asInt() + " tokens");
                }
            }
        }
        if (full == 0) {
            f.add("no full_context point timed");
        }
        int needles = 0;
        int found = 0;
        for (JsonNode p : stage(points, "sweep")) {
            if (p.path("mode").asText().equals("lloco") && p.path("task").asText().equals("needle")) {
                needles++;
                found += p.path("correct").asBoolean() ? 1 : 0;
            }
        }
        if (needles == 0 || found * 2 < needles) {
            f.add("lloco found " + found + " of " + needles + " needles (the model card's figure is 0.94)");
        }
        for (JsonNode p : stage(points, "load")) {
            if (p.path("errors").asInt() > 0 || p.path("questions").asInt() == 0) {
                f.add(p.path("key").asText() + ": " + p.path("errors").asInt() + " errors, " + p.path("questions").asInt() + " answers");
            }
        }
        return f;
    }

    private static List<JsonNode> stage(List<JsonNode> points, String stage) {
        List<JsonNode> r = new ArrayList<>();
        for (JsonNode p : points) {
            if (p.path("stage").asText().equals(stage)) {
                r.add(p);
            }
        }
        return r;
    }

    private static void sweep(List<JsonNode> points, ObjectNode summary, StringBuilder md, Path dir) throws IOException {
        List<JsonNode> sw = stage(points, "sweep");
        TreeSet<Integer> lengths = new TreeSet<>();
        for (JsonNode p : sw) {
            lengths.add(p.path("length").asInt());
        }
        ArrayNode rows = summary.putArray("sweep");
        md.append("### Context sweep (paired question: the depth-0.5 needle, every mode back to back)\n\n");
        md.append(
            "| tokens | mode | model | decoder positions | prefill ms | decode ms | end-to-end ms | accuracy (n) | full/mode positions | full/mode end-to-end | full/mode FLOPs |\n"
        );
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, XYSeries> lat = new TreeMap<>();
        XYSeriesCollection acc = new XYSeriesCollection();
        Map<String, XYSeries> accSeries = new TreeMap<>();
        for (int length : lengths) {
            JsonNode full = paired(sw, "full_context", length);
            for (String mode : MODES) {
                JsonNode p = paired(sw, mode, length);
                int n = 0;
                int ok = 0;
                double positions = 0;
                for (JsonNode q : sw) {
                    if (q.path("mode").asText().equals(mode) && q.path("length").asInt() == length
                        && q.path("accuracy_reported").asBoolean()) {
                        n++;
                        ok += q.path("correct").asBoolean() ? 1 : 0;
                        positions += q.path("usage").path("decoder_positions").asDouble();
                    }
                }
                if (p == null && n == 0) {
                    continue;
                }
                ObjectNode row = rows.addObject();
                row.put("length", length).put("mode", mode);
                String accText = "not reported";
                if (n > 0) {
                    row.put("accuracy", (double) ok / n).put("questions", n).put("mean_decoder_positions", positions / n);
                    accText = String.format(Locale.ROOT, "%.2f (%d)", (double) ok / n, n);
                    if (mode.equals("full_context") == false || n > 0) {
                        accSeries.computeIfAbsent(mode, XYSeries::new).add(length / Math.max(1.0, positions / n), (double) ok / n);
                    }
                } else {
                    row.putNull("accuracy");
                }
                if (p == null) {
                    md.append(String.format(Locale.ROOT, "| %,d | %s | | | | | | %s | | | |%n", length, mode, accText));
                    continue;
                }
                double pos = p.path("usage").path("decoder_positions").asDouble();
                row.put("model", p.path("model").asText()).put("decoder_positions", pos);
                row.put("prefill_ms", p.path("prefill_ms").asDouble()).put("decode_ms", p.path("decode_ms").asDouble());
                row.put("total_ms", p.path("total_ms").asDouble()).put("client_ms", p.path("client_ms").asDouble());
                row.put("flops", p.path("flops").asDouble()).put("reads", p.path("reads").asInt());
                String ratios = "| | | ";
                if (full != null) {
                    double rp = full.path("usage").path("decoder_positions").asDouble() / pos;
                    double rt = full.path("total_ms").asDouble() / p.path("total_ms").asDouble();
                    double rf = full.path("flops").asDouble() / p.path("flops").asDouble();
                    row.put("positions_ratio_full_over_mode", rp).put("latency_ratio_full_over_mode", rt)
                        .put("flop_ratio_full_over_mode", rf);
                    ratios = String.format(Locale.ROOT, "| %.1f× | %.1f× | %.1f× ", rp, rt, rf);
                }
                md.append(
                    String.format(
                        Locale.ROOT,
                        "| %,d | %s | %s | %,.0f | %,.1f | %,.1f | %,.1f | %s %s|%n",
                        length,
                        mode,
                        p.path("model").asText(),
                        pos,
                        p.path("prefill_ms").asDouble(),
                        p.path("decode_ms").asDouble(),
                        p.path("total_ms").asDouble(),
                        accText,
                        ratios
                    )
                );
                lat.computeIfAbsent(mode, XYSeries::new).add(length, p.path("total_ms").asDouble());
            }
        }
        md.append('\n');
        XYSeriesCollection c = new XYSeriesCollection();
        for (String m : MODES) {
            if (lat.containsKey(m)) {
                c.addSeries(lat.get(m));
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart(
            "End-to-end latency vs context length (lloco-tiny; > 2,048: same weights, window raised)",
            "document tokens",
            "ms per question (server total)",
            c,
            PlotOrientation.VERTICAL,
            true,
            false,
            false
        );
        XYPlot plot = chart.getXYPlot();
        LogAxis x = logAxis("document tokens (log)", 2);
        x.setUpperMargin(0.06);
        plot.setDomainAxis(x);
        LogAxis y = logAxis("ms per question, end to end on the node (log)", 10);
        y.setUpperMargin(0.25); // room for the ratio labels above the full_context points
        plot.setRangeAxis(y);
        JsonNode rows0 = summary.path("sweep");
        for (JsonNode r : rows0) {
            if (r.path("mode").asText().equals("lloco") && r.has("latency_ratio_full_over_mode")) {
                double fullMs = r.path("total_ms").asDouble() * r.path("latency_ratio_full_over_mode").asDouble();
                XYTextAnnotation a = new XYTextAnnotation(
                    String.format(Locale.ROOT, "%,.0f× lloco", r.path("latency_ratio_full_over_mode").asDouble()),
                    r.path("length").asDouble(),
                    fullMs * 1.6
                );
                a.setFont(new Font("SansSerif", Font.BOLD, 12));
                plot.addAnnotation(a);
            }
        }
        style(chart);
        ChartUtils.saveChartAsPNG(dir.resolve("latency-vs-length.png").toFile(), chart, 900, 540);
        for (XYSeries s : accSeries.values()) {
            acc.addSeries(s);
        }
        JFreeChart ac = ChartFactory.createScatterPlot(
            "Accuracy vs compression (document tokens / decoder positions), lengths in lloco-tiny's window or read in it",
            "compression (log)",
            "accuracy",
            acc,
            PlotOrientation.VERTICAL,
            true,
            false,
            false
        );
        ac.getXYPlot().setDomainAxis(logAxis("document tokens / decoder positions (log)", 2));
        for (JsonNode r : summary.path("sweep")) {
            if (r.has("accuracy") && r.path("accuracy").isNull() == false) {
                XYTextAnnotation a = new XYTextAnnotation(
                    String.format(Locale.ROOT, "%,d", r.path("length").asInt()),
                    r.path("length").asDouble() / r.path("mean_decoder_positions").asDouble(),
                    r.path("accuracy").asDouble() + 0.03
                );
                a.setFont(new Font("SansSerif", Font.PLAIN, 10));
                ac.getXYPlot().addAnnotation(a);
            }
        }
        ((NumberAxis) ac.getXYPlot().getRangeAxis()).setRange(0, 1.05);
        style(ac);
        ChartUtils.saveChartAsPNG(dir.resolve("accuracy-vs-compression.png").toFile(), ac, 900, 540);
    }

    private static JsonNode paired(List<JsonNode> sw, String mode, int length) {
        for (JsonNode p : sw) {
            if (p.path("paired").asBoolean() && p.path("mode").asText().equals(mode) && p.path("length").asInt() == length) {
                return p;
            }
        }
        return null;
    }

    private static void compression(List<JsonNode> points, ObjectNode summary, StringBuilder md) {
        md.append(
            "### Compression per segment\n\n| configuration | tokens per segment | summary vectors per segment | ratio |\n|---|---|---|---|\n"
        );
        double tokens = 0;
        double segments = 0;
        double summaries = 0;
        for (JsonNode p : stage(points, "ingest")) {
            if (p.path("index").asText().equals(QaBench.TINY)) {
                tokens += p.path("tokens").asDouble();
                segments += p.path("segments").asDouble();
                summaries += p.path("summary_vectors").asDouble();
            }
        }
        ObjectNode c = summary.putObject("compression");
        if (segments > 0) {
            double tps = tokens / segments;
            double sps = summaries / segments;
            c.put("lloco_tiny_tokens_per_segment", tps).put("lloco_tiny_summaries_per_segment", sps).put("lloco_tiny_ratio", tps / sps);
            md.append(
                String.format(
                    Locale.ROOT,
                    "| lloco-tiny (segments of ≤ 64 tokens of whole sentences, measured over the ingested documents) | %.1f | %.0f | %.2f× |%n",
                    tps,
                    sps,
                    tps / sps
                )
            );
        }
        c.put("llama2_7b_autocompressor_ratio", 1536.0 / 50);
        md.append("| LLoCO paper / the 7B-shape checkpoint (bench/large) | 1,536 | 50 | 30.72× |\n\n");
    }

    private static void ingest(List<JsonNode> points, ObjectNode summary, StringBuilder md) {
        md.append("### Ingest (lloco_compress, batch_size 8) beside the encoder's FLOP bound measured in the same run\n\n");
        md.append(
            "| index | document tokens | docs | tokens/s | matmul GFLOP/s (before / after) | FLOP bound tokens/s | ratio |\n|---|---|---|---|---|---|---|\n"
        );
        ArrayNode a = summary.putArray("ingest");
        double tokens = 0;
        double seconds = 0;
        double boundSeconds = 0; // the time the FLOP bound allows for the same tokens
        for (JsonNode p : stage(points, "ingest")) {
            a.add(p);
            tokens += p.path("tokens").asDouble();
            seconds += p.path("seconds").asDouble();
            boundSeconds += p.path("tokens").asDouble() / p.path("flop_bound_tokens_per_s").asDouble();
            md.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %,d | %d | %.0f | %.2f / %.2f | %.0f | %.2f |%n",
                    p.path("index").asText(),
                    p.path("length").asInt(),
                    p.path("docs").asInt(),
                    p.path("tokens_per_s").asDouble(),
                    p.path("matmul_gflops_before").asDouble(),
                    p.path("matmul_gflops_after").asDouble(),
                    p.path("flop_bound_tokens_per_s").asDouble(),
                    p.path("ratio_to_bound").asDouble()
                )
            );
        }
        if (seconds > 0) {
            ObjectNode t = summary.putObject("ingest_total");
            t.put("tokens", tokens).put("seconds", seconds).put("tokens_per_s", tokens / seconds)
                .put("ratio_to_bound", boundSeconds / seconds);
            md.append(
                String.format(
                    Locale.ROOT,
                    "| **all** | %,.0f tokens | | **%.0f** | | %.0f | **%.2f** |%n",
                    tokens,
                    tokens / seconds,
                    tokens / boundSeconds,
                    boundSeconds / seconds
                )
            );
        }
        md.append('\n');
    }

    private static void load(List<JsonNode> points, ObjectNode summary, StringBuilder md, Path dir) throws IOException {
        List<JsonNode> ld = stage(points, "load");
        if (ld.isEmpty()) {
            return;
        }
        md.append(
            "### Load (lloco, granularity segment, top_segments 3: one read of 48 summary vectors per question; configurations interleaved in 5 s slices)\n\n"
        );
        md.append(
            "| max_batch | clients | questions/s | p50 ms | p99 ms | mean batch | errors | vs 1 client | node cores busy | node CPU ms/question | questions per node CPU-s (vs 1 client) | server ms: retrieve / fetch / queue / prefill / decode | decode worker ms per question (its ceiling, questions/s) |\n"
        );
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        ArrayNode a = summary.putArray("load");
        XYSeriesCollection c = new XYSeriesCollection();
        Map<Integer, XYSeries> s = new TreeMap<>();
        Map<Integer, Double> one = new TreeMap<>();
        Map<Integer, Double> oneCpu = new TreeMap<>();
        for (JsonNode p : ld) {
            if (p.path("clients").asInt() == 1) {
                one.put(p.path("max_batch").asInt(), p.path("questions_per_s").asDouble());
                oneCpu.put(p.path("max_batch").asInt(), p.path("questions_per_node_cpu_s").asDouble(Double.NaN));
            }
        }
        for (JsonNode p : ld) {
            a.add(p);
            int b = p.path("max_batch").asInt();
            Double base = one.get(b);
            // the one decode worker runs a batch's prefill and decode steps for all its questions at once: its time per
            // question is what bounds the node's throughput when it is always busy
            double workerMs = (p.path("mean_server_ms").path("prefill_ms").asDouble(Double.NaN) + p.path("mean_server_ms")
                .path("decode_ms")
                .asDouble(Double.NaN)) / Math.max(1, p.path("mean_batch_size").asDouble(1));
            md.append(
                String.format(
                    Locale.ROOT,
                    "| %d | %d | %.2f | %.0f | %.0f | %.2f | %d | %s | %.2f | %.0f | %.1f (%.2f×) | %.0f / %.0f / %.0f / %.0f / %.0f | %.1f (%.0f) |%n",
                    b,
                    p.path("clients").asInt(),
                    p.path("questions_per_s").asDouble(),
                    p.path("p50_ms").asDouble(),
                    p.path("p99_ms").asDouble(),
                    p.path("mean_batch_size").asDouble(),
                    p.path("errors").asInt(),
                    base == null ? "" : String.format(Locale.ROOT, "%.2f×", p.path("questions_per_s").asDouble() / base),
                    p.path("node_cores_busy").asDouble(Double.NaN),
                    p.path("node_cpu_ms_per_question").asDouble(Double.NaN),
                    p.path("questions_per_node_cpu_s").asDouble(Double.NaN),
                    p.path("questions_per_node_cpu_s").asDouble(Double.NaN) / oneCpu.getOrDefault(b, Double.NaN),
                    p.path("mean_server_ms").path("retrieve_ms").asDouble(Double.NaN),
                    p.path("mean_server_ms").path("fetch_ms").asDouble(Double.NaN),
                    p.path("mean_server_ms").path("queue_ms").asDouble(Double.NaN),
                    p.path("mean_server_ms").path("prefill_ms").asDouble(Double.NaN),
                    p.path("mean_server_ms").path("decode_ms").asDouble(Double.NaN),
                    workerMs,
                    1000 / workerMs
                )
            );
            s.computeIfAbsent(
                b,
                k -> new XYSeries(k == 1 ? "batching off (max_batch 1)" : "batching on (max_batch " + k + (k == 8 ? ", the default)" : ")"))
            )
                .add(p.path("clients").asInt(), p.path("questions_per_s").asDouble());
        }
        md.append('\n');
        for (XYSeries x : s.values()) {
            c.addSeries(x);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(
            "QA throughput vs concurrent clients (lloco-tiny, one node)",
            "clients",
            "questions/s",
            c,
            PlotOrientation.VERTICAL,
            true,
            false,
            false
        );
        chart.getXYPlot().setDomainAxis(logAxis("concurrent clients (log)", 2));
        style(chart);
        ChartUtils.saveChartAsPNG(dir.resolve("throughput-vs-clients.png").toFile(), chart, 900, 540);
    }

    private static void memory(List<JsonNode> points, ObjectNode summary, StringBuilder md) {
        for (JsonNode p : stage(points, "memory")) {
            summary.set("memory", p);
            md.append(
                "### Memory (the node, before and after each model loads)\n\n| when | heap used | RSS | anonymous RSS | lloco breaker (native reservations) |\n|---|---|---|---|---|\n"
            );
            for (String w : new String[]{"before", "after_model", "after_long_model"}) {
                JsonNode m = p.path(w);
                md.append(
                    String.format(
                        Locale.ROOT,
                        "| %s | %.1f MB | %.1f MB | %.1f MB | %.1f MB |%n",
                        w,
                        m.path("heap_used_bytes").asDouble() / 1e6,
                        m.path("vmrss_bytes").asDouble() / 1e6,
                        m.path("rssanon_bytes").asDouble() / 1e6,
                        m.path("lloco_breaker_bytes").asDouble() / 1e6
                    )
                );
            }
            JsonNode after = p;
            for (JsonNode q : stage(points, "memory_after")) {
                after = q;
                JsonNode m = q.path("node");
                md.append(
                    String.format(
                        Locale.ROOT,
                        "| after the sweep (adapters loaded, KV caches used) | %.1f MB | %.1f MB | %.1f MB | %.1f MB |%n",
                        m.path("heap_used_bytes").asDouble() / 1e6,
                        m.path("vmrss_bytes").asDouble() / 1e6,
                        m.path("rssanon_bytes").asDouble() / 1e6,
                        m.path("lloco_breaker_bytes").asDouble() / 1e6
                    )
                );
            }
            md.append("\n| model | parameters | weight bytes | KV-cache budget | adapters (bytes) |\n|---|---|---|---|---|\n");
            for (String w : new String[]{"model", "long_model"}) {
                JsonNode m = after.path(w);
                StringBuilder ad = new StringBuilder();
                for (JsonNode x : m.path("adapters")) {
                    ad.append(x.path("name").asText()).append(' ').append(String.format(Locale.ROOT, "%,d", x.path("bytes").asLong()))
                        .append(' ');
                }
                md.append(
                    String.format(
                        Locale.ROOT,
                        "| %s | %,d | %,d | %,d | %s|%n",
                        m.path("id").asText(),
                        m.path("parameters").asLong(),
                        m.path("weight_bytes").asLong(),
                        m.path("kv_cache_budget_bytes").asLong(),
                        ad
                    )
                );
            }
            md.append('\n');
        }
        for (JsonNode p : stage(points, "storage")) {
            summary.set("storage", p);
            md.append(
                String.format(
                    Locale.ROOT,
                    "Index `%s` after a force merge: %,d bytes for %,d source tokens in %d documents = **%.1f bytes per source token**.%n%n",
                    p.path("index").asText(),
                    p.path("store_bytes").asLong(),
                    p.path("source_tokens").asLong(),
                    p.path("docs").asInt(),
                    p.path("bytes_per_source_token").asDouble()
                )
            );
        }
    }

    private static void needle(List<JsonNode> points, ObjectNode summary, StringBuilder md, Path dir) throws IOException {
        TreeMap<Integer, TreeMap<Double, Boolean>> grid = new TreeMap<>();
        for (JsonNode p : stage(points, "sweep")) {
            if (p.path("mode").asText().equals("lloco") && p.path("task").asText().equals("needle")) {
                grid.computeIfAbsent(p.path("length").asInt(), k -> new TreeMap<>())
                    .put(p.path("depth").asDouble(), p.path("correct").asBoolean());
            }
        }
        if (grid.isEmpty()) {
            return;
        }
        TreeSet<Double> depths = new TreeSet<>();
        grid.values().forEach(m -> depths.addAll(m.keySet()));
        ObjectNode g = summary.putObject("needle_grid_lloco");
        md.append("### Needle grid (lloco; 1 = found)\n\n| depth \\ tokens |");
        for (int l : grid.keySet()) {
            md.append(String.format(Locale.ROOT, " %,d |", l));
        }
        md.append("\n|---|");
        grid.keySet().forEach(l -> md.append("---|"));
        md.append('\n');
        List<Integer> ls = new ArrayList<>(grid.keySet());
        List<Double> ds = new ArrayList<>(depths);
        double[] xs = new double[ls.size() * ds.size()];
        double[] ys = new double[xs.length];
        double[] zs = new double[xs.length];
        int k = 0;
        for (int di = 0; di < ds.size(); di++) {
            md.append(String.format(Locale.ROOT, "| %.2f |", ds.get(di)));
            for (int li = 0; li < ls.size(); li++) {
                Boolean v = grid.get(ls.get(li)).get(ds.get(di));
                md.append(v == null ? " |" : v ? " 1 |" : " 0 |");
                g.with(String.valueOf(ls.get(li))).put(String.valueOf(ds.get(di)), v == null ? null : v ? 1 : 0);
                xs[k] = li;
                ys[k] = di;
                zs[k] = v == null ? -1 : v ? 1 : 0;
                k++;
            }
            md.append('\n');
        }
        md.append('\n');
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("needle", new double[][]{xs, ys, zs});
        XYBlockRenderer r = new XYBlockRenderer();
        LookupPaintScale scale = new LookupPaintScale(-1.5, 1.5, Color.LIGHT_GRAY);
        scale.add(-1.5, new Color(220, 220, 220));
        scale.add(-0.5, new Color(214, 96, 77));
        scale.add(0.5, new Color(67, 147, 195));
        r.setPaintScale(scale);
        String[] lx = ls.stream().map(l -> String.format(Locale.ROOT, "%,d", l)).toArray(String[]::new);
        String[] ly = ds.stream().map(d -> String.format(Locale.ROOT, "%.0f%%", d * 100)).toArray(String[]::new);
        XYPlot plot = new XYPlot(data, new SymbolAxis("document tokens", lx), new SymbolAxis("needle depth", ly), r);
        for (int i = 0; i < xs.length; i++) {
            String t = zs[i] < 0 ? "–" : zs[i] > 0 ? "found" : "missed";
            XYTextAnnotation a = new XYTextAnnotation(t, xs[i], ys[i]);
            a.setFont(new Font("SansSerif", Font.BOLD, 13));
            a.setPaint(Color.WHITE);
            plot.addAnnotation(a);
        }
        JFreeChart chart = new JFreeChart("Needle in a haystack: lloco mode (lloco-tiny, summaries of retrieved segments)", plot);
        chart.removeLegend();
        NumberAxis sa = new NumberAxis("");
        sa.setVisible(false);
        PaintScaleLegend legend = new PaintScaleLegend(scale, sa);
        legend.setPosition(RectangleEdge.RIGHT);
        style(chart);
        ChartUtils.saveChartAsPNG(new File(dir.resolve("needle-heatmap.png").toString()), chart, 900, 480);
    }

    private static void shape(List<JsonNode> points, ObjectNode summary, StringBuilder md) {
        List<JsonNode> sh = stage(points, "shape");
        if (sh.isEmpty() == false) {
            ArrayNode a = summary.putArray("shape");
            md.append("### Llama-2-7B shape, measured (random checkpoint, ")
                .append(sh.get(0).path("layers").asInt())
                .append(" layers, float32 compute over float16 weights, the real Generator)\n\n");
            md.append(
                "| context tokens | full_context positions | prefill s | total s | lloco positions | prefill s | total s | measured ratio | FLOP ratio |\n"
            );
            md.append("|---|---|---|---|---|---|---|---|---|\n");
            for (JsonNode p : sh) {
                a.add(p);
                JsonNode f = p.path("full_context");
                JsonNode l = p.path("lloco");
                md.append(
                    String.format(
                        Locale.ROOT,
                        "| %,d | %,d | %.2f | %.2f | %,d | %.2f | %.2f | %.1f× | %.1f× |%n",
                        p.path("length").asInt(),
                        f.path("decoder_positions").asInt(),
                        f.path("prefill_s").asDouble(),
                        f.path("total_s").asDouble(),
                        l.path("decoder_positions").asInt(),
                        l.path("prefill_s").asDouble(),
                        l.path("total_s").asDouble(),
                        p.path("measured_ratio").asDouble(),
                        p.path("flop_ratio").asDouble()
                    )
                );
            }
            md.append('\n');
        }
        for (JsonNode e : stage(points, "shape_estimates")) {
            summary.set("shape_estimates", e);
            md.append("### Llama-2-7B (32 layers) on a GPU: **estimates, not measurements**\n\n")
                .append(e.path("note").asText())
                .append(".\n\n| GPU | context tokens | full_context s | lloco s | ratio | FLOP ratio |\n|---|---|---|---|---|---|\n");
            for (JsonNode r : e.path("rows")) {
                md.append(
                    String.format(
                        Locale.ROOT,
                        "| %s (estimate) | %,d | %.3f | %.3f | %.1f× | %.1f× |%n",
                        r.path("gpu").asText(),
                        r.path("length").asInt(),
                        r.path("full_context_s").asDouble(),
                        r.path("lloco_s").asDouble(),
                        r.path("ratio").asDouble(),
                        r.path("flop_ratio").asDouble()
                    )
                );
            }
            md.append('\n');
        }
    }

    private static LogAxis logAxis(String label, double base) {
        LogAxis a = new LogAxis(label);
        a.setBase(base);
        a.setTickUnit(new NumberTickUnit(1));
        a.setMinorTickMarksVisible(false);
        a.setNumberFormatOverride(new DecimalFormat("#,##0.##"));
        return a;
    }

    private static Color colour(String series) {
        if (series.startsWith("lloco")) {
            return new Color(33, 102, 172);
        }
        if (series.startsWith("rag")) {
            return new Color(230, 145, 30);
        }
        if (series.startsWith("full")) {
            return new Color(178, 24, 43);
        }
        if (series.contains("off")) {
            return new Color(120, 120, 120);
        }
        return series.contains("32") ? new Color(27, 120, 55) : new Color(33, 102, 172);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font("SansSerif", Font.BOLD, 14));
        XYPlot p = chart.getXYPlot();
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(Color.LIGHT_GRAY);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (p.getRenderer() instanceof XYLineAndShapeRenderer lr) {
            for (int i = 0; i < p.getSeriesCount(); i++) {
                lr.setSeriesStroke(i, new BasicStroke(2.2f));
                lr.setSeriesShapesVisible(i, true);
                lr.setSeriesPaint(i, colour(String.valueOf(p.getDataset().getSeriesKey(i))));
            }
        }
    }
}
