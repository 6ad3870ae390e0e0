package dev.nabla.opencl;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.backend.Backend;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;

/**
 * Times GEMM and an element-wise op on {@code opencl:0} after warm-up and prints GFLOP/s and
 * GB/s; with the argument {@code reduce}, only the column sums (a bias gradient's shape). Not a test (timings live in benchmarks): run it by hand with the test class path, e.g.
 * {@code java --enable-native-access=ALL-UNNAMED -cp "$(cat cp.txt)" dev.nabla.opencl.OpenClProbe}.
 */
public final class OpenClProbe {

    private OpenClProbe() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        Backend backend = Device.of("opencl:0").backend();
        System.out.println(backend.info().name() + " — " + backend.info().description());
        System.out.printf("discovery and program build: %.0f ms%n", (System.nanoTime() - start) / 1e6);
        if (args.length > 0 && args[0].equals("reduce")) {
            columnSums(backend);
            return;
        }
        int[][] shapes = {{256, 256, 256, 0, 0}, {512, 512, 512, 0, 0}, {1024, 1024, 1024, 0, 0},
            {256, 1024, 784, 0, 0}, {784, 1024, 256, 1, 0}, {256, 784, 1024, 0, 1}};
        for (int[] s : shapes) {
            Storage a = random(backend, (long) s[0] * s[2], 1);
            Storage b = random(backend, (long) s[2] * s[1], 2);
            Storage c = backend.allocate(DType.F32, (long) s[0] * s[1]);
            GemmSpec spec = GemmSpec.of(s[3] != 0, s[4] != 0, s[0], s[1], s[2], a, b, c);
            double seconds = time(backend, () -> backend.gemm(spec));
            System.out.printf("gemm %s%s %4d x %4d x %4d: %7.2f GFLOP/s (%.2f ms)%n", s[3] != 0 ? "t" : "n",
                    s[4] != 0 ? "t" : "n", s[0], s[1], s[2], spec.flops() / seconds / 1e9, seconds * 1e3);
            backend.free(a);
            backend.free(b);
            backend.free(c);
        }
        int n = 1 << 24;
        Storage x = random(backend, n, 3);
        Storage y = backend.allocate(DType.F32, n);
        double seconds = time(backend, () -> backend.unary(UnaryOp.EXP, 0f, x, Layout.contiguous(n), y));
        System.out.printf("exp over %d floats: %.2f GB/s (%.2f ms)%n", n, 8.0 * n / seconds / 1e9, seconds * 1e3);
    }

    /** Sum over the rows of [rows, columns]: a bias gradient, and one long axis. */
    private static void columnSums(Backend backend) {
        int[][] shapes = {{128, 512}, {256, 1024}, {1 << 20, 4}};
        for (int[] s : shapes) {
            Storage src = random(backend, (long) s[0] * s[1], 4);
            Storage dst = backend.allocate(DType.F32, s[1]);
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                best = Math.min(best, time(backend, () -> backend.reduce(ReduceOp.SUM, src, 1, s[0], s[1], dst), 50));
            }
            System.out.printf("column sum %7d x %4d: %.1f us (best of 5 means of 50)%n", s[0], s[1], best * 1e6);
            backend.free(src);
            backend.free(dst);
        }
    }

    private static Storage random(Backend backend, long count, long seed) {
        Storage storage = backend.allocate(DType.F32, count);
        backend.randomUniform(seed, 0, storage, count);
        return storage;
    }

    /** Median-free simple timing: two warm-up calls (PoCL compiles per work-group size), then the mean of a few. */
    private static double time(Backend backend, Runnable op) {
        return time(backend, op, 5);
    }

    private static double time(Backend backend, Runnable op, int repeats) {
        op.run();
        op.run();
        backend.synchronize();
        long start = System.nanoTime();
        for (int i = 0; i < repeats; i++) {
            op.run();
        }
        backend.synchronize();
        return (System.nanoTime() - start) / 1e9 / repeats;
    }
}
