package dev.nabla.cpu;

import dev.nabla.DType;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.HalfPrecision;
import dev.nabla.backend.Storage;
import dev.nabla.backend.reference.HeapStorage;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times an F32 GEMM against the same product with BF16 (or F16) operands, widened block by block in
 * the packing and widened whole first, interleaved in one JVM so that load from other processes hits
 * all three alike. Not a test: run by hand,
 * {@code java --add-modules jdk.incubator.vector -cp ... dev.nabla.cpu.HalfGemmProbe 512,1024,2048 [BF16|F16]}.
 * Prints medians of GFLOP/s over {@code -Drounds=N} rounds (default 7) and the median same-round
 * time ratio against F32.
 */
public final class HalfGemmProbe {

    private HalfGemmProbe() {
    }

    public static void main(String[] args) {
        DType half = args.length > 1 ? DType.valueOf(args[1]) : DType.BF16;
        int rounds = Integer.getInteger("rounds", 7);
        CpuBackend cpu = new CpuBackend();
        SplittableRandom random = new SplittableRandom(3);
        for (String size : args[0].split(",")) {
            int n = Integer.parseInt(size);
            Storage a32 = Fixtures.randomStorage(random, n * n, 1);
            Storage b32 = Fixtures.randomStorage(random, n * n, 1);
            Storage a16 = narrow(a32, half);
            Storage b16 = narrow(b32, half);
            Storage c = Fixtures.zeros(n * n);
            GemmSpec f32 = GemmSpec.of(false, false, n, n, n, a32, b32, c);
            GemmSpec f16 = GemmSpec.of(false, false, n, n, n, a16, b16, c);
            int calls = (int) Math.max(1, Math.min(1000, 1.5e9 / f32.flops()));
            double[][] seconds = new double[3][rounds];
            for (int round = -2; round < rounds; round++) {
                for (int s = 0; s < 3; s++) {
                    CpuBackend.widenWholeOperands = s == 2;
                    GemmSpec spec = s == 0 ? f32 : f16;
                    long t0 = System.nanoTime();
                    for (int i = 0; i < calls; i++) {
                        cpu.gemm(spec);
                    }
                    if (round >= 0) {
                        seconds[s][round] = (System.nanoTime() - t0) * 1e-9 / calls;
                    }
                }
            }
            CpuBackend.widenWholeOperands = false;
            StringBuilder line = new StringBuilder(String.format("%5d^3", n));
            String[] names = {"f32", half + " in packing", half + " widened whole"};
            for (int s = 0; s < 3; s++) {
                double[] sorted = seconds[s].clone();
                Arrays.sort(sorted);
                line.append(String.format("  %s %.1f GFLOP/s", names[s], f32.flops() / sorted[rounds / 2] / 1e9));
                if (s > 0) {
                    double[] ratios = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        ratios[r] = seconds[s][r] / seconds[0][r];
                    }
                    Arrays.sort(ratios);
                    line.append(String.format(" (time x%.3f)", ratios[rounds / 2]));
                }
            }
            System.out.println(line);
        }
    }

    private static Storage narrow(Storage f32, DType half) {
        float[] values = HeapStorage.floats(f32);
        HeapStorage out = new HeapStorage(half, values.length);
        short[] bits = HeapStorage.shorts(out);
        for (int i = 0; i < values.length; i++) {
            bits[i] = HalfPrecision.fromFloat(half, values[i]);
        }
        return out;
    }
}
