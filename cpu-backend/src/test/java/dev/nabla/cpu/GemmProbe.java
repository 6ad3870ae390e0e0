package dev.nabla.cpu;

import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Storage;
import java.util.SplittableRandom;

/**
 * Times the CPU backend's SGEMM after warm-up and prints GFLOP/s. Not a test: run it by hand,
 * e.g. {@code java --add-modules jdk.incubator.vector -cp core/target/classes:cpu-backend/target/classes:cpu-backend/target/test-classes dev.nabla.cpu.GemmProbe}.
 * Arguments, if any, are {@code m n k} triples; the default is 512³, 1024³, 2048³ and the
 * first layer of a 784-1024 MLP at batch 256 (256×1024×784) forward, then its two backward
 * products: the weight gradient {@code Xᵀ·dY} (transA) and the input gradient {@code dY·Wᵀ}
 * (transB). {@code -Dpath=PACKED} or {@code -Dpath=ROWS} forces one GEMM strategy; {@code -Dtrans=NT}
 * (or TN, TT) transposes the operands of shapes given as arguments.
 */
public final class GemmProbe {

    private GemmProbe() {
    }

    public static void main(String[] args) {
        int[][] shapes = args.length >= 3 ? parse(args)
                : new int[][] {{512, 512, 512, 0, 0}, {1024, 1024, 1024, 0, 0}, {2048, 2048, 2048, 0, 0},
                        {256, 1024, 784, 0, 0}, {784, 1024, 256, 1, 0}, {256, 784, 1024, 0, 1}};
        CpuBackend cpu = new CpuBackend();
        Gemm.Path path = Gemm.Path.valueOf(System.getProperty("path", "AUTO"));
        System.out.println(cpu.info().name() + " — " + cpu.info().description());
        SplittableRandom random = new SplittableRandom(1);
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            Storage a = Fixtures.randomStorage(random, m * k, 1);
            Storage b = Fixtures.randomStorage(random, k * n, 1);
            Storage c = Fixtures.zeros(m * n);
            boolean transA = s.length > 3 && s[3] != 0;
            boolean transB = s.length > 4 && s[4] != 0;
            GemmSpec spec = GemmSpec.of(transA, transB, m, n, k, a, b, c);
            double flops = spec.flops();
            // Warm up for a couple of seconds' worth of work so C2 has compiled the kernel.
            int warmups = (int) Math.max(5, Math.min(200, 4e10 / flops));
            for (int i = 0; i < warmups; i++) {
                Gemm.gemm(spec, path);
            }
            int reps = (int) Math.max(3, Math.min(100, 2e10 / flops));
            double best = Double.MAX_VALUE;
            long start = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                Gemm.gemm(spec, path);
                best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
            }
            double mean = (System.nanoTime() - start) * 1e-9 / reps;
            System.out.printf("%5d x %5d x %5d %s: mean %7.1f GFLOP/s, best %7.1f GFLOP/s (%d reps)%n",
                    m, n, k, (transA ? "T" : "N") + (transB ? "T" : "N"), flops / mean / 1e9, flops / best / 1e9,
                    reps);
        }
    }

    private static int[][] parse(String[] args) {
        int[][] shapes = new int[args.length / 3][];
        for (int i = 0; i < shapes.length; i++) {
            String trans = System.getProperty("trans", "NN");
            shapes[i] = new int[] {Integer.parseInt(args[3 * i]), Integer.parseInt(args[3 * i + 1]),
                    Integer.parseInt(args[3 * i + 2]), trans.charAt(0) == 'T' ? 1 : 0, trans.charAt(1) == 'T' ? 1 : 0};
        }
        return shapes;
    }
}
