package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.data.DatasetLocator;
import dev.nabla.data.ImageDataset;
import dev.nabla.train.MetricsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nabla train} and {@code nabla eval} end to end, in-process. */
class TrainCommandTest {

    private static void requireFashionMnist() {
        try {
            DatasetLocator.standard().locate(ImageDataset.FASHION_MNIST, Optional.empty());
        } catch (IOException e) {
            Assumptions.assumeTrue(false, "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): "
                    + e.getMessage());
        }
    }

    @Test
    void tenThousandSamplesReachEightyPercentOnTheCpuBackend(@TempDir Path dir) throws IOException {
        requireFashionMnist();
        Path run = dir.resolve("run");
        Run train = Run.of("train", "--backend", "cpu", "--limit", "10000", "--epochs", "3", "--hidden", "256",
                "--no-progress", "--out", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("epoch 3/3"), train.out());
        // The header's second line: the open device's description, e.g. its GEMM path.
        assertTrue(train.out().contains("\n  cpu:0: " + dev.nabla.Device.cpu().info().description() + "\n"), train.out());
        double accuracy = MetricsWriter.readJson(run.resolve("metrics.json")).testAccuracy();
        assertTrue(accuracy >= 0.80, "test accuracy " + accuracy + " after 3 epochs on 10,000 samples");

        Run eval = Run.of("eval", "--backend", "cpu", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        Matcher m = Pattern.compile("test accuracy (\\d\\.\\d{4})").matcher(eval.out());
        assertTrue(m.find(), eval.out());
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", accuracy), m.group(1),
                "eval reproduces the final test accuracy");
        for (String file : new String[] {"metrics.csv", "metrics.json", "model.safetensors", "optimizer.safetensors",
            "state.json", "curves.png"}) {
            assertTrue(Files.exists(run.resolve(file)), file);
        }
    }

    @Test
    void sameSeedSameMetricsOnTheCpuBackend(@TempDir Path dir) throws IOException {
        requireFashionMnist();
        java.util.List<dev.nabla.train.EpochRecord> first = null;
        for (String name : new String[] {"a", "b"}) {
            Path run = dir.resolve(name);
            Run train = Run.of("train", "--backend", "cpu", "--limit", "3000", "--epochs", "2", "--hidden", "64",
                    "--no-progress", "--out", run.toString());
            assertEquals(0, train.exitCode(), train.err());
            var epochs = MetricsWriter.readJson(run.resolve("metrics.json")).epochs();
            if (first == null) {
                first = epochs;
                continue;
            }
            for (int i = 0; i < epochs.size(); i++) {
                assertEquals(first.get(i).trainLoss(), epochs.get(i).trainLoss(), 0.0, "train loss, epoch " + (i + 1));
                assertEquals(first.get(i).testLoss(), epochs.get(i).testLoss(), 0.0, "test loss, epoch " + (i + 1));
                assertEquals(first.get(i).testAccuracy(), epochs.get(i).testAccuracy(), 0.0);
            }
        }
    }

