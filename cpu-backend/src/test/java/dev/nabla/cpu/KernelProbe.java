package dev.nabla.cpu;

import java.util.Arrays;

/**
 * Times the GEMM micro-kernel alone on packed panels that stay in cache, to separate the kernel's
 * own efficiency from packing, epilogue and memory effects. Not a test: run by hand, one thread,
 * {@code java --add-modules jdk.incubator.vector -XX:ActiveProcessorCount=1 -cp ... dev.nabla.cpu.KernelProbe KC A_PANELS B_PANELS}.
 * {@code -Dnabla.cpu.kernel=R6_V2} picks another shape. {@code 256 24 1} is a column of tiles (one B panel in L1, 24 A panels from L2, as in the packed
 * GEMM); {@code 256 1 32} a row of tiles (B panels from L2).
 */
public final class KernelProbe {

    private KernelProbe() {
    }

    public static void main(String[] args) {
        int kc = Integer.parseInt(args[0]);
        int aPanels = Integer.parseInt(args[1]);
        int bPanels = Integer.parseInt(args[2]);
        KernelShape shape = Gemm.SHAPE;
        int mr = Gemm.MR;
        int nr = Gemm.NR;
        System.out.println("kernel " + shape + " (" + mr + "x" + nr + "), " + CpuFeatures.CURRENT.summary());
        float[] a = new float[aPanels * kc * mr];
        float[] b = new float[bPanels * kc * nr];
        float[] tile = new float[mr * nr];
        Arrays.fill(a, 0.5f);
        Arrays.fill(b, 0.25f);
        for (int round = 0; round < 8; round++) {
            long start = System.nanoTime();
            long calls = 0;
            while (System.nanoTime() - start < 300_000_000L) {
                for (int q = 0; q < bPanels; q++) {
                    for (int p = 0; p < aPanels; p++) {
                        MicroKernels.kernel(shape, kc, a, p * kc * mr, b, q * kc * nr, tile, 0, nr, false);
                    }
                }
                calls += (long) aPanels * bPanels;
            }
            double seconds = (System.nanoTime() - start) * 1e-9;
            System.out.printf("kc %d, %d A panels, %d B panels: %.1f GFLOP/s%n", kc, aPanels, bPanels,
                    2.0 * mr * nr * kc * calls / seconds / 1e9);
        }
    }
}
