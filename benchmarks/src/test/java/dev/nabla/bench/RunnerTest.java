package dev.nabla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunnerTest {

    private static final Workload GEMM = Workload.Matmul.square(1000);

    @Test
    void interleavesSamplesAndReportsPerCallMedians() {
        FakeContender nabla = new FakeContender("cpu:0", true, 0.010, null);
        FakeContender torch = new FakeContender("torch", false, 0.020, null);
        List<String> log = new ArrayList<>();
        Runner runner = new Runner(new Runner.Settings(7, 0.05, 1, 100), c -> 1e12, log::add);
        List<Result> results = runner.run(GEMM, List.of(nabla, torch));
        assertEquals(2, results.size());
        Result n = results.get(0);
        assertEquals("cpu:0", n.contender());
        assertEquals(0.010, n.seconds(), 1e-12);
        assertEquals(7, n.samples().size());
        assertEquals(200, n.gflops(), 1e-9);
        assertEquals(0.2, n.fractionOfPeak(), 1e-12);
        assertEquals(0.020, results.get(1).seconds(), 1e-12);
        // 0.05 s samples: 5 calls of 10 ms, 2.5 rounded to 3 calls of 20 ms
        assertEquals(5, nabla.timedCalls.get(nabla.timedCalls.size() - 1));
        assertEquals(3, torch.timedCalls.get(torch.timedCalls.size() - 1));
        assertEquals(1, nabla.tearDowns);
        assertTrue(log.isEmpty(), log.toString());
    }

    @Test
    void aFailingContenderIsReportedAndTheOthersStillRun() {
        FakeContender broken = new FakeContender("cuda:0", true, 0.01, "out of device memory");
        FakeContender ok = new FakeContender("cpu:0", true, 0.01, null);
        List<Result> results = new Runner(new Runner.Settings(3, 0.01, 1, 100), c -> 0, s -> { })
                .run(GEMM, List.of(broken, ok));
        assertFalse(results.get(0).ok());
        assertEquals("out of device memory", results.get(0).error());
        assertTrue(Double.isNaN(results.get(0).gflops()));
        assertTrue(results.get(1).ok());
        assertTrue(Double.isNaN(results.get(1).fractionOfPeak()), "unknown peak gives no fraction");
    }

    @Test
    void warmUpWaitsUntilTheJitHasBeenQuietForAWholeWindow() {
        // timings settle at once (every call takes 10 ms), but the JIT compiles for 5 more rounds
        FakeContender nabla = new FakeContender("cpu:0", true, 0.010, null);
        nabla.compilingRounds = 5;
        new Runner(new Runner.Settings(1, 0.05, 10, 100), c -> 0, s -> { }).warmUp(nabla);
        assertEquals(5 + Runner.SETTLE_WINDOW, nabla.timedCalls.size(), nabla.timedCalls.toString());
        FakeContender quiet = new FakeContender("torch", false, 0.010, null);
        new Runner(new Runner.Settings(1, 0.05, 10, 100), c -> 0, s -> { }).warmUp(quiet);
        assertEquals(Runner.SETTLE_WINDOW, quiet.timedCalls.size(), quiet.timedCalls.toString());
    }

    @Test
    void shortCallsAreBatchedAndSlowOnesGetFewerRepeats() {
        assertEquals(50, Runner.callsPerSample(0.001, 0.05));
        assertEquals(1, Runner.callsPerSample(2.0, 0.05));
        assertEquals(1, Runner.callsPerSample(Double.NaN, 0.05));
        Runner.Settings s = new Runner.Settings(10, 0.05, 6, 6);
        assertEquals(10, Runner.repeats(s, 0.05));
        assertEquals(6, Runner.repeats(s, 1.0));
        assertEquals(3, Runner.repeats(s, 5.0));
    }

    @Test
    void settingsRejectNonsense() {
        assertEquals("--repeats must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new Runner.Settings(0, 0.05, 1, 1)).getMessage());
    }
}
