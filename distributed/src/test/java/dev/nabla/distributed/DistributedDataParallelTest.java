package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.io.NamedArray;
import dev.nabla.io.Safetensors;
import dev.nabla.train.Trainer;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two MPI ranks at batch 128 reproduce one process at batch 128 (no dropout, one seed, 240 Adam
 * steps): the final parameters agree within float tolerance and the metrics to 3 decimals. The
 * last batch of each epoch is split unequally (40/41 rows), which checks the gradients' weighting;
 * the 4 KiB buckets split the 2,900 parameters into 4 all-reduces (one parameter larger than a bucket).
 */
class DistributedDataParallelTest {

    @TempDir
    Path folder;

    @Test
    void twoRanksMatchOneProcess() throws Exception {
        MpiRun.requireMpi();
        Path single = folder.resolve("single");
        Path distributed = folder.resolve("distributed");
        new Trainer(EquivalenceCheck.config(), EquivalenceCheck.data(), Device.cpu(), single, false,
                new PrintWriter(Writer.nullWriter())).fit();
        MpiRun.Result result = MpiRun.run(2, EquivalenceCheck.class, List.of("mpi", distributed.toString(), "4096"),
                Duration.ofMinutes(4));
        assertEquals(0, result.exitStatus(), result.output());
        assertTrue(result.output().contains("rank 1 done; buckets 4"), result.output());

        Map<String, NamedArray> expected = Safetensors.read(single.resolve("model.safetensors")).tensors();
        Map<String, NamedArray> actual = Safetensors.read(distributed.resolve("model.safetensors")).tensors();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            float[] want = expected.get(name).floats();
            float[] got = actual.get(name).floats();
            for (int i = 0; i < want.length; i++) {
                // NOTE: the same math in another summation order: 240 steps of Adam drift by ~1e-6.
                assertEquals(want[i], got[i], 1e-4 + 1e-3 * Math.abs(want[i]), name + "[" + i + "]");
            }
        }
        List<String> wantMetrics = metrics(single);
        List<String> gotMetrics = metrics(distributed);
        assertEquals(wantMetrics.size(), gotMetrics.size());
        for (int row = 1; row < wantMetrics.size(); row++) {
            String[] want = wantMetrics.get(row).split(",");
            String[] got = gotMetrics.get(row).split(",");
            // epoch, train loss, train accuracy, test loss, test accuracy (the columns after are timings)
            for (int column = 0; column < 5; column++) {
                assertEquals(Double.parseDouble(want[column]), Double.parseDouble(got[column]), 5e-4,
                        "metrics.csv row " + row + " column " + column + ": " + wantMetrics.get(row) + " vs "
                                + gotMetrics.get(row));
            }
        }
    }

    /**
     * The device-bucket path (what NCCL takes on CUDA: flat bucket tensors on the device, weighted
     * there, sliced back into gradients) gives the host path's weights to the bit: the same float
     * products, summed by the same MPI reduction. Run with a test engine that stages each bucket
     * tensor through MPI, since this machine has no GPU for NCCL.
     */
    @Test
    void deviceBucketsGiveTheHostPathsWeightsToTheBit() throws Exception {
        MpiRun.requireMpi();
        Path host = folder.resolve("host");
        Path device = folder.resolve("device");
        MpiRun.Result hostRun = MpiRun.run(2, EquivalenceCheck.class, List.of("mpi", host.toString(), "4096"),
                Duration.ofMinutes(4));
        assertEquals(0, hostRun.exitStatus(), hostRun.output());
        MpiRun.Result deviceRun = MpiRun.run(2, EquivalenceCheck.class, List.of("device", device.toString(), "4096"),
                Duration.ofMinutes(4));
        assertEquals(0, deviceRun.exitStatus(), deviceRun.output());
        // 4 buckets, one broadcast each at the start; 240 steps of 4 all-reduces each.
        assertTrue(deviceRun.output().contains("rank 1 done; buckets 4; device all-reduces 960, broadcasts 4"),
                deviceRun.output());
        Map<String, NamedArray> expected = Safetensors.read(host.resolve("model.safetensors")).tensors();
        Map<String, NamedArray> actual = Safetensors.read(device.resolve("model.safetensors")).tensors();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(name).floats(), actual.get(name).floats(),
                    name);
        }
    }

    private static List<String> metrics(Path run) throws java.io.IOException {
        return Files.readAllLines(run.resolve("metrics.csv"));
    }
}
