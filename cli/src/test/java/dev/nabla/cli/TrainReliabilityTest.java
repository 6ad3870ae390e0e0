package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.train.Checkpoint;
import dev.nabla.train.RunLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17 from the command line: busy folders, interruptions, divergence, option values. */
class TrainReliabilityTest {

    static Path csv(Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 64; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            csv.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%d%n", a, b, a + b > 0 ? 1 : 0));
        }
        Path file = dir.resolve("points.csv");
        Files.writeString(file, csv);
        return file;
    }

    static Run train(Path csv, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--backend", "cpu", "--dataset", "csv:" + csv,
                "--hidden", "8", "--batch-size", "16", "--dropout", "0", "--no-progress"));
        args.addAll(List.of(more));
        return Run.of(args.toArray(String[]::new));
    }

    @Test
    void aSecondRunOnABusyFolderFailsAtOnceNamingTheHolder(@TempDir Path dir) throws IOException {
        Path file = csv(dir);
        Path run = dir.resolve("run");
        try (RunLock held = RunLock.acquire(run)) {
            Run second = train(file, "--epochs", "1", "--out", run.toString());
            assertEquals(Main.EXIT_FAILURE, second.exitCode(), second.err());
            assertTrue(second.err().contains("in use by another training run (PID " + ProcessHandle.current().pid()),
                    second.err());
            assertFalse(Files.exists(run.resolve(Checkpoint.STATE_FILE)));
        }
        Run first = train(file, "--epochs", "1", "--out", run.toString());
        assertEquals(0, first.exitCode(), first.err());
        try (RunLock held = RunLock.acquire(run)) {
            Run resume = Run.of("train", "--resume", run.toString(), "--epochs", "2", "--no-progress");
            assertEquals(Main.EXIT_FAILURE, resume.exitCode(), resume.err());
            assertTrue(resume.err().contains("in use by another training run"), resume.err());
        }
    }

    @Test
    void anInterruptionDuringALaterSaveNamesTheEpochOnDisk(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Run first = train(csv(dir), "--epochs", "1", "--out", run.toString());
        assertEquals(0, first.exitCode(), first.err());
        // Ctrl-C while epoch 2 is being saved: epoch 1 moved aside, state.json not yet written.
        for (String name : List.of("model.safetensors", "optimizer.safetensors", "state.json")) {
            Files.move(run.resolve(name), run.resolve(name.replace(".", ".prev.")), StandardCopyOption.ATOMIC_MOVE);
        }
        Files.writeString(run.resolve(Checkpoint.MODEL_FILE), "half");
        String said = TrainCommand.whatWasKept(run, Checkpoint.lastCompleteEpoch(run));
        assertTrue(said.contains("keeps the checkpoint of epoch 1"), said);
        assertTrue(said.contains("./nabla train --resume " + run), said);
        Run resumed = Run.of("train", "--resume", run.toString(), "--epochs", "2", "--no-progress");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("after epoch 1 of 2"), resumed.out());
    }

    @Test
    void aDivergingRunExitsOneAndContinueKeepsPyTorchsBehaviour(@TempDir Path dir) throws IOException {
        Path file = csv(dir);
        Path run = dir.resolve("run");
        Run diverged = train(file, "--epochs", "2", "--lr", "1e30", "--out", run.toString());
        assertEquals(Main.EXIT_FAILURE, diverged.exitCode(), diverged.out() + diverged.err());
        assertTrue(diverged.err().contains("training diverged"), diverged.err());
        assertTrue(diverged.err().contains("Lower --lr"), diverged.err());
        assertFalse(Files.exists(run), "the folder this run created and saved nothing in is removed");
        Run carryOn = train(file, "--epochs", "1", "--lr", "1e30", "--on-nan", "continue", "--out",
                dir.resolve("run2").toString());
        assertEquals(0, carryOn.exitCode(), carryOn.err());
        Run bad = train(file, "--on-nan", "ignore");
        assertEquals(Main.EXIT_USAGE, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("--on-nan"), bad.err());
    }

    private static void assertUsage(Run run, String expected) {
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains(expected), run.err());
    }

    @Test
    void badOptionValuesAreUsageErrors(@TempDir Path dir) throws IOException {
        Path file = csv(dir);
        assertUsage(Run.of("train", "--backend", "tpu", "--dataset", "csv:" + file), "--backend: ");
        assertUsage(Run.of("train", "--backend", "opencl:x", "--dataset", "csv:" + file),
                "--backend: device 'opencl:x'");
        assertUsage(Run.of("train", "--dataset", "csv:" + file, "--hidden", "16", "--hidden", "64"),
                "--hidden given 2 times (16, 64); give all the widths once, comma-separated: --hidden 16,64");
        assertUsage(Run.of("train", "--dataset", "csv:", "--no-progress"), "the path after 'csv:' is empty");
        assertUsage(train(file, "--data", dir.toString()), "--data " + dir + " does not apply to --dataset csv:");
    }

    @Test
    void resumeChecksTheEpochTotal(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Run first = train(csv(dir), "--epochs", "3", "--out", run.toString());
        assertEquals(0, first.exitCode(), first.err());
        assertUsage(Run.of("train", "--resume", run.toString(), "--epochs", "0"), "--epochs: ");
        Run fewer = Run.of("train", "--resume", run.toString(), "--epochs", "2", "--no-progress");
        assertUsage(fewer, "has already trained 3 epochs");
        assertTrue(fewer.err().contains("--epochs 4"), fewer.err());
        assertFalse(fewer.out().contains("of 2"), fewer.out());
        Run same = Run.of("train", "--resume", run.toString(), "--no-progress");
        assertEquals(0, same.exitCode(), same.err());
        assertTrue(same.err().contains("has already trained 3 of 3 epochs; nothing to train"), same.err());
    }

    @Test
    void csvPathsAreNamedAndATildeIsTheHomeFolder(@TempDir Path dir) throws IOException {
        Run missing = Run.of("train", "--backend", "cpu", "--dataset", "csv:no/such.csv", "--no-progress", "--out",
                dir.resolve("r").toString());
        assertEquals(Main.EXIT_FAILURE, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("no such file: no/such.csv (--dataset csv:no/such.csv names no file; looked"
                + " for " + Path.of("no/such.csv").toAbsolutePath() + ", whose folder does not exist either)"),
                missing.err());
        assertFalse(Files.exists(dir.resolve("r")), "no run folder for data that is not there");

        Path empty = Files.writeString(dir.resolve("empty.csv"), "");
        Run onEmpty = Run.of("train", "--backend", "cpu", "--dataset", "csv:" + empty, "--no-progress");
        assertTrue(onEmpty.err().contains(empty + ": no data: the file is empty"), onEmpty.err());

        // The shell leaves ~ alone after "csv:"; Nabla expands it.
        Path home = Path.of(System.getProperty("user.home"));
        Path inHome = Files.createTempFile(home, "nabla-tilde-", ".csv");
        try {
            Files.writeString(inHome, Files.readString(csv(dir)));
            assertEquals(inHome, TrainCommand.csvFile("~/" + inHome.getFileName()));
        } finally {
            Files.delete(inHome);
        }
    }
}
