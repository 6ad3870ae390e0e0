package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launchers' rank variables, the local rank's device, and the timeout's roll-call grace. */
class LaunchEnvironmentTest {

    @Test
    void eachLauncherIsRead() {
        assertEquals(new LaunchEnvironment(3, 8, 1, "mpirun"), LaunchEnvironment.detect(Map.of(
                "OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "8", "OMPI_COMM_WORLD_LOCAL_RANK", "1")).orElseThrow());
        assertEquals(new LaunchEnvironment(5, 16, 1, "srun"), LaunchEnvironment.detect(Map.of(
                "SLURM_PROCID", "5", "SLURM_NTASKS", "16", "SLURM_LOCALID", "1")).orElseThrow());
        assertEquals(new LaunchEnvironment(2, 4, 0, "pmi"), LaunchEnvironment.detect(Map.of(
                "PMI_RANK", "2", "PMI_SIZE", "4")).orElseThrow());
        assertTrue(LaunchEnvironment.detect(Map.of("HOME", "/root")).isEmpty());
    }

    @Test
    void openMpiWinsOverSlurmWhenMpirunRunsInsideAnAllocation() {
        var both = LaunchEnvironment.detect(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "1",
                "OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2"));
        assertEquals("mpirun", both.orElseThrow().launcher());
        assertEquals(1, both.orElseThrow().rank());
    }

    @Test
    void badVariablesAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> LaunchEnvironment.detect(Map.of(
                "OMPI_COMM_WORLD_RANK", "x", "OMPI_COMM_WORLD_SIZE", "2")));
        assertEquals("the launcher variable OMPI_COMM_WORLD_RANK=x is not a number", e.getMessage());
        var range = assertThrows(IllegalArgumentException.class, () -> LaunchEnvironment.detect(Map.of(
                "SLURM_PROCID", "4", "SLURM_NTASKS", "4")));
        assertTrue(range.getMessage().startsWith("launcher srun gave rank 4 of 4"), range.getMessage());
    }

    @Test
    void theLocalRankPicksTheGpu() {
        LaunchEnvironment launch = new LaunchEnvironment(5, 8, 1, "mpirun");
        assertEquals("cuda:1", launch.deviceFor("cuda"));
        assertEquals("opencl:1", launch.deviceFor("opencl"));
        assertEquals("cuda:0", launch.deviceFor("cuda:0"));
        assertEquals("cpu", launch.deviceFor("cpu"));
        assertEquals("auto", launch.deviceFor("auto"));
    }

    @Test
    void theRollCallWaitsAFifthOfTheTimeoutWithinBounds() {
        assertEquals(Duration.ofSeconds(1), MpiCommunicator.rollCallGrace(Duration.ofSeconds(2)));
        assertEquals(Duration.ofMillis(1200), MpiCommunicator.rollCallGrace(Duration.ofSeconds(6)));
        assertEquals(Duration.ofSeconds(30), MpiCommunicator.rollCallGrace(Duration.ofMinutes(30)));
    }
}
