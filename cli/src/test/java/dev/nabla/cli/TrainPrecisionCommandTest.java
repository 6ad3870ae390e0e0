package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.train.MetricsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nabla train --precision bf16|fp16}: the forward pass under autocast with F32 master
 * weights (fp16 with dynamic loss scaling) learns as FP32 does on a small CSV task, the run folder
 * records the precision and the scaler's state, {@code --resume} keeps both, and a bad value is a
 * usage error naming the flag.
 */
class TrainPrecisionCommandTest {

    private static Run train(Path csv, Path run, String precision, String epochs) {
        return Run.of("train", "--backend", "cpu", "--dataset", "csv:" + csv, "--hidden", "32", "--dropout", "0",
                "--epochs", epochs, "--no-progress", "--precision", precision, "--out", run.toString());
    }

    @Test
    void sixteenBitRunsLearnAsFp32AndResumeKeepsTheScaler(@TempDir Path dir) throws IOException {
        Path csv = DistributedTrainTest.csv(dir);
        Run fp32Run = train(csv, dir.resolve("fp32"), "fp32", "3");
        assertTrue(fp32Run.out().contains("\n  precision fp32\n"), fp32Run.out());
        double fp32 = accuracy(fp32Run, dir.resolve("fp32"));
        for (String precision : new String[] {"bf16", "fp16"}) {
            Path run = dir.resolve(precision);
            Run trained = train(csv, run, precision, "3");
            assertTrue(trained.out().contains("\n  precision " + precision + " (autocast, F32 master weights"),
                    trained.out());
            double accuracy = accuracy(trained, run);
            assertTrue(Math.abs(accuracy - fp32) < 0.03, precision + " " + accuracy + " against fp32 " + fp32);
            assertEquals(precision, MetricsWriter.readJson(run.resolve("metrics.json")).config().get("precision"));
        }
        String state = Files.readString(dir.resolve("fp16").resolve("state.json"));
        assertTrue(state.contains("\"grad_scaler\"") && state.contains("\"_growth_tracker\""), state);
        Run resumed = Run.of("train", "--resume", dir.resolve("fp16").toString(), "--epochs", "4", "--no-progress");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("epoch 4/4"), resumed.out());
        assertEquals("fp16", MetricsWriter.readJson(dir.resolve("fp16").resolve("metrics.json")).config()
                .get("precision"));
    }

    @Test
    void anUnknownPrecisionIsAUsageError(@TempDir Path dir) throws IOException {
        Run run = train(DistributedTrainTest.csv(dir), dir.resolve("x"), "fp8", "1");
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("--precision: unknown precision 'fp8'; choose one of [fp32, bf16, fp16]"),
                run.err());
    }

    private static double accuracy(Run run, Path folder) throws IOException {
        assertEquals(0, run.exitCode(), run.err() + run.out());
        return MetricsWriter.readJson(folder.resolve("metrics.json")).testAccuracy();
    }
}