    @Test
    void trainsOnACsvFile(@TempDir Path dir) throws IOException {
        // Two separable classes: label 1 when x0 + x1 > 0.
        StringBuilder csv = new StringBuilder("x0,x1,x2,label\n");
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 400; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            csv.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%.4f,%d%n", a, b, random.nextGaussian(),
                    a + b > 0 ? 1 : 0));
        }
        Path file = dir.resolve("points.csv");
        Files.writeString(file, csv);
        Path run = dir.resolve("run");
        Run train = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + file, "--hidden", "16", "--epochs", "5",
                "--batch-size", "32", "--lr", "0.01", "--dropout", "0", "--no-progress", "--out", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        double accuracy = MetricsWriter.readJson(run.resolve("metrics.json")).testAccuracy();
        assertTrue(accuracy >= 0.9, "test accuracy " + accuracy);
    }

    @Test
    void aRunIsNeverSilentlyOverwrittenAndResumeKeepsItsOwnSettings(@TempDir Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 64; i++) {
            csv.append(i % 7).append(',').append(i % 5).append(',').append(i % 2).append('\n');
        }
        Path file = dir.resolve("tiny.csv");
        Files.writeString(file, csv);
        Path run = dir.resolve("run");
        Run first = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + file, "--hidden", "4", "--epochs", "1",
                "--no-progress", "--out", run.toString());
        assertEquals(0, first.exitCode(), first.err());

        Run again = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + file, "--hidden", "8", "--epochs", "1",
                "--no-progress", "--out", run.toString());
        assertEquals(Main.EXIT_USAGE, again.exitCode(), again.err());
        assertTrue(again.err().contains("--out " + run + " already holds a run (state.json); choose another folder,"
                + " delete this one, or continue it with --resume " + run), again.err());

        Run resumeWithOtherSettings = Run.of("train", "--resume", run.toString(), "--epochs", "2", "--lr", "0.1",
                "--hidden", "64");
        assertEquals(Main.EXIT_USAGE, resumeWithOtherSettings.exitCode(), resumeWithOtherSettings.err());
        assertTrue(resumeWithOtherSettings.err().contains("--lr, --hidden do not apply"),
                resumeWithOtherSettings.err());

        // --debug belongs to the top command (inherited): it is not a setting of the run
        Run resumed = Run.of("train", "--backend", "cpu", "--resume", run.toString(), "--epochs", "2", "--no-progress",
                "--debug");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertEquals(2, MetricsWriter.readJson(run.resolve("metrics.json")).epochs().size());

        // eval needs the weights and state.json, not the optimizer state
        Files.delete(run.resolve("optimizer.safetensors"));
        Run eval = Run.of("eval", "--backend", "cpu", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("epoch 2"), eval.out());

        // weights from another writer (no Nabla metadata, as safetensors.torch.save_file writes them)
        Path foreign = dir.resolve("from-torch.safetensors");
        writePlainSafetensors(foreign, dev.nabla.io.Safetensors.read(run.resolve("model.safetensors")).tensors());
        Run withWeights = Run.of("eval", "--backend", "cpu", run.toString(), "--weights", foreign.toString());
        assertEquals(0, withWeights.exitCode(), withWeights.err());
        String accuracy = eval.out().substring(eval.out().indexOf("test loss"));
        assertTrue(withWeights.out().contains(" with " + foreign) && withWeights.out().contains(accuracy),
                eval.out() + " / " + withWeights.out());

        // a folder the user made for --out stays when the run fails before saving anything
        Path mine = Files.createDirectory(dir.resolve("mine"));
        Run failing = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + file, "--hidden", "2000000000",
                "--epochs", "1", "--no-progress", "--out", mine.toString());
        assertEquals(Main.EXIT_FAILURE, failing.exitCode(), failing.err());
        assertTrue(Files.isDirectory(mine), "the user's empty --out folder must stay");
        // and one with other files in it is not a run folder
        Files.writeString(mine.resolve("notes.txt"), "mine");
        Run notEmpty = Run.of("train", "--dataset", "csv:" + file, "--out", mine.toString());
        assertEquals(Main.EXIT_USAGE, notEmpty.exitCode(), notEmpty.err());
        assertTrue(notEmpty.err().contains("--out " + mine + " is not empty (notes.txt)"), notEmpty.err());

        Path aFile = Files.writeString(dir.resolve("a-file"), "x");
        Run onAFile = Run.of("train", "--dataset", "csv:" + file, "--out", aFile.toString());
        assertEquals(Main.EXIT_USAGE, onAFile.exitCode(), onAFile.err());
        assertTrue(onAFile.err().contains("--out " + aFile + " is a file, not a folder"), onAFile.err());
    }

    /** A safetensors file as other libraries write it: F32 tensors, no metadata. */
    private static void writePlainSafetensors(Path file, java.util.Map<String, dev.nabla.io.NamedArray> tensors)
            throws IOException {
        StringBuilder header = new StringBuilder("{");
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        for (var e : tensors.entrySet()) {
            float[] values = e.getValue().floats();
            int start = data.size();
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(4 * values.length)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                bytes.putFloat(v);
            }
            data.writeBytes(bytes.array());
            header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\","
                    + "\"shape\":").append(java.util.Arrays.toString(e.getValue().shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(start).append(',').append(data.size()).append("]}");
        }
        byte[] json = header.append('}').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(json.length)
                .array());
        out.writeBytes(json);
        out.writeBytes(data.toByteArray());
        Files.write(file, out.toByteArray());
    }

    @Test
    void runsStartedInTheSameSecondGetTheirOwnFolders(@TempDir Path dir) throws IOException {
        java.util.Set<Path> folders = new java.util.HashSet<>();
        for (int i = 0; i < 5; i++) {
            Path folder = TrainCommand.newRunFolder(dir.resolve("runs"));
            assertTrue(Files.isDirectory(folder));
            assertTrue(folders.add(folder), "reused " + folder);
        }
    }

    @Test
    void anUnknownDatasetIsAUsageError() {
        Run run = Run.of("train", "--dataset", "cifar10");
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("--dataset: unknown dataset 'cifar10'"), run.err());
        assertTrue(run.err().contains("or csv:PATH"), run.err());
    }

    @Test
    void badFlagsAreUsageErrorsNotStackTraces() {
        Run unknown = Run.of("train", "--epoch", "3");
        assertEquals(Main.EXIT_USAGE, unknown.exitCode());
        assertTrue(unknown.err().contains("--epochs"), "suggests the right flag: " + unknown.err());
        Run badValue = Run.of("train", "--optimizer", "adagrad", "--no-progress");
        assertEquals(Main.EXIT_USAGE, badValue.exitCode());
        assertTrue(badValue.err().contains("unknown optimizer 'adagrad'"), badValue.err());
        Run badNumber = Run.of("train", "--lr", "fast");
        assertEquals(Main.EXIT_USAGE, badNumber.exitCode());
        Run activation = Run.of("train", "--activation", "swish");
        assertEquals(Main.EXIT_USAGE, activation.exitCode());
        assertTrue(activation.err().contains("relu"), activation.err());
        assertTrue(!activation.err().contains("\tat "), "no stack trace");
        // range errors name the option that set the value
        Run zeroEpochs = Run.of("train", "--epochs", "0");
        assertEquals(Main.EXIT_USAGE, zeroEpochs.exitCode());
        assertTrue(zeroEpochs.err().contains("--epochs: epochs must be at least 1, got 0"), zeroEpochs.err());
        Run negativeLr = Run.of("train", "--lr", "-1");
        assertTrue(negativeLr.err().contains("--lr: learning rate must be positive, got -1.0"), negativeLr.err());
    }

    @Test
    void aFolderGivenAsCsvIsNamed(@TempDir Path dir) {
        Run run = Run.of("train", "--dataset", "csv:" + dir, "--no-progress", "--out", dir.resolve("r").toString());
        assertEquals(Main.EXIT_FAILURE, run.exitCode(), run.err());
        assertTrue(run.err().contains(dir + ": is a folder, not a CSV file"), run.err());
    }

    @Test
    void missingDatasetSaysWhereItLookedAndHowToGetIt(@TempDir Path empty) {
        Run run = Run.of("train", "--data", empty.toString(), "--no-progress", "--out", empty.resolve("r").toString());
        assertEquals(Main.EXIT_FAILURE, run.exitCode());
        assertTrue(run.err().startsWith("error: "), run.err());
        assertTrue(run.err().contains(empty.toString()), run.err());
        assertTrue(run.err().contains("fashion-mnist"), run.err());
        assertTrue(!Files.exists(empty.resolve("r")), "no run folder for a run that never started");
    }

    @Test
    void evalOfAFolderWithoutCheckpointIsAClearError(@TempDir Path empty) {
        Run run = Run.of("eval", empty.toString());
        assertEquals(Main.EXIT_FAILURE, run.exitCode());
        assertTrue(run.err().contains("state.json"), run.err());
    }
}
