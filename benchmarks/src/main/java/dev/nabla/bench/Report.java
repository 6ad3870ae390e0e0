package dev.nabla.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one {@code nabla bench} run measured, and its three renderings: the text table, the
 * JSON file and (through {@link BarChart}) the PNG.
 *
 * @param date        when the run started (ISO-8601)
 * @param command     the command line, for the record
 * @param machine     {@link Machine#describe()}
 * @param cpuPeak     the CPU's FMA peak, if measured
 * @param results     one per workload and contender, workloads in run order
 * @param unavailable backends that could not run, each with its probe reason
 * @param compare     what the comparison side was (python, library versions, threads), or why absent
 */
public record Report(String date, String command, Map<String, Object> machine, Optional<PeakProbe.Peak> cpuPeak,
                     List<Result> results, Map<String, String> unavailable, Map<String, Object> compare) {

    public Report {
        results = List.copyOf(results);
        unavailable = Map.copyOf(new LinkedHashMap<>(unavailable));
        compare = new LinkedHashMap<>(compare);
    }

    // ---- text table -----------------------------------------------------------------------

    private static final String[] HEADER = {"workload", "shape", "backend", "median", "spread", "throughput",
            "of peak", "samples/s", "vs torch", "vs numpy"};

    /** The table: one row per workload and contender, Nabla rows with their speed ratios. */
    public String table() {
        List<String[]> rows = new ArrayList<>();
        Workload previous = null;
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            boolean first = previous == null || !previous.equals(r.workload());
            previous = r.workload();
            String[] row = new String[HEADER.length];
            row[0] = first ? r.workload().kind() : "";
            row[1] = first ? r.workload().label() : "";
            row[2] = r.contender();
            if (!r.ok()) {
                row[3] = "failed: " + r.error();
                for (int c = 4; c < row.length; c++) {
                    row[c] = "";
                }
                rows.add(row);
                continue;
            }
            row[3] = time(r.seconds());
            row[4] = percent(r.stats().orElseThrow().spread());
            row[5] = throughput(r);
            row[6] = Double.isNaN(r.fractionOfPeak()) ? "" : percent(r.fractionOfPeak());
            row[7] = Double.isNaN(r.samplesPerSecond()) ? "" : String.format(Locale.ROOT, "%,.0f", r.samplesPerSecond());
            row[8] = r.nabla() ? ratioText(r, "torch") : "";
            row[9] = r.nabla() ? ratioText(r, "numpy") : "";
            rows.add(row);
        }
        if (!compared()) {
            // Without --compare the ratio columns would be empty: leave them out.
            rows.replaceAll(row -> Arrays.copyOf(row, HEADER.length - 2));
            return render(Arrays.copyOf(HEADER, HEADER.length - 2), rows);
        }
        return render(HEADER, rows);
    }

    /** True if PyTorch or NumPy ran beside Nabla. */
    private boolean compared() {
        return results.stream().anyMatch(r -> !r.nabla());
    }

    /** Notes under the table: the machine, peak, each device, what the columns mean, what did not run. */
    public String notes() {
        StringBuilder text = new StringBuilder();
        text.append("machine: ").append(machine.get("cpu")).append(", ").append(machine.get("cores"))
                .append(" cores, Java ").append(machine.get("jdk")).append('\n');
        if (machine.get("cpuKernels") instanceof String kernels) {
            text.append("cpu kernels: ").append(kernels).append('\n');
        }
        if (machine.get("cpuIsa") instanceof String isa) {
            text.append("cpu isa: --cpu-isa ").append(isa).append(" (JVM flags ").append(machine.get("cpuIsaFlags"))
                    .append(")\n");
        }
        cpuPeak.ifPresent(p -> text.append(String.format(Locale.ROOT,
                "CPU peak: %.0f GFLOP/s (%s probe, %d threads, %d-bit vectors; %.0f GFLOP/s one thread)%n",
                p.flops() / 1e9, p.key().contains("mul+add") ? "mul+add" : "FMA", p.threads(), p.vectorBits(),
                p.perThread() / 1e9)));
        // What each device runs (its open backend's description: the GEMM path, library versions).
        Map<String, String> devices = new java.util.LinkedHashMap<>();
        results.stream().filter(Result::nabla).forEach(r -> devices.putIfAbsent(r.contender(), r.description()));
        devices.forEach((id, description) -> text.append(id).append(": ").append(description).append('\n'));
        text.append("median of the samples; spread = interquartile range / median")
                .append(compared() ? "; vs torch, vs numpy = their time / Nabla's (above 1: Nabla faster)\n" : "\n");
        for (Map.Entry<String, String> e : unavailable.entrySet()) {
            text.append("skipped ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        Object missing = compare.get("missing");
        if (missing instanceof List<?> list) {
            for (Object m : list) {
                text.append("compare: missing ").append(m).append('\n');
            }
        }
        if (compare.get("python") instanceof String python) {
            text.append("python: ").append(python).append(", ").append(compare.get("threads"))
                    .append(" threads, OMP_WAIT_POLICY=").append(compare.get("ompWaitPolicy"))
                    .append(compare.containsKey("openblasThreadTimeout")
                            ? ", OPENBLAS_THREAD_TIMEOUT=" + compare.get("openblasThreadTimeout") : "")
                    .append('\n');
        }
        if (compare.get("blasEnv") instanceof String note) {
            text.append("blas: ").append(note).append('\n');
        }
        for (String side : List.of("torch", "numpy")) {
            if (compare.get(side) instanceof String s) {
                text.append(side).append(": ").append(s).append('\n');
            }
            if (compare.get(side + "BlasCheck") instanceof String check) {
                text.append(side).append(" blas check: ").append(check).append('\n');
            }
        }
        return text.toString();
    }

    /** Nabla's speed relative to {@code other} on the same workload: their median over ours. */
    public Optional<Double> ratio(Result nabla, String other) {
        for (Result r : results) {
            if (r.workload().equals(nabla.workload()) && r.contender().equals(other) && r.ok() && nabla.ok()) {
                return Optional.of(r.seconds() / nabla.seconds());
            }
        }
        return Optional.empty();
    }

    private String ratioText(Result r, String other) {
        return ratio(r, other).map(x -> String.format(Locale.ROOT, "%.2fx", x)).orElse("");
    }

    static String render(String[] header, List<String[]> rows) {
        int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            width[c] = header[c].length();
        }
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                // a failure message spans the remaining columns; do not widen for it
                if (!(c == 3 && row[3].startsWith("failed: "))) {
                    width[c] = Math.max(width[c], row[c].length());
                }
            }
        }
        StringBuilder text = new StringBuilder();
        appendRow(text, header, width);
        int total = 0;
        for (int w : width) {
            total += w + 2;
        }
        text.append("-".repeat(total - 2)).append('\n');
        for (String[] row : rows) {
            appendRow(text, row, width);
        }
        return text.toString();
    }

    private static void appendRow(StringBuilder text, String[] row, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < row.length; c++) {
            boolean numeric = c >= 3;
            String cell = row[c];
            if (c == 3 && cell.startsWith("failed: ")) {
                line.append(cell);
                break;
            }
            if (c > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(Math.max(0, width[c] - cell.length()));
            line.append(numeric ? pad + cell : cell + pad);
        }
        text.append(line.toString().stripTrailing()).append('\n');
    }

    /** Seconds with three significant digits in ns, µs, ms or s. */
    public static String time(double seconds) {
        if (Double.isNaN(seconds)) {
            return "";
        }
        String[] units = {"s", "ms", "us", "ns"};
        double value = seconds;
        int unit = 0;
        while (value < 1 && unit < units.length - 1) {
            value *= 1000;
            unit++;
        }
        return sig3(value) + " " + units[unit];
    }

    static String sig3(double value) {
        String pattern = value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, pattern, value);
    }

    static String percent(double fraction) {
        double p = fraction * 100;
        return String.format(Locale.ROOT, p >= 10 ? "%.0f%%" : "%.1f%%", p);
    }

    static String throughput(Result r) {
        if (r.workload().metric() == Workload.Metric.FLOPS) {
            return sig3(r.gflops()) + " GFLOP/s";
        }
        return Double.isNaN(r.gbps()) ? "" : sig3(r.gbps()) + " GB/s";
    }

    // ---- JSON ---------------------------------------------------------------------------

    /** The JSON document: every figure, with machine, JDK, backend and device descriptions. */
    public Map<String, Object> toJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("date", date);
        doc.put("command", command);
        doc.put("machine", machine);
        cpuPeak.ifPresent(p -> {
            Map<String, Object> peak = new LinkedHashMap<>();
            peak.put("gflops", p.flops() / 1e9);
            peak.put("gflopsOneThread", p.perThread() / 1e9);
            peak.put("threads", p.threads());
            peak.put("vectorBits", p.vectorBits());
            peak.put("measuredAt", p.measuredAt());
            peak.put("method", "Vector API FMA throughput probe, " + PeakProbe.ACCUMULATORS + " chains per thread");
            doc.put("cpuPeak", peak);
        });
        doc.put("unavailableBackends", unavailable);
        doc.put("compare", compare);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload().kind());
            m.put("label", r.workload().label());
            m.put("params", r.workload().params());
            m.put("contender", r.contender());
            m.put("nabla", r.nabla());
            m.put("description", r.description());
            if (!r.ok()) {
                m.put("error", r.error());
                list.add(m);
                continue;
            }
            Stats s = r.stats().orElseThrow();
            m.put("medianSeconds", s.median());
            m.put("q1Seconds", s.q1());
            m.put("q3Seconds", s.q3());
            m.put("minSeconds", s.min());
            m.put("maxSeconds", s.max());
            m.put("spread", s.spread());
            m.put("samplesSeconds", r.samples());
            putFinite(m, "flopsPerCall", r.workload().flops() > 0 ? r.workload().flops() : Double.NaN);
            putFinite(m, "bytesPerCall", r.workload().bytes() > 0 ? r.workload().bytes() : Double.NaN);
            putFinite(m, "gflops", r.gflops());
            putFinite(m, "gbps", r.gbps());
            putFinite(m, "fractionOfPeak", r.fractionOfPeak());
            putFinite(m, "samplesPerSecond", r.samplesPerSecond());
            if (r.nabla()) {
                ratio(r, "torch").ifPresent(x -> m.put("speedupVsTorch", x));
                ratio(r, "numpy").ifPresent(x -> m.put("speedupVsNumpy", x));
            }
            list.add(m);
        }
        doc.put("results", list);
        return doc;
    }

    private static void putFinite(Map<String, Object> m, String key, double value) {
        if (Double.isFinite(value)) {
            m.put(key, value);
        }
    }

    /** Writes {@link #toJson()} to {@code file}, creating its folder. */
    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), toJson());
    }
}
