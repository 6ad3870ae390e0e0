package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.data.NpyFiles;
import dev.nabla.train.MetricsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nabla train --dataset npy:... [--test npy:...] [--workers N]} and {@code nabla eval} of such a run. */
class TrainNpyCommandTest {

    /** Two separable classes (label 1 when x0 + x1 > 0), features float32, labels int64: "npy:X,Y". */
    private static String npy(Path dir, String name, int rows, long seed) throws IOException {
        Random random = new Random(seed);
        float[] x = new float[rows * 3];
        long[] y = new long[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < 3; j++) {
                x[3 * i + j] = (float) random.nextGaussian();
            }
            y[i] = x[3 * i] + x[3 * i + 1] > 0 ? 1 : 0;
        }
        Path xf = NpyFiles.write(dir.resolve(name + "-x.npy"), "<f4", NpyFiles.float32(x), rows, 3);
        Path yf = NpyFiles.write(dir.resolve(name + "-y.npy"), "<i8", NpyFiles.int64(y), rows);
        return "npy:" + xf + "," + yf;
    }

    private static Run train(String dataset, String... more) {
        String[] args = new String[7 + more.length];
        System.arraycopy(new String[] {"train", "--backend", "cpu", "--dataset", dataset, "--hidden", "8"}, 0, args, 0,
                7);
        System.arraycopy(more, 0, args, 7, more.length);
        return Run.of(args);
    }

    @Test
    void trainsWithATestSetAndEvalReproducesIt(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        String test = npy(dir, "test", 200, 2);
        Run train = train(npy(dir, "train", 600, 1), "--test", test, "--workers", "2", "--epochs", "3",
                "--batch-size", "32", "--lr", "0.01", "--dropout", "0", "--no-progress", "--out", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        double accuracy = MetricsWriter.readJson(run.resolve("metrics.json")).testAccuracy();
        assertTrue(accuracy > 0.9, "test accuracy " + accuracy + "\n" + train.out());
        assertTrue(train.out().contains("final test accuracy"), train.out());

        Run eval = Run.of("eval", "--backend", "cpu", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        Matcher m = Pattern.compile("test accuracy (\\d\\.\\d{4}) \\(200 samples\\)").matcher(eval.out());
        assertTrue(m.find(), eval.out());
        assertEquals(String.format(Locale.ROOT, "%.4f", accuracy), m.group(1));

        // --workers only changes speed, so a resumed run may change it
        Run resumed = Run.of("train", "--resume", run.toString(), "--epochs", "4", "--workers", "0", "--no-progress");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("epoch 4/4"), resumed.out());
    }

    @Test
    void withoutATestSetItTrainsAndSaysNoTestSetWasGiven(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Run train = train(npy(dir, "train", 300, 1), "--epochs", "1", "--no-progress", "--out", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("no test set was given"), train.out());
        assertTrue(train.out().contains("no test set was given, so there is no test accuracy; run folder " + run),
                train.out());
        Run eval = Run.of("eval", "--backend", "cpu", run.toString());
        assertEquals(Main.EXIT_FAILURE, eval.exitCode());
        assertTrue(eval.err().contains("without a test set"), eval.err());
    }

    @Test
    void badSpecsAreUsageErrors(@TempDir Path dir) throws IOException {
        String data = npy(dir, "train", 50, 1);
        assertUsage(train("npy:" + dir.resolve("only.npy")), "expected npy:FEATURES.npy,TARGETS.npy");
        assertUsage(train("npy:a.npy,b.npy,c.npy"), "two files separated by one comma");
        assertUsage(train(data, "--data", dir.toString()), "does not apply to --dataset npy:");
        assertUsage(Run.of("train", "--test", data), "--test applies to csv: and npy: datasets; fashion-mnist comes"
                + " with its own test set");
        assertUsage(train(data, "--test", "npy:x.npy"), "--test: 'npy:x.npy': expected npy:FEATURES.npy,TARGETS.npy");
        assertUsage(train(data, "--workers", "-1"), "--workers: expected 0 or more, got -1");
    }

    @Test
    void aBadFileFailsBeforeTrainingAndLeavesNoRunFolder(@TempDir Path dir) throws IOException {
        Path x = NpyFiles.write(dir.resolve("x.npy"), 1, NpyFiles.dict("<f4", true, 2, 2),
                NpyFiles.float32(1, 2, 3, 4));
        Path y = NpyFiles.write(dir.resolve("y.npy"), "<i8", NpyFiles.int64(0, 1), 2);
        Path run = dir.resolve("run");
        Run train = train("npy:" + x + "," + y, "--no-progress", "--out", run.toString());
        assertEquals(Main.EXIT_FAILURE, train.exitCode(), train.out());
        assertTrue(train.err().contains("error: " + x + ": the (2, 2) array is in Fortran (column-major) order"),
                train.err());
        assertFalse(Files.exists(run), "nothing trained, nothing kept");
    }

    private static void assertUsage(Run run, String expected) {
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains(expected), run.err());
    }
}
