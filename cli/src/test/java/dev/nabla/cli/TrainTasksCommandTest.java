package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.data.NpyFiles;
import dev.nabla.train.MetricsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nabla train --task regression|multilabel} end to end (the epoch line, the task's columns
 * in metrics.csv and metrics.json, eval, resume) and the task flags' usage errors;
 * {@code --label-smoothing} and {@code --class-weights} on a classifier.
 */
class TrainTasksCommandTest {

    private static Run train(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "train";
        all[1] = "--backend";
        all[2] = "cpu";
        System.arraycopy(args, 0, all, 3, args.length);
        return Run.of(all);
    }

    @Test
    void regressionOnFriedman1ReportsR2InTheTargetsUnitsAndEvalAndResumeAgree(@TempDir Path dir)
            throws IOException {
        Path run = dir.resolve("run");
        Run trained = train("--dataset", "friedman1", "--task", "regression", "--limit", "2000", "--hidden", "32,32",
                "--dropout", "0", "--epochs", "3", "--batch-size", "32", "--lr", "3e-3", "--no-progress", "--out",
                run.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(trained.out().contains("epoch 3/3  train loss "), trained.out());
        assertTrue(trained.out().contains(" RMSE ") && trained.out().contains(" R² "), trained.out());
        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals("epoch,train_loss,test_loss,test_rmse,test_mae,test_r2,seconds,samples_per_second,val_loss,"
                + "val_rmse,val_mae,val_r2", csv.get(0));
        assertEquals(4, csv.size());
        MetricsWriter.RunMetrics metrics = MetricsWriter.readJson(run.resolve("metrics.json"));
        assertEquals("regression", metrics.config().get("task"));
        assertEquals("mse", metrics.config().get("loss"));
        double r2 = ((Number) metrics.extra().get("test_r2")).doubleValue();
        double rmse = ((Number) metrics.extra().get("test_rmse")).doubleValue();
        // Friedman #1's targets have std ≈ 5, so a model that learned something has R² > 0.5 and an
        // RMSE in those units (in standardised units it would be below 1)
        assertTrue(r2 > 0.5 && r2 < 1, "R² " + r2 + "\n" + trained.out());
        assertTrue(rmse > 1 && rmse < 4, "RMSE " + rmse);
        assertEquals(r2, metrics.epochs().get(2).value("test_r2"));
        assertTrue(Double.isNaN(metrics.testAccuracy()));
        assertTrue(trained.out().contains(String.format(Locale.ROOT, "final test R² %.4f, RMSE %.4f", r2, rmse)),
                trained.out());

        Run eval = Run.of("eval", "--backend", "cpu", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        Matcher m = Pattern.compile("test R² (-?\\d\\.\\d{4})").matcher(eval.out());
        assertTrue(m.find(), eval.out());
        assertEquals(String.format(Locale.ROOT, "%.4f", r2), m.group(1));
        assertTrue(eval.out().contains("(2000 samples"), eval.out());

        // the loss is a run setting: refused on resume; the epoch total may grow
        Run changed = Run.of("train", "--resume", run.toString(), "--loss", "huber", "--epochs", "4");
        assertEquals(Main.EXIT_USAGE, changed.exitCode(), changed.out());
        assertTrue(changed.err().contains("--loss"), changed.err());
        Run resumed = Run.of("train", "--backend", "cpu", "--resume", run.toString(), "--epochs", "4",
                "--no-progress");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("epoch 4/4"), resumed.out());
        assertEquals(5, Files.readAllLines(run.resolve("metrics.csv")).size()); // the header and 4 epochs
        assertTrue(Files.readString(run.resolve("state.json")).contains("\"target_normalization\""));
    }

    @Test
    void huberRegressionWithAValidationSplitStopsEarlyOnTheValidationLoss(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Run trained = train("--dataset", "friedman1", "--task", "regression", "--loss", "huber", "--huber-delta",
                "0.5", "--limit", "1000", "--hidden", "16", "--dropout", "0", "--epochs", "4", "--val-split", "0.2",
                "--early-stop", "2", "--no-progress", "--out", run.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(trained.out().contains("| val loss "), trained.out());
        assertTrue(trained.out().contains("test (once, after training"), trained.out());
        MetricsWriter.RunMetrics metrics = MetricsWriter.readJson(run.resolve("metrics.json"));
        assertEquals("huber", metrics.config().get("loss"));
        assertTrue(Double.isFinite(metrics.epochs().get(0).value("val_r2")));
        assertTrue(Double.isNaN(metrics.epochs().get(0).value("test_r2")));
        assertTrue(metrics.extra().get("test_r2") instanceof Number, metrics.extra().toString());
        assertTrue(Files.exists(run.resolve("best.safetensors")));
    }

    @Test
    void regressionCanMonitorTheValidationR2(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Run trained = train("--dataset", "friedman1", "--task", "regression", "--limit", "1000", "--hidden", "16",
                "--dropout", "0", "--epochs", "4", "--val-split", "0.2", "--early-stop", "2", "--monitor", "val_r2",
                "--schedule", "plateau", "--no-progress", "--out", run.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        MetricsWriter.RunMetrics metrics = MetricsWriter.readJson(run.resolve("metrics.json"));
        assertEquals("val_r2", metrics.config().get("monitor"));
        int best = 1;
        for (var epoch : metrics.epochs()) {
            if (epoch.value("val_r2") > metrics.epochs().get(best - 1).value("val_r2")) {
                best = epoch.epoch();
            }
        }
        var metadata = dev.nabla.io.Safetensors.read(run.resolve("best.safetensors")).metadata();
        assertEquals(Integer.toString(best), metadata.get("epoch"), trained.out());
        assertEquals("val_r2", metadata.get("monitor"));
        expectUsageError("--monitor: a regression run has no validation figure 'val_acc'", "--dataset", "friedman1",
                "--task", "regression", "--val-split", "0.2", "--early-stop", "2", "--monitor", "val_acc");
    }

    /** Four Gaussian features; label l is on when feature l is positive (3 labels, float32 0/1). */
    private static String multiLabel(Path dir, String name, int rows, long seed) throws IOException {
        Random random = new Random(seed);
        float[] x = new float[rows * 4];
        float[] y = new float[rows * 3];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < 4; j++) {
                x[4 * i + j] = (float) random.nextGaussian();
            }
            for (int l = 0; l < 3; l++) {
                y[3 * i + l] = x[4 * i + l] > 0 ? 1f : 0f;
            }
        }
        Path xf = NpyFiles.write(dir.resolve(name + "-x.npy"), "<f4", NpyFiles.float32(x), rows, 4);
        Path yf = NpyFiles.write(dir.resolve(name + "-y.npy"), "<f4", NpyFiles.float32(y), rows, 3);
        return "npy:" + xf + "," + yf;
    }

    @Test
    void multiLabelTrainsWithBinaryCrossEntropyAndReportsMicroF1(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Run trained = train("--dataset", multiLabel(dir, "train", 800, 1), "--test", multiLabel(dir, "test", 200, 2),
                "--task", "multilabel", "--pos-weight", "1,1.5,2", "--hidden", "16", "--dropout", "0", "--epochs", "4",
                "--batch-size", "32", "--lr", "0.01", "--no-progress", "--out", run.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(trained.out().contains("4-16-3 relu"), trained.out()); // one output per label
        assertTrue(trained.out().contains(" micro-F1 "), trained.out());
        assertEquals("epoch,train_loss,test_loss,test_label_accuracy,test_exact_match,test_micro_f1,seconds,"
                + "samples_per_second,val_loss,val_label_accuracy,val_exact_match,val_micro_f1",
                Files.readAllLines(run.resolve("metrics.csv")).get(0));
        MetricsWriter.RunMetrics metrics = MetricsWriter.readJson(run.resolve("metrics.json"));
        assertEquals("1,1.5,2", metrics.config().get("pos_weight"));
        double f1 = ((Number) metrics.extra().get("test_micro_f1")).doubleValue();
        assertTrue(f1 > 0.85, "micro-F1 " + f1 + "\n" + trained.out());
        assertTrue(trained.out().contains(String.format(Locale.ROOT, "final test micro-F1 %.4f", f1)), trained.out());

        Run eval = Run.of("eval", "--backend", "cpu", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains(String.format(Locale.ROOT, "test micro-F1 %.4f", f1)), eval.out());
        assertTrue(eval.out().contains("macro-F1"), eval.out());
        Run confusion = Run.of("eval", "--backend", "cpu", run.toString(), "--confusion",
                dir.resolve("c.csv").toString());
        assertEquals(Main.EXIT_USAGE, confusion.exitCode());
        assertTrue(confusion.err().contains("--confusion applies to classification runs"), confusion.err());
    }

    @Test
    void multiLabelTargetsOutsideZeroOneAreRefusedNamingTheRow(@TempDir Path dir) throws IOException {
        Path xf = NpyFiles.write(dir.resolve("x.npy"), "<f4", NpyFiles.float32(new float[] {1, 2, 3, 4}), 2, 2);
        Path yf = NpyFiles.write(dir.resolve("y.npy"), "<f4", NpyFiles.float32(new float[] {0, 1, 2, 0}), 2, 2);
        Run trained = train("--dataset", "npy:" + xf + "," + yf, "--task", "multilabel", "--epochs", "1",
                "--no-progress", "--out", dir.resolve("run").toString());
        assertEquals(Main.EXIT_FAILURE, trained.exitCode(), trained.out());
        assertTrue(trained.err().contains("row 1, label 0 is 2.0"), trained.err());
    }

    /** Two classes, 3 Gaussian features, labels int64 (label 1 when x0 + x1 > 0). */
    private static String classes(Path dir, String name, int rows, long seed) throws IOException {
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

    @Test
    void labelSmoothingAndClassWeightsTrainAClassifierAndEvalWeighsAsTrainingDid(@TempDir Path dir)
            throws IOException {
        Path run = dir.resolve("run");
        Run trained = train("--dataset", classes(dir, "train", 400, 1), "--test", classes(dir, "test", 200, 2),
                "--label-smoothing", "0.1", "--class-weights", "1,3", "--hidden", "8", "--dropout", "0", "--epochs",
                "3", "--batch-size", "16", "--lr", "0.01", "--no-progress", "--out", run.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        MetricsWriter.RunMetrics metrics = MetricsWriter.readJson(run.resolve("metrics.json"));
        assertEquals(0.1, ((Number) metrics.config().get("label_smoothing")).doubleValue(), 1e-6);
        assertEquals("1,3", metrics.config().get("class_weights"));
        // weight 3 on class 1 moves the boundary towards class 0, so less than the unweighted 0.95
        assertTrue(metrics.testAccuracy() > 0.75, trained.out());
        Run eval = Run.of("eval", "--backend", "cpu", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        double testLoss = metrics.epochs().get(2).testLoss();
        assertTrue(eval.out().contains(String.format(Locale.ROOT, "test loss %.4f", testLoss)),
                eval.out() + " vs " + testLoss);

        Run balanced = train("--dataset", classes(dir, "train", 400, 1), "--class-weights", "balanced", "--hidden",
                "8", "--epochs", "1", "--no-progress", "--out", dir.resolve("balanced").toString());
        assertEquals(0, balanced.exitCode(), balanced.err());
        assertTrue(Files.readString(dir.resolve("balanced").resolve("state.json")).contains("class_weight_values"));
    }

    @Test
    void taskFlagsThatDoNotFitAreUsageErrorsBeforeTraining(@TempDir Path dir) throws IOException {
        String twoClasses = classes(dir, "train", 50, 1);
        Path out = dir.resolve("run");
        expectUsageError("has class labels, and a regression task needs real-valued targets",
                "--task", "regression", "--epochs", "1");
        expectUsageError("--dataset friedman1 is a regression data set", "--dataset", "friedman1");
        expectUsageError("--task: unknown task 'ranking'", "--task", "ranking");
        expectUsageError("--loss: loss 'huber' does not fit a classification task", "--dataset", twoClasses,
                "--loss", "huber");
        expectUsageError("--huber-delta: the Huber delta (2.0) sets the huber loss", "--dataset", "friedman1",
                "--task", "regression", "--huber-delta", "2");
        expectUsageError("--huber-delta: the Huber delta must be positive", "--dataset", "friedman1", "--task",
                "regression", "--loss", "huber", "--huber-delta", "0");
        expectUsageError("--label-smoothing: label smoothing must be in [0, 1), got 1.0", "--dataset", twoClasses,
                "--label-smoothing", "1");
        expectUsageError("--label-smoothing: label smoothing must be in [0, 1), got -0.1", "--dataset", twoClasses,
                "--label-smoothing", "-0.1");
        expectUsageError("--label-smoothing: label smoothing applies to classification", "--dataset", "friedman1",
                "--task", "regression", "--label-smoothing", "0.1");
        expectUsageError("--class-weights: class weight 2 of '1,x' is 'x', not a number", "--dataset", twoClasses,
                "--class-weights", "1,x");
        expectUsageError("--class-weights: class weight 2 of '1,-2' is -2", "--dataset", twoClasses,
                "--class-weights", "1,-2");
        expectUsageError("--class-weights: every class weight of '0,0' is 0", "--dataset", twoClasses,
                "--class-weights", "0,0");
        expectUsageError("--class-weights 1,2,3: 3 weights for the 2 classes", "--dataset", twoClasses,
                "--class-weights", "1,2,3", "--out", out.toString());
        assertTrue(!Files.exists(out), "no run folder is left by a usage error");
        expectUsageError("--pos-weight: positive weights apply to multi-label runs", "--dataset", twoClasses,
                "--pos-weight", "2");
        expectUsageError("--pos-weight 1,2: 2 weights for the 3 labels", "--dataset",
                multiLabel(dir, "labels", 20, 3), "--task", "multilabel", "--pos-weight", "1,2");
    }

    private static void expectUsageError(String message, String... args) {
        Run run = train(args);
        assertEquals(Main.EXIT_USAGE, run.exitCode(), String.join(" ", args) + "\n" + run.out() + run.err());
        assertTrue(run.err().contains(message), run.err());
        assertTrue(!run.out().contains("epoch 1/"), run.out());
    }
}
