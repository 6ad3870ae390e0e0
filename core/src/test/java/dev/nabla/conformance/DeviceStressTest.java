package dev.nabla.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Losses;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The paths of a GPU backend that the small conformance cases never reach: copies far larger
 * than a staging buffer (CUDA's pinned slots are 4 MiB), copies from other threads, platform and
 * virtual, while the test's thread launches kernels, 2048² GEMMs in every transposition, and a
 * whole epoch of training compared with the CPU. Each backend module runs it on its device; a
 * missing device skips (or fails under {@code NABLA_REQUIRE}) in {@link #device()}.
 *
 * <p>Expected values come from the test itself (exact copies; GEMM entries as double-precision
 * dot products on sampled positions) or from {@link Device#cpu()}, never from the device under test.
 */
public abstract class DeviceStressTest {

    /** The device under test. */
    protected abstract Device device();

    /** More than five million elements: twenty-one 4 MiB pieces, the last one partial. */
    static final int LARGE = 5 * 1024 * 1024 + 12_345;

    @Test
    void fiveMillionFloatsAndIntsRoundTripExactly() {
        Device device = device();
        float[] floats = new float[LARGE];
        int[] ints = new int[LARGE];
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < LARGE; i++) {
            // every bit pattern but NaN's, so a byte in the wrong place shows
            float f;
            do {
                f = Float.intBitsToFloat(random.nextInt());
            } while (Float.isNaN(f));
            floats[i] = f;
            ints[i] = random.nextInt();
        }
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(device, floats, LARGE);
            Tensor y = Tensor.of(device, ints, LARGE);
            assertArrayEquals(floats, x.toFloatArray(), "F32 round trip of " + LARGE + " elements on " + device);
            assertArrayEquals(ints, y.toIntArray(), "I32 round trip of " + LARGE + " elements on " + device);
            // and the device holds them where its kernels read them: a copy made on the device,
            // and an element-wise op, checked at the last piece's boundary and the end
            assertArrayEquals(floats, x.copy().toFloatArray(), "device-to-device copy of " + LARGE + " elements");
            float[] small = new float[LARGE];
            for (int i = 0; i < LARGE; i++) {
                small[i] = (i % 1000) * 0.5f;
            }
            float[] doubled = Tensor.of(device, small, LARGE).mul(2f).toFloatArray();
            for (int i : new int[] {0, 1, 1024 * 1024 - 1, 1024 * 1024, 4 * 1024 * 1024, LARGE - 2, LARGE - 1}) {
                assertEquals(small[i] * 2f, doubled[i], "x·2 at " + i);
            }
        }
    }

    /**
     * A platform thread and a virtual thread copy in and out (several staging pieces each) while
     * the test's thread keeps launching kernels and reading their results; every value is checked.
     */
    @Test
    void copiesFromOtherThreadsWhileKernelsRun() throws Exception {
        Device device = device();
        AtomicBoolean launching = new AtomicBoolean(true);
        CountDownLatch started = new CountDownLatch(2);
        List<Future<Integer>> copiers = new ArrayList<>();
        try (ExecutorService platform = Executors.newFixedThreadPool(1);
             ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            copiers.add(platform.submit(() -> copyLoop(device, 1, started, launching)));
            copiers.add(virtual.submit(() -> copyLoop(device, 2, started, launching)));
            assertTrue(started.await(60, TimeUnit.SECONDS), "the copying threads did not start");
            int launches = 0;
            try {
                float[] a = ramp(128 * 96, 0.01f);
                float[] b = ramp(96 * 64, -0.02f);
                float[] expected = matmul(a, b, 128, 96, 64);
                for (int round = 0; round < 40; round++) {
                    try (Scope scope = Scope.open()) {
                        Tensor product = Tensor.of(device, a, 128, 96).matmul(Tensor.of(device, b, 96, 64)).relu();
                        float[] got = product.toFloatArray();
                        for (int i = 0; i < got.length; i++) {
                            float want = Math.max(0f, expected[i]);
                            if (Math.abs(got[i] - want) > 1e-3f * (1 + Math.abs(want))) {
                                fail("launching thread, round " + round + ": relu(a·b)[" + i + "] = " + got[i] + ", expected " + want);
                            }
                        }
                        launches++;
                    }
                }
            } finally {
                launching.set(false);
            }
            for (Future<Integer> copier : copiers) {
                assertTrue(copier.get(5, TimeUnit.MINUTES) > 0, "a copying thread made no round trip");
            }
            assertEquals(40, launches);
        }
    }

    /** Copies in and out until the launching thread is done (at least twice); returns the round trips. */
    private static int copyLoop(Device device, int seed, CountDownLatch started, AtomicBoolean launching) {
        // 1.5 M floats: two 4 MiB staging pieces each way
        int n = 3 * 512 * 1024 + seed;
        float[] data = ramp(n, seed);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i * seed - 7;
        }
        started.countDown();
        int rounds = 0;
        while (launching.get() || rounds < 2) {
            try (Scope scope = Scope.open()) {
                Tensor x = Tensor.of(device, data, n);
                Tensor y = Tensor.of(device, labels, n);
                float[] back = x.toFloatArray();
                int[] backInts = y.toIntArray();
                for (int i = 0; i < n; i++) {
                    if (Float.floatToRawIntBits(back[i]) != Float.floatToRawIntBits(data[i]) || backInts[i] != labels[i]) {
                        throw new AssertionError((Thread.currentThread().isVirtual() ? "virtual" : "platform")
                                + " thread, round " + rounds + ": element " + i + " came back as " + back[i] + "/"
                                + backInts[i] + ", sent " + data[i] + "/" + labels[i]);
                    }
                }
            }
            rounds++;
        }
        return rounds;
    }

    /** C = op(A)·op(B) at 2048×2048×2048, each transposition, against double-precision dot products of sampled entries. */
    @Test
    void gemm2048InEveryTranspositionMatchesSampledDotProducts() {
        Device device = device();
        int size = 2048;
        float[] a = values(size * size, 1);
        float[] b = values(size * size, 2);
        SplittableRandom random = new SplittableRandom(3);
        int[][] samples = new int[300][];
        for (int s = 0; s < samples.length; s++) {
            samples[s] = new int[] {random.nextInt(size), random.nextInt(size)};
        }
        // the corners and the tile edges too
        samples[0] = new int[] {0, 0};
        samples[1] = new int[] {size - 1, size - 1};
        samples[2] = new int[] {0, size - 1};
        samples[3] = new int[] {size - 1, 0};
        samples[4] = new int[] {63, 64};
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                String what = size + "² GEMM " + (transA ? "Aᵀ" : "A") + "·" + (transB ? "Bᵀ" : "B") + " on " + device;
                try (Scope scope = Scope.open()) {
                    Tensor ta = Tensor.of(device, a, size, size);
                    Tensor tb = Tensor.of(device, b, size, size);
                    Tensor c = (transA ? ta.t() : ta).matmul(transB ? tb.t() : tb);
                    float[] got = c.toFloatArray();
                    for (int[] sample : samples) {
                        int i = sample[0];
                        int j = sample[1];
                        double sum = 0;
                        double magnitude = 0;
                        for (int p = 0; p < size; p++) {
                            double x = transA ? a[p * size + i] : a[i * size + p];
                            double y = transB ? b[j * size + p] : b[p * size + j];
                            sum += x * y;
                            magnitude += Math.abs(x * y);
                        }
                        // float32 accumulation over 2048 terms: error bound relative to Σ|xy|
                        double tolerance = 1e-5 * magnitude + 1e-6;
                        if (Math.abs(got[i * size + j] - sum) > tolerance) {
                            fail(what + ": C[" + i + "][" + j + "] = " + got[i * size + j] + ", expected " + sum
                                    + " (tolerance " + tolerance + ")");
                        }
                    }
                }
            }
        }
    }

    /** One epoch of a small MLP with Adam: the loss after each step follows the CPU's. */
    @Test
    void oneEpochOfTrainingFollowsTheCpu() {
        Device device = device();
        float[] device1 = trainOneEpoch(device);
        float[] cpu = trainOneEpoch(Device.cpu());
        assertEquals(cpu.length, device1.length);
        for (int step = 0; step < cpu.length; step++) {
            // the same math in a different summation order: close, drifting slowly over the epoch
            float tolerance = 2e-3f * (1 + step / 10f);
            if (Math.abs(device1[step] - cpu[step]) > tolerance * Math.max(1f, Math.abs(cpu[step]))) {
                fail("step " + step + ": loss " + device1[step] + " on " + device + ", " + cpu[step] + " on " + Device.cpu());
            }
        }
        assertTrue(cpu[cpu.length - 1] < 0.5f * cpu[0], "the model learns: loss " + cpu[0] + " → " + cpu[cpu.length - 1]);
    }

    /** Losses of every step of one epoch: 2,048 rows of 64 features in 4 blobs, batches of 128. */
    private static float[] trainOneEpoch(Device device) {
        int rows = 2048;
        int features = 64;
        int classes = 4;
        int batch = 128;
        float[] x = new float[rows * features];
        int[] y = new int[rows];
        SplittableRandom random = new SplittableRandom(5);
        for (int r = 0; r < rows; r++) {
            y[r] = r % classes;
            for (int f = 0; f < features; f++) {
                x[r * features + f] = (float) random.nextGaussian() + (f % classes == y[r] ? 1.5f : 0f);
            }
        }
        Sequential model = new Sequential(new Linear(features, 256, device, 1), new ReLU(),
                new Linear(256, 256, device, 2), new ReLU(), new Linear(256, classes, device, 3));
        Adam optimizer = new Adam(model, 1e-3f);
        float[] losses = new float[rows / batch];
        for (int step = 0; step < losses.length; step++) {
            float[] bx = java.util.Arrays.copyOfRange(x, step * batch * features, (step + 1) * batch * features);
            int[] by = java.util.Arrays.copyOfRange(y, step * batch, (step + 1) * batch);
            try (Scope scope = Scope.open()) {
                Tensor loss = Losses.crossEntropy(model.forward(Tensor.of(device, bx, batch, features)),
                        Tensor.of(device, by, batch));
                optimizer.zeroGrad();
                loss.backward();
                optimizer.step();
                losses[step] = loss.item();
            }
        }
        return losses;
    }

    private static float[] ramp(int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = ((i * 37) % 101 - 50) * scale;
        }
        return values;
    }

    private static float[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }

    private static float[] matmul(float[] a, float[] b, int m, int k, int n) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += (double) a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = (float) sum;
            }
        }
        return c;
    }
}
