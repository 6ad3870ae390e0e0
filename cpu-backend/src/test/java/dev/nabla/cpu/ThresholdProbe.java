package dev.nabla.cpu;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.Layout;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures, per op family and size, one chunk against one chunk per thread, back to back as a
 * training step issues them, interleaved so load hits both alike. With {@code -Dproducer=true}
 * every call is preceded by a two-thread kernel that rewrites its input, as in a step, where the
 * input of a kernel was produced by the previous, parallel one. Prints the median time per call
 * of each and their ratio; the size where the ratio drops below 1 is that family's threshold.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core/target/classes:cpu-backend/target/classes:cpu-backend/target/test-classes \
 *   [-Dops=relu,add,copy,copyT,sum0,sum0w,sum1,adam,xent] [-Dproducer=true] dev.nabla.cpu.ThresholdProbe [sizes...]
 * </pre>
 */
public final class ThresholdProbe {

    private record Family(String name, Op op) {
    }

    @FunctionalInterface
    private interface Op {
        void run(float[] a, float[] b, float[] c, float[] d, int n);
    }

    public static void main(String[] args) {
        int[] sizes = args.length > 0 ? java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144};
        int max = java.util.Arrays.stream(sizes).max().orElseThrow();
        float[] a = new float[max];
        float[] b = new float[max];
        float[] c = new float[max];
        float[] d = new float[max];
        for (int i = 0; i < max; i++) {
            a[i] = (i % 7) - 3;
            b[i] = (i % 5) * 0.1f;
        }
        OptimizerStep.Adam adam = new OptimizerStep.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 0.1f, 0.001f);
        List<Family> families = new ArrayList<>();
        families.add(new Family("relu", (x, y, z, w, n) ->
                Elementwise.unary(UnaryOp.RELU, 0f, x, Layout.contiguous(n / 256, 256), z)));
        families.add(new Family("add", (x, y, z, w, n) -> Elementwise.binary(BinaryOp.ADD, x,
                Layout.contiguous(n / 256, 256), y, Layout.contiguous(n / 256, 256), z)));
        families.add(new Family("copy", (x, y, z, w, n) -> Elementwise.copy(x, Layout.contiguous(n / 256, 256), z)));
        families.add(new Family("copyT", (x, y, z, w, n) ->
                Elementwise.copy(x, new Layout(new int[] {n / 256, 256}, new int[] {1, n / 256}, 0), z)));
        families.add(new Family("sum0", (x, y, z, w, n) -> Reductions.reduce(ReduceOp.SUM, x, 1, n / 256, 256, z)));
        families.add(new Family("sum0w", (x, y, z, w, n) -> Reductions.reduce(ReduceOp.SUM, x, 1, n / 1024, 1024, z)));
        families.add(new Family("sum1", (x, y, z, w, n) -> Reductions.reduce(ReduceOp.SUM, x, n / 256, 256, 1, z)));
        families.add(new Family("adam", (x, y, z, w, n) -> Optimizers.step(adam, z, x, w, d, n)));
        families.add(new Family("xent", (x, y, z, w, n) -> {
            int rows = n / 16;
            SoftmaxCrossEntropy.softmaxRows(x, rows, 16, false, z);
        }));
        boolean producer = Boolean.getBoolean("producer");
        String only = System.getProperty("ops");
        if (only != null) {
            families.removeIf(f -> !java.util.Arrays.asList(only.split(",")).contains(f.name()));
        }
        // Warm up every kernel in both modes first, so C2 is not compiling during the measurements
        // (a compiler thread on one of two cores halves the parallel figures).
        long warmUntil = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < warmUntil) {
            for (Family family : families) {
                for (int mode = 0; mode < 2; mode++) {
                    CpuThreads.forcedChunks = mode == 0 ? 1 : CpuThreads.threads();
                    for (int n : new int[] {4096, 65536}) {
                        if (n <= max) {
                            if (producer) {
                                produce(a, b, n);
                            }
                            family.op.run(a, b, c, d, n);
                        }
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-6s %8s %10s %10s %6s%n", "op", "elements", "1 chunk", "threads", "ratio");
        for (Family family : families) {
            for (int n : sizes) {
                int calls = Math.max(20, 2_000_000 / n);
                double[][] times = new double[2][15];
                for (int round = -5; round < 15; round++) {
                    for (int mode = 0; mode < 2; mode++) {
                        CpuThreads.forcedChunks = mode == 0 ? 1 : CpuThreads.threads();
                        long t = System.nanoTime();
                        for (int i = 0; i < calls; i++) {
                            if (producer) {
                                produce(a, b, n);
                            }
                            family.op.run(a, b, c, d, n);
                        }
                        if (round >= 0) {
                            times[mode][round] = (System.nanoTime() - t) / 1e3 / calls;
                        }
                    }
                }
                CpuThreads.forcedChunks = 0;
                double one = median(times[0]);
                double many = median(times[1]);
                System.out.printf(Locale.ROOT, "%-6s %8d %8.2fus %8.2fus %6.2f%n", family.name, n, one, many,
                        one / many);
                if (producer) {
                    System.out.printf(Locale.ROOT, "%-6s %8s %8.2fus saved by threads (producer included)%n", "", "",
                            one - many);
                }
            }
        }
    }

    /**
     * As the kernel before it in a step: rewrites the input on every thread (half in each core's
     * cache), so a one-chunk consumer does not find it all in its own L2.
     */
    private static void produce(float[] a, float[] b, int n) {
        CpuThreads.parallelRanges(n, CpuThreads.threads(), 16, (start, end) -> {
            for (int i = start; i < end; i++) {
                a[i] = b[i] * 0.5f - 0.1f;
            }
        });
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }
}
