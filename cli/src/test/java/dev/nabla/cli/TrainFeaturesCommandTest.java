package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.train.EarlyStopping;
import dev.nabla.train.EpochRecord;
import dev.nabla.train.MetricsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flags of issue 16's trainer: {@code --arch resmlp}, {@code --val-split}/{@code --val},
 * {@code --early-stop}, {@code --accumulate}, {@code --schedule plateau|one-cycle}; end to end on
 * small CSV files, and each bad value as a usage error naming its flag.
 */
class TrainFeaturesCommandTest {

    /** Two classes: label 1 when x0 + x1 > 0. */
    private static Path points(Path dir, String name, int rows, long seed) throws IOException {
        StringBuilder csv = new StringBuilder("x0,x1,x2,label\n");
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < rows; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%d%n", a, b, random.nextGaussian(),
                    a + b > 0 ? 1 : 0));
        }
        Path file = dir.resolve(name);
        Files.writeString(file, csv);
        return file;
    }

    @Test
    void residualMlpWithAValidationSplitAndEarlyStoppingTrainsEvaluatesAndResumes(@TempDir Path dir)
            throws IOException {
        Path file = points(dir, "points.csv", 500, 3);
        Path run = dir.resolve("run");
        Run train = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + file, "--arch", "resmlp", "--blocks",
                "2", "--width", "16", "--norm", "layer", "--val-split", "0.2", "--early-stop", "2", "--epochs", "6",
                "--batch-size", "32", "--lr", "0.01", "--no-progress", "--out", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        String out = train.out();
        assertTrue(out.contains("Total params:") && out.contains("├─1 Residual"), "model summary: " + out);
        assertTrue(out.contains("validation: 80 rows"), out);
        assertTrue(out.contains("| val loss "), out);
        assertTrue(out.contains("test (once, after training"), out);
        double accuracy = MetricsWriter.readJson(run.resolve("metrics.json")).testAccuracy();
        assertTrue(accuracy >= 0.9, "test accuracy " + accuracy);
        assertTrue(Files.exists(run.resolve(EarlyStopping.BEST_FILE)));
        List<EpochRecord> epochs = MetricsWriter.readCsv(run.resolve("metrics.csv"));
        assertTrue(epochs.stream().allMatch(e -> Double.isFinite(e.valLoss()) && Double.isNaN(e.testLoss())));

        Run eval = Run.of("eval", "--backend", "cpu", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("best epoch"), eval.out());
        assertTrue(eval.out().contains(String.format(Locale.ROOT, "test accuracy %.4f", accuracy)),
                "eval of best.safetensors reproduces the final test accuracy " + accuracy + ": " + eval.out());
        Run last = Run.of("eval", "--backend", "cpu", "--last", run.toString());
        assertEquals(0, last.exitCode(), last.err());
        assertFalse(last.out().contains("best epoch"), last.out());

        Run more = Run.of("train", "--backend", "cpu", "--resume", run.toString(), "--epochs", "8", "--no-progress");
        assertEquals(0, more.exitCode(), more.err());
        Run refused = Run.of("train", "--resume", run.toString(), "--early-stop", "9");
        assertEquals(Main.EXIT_USAGE, refused.exitCode());
        assertTrue(refused.err().contains("--early-stop"), refused.err());
    }

    @Test
    void monitorValAccDrivesEarlyStoppingAndIsKeptByResume(@TempDir Path dir) throws IOException {
        Path file = points(dir, "points.csv", 400, 8);
        Path run = dir.resolve("run");
        Run train = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + file, "--hidden", "16", "--val-split",
                "0.25", "--early-stop", "2", "--monitor", "val_accuracy", "--schedule", "plateau", "--epochs", "5",
                "--batch-size", "32", "--lr", "0.01", "--no-progress", "--out", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("per-epoch metrics and early stopping (on val_acc) use it"), train.out());
        MetricsWriter.RunMetrics metrics = MetricsWriter.readJson(run.resolve("metrics.json"));
        assertEquals("val_acc", metrics.config().get("monitor"), "stored canonical, for --resume and eval");
        // best.safetensors holds the first epoch with the highest validation accuracy
        List<EpochRecord> epochs = metrics.epochs();
        EpochRecord best = epochs.get(0);
        for (EpochRecord e : epochs) {
            if (e.valAccuracy() > best.valAccuracy()) {
                best = e;
            }
        }
        var metadata = dev.nabla.io.Safetensors.read(run.resolve(EarlyStopping.BEST_FILE)).metadata();
        assertEquals(Integer.toString(best.epoch()), metadata.get("epoch"), train.out());
        assertEquals("val_acc", metadata.get("monitor"));
        assertEquals(best.valAccuracy(), Double.parseDouble(metadata.get("val_acc")), 1e-12);

        Run refused = Run.of("train", "--resume", run.toString(), "--monitor", "val_loss");
        assertEquals(Main.EXIT_USAGE, refused.exitCode());
        assertTrue(refused.err().contains("--monitor"), refused.err());
        if (epochs.size() == 5) { // it did not stop early: it may train on, still following val_acc
            Run more = Run.of("train", "--backend", "cpu", "--resume", run.toString(), "--epochs", "6",
                    "--no-progress");
            assertEquals(0, more.exitCode(), more.err());
            assertTrue(more.out().contains("early stopping (on val_acc)"), more.out());
        }
    }

    @Test
    void aSeparateValidationSetAccumulationAndPlateau(@TempDir Path dir) throws IOException {
        Path train = points(dir, "train.csv", 300, 4);
        Path test = points(dir, "test.csv", 100, 5);
        Path val = points(dir, "val.csv", 100, 6);
        Path run = dir.resolve("run");
        Run result = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + train, "--test", "csv:" + test,
                "--val", "csv:" + val, "--hidden", "16", "--epochs", "3", "--batch-size", "16", "--accumulate", "2",
                "--schedule", "plateau", "--plateau-patience", "0", "--plateau-factor", "0.5", "--lr", "0.01",
                "--no-progress", "--out", run.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("validation: 100 rows (csv:" + val + ")"), result.out());
        assertTrue(result.out().contains("batch 16 x 2 accumulated"), result.out());
        assertTrue(MetricsWriter.readJson(run.resolve("metrics.json")).testAccuracy() >= 0.85, result.out());

        // npy data without a test set: trained, measured on the validation split, and said so
        java.util.Random random = new java.util.Random(7);
        float[] x = new float[300 * 3];
        long[] y = new long[300];
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < 3; j++) {
                x[3 * i + j] = (float) random.nextGaussian();
            }
            y[i] = x[3 * i] + x[3 * i + 1] > 0 ? 1 : 0;
        }
        Path xf = dev.nabla.data.NpyFiles.write(dir.resolve("x.npy"), "<f4", dev.nabla.data.NpyFiles.float32(x), 300, 3);
        Path yf = dev.nabla.data.NpyFiles.write(dir.resolve("y.npy"), "<i8", dev.nabla.data.NpyFiles.int64(y), 300);
        Path noTest = dir.resolve("no-test");
        Run withoutTest = Run.of("train", "--backend", "cpu", "--dataset", "npy:" + xf + "," + yf, "--hidden", "8",
                "--epochs", "2", "--val-split", "0.2", "--schedule", "one-cycle", "--lr", "0.01", "--no-progress",
                "--out", noTest.toString());
        assertEquals(0, withoutTest.exitCode(), withoutTest.err());
        assertTrue(withoutTest.out().contains("no test set was given: the run is measured on the validation set"
                + " only"), withoutTest.out());
        assertTrue(withoutTest.out().contains("(last validation accuracy "), withoutTest.out());
        assertTrue(Double.isNaN(MetricsWriter.readJson(noTest.resolve("metrics.json")).testAccuracy()));
    }

    @Test
    void badValuesOfTheNewFlagsAreUsageErrorsNamingTheFlag() {
        String[][] cases = {
            {"--arch", "cnn"}, {"--arch", "unknown architecture 'cnn'"},
            {"--arch", "resmlp", "--blocks", "0"}, {"--blocks: blocks must be at least 1"},
            {"--arch", "resmlp", "--width", "-3"}, {"--width: width must be at least 1"},
            {"--arch", "resmlp", "--norm", "group"}, {"--norm: unknown norm 'group'"},
            {"--arch", "resmlp", "--hidden", "64"}, {"--hidden sizes an --arch mlp"},
            {"--arch", "resmlp", "--activation", "gelu"}, {"--activation sizes an --arch mlp"},
            {"--blocks", "3"}, {"--blocks sizes an --arch resmlp", "add --arch resmlp"},
            {"--width", "64", "--norm", "batch"}, {"--width, --norm size an --arch resmlp"},
            {"--val-split", "1.5"}, {"--val-split: validation split must be in [0, 1)"},
            {"--val-split", "-0.1"}, {"--val-split: validation split must be in [0, 1)"},
            {"--early-stop", "5"}, {"--early-stop: early stopping", "--val-split"},
            {"--early-stop", "-1", "--val-split", "0.1"}, {"--early-stop: early-stopping patience must be"},
            {"--accumulate", "0"}, {"--accumulate: accumulate must be at least 1"},
            {"--schedule", "plateau", "--plateau-factor", "1.5"}, {"--plateau-factor: plateau factor must be in"},
            {"--schedule", "plateau", "--plateau-patience", "-2"}, {"--plateau-patience: plateau patience must be"},
            {"--plateau-patience", "3"}, {"--plateau-patience sets the plateau schedule", "--schedule plateau"},
            {"--schedule", "linear"}, {"--schedule: unknown schedule 'linear'", "one-cycle", "plateau"},
            {"--val", "npy:x.npy,y.npy"}, {"--val applies to csv: and npy: datasets", "--val-split"},
            {"--val-split", "0.1", "--dataset", "csv:a.csv", "--val", "csv:b.csv"}, {"choose one"},
            {"--monitor", "val_r2", "--val-split", "0.1", "--early-stop", "3"},
                {"--monitor: a classification run has no validation figure 'val_r2'", "val_loss, val_acc"},
            {"--monitor", "test_acc", "--val-split", "0.1", "--early-stop", "3"},
                {"--monitor: ", "the test set never chooses an epoch"},
            {"--monitor", "val_acc", "--val-split", "0.1"}, {"--monitor val_acc chooses what --early-stop and"
                + " --schedule plateau follow, and this run has neither"},
            {"--monitor", "val_acc", "--schedule", "plateau"}, {"--monitor: monitoring val_acc needs a validation set"},
            {"--schedule", "one-cycle", "--optimizer", "sgd", "--momentum", "0"},
                {"--momentum: the one-cycle schedule cycles the momentum between 0.95 and 0.85"},
        };
        for (int i = 0; i < cases.length; i += 2) {
            String[] args = new String[cases[i].length + 2];
            args[0] = "train";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            args[args.length - 1] = "--no-progress";
            Run run = Run.of(args);
            String what = String.join(" ", cases[i]);
            assertEquals(Main.EXIT_USAGE, run.exitCode(), what + ": " + run.err());
            for (String expected : cases[i + 1]) {
                assertTrue(run.err().contains(expected), what + ": expected '" + expected + "' in " + run.err());
            }
            assertFalse(run.err().contains("\tat "), what + ": no stack trace");
        }
    }
}
