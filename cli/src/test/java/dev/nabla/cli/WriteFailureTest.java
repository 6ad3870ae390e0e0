package dev.nabla.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.train.Checkpoint;
import dev.nabla.train.MetricsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 7: a write that fails mid-run (a full disk, a read-only folder, anything in the
 * way) names the file being written and the cause, keeps the last good checkpoint and says how to
 * resume.
 */
class WriteFailureTest {

    private static Run train(Path csv, Path run, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--backend", "cpu", "--dataset", "csv:" + csv,
                "--hidden", "8", "--batch-size", "16", "--dropout", "0", "--no-progress", "--out", run.toString()));
        args.addAll(List.of(more));
        return Run.of(args.toArray(String[]::new));
    }

    private static Run resume(Path run, int epochs) {
        return Run.of("train", "--resume", run.toString(), "--epochs", Integer.toString(epochs), "--no-progress");
    }

    @Test
    void aFailedMetricsWriteNamesTheFileTheCauseAndTheKeptEpoch(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        Run first = train(TrainReliabilityTest.csv(dir), run, "--epochs", "1");
        assertEquals(0, first.exitCode(), first.err());
        // Something in the way of metrics.csv: its replacement cannot be renamed over a folder.
        Path metrics = run.resolve(MetricsWriter.CSV_FILE);
        Files.delete(metrics);
        Files.writeString(Files.createDirectory(metrics).resolve("keep"), "x");

        Run second = resume(run, 2);
        assertEquals(Main.EXIT_FAILURE, second.exitCode(), second.err());
        assertTrue(second.err().contains("error: cannot write " + metrics + ": "), second.err());
        // The checkpoint is saved before the metrics: epoch 2's is complete and kept.
        assertTrue(second.err().contains(run + " keeps the checkpoint of epoch 2 (the last complete one); continue"
                + " with ./nabla train --resume " + run), second.err());
        assertEquals(2, Checkpoint.lastCompleteEpoch(run).getAsInt());

        Files.delete(metrics.resolve("keep"));
        Files.delete(metrics);
        Run third = resume(run, 3);
        assertEquals(0, third.exitCode(), third.err());
        assertTrue(third.out().contains("resuming " + run + " after epoch 2 of 3"), third.out());
    }

    /** Runs a command, returning its exit status and output. */
    private static ProcessResult sh(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new ProcessResult(process.exitValue(), output);
    }

    private record ProcessResult(int status, String output) {
    }

    /**
     * A real full disk: a tmpfs with room for the checkpoints (the pre-check passes) but not for
     * {@code curves.png} as well, as the user met it. Needs root with CAP_SYS_ADMIN to
     * mount; skipped otherwise, with mount's answer.
     */
    @Test
    void aFullDiskMidRunNamesTheFileAndKeepsTheLastCheckpoint(@TempDir Path dir) throws Exception {
        Path csv = TrainReliabilityTest.csv(dir);
        Path disk = Files.createDirectory(dir.resolve("disk"));
        ProcessResult mount = sh("mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", disk.toString());
        Assumptions.assumeTrue(mount.status() == 0, "cannot mount a tmpfs to fill up (needs root with"
                + " CAP_SYS_ADMIN): mount said: " + mount.output());
        try {
            Path run = disk.resolve("run");
            Run full = train(csv, run, "--epochs", "2");
            assertEquals(Main.EXIT_FAILURE, full.exitCode(), full.out() + full.err());
            assertTrue(full.out().contains("epoch 1/2"), "the pre-checks passed and training ran: " + full.out());
            assertTrue(full.err().matches("(?s)error: cannot write " + java.util.regex.Pattern.quote(run.toString())
                    + "/[a-z.]+: No space left on device.*"), full.err());
            int kept = Checkpoint.lastCompleteEpoch(run).orElse(0);
            assertTrue(kept >= 1, "a checkpoint survived: " + full.err());
            assertTrue(full.err().contains("keeps the checkpoint of epoch " + kept + " (the last complete one);"
                    + " continue with ./nabla train --resume " + run), full.err());

            // Free space, and the run goes on from the kept epoch.
            assertEquals(0, sh("mount", "-o", "remount,size=4m", disk.toString()).status());
            Run resumed = resume(run, 2);
            assertEquals(0, resumed.exitCode(), resumed.err());
            assertTrue(resumed.out().contains("after epoch " + kept + " of 2"), resumed.out());
            assertTrue(Files.exists(run.resolve("curves.png")));

            // Read-only: refused before the first epoch, naming the folder and the cause.
            assertEquals(0, sh("mount", "-o", "remount,ro", disk.toString()).status());
            Run readOnly = Run.of("train", "--resume", run.toString(), "--epochs", "3", "--no-progress");
            assertEquals(Main.EXIT_FAILURE, readOnly.exitCode(), readOnly.err());
            assertTrue(readOnly.err().contains("the run folder " + run + " is not writable (Read-only file system"),
                    readOnly.err());
            assertFalse(readOnly.out().contains("epoch 3/3"), "refused before training: " + readOnly.out());
        } finally {
            sh("umount", disk.toString());
        }
    }
}
