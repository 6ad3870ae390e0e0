package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nabla bench}: argument errors, and one tiny run's outputs. No timing is asserted. */
class BenchCommandTest {

    private static void assertUsageError(String expected, String... args) {
        Run run = Run.of(args);
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("error: " + expected), run.err());
    }

    /** Strong scaling: the speedup is the ratio of step times, the efficiency that over the rank ratio. */
    @Test
    void ddpStepScalingTableComparesEachRowWithOneRank() {
        var one = new dev.nabla.distributed.DataParallelStepBenchmark.Result(1, 256, 20.0, 0.5, 12800, "MPI (x)");
        var two = new dev.nabla.distributed.DataParallelStepBenchmark.Result(2, 128, 12.5, 2.0, 20480, "MPI (x)");
        String table = AllReduceBench.scalingTable(java.util.List.of(one, two), "cpu", "1024,1024", 256);
        org.junit.jupiter.api.Assertions.assertEquals("""
                data-parallel mlp-step 784-1024-1024-10, global batch 256, adam, on cpu (one device per rank); \
                gradients over MPI (x)
                 ranks  rows/rank  step (ms)  all-reduce (ms)   samples/s  speedup  efficiency
                     1        256      20.00             0.50      12,800    1.00x        100%
                     2        128      12.50             2.00      20,480    1.60x         80%
                """, table);
    }

    @Test
    void badArgumentsAreUsageErrorsNamingTheOption() {
        assertUsageError("--workload: unknown workload 'conv'", "bench", "--workload", "conv");
        assertUsageError("--mnk: expected M,N,K (3 comma-separated numbers), got '1,2'", "bench", "--mnk", "1,2");
        assertUsageError("--size and --mnk exclude each other", "bench", "--size", "8", "--mnk", "1,2,3");
        assertUsageError("--trans: expected NN, NT, TN or TT", "bench", "--trans", "XN", "--size", "8");
        assertUsageError("--backend: unknown backend 'tpu'", "bench", "--backend", "tpu");
        assertUsageError("--batch must be positive, got 0", "bench", "--batch", "0");
        assertUsageError("unknown optimizer 'lbfgs'", "bench", "--workload", "mlp-step", "--optimizer", "lbfgs");
        assertUsageError("--repeats must be at least 1, got 0", "bench", "--repeats", "0");
        assertUsageError("--profile profiles training steps: use --workload mlp-step (or all), not matmul", "bench",
                "--profile", "--workload", "matmul");
        assertUsageError("--dtype: expected f32, bf16 or f16, got 'i32'", "bench", "--dtype", "i32");
        assertUsageError("--dtype bf16: workload 'reduce' runs in F32 only; 16-bit workloads: matmul, elementwise,"
                + " mlp-step", "bench", "--dtype", "bf16", "--workload", "reduce");
        assertUsageError("--dtype: 'bf16' is given twice in 'bf16,f32,bf16'", "bench", "--dtype", "bf16,f32,bf16");
        assertUsageError("--dtype: expected f32, bf16 or f16, got ''", "bench", "--dtype", "f32,");
    }

    @Test
    void aListOfDtypesRunsTheWorkloadsOncePerDtypeInOrder() {
        Run run = Run.of("bench", "--backend", "cpu", "--workload", "matmul", "--mnk", "32,24,16", "--dtype", "f32,bf16",
                "--repeats", "1", "--sample-ms", "5");
        assertEquals(0, run.exitCode(), run.err());
        String out = run.out();
        int f32 = out.indexOf("32x24x16 NN ");
        int bf16 = out.indexOf("32x24x16 NN bfloat16");
        assertTrue(f32 >= 0 && bf16 > f32, out);
    }

    @Test
    void profilePrintsTheOperationsOfOneTrainingStep() {
        Run run = Run.of("bench", "--profile", "--backend", "cpu", "--workload", "mlp-step", "--hidden", "16",
                "--batch", "8", "--repeats", "1", "--sample-ms", "10");
        assertEquals(0, run.exitCode(), run.err());
        String out = run.out();
        assertTrue(out.contains("784-16-10 b8 adam on cpu:0: "), out);
        // forward of the hidden layer with its bias in the GEMM epilogue, Adam on 4 parameter tensors
        assertTrue(out.contains("gemm NT 8x16x784 +bias"), out);
        assertTrue(out.matches("(?s).*optimizerStep Adam +4\\.0 .*"), out);
        assertTrue(out.contains("outside the backend"), out);
    }

    @Test
    void tinyRunPrintsTableAndWritesJsonAndPng(@TempDir Path dir) throws Exception {
        System.setProperty("nabla.cacheDir", dir.resolve("cache").toString());
        Path json = dir.resolve("b.json");
        Path png = dir.resolve("b.png");
        Run run = Run.of("bench", "--backend", "reference,cpu", "--workload", "matmul,mlp-step",
                "--mnk", "8,8,8", "--hidden", "8", "--batch", "4", "--repeats", "2", "--sample-ms", "1",
                "--json", json.toString(), "--png", png.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("8x8x8 NN"), run.out());
        assertTrue(run.out().contains("reference:0"), run.out());
        assertTrue(run.out().contains("784-8-10 b4 adam"), run.out());
        assertTrue(run.out().contains("CPU peak:"), run.out());
        JsonNode doc = new ObjectMapper().readTree(Files.readString(json));
        assertEquals(4, doc.get("results").size());
        assertTrue(doc.get("machine").get("cores").asInt() >= 1);
        assertTrue(Files.isRegularFile(dir.resolve("cache/cpu-peak.json")));
        assertTrue(Files.size(png) > 1000);
    }
}
