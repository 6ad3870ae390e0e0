package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.testing.ChildJvm;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17: one run per folder, leftovers of killed saves, diverging runs, what an interruption kept. */
class RunFolderReliabilityTest {

    private static TrainConfig config(int epochs, float lr) {
        return new TrainConfig("blobs", "", 0, new int[] {16}, "relu", 0f, "adam", lr, 0.9f, 0f,
                "cosine", epochs, 32, 5, 0f);
    }

    private static Trainer trainer(TrainConfig config, Path dir, StringWriter out) {
        return new Trainer(config, TrainerTest.blobs(300, 100), Device.reference(), dir, false, new PrintWriter(out));
    }

    @Test
    void aSecondRunOnAFolderInUseIsRefusedNamingTheHolder(@TempDir Path dir) throws IOException {
        long pid = ProcessHandle.current().pid();
        try (RunLock held = RunLock.acquire(dir)) {
            RunLock.HeldException second = assertThrows(RunLock.HeldException.class, () -> RunLock.acquire(dir));
            assertEquals(pid, second.holderPid());
            RunLock.HeldException trainer = assertThrows(RunLock.HeldException.class,
                    () -> trainer(config(1, 0.01f), dir, new StringWriter()).fit());
            assertTrue(trainer.getMessage().contains("PID " + pid), trainer.getMessage());
            assertFalse(Files.exists(dir.resolve(Checkpoint.STATE_FILE)), "the refused run wrote nothing");
            assertThrows(RunLock.HeldException.class, () -> trainer(config(1, 0.01f), dir, new StringWriter()).resume());
        }
        // released: the folder can be used again
        try (RunLock again = RunLock.acquire(dir)) {
            assertTrue(Files.exists(dir.resolve(RunLock.FILE)));
        }
    }

    @Test
    void aStaleLockFileOfAKilledRunIsTakenOver(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(RunLock.FILE), "999999999\n");
        try (RunLock lock = RunLock.acquire(dir)) {
            assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(dir.resolve(RunLock.FILE)).trim());
        }
    }

    /** Tries the lock from another process. */
    public static final class LockFromAnotherProcess {
        public static void main(String[] args) throws IOException {
            try (RunLock lock = RunLock.acquire(Path.of(args[0]))) {
                System.out.println("acquired");
            } catch (RunLock.HeldException e) {
                System.out.println("held by " + e.holderPid());
            }
        }
    }

    @Test
    void aLockHeldByAnotherProcessIsRefused(@TempDir Path dir) throws Exception {
        try (RunLock held = RunLock.acquire(dir)) {
            ChildJvm.Result child = ChildJvm.run(LockFromAnotherProcess.class, List.of(dir.toString()), Map.of(),
                    List.of(), Duration.ofSeconds(60));
            assertTrue(child.output().contains("held by " + ProcessHandle.current().pid()), child.output());
        }
        ChildJvm.Result child = ChildJvm.run(LockFromAnotherProcess.class, List.of(dir.toString()), Map.of(),
                List.of(), Duration.ofSeconds(60));
        assertTrue(child.output().contains("acquired"), child.output());
    }

    @Test
    void fitRefusesAFolderThatAlreadyHoldsARun(@TempDir Path dir) throws IOException {
        trainer(config(1, 0.01f), dir, new StringWriter()).fit();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> trainer(config(1, 0.01f), dir, new StringWriter()).fit());
        assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
    }

    @Test
    void tempFilesOfAKilledSaveAreRemovedOnResume(@TempDir Path dir) throws IOException {
        trainer(config(2, 0.01f), dir, new StringWriter()).stopAfter(1).fit();
        Files.writeString(dir.resolve(".model.safetensors.1k2j3h.tmp"), "partial");
        Files.writeString(dir.resolve(".optimizer.safetensors.zz9.tmp"), "partial");
        Files.writeString(dir.resolve("notes.tmp"), "the user's");
        StringWriter out = new StringWriter();
        trainer(config(2, 0.01f), dir, out).resume();
        assertFalse(Files.exists(dir.resolve(".model.safetensors.1k2j3h.tmp")));
        assertFalse(Files.exists(dir.resolve(".optimizer.safetensors.zz9.tmp")));
        assertTrue(Files.exists(dir.resolve("notes.tmp")), "only the project's own temp files are removed");
        assertTrue(out.toString().contains("removed 2 temporary files left by an interrupted save"), out.toString());
    }

    @Test
    void aDivergingRunStopsWithANamedErrorAndSavesNothing(@TempDir Path dir, @TempDir Path other) throws IOException {
        Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class,
                () -> trainer(config(2, 1e30f), dir, new StringWriter()).fit());
        assertTrue(e.getMessage().contains("training diverged: the loss is"), e.getMessage());
        assertTrue(e.getMessage().contains("at epoch 1, step "), e.getMessage());
        assertTrue(e.getMessage().contains("Lower --lr") && e.getMessage().contains("--clip-norm"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was saved"), e.getMessage());
        assertFalse(Files.exists(dir.resolve(Checkpoint.STATE_FILE)), "NaN weights are never saved");
        // PyTorch's behaviour on request
        Trainer.Result result = trainer(config(1, 1e30f), other, new StringWriter()).stopOnNonFiniteLoss(false).fit();
        assertTrue(Double.isNaN(result.epochs().get(0).trainLoss()));
    }

    @Test
    void theLastCompleteEpochIsReadFromDiskWhileASaveIsUnderWay(@TempDir Path dir) throws IOException {
        trainer(config(2, 0.01f), dir, new StringWriter()).stopAfter(1).fit();
        // The save of epoch 2 has moved epoch 1 aside and written half a model file.
        for (String name : List.of("model.safetensors", "optimizer.safetensors", "state.json")) {
            String prev = name.replace(".", ".prev.");
            Files.move(dir.resolve(name), dir.resolve(prev), StandardCopyOption.ATOMIC_MOVE);
        }
        Files.writeString(dir.resolve(Checkpoint.MODEL_FILE), "half a file");
        assertEquals(1, Checkpoint.lastCompleteEpoch(dir).getAsInt());
        assertTrue(Checkpoint.lastCompleteEpoch(dir.resolve("nothing-here")).isEmpty());
    }
}
