package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    private static final Workload.Matmul GEMM = Workload.Matmul.square(1000);
    private static final Workload.MlpStep STEP = Workloads.DEFAULT_MLP;
    private static final Workload.Elementwise ADD = new Workload.Elementwise(Workload.Elementwise.Op.ADD, 1000, 1000);

    private static Result result(Workload w, String who, boolean nabla, double... seconds) {
        return new Result(w, who, "fake " + who, nabla, Optional.of(Stats.of(seconds)),
                java.util.Arrays.stream(seconds).boxed().toList(), "", 400e9);
    }

    static Report sample() {
        Result failed = new Result(GEMM, "cuda:0", "fake gpu", true, Optional.empty(), List.of(),
                "out of device memory", 0);
        return new Report("2026-11-21T10:00:00Z", "nabla bench --compare",
                Map.of("cpu", "Test CPU", "cores", 2),
                Optional.of(new PeakProbe.Peak("k", 400e9, 200e9, 2, 512, "2026-11-21T09:00:00Z")),
                List.of(result(GEMM, "cpu:0", true, 0.010, 0.011, 0.009),
                        failed,
                        result(GEMM, "torch", false, 0.012),
                        result(GEMM, "numpy", false, 0.008),
                        result(ADD, "cpu:0", true, 0.001),
                        result(STEP, "cpu:0", true, 0.0256),
                        result(STEP, "torch", false, 0.0512)),
                Map.of("reference", "too slow"), Map.of("enabled", true, "missing", List.of()));
    }

    @Test
    void tableHasOneRowPerWorkloadAndContenderWithRatios() {
        String table = sample().table();
        List<String> lines = table.lines().toList();
        assertTrue(lines.get(0).startsWith("workload"), table);
        assertTrue(lines.get(1).matches("-+"), table);
        assertEquals(2 + 7, lines.size(), table);
        String gemm = lines.get(2);
        assertTrue(gemm.matches("matmul +1000x1000x1000 NN +cpu:0 .*"), gemm);
        assertTrue(gemm.contains("10.0 ms"), gemm);
        assertTrue(gemm.contains("200 GFLOP/s"), gemm);
        assertTrue(gemm.contains("50%"), gemm);        // of the 400 GFLOP/s peak
        assertTrue(gemm.endsWith("1.20x     0.80x"), gemm);
        assertTrue(lines.get(3).contains("cuda:0") && lines.get(3).contains("failed: out of device memory"),
                lines.get(3));
        assertTrue(lines.get(4).startsWith(" ".repeat(10)), "workload and shape only on the first row");
        assertTrue(lines.get(6).contains("12.0 GB/s"), lines.get(6));   // 12 MB in 1 ms
        String step = lines.get(7);
        assertTrue(step.contains("10,000"), step);                     // 256 samples in 25.6 ms
        assertTrue(step.endsWith("2.00x"), step);
    }

    @Test
    void withoutCompareTheRatioColumnsAreLeftOut() {
        Report alone = new Report("2026-11-21T10:00:00Z", "nabla bench", Map.of("cpu", "Test CPU", "cores", 2),
                Optional.empty(), List.of(result(GEMM, "cpu:0", true, 0.010), result(ADD, "cpu:0", true, 0.001)),
                Map.of(), Map.of("enabled", false));
        String table = alone.table();
        assertTrue(table.lines().findFirst().orElseThrow().endsWith("samples/s"), table);
        assertTrue(!table.contains("vs torch") && !alone.notes().contains("vs torch"), table + alone.notes());
    }

    @Test
    void notesNameMachinePeakDevicesAndSkippedBackends() {
        String notes = sample().notes();
        assertTrue(notes.contains("machine: Test CPU, 2 cores"), notes);
        // Each Nabla device once, with its open backend's description (the GEMM path): not the contenders.
        assertTrue(notes.contains("\ncpu:0: fake cpu:0\ncuda:0: fake gpu\n"), notes);
        assertTrue(!notes.contains("fake torch"), notes);
        assertTrue(notes.contains("CPU peak: 400 GFLOP/s"), notes);
        assertTrue(notes.contains("skipped reference: too slow"), notes);
    }

    @Test
    void formatsTimesAndPercentages() {
        assertEquals("1.50 s", Report.time(1.5));
        assertEquals("12.3 ms", Report.time(0.01234));
        assertEquals("456 us", Report.time(0.000456));
        assertEquals("7.00 ns", Report.time(7e-9));
        assertEquals("5.0%", Report.percent(0.05));
        assertEquals("95%", Report.percent(0.951));
    }

    @Test
    void jsonHoldsEveryFigure(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/bench.json");
        sample().writeJson(file);
        JsonNode doc = new ObjectMapper().readTree(Files.readString(file));
        assertEquals("nabla bench --compare", doc.get("command").asText());
        assertEquals(400, doc.get("cpuPeak").get("gflops").asDouble(), 1e-9);
        JsonNode results = doc.get("results");
        assertEquals(7, results.size());
        JsonNode gemm = results.get(0);
        assertEquals("matmul", gemm.get("workload").asText());
        assertEquals(1000, gemm.get("params").get("m").asInt());
        assertEquals(0.010, gemm.get("medianSeconds").asDouble(), 1e-12);
        assertEquals(3, gemm.get("samplesSeconds").size());
        assertEquals(200, gemm.get("gflops").asDouble(), 1e-9);
        assertEquals(0.5, gemm.get("fractionOfPeak").asDouble(), 1e-12);
        assertEquals(1.2, gemm.get("speedupVsTorch").asDouble(), 1e-12);
        assertEquals("out of device memory", results.get(1).get("error").asText());
        assertTrue(results.get(2).get("speedupVsTorch") == null, "only Nabla rows carry ratios");
        assertEquals(10000, results.get(5).get("samplesPerSecond").asDouble(), 1e-6);
        assertEquals("too slow", doc.get("unavailableBackends").get("reference").asText());
    }

    @Test
    void pngHasAPanelPerUnit(@TempDir Path dir) throws Exception {
        Report report = sample();
        assertEquals(List.of("GFLOP/s", "GB/s", "samples/s"),
                BarChart.panels(report).stream().map(BarChart.Panel::unit).toList());
        Path png = dir.resolve("bench.png");
        BarChart.write(report, png);
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000);
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals('P', bytes[1]);
    }
}
