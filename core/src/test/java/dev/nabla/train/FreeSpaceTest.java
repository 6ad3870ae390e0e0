package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A run whose checkpoints cannot fit is refused before its first epoch, naming the folder and the sizes. */
class FreeSpaceTest {

    @Test
    void aCheckpointIsTheWeightsAndTwoOptimizerStates() {
        assertEquals(12L * 1_333_770, Trainer.checkpointBytes(1_333_770));
    }

    @Test
    void twiceTheCheckpointMustBeFree() throws IOException {
        Path dir = Path.of("/runs/mlp");
        assertDoesNotThrow(() -> Trainer.requireFreeSpace(dir, 16_000_000, 32_000_000));
        IOException e = assertThrows(IOException.class, () -> Trainer.requireFreeSpace(dir, 16_000_000, 31_999_999));
        assertEquals("not enough free space in /runs/mlp for this run's checkpoints: a save needs about 32.0 MB"
                + " (the model and optimizer state, written beside the previous save), 32.0 MB are free; free some"
                + " space or choose another --out", e.getMessage());
    }
}
