package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The ddp-step benchmark's own plumbing, in one process (a world of one): it runs real steps,
 * reports positive times with the all-reduce inside the step, and its RESULT line survives the trip
 * through a rank's output, spaces of the engine's description included.
 */
class DataParallelStepBenchmarkTest {

    @Test
    void oneRankRunsRealStepsAndItsResultLineParsesBack() {
        var result = DataParallelStepBenchmark.run(new SingleProcessCommunicator(), "cpu", new int[] {32}, 16,
                Duration.ofMillis(300), "auto");
        assertEquals(1, result.ranks());
        assertEquals(16, result.rowsPerRank());
        assertTrue(result.stepMs() > 0 && result.reduceMs() >= 0 && result.reduceMs() < result.stepMs(),
                result.toString());
        assertEquals(16 / (result.stepMs() / 1e3), result.samplesPerSecond(), 1e-6 * result.samplesPerSecond());
        String output = "some log line\n" + result.line() + "\nmore";
        var parsed = DataParallelStepBenchmark.Result.parse(output).orElseThrow();
        assertEquals(result.engine(), parsed.engine());
        assertEquals(result.ranks(), parsed.ranks());
        assertEquals(result.stepMs(), parsed.stepMs(), 1e-3);
    }
}
