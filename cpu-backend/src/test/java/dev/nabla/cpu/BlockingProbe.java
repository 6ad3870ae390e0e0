package dev.nabla.cpu;

import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Compares GEMM block sizes in one JVM, interleaved, so load from other processes hits every
 * setting alike. Not a test: run by hand.
 * {@code java --add-modules jdk.incubator.vector -cp ... dev.nabla.cpu.BlockingProbe MxNxK:XY[,...] kc/mc/nc/rowMajor[/tile] [...]}
 * e.g. {@code 2048x2048x2048:NN 256/192/1024/2097152 384/144/1024/2097152}; a trailing {@code /tile}
 * makes every tile go through the scratch tile and the general epilogue; {@code /gather} packs a
 * non-transposed op(A) by 8-lane gathers instead of 8×16 in-register transposes, {@code /R4_V2} (a
 * {@link KernelShape}) uses that micro-kernel, {@code /rows} or {@code /cols} forces the split between threads
 * (flags combine). Prints the median
 * GFLOP/s of each setting over the rounds ({@code -Drounds=N}, default 7; each sample ≈ 150 ms).
 */
public final class BlockingProbe {

    private BlockingProbe() {
    }

    public static void main(String[] args) {
        List<Gemm.Blocking> settings = new ArrayList<>();
        List<Boolean> direct = new ArrayList<>();
        List<Boolean> transposeA = new ArrayList<>();
        List<KernelShape> shapes = new ArrayList<>();
        List<Boolean> splits = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] f = args[i].split("/");
            List<String> flags = Arrays.asList(f).subList(4, f.length);
            direct.add(!flags.contains("tile"));
            transposeA.add(!flags.contains("gather"));
            shapes.add(flags.stream().filter(flag -> flag.startsWith("R")).map(KernelShape::valueOf).findFirst()
                    .orElse(Gemm.SHAPE));
            splits.add(flags.contains("rows") ? Boolean.TRUE : flags.contains("cols") ? Boolean.FALSE : null);
            settings.add(new Gemm.Blocking(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Long.parseLong(f[3])));
        }
        int rounds = Integer.getInteger("rounds", 7);
        SplittableRandom random = new SplittableRandom(1);
        for (String shape : args[0].split(",")) {
            String[] parts = shape.split(":");
            String[] dims = parts[0].split("x");
            int m = Integer.parseInt(dims[0]);
            int n = Integer.parseInt(dims[1]);
            int k = Integer.parseInt(dims[2]);
            String trans = parts.length > 1 ? parts[1] : "NN";
            Storage a = Fixtures.randomStorage(random, m * k, 1);
            Storage b = Fixtures.randomStorage(random, k * n, 1);
            Storage c = Fixtures.zeros(m * n);
            GemmSpec spec = GemmSpec.of(trans.charAt(0) == 'T', trans.charAt(1) == 'T', m, n, k, a, b, c);
            double flops = spec.flops();
            int calls = (int) Math.max(1, Math.min(10_000, 3e10 / flops));
            double[][] samples = new double[settings.size()][rounds];
            for (int round = -2; round < rounds; round++) {
                for (int s = 0; s < settings.size(); s++) {
                    Gemm.blocking = settings.get(s);
                    Gemm.useDirectStores = direct.get(s);
                    Gemm.useTransposePackA = transposeA.get(s);
                    Gemm.shape = shapes.get(s);
                    Gemm.splitOverride = splits.get(s);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < calls; i++) {
                        Gemm.gemm(spec);
                    }
                    double gflops = flops * calls / ((System.nanoTime() - t0) * 1e-9) / 1e9;
                    if (round >= 0) {
                        samples[s][round] = gflops;
                    }
                }
            }
            StringBuilder line = new StringBuilder(String.format("%-22s", shape));
            for (int s = 0; s < settings.size(); s++) {
                double[] sorted = samples[s].clone();
                Arrays.sort(sorted);
                line.append(String.format("  %s: %6.1f (%5.1f-%5.1f)", args[s + 1], sorted[rounds / 2], sorted[0],
                        sorted[rounds - 1]));
                if (s > 0) {
                    // Same-round ratio against the first setting: load that moves between rounds cancels.
                    double[] ratios = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        ratios[r] = samples[s][r] / samples[0][r];
                    }
                    Arrays.sort(ratios);
                    line.append(String.format(" ×%.3f", ratios[rounds / 2]));
                }
            }
            System.out.println(line);
        }
        Gemm.blocking = Gemm.DEFAULT_BLOCKING;
        Gemm.useDirectStores = true;
        Gemm.useTransposePackA = true;
        Gemm.shape = Gemm.SHAPE;
        Gemm.splitOverride = null;
    }
}
