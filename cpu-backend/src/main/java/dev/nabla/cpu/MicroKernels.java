package dev.nabla.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM micro-kernels, one per {@link KernelShape}: a tile of C accumulated in vector registers
 * from an MR-tall panel of packed A (one broadcast per row and depth step) and an NR-wide panel of
 * packed B (NR / LANES vector loads per step). Every product goes through {@link CpuFeatures#fma}:
 * one instruction with FMA, a multiply and an add without. Each C element is a sum over the depth
 * in the same order whatever the shape or vector width, so every shape gives the same bits for the
 * same blocking (GemmShapesTest).
 */
final class MicroKernels {

    private static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();

    private MicroKernels() {
    }

    /**
     * The micro-kernel of {@code shape}: a tile of op(A)·op(B) over depth {@code kc}, written raw
     * to {@code out} from {@code o} with row stride {@code ld} (added to what is there when
     * {@code accumulate}). One method per shape, written out by hand because the accumulators must
     * be locals for C2 to keep them in registers; the epilogue lives in a separate method because
     * inlining it into the kernel exceeds C2's inlining budget, and a Vector API call that is not
     * inlined boxes its vectors (a tenfold slowdown).
     */
    static void kernel(KernelShape shape, int kc, float[] packedA, int ai, float[] packedB, int bi, float[] out,
                       int o, int ld, boolean accumulate) {
        switch (shape) {
            case R8_V2 -> kernel8x2(kc, packedA, ai, packedB, bi, out, o, ld, accumulate);
            case R4_V2 -> kernel4x2(kc, packedA, ai, packedB, bi, out, o, ld, accumulate);
            case R8_V3 -> kernel8x3(kc, packedA, ai, packedB, bi, out, o, ld, accumulate);
        }
    }

    /** 8 rows × 2 vectors: 16 accumulators, for 32 registers of 256 or 512 bits (AVX-512). */
    static void kernel8x2(int kc, float[] packedA, int ai, float[] packedB, int bi, float[] out, int o, int ld,
                          boolean accumulate) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES);
        FloatVector c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES);
        FloatVector c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES);
        FloatVector c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES);
        FloatVector c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES);
        FloatVector c51 = FloatVector.zero(SPECIES);
        FloatVector c60 = FloatVector.zero(SPECIES);
        FloatVector c61 = FloatVector.zero(SPECIES);
        FloatVector c70 = FloatVector.zero(SPECIES);
        FloatVector c71 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++) {
            int a = ai + p * 8;
            int b = bi + p * 2 * LANES;
            FloatVector b0 = FloatVector.fromArray(SPECIES, packedB, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packedB, b + LANES);
            FloatVector x;
            x = FloatVector.broadcast(SPECIES, packedA[a + 0]);
            c00 = CpuFeatures.fma(x, b0, c00);
            c01 = CpuFeatures.fma(x, b1, c01);
            x = FloatVector.broadcast(SPECIES, packedA[a + 1]);
            c10 = CpuFeatures.fma(x, b0, c10);
            c11 = CpuFeatures.fma(x, b1, c11);
            x = FloatVector.broadcast(SPECIES, packedA[a + 2]);
            c20 = CpuFeatures.fma(x, b0, c20);
            c21 = CpuFeatures.fma(x, b1, c21);
            x = FloatVector.broadcast(SPECIES, packedA[a + 3]);
            c30 = CpuFeatures.fma(x, b0, c30);
            c31 = CpuFeatures.fma(x, b1, c31);
            x = FloatVector.broadcast(SPECIES, packedA[a + 4]);
            c40 = CpuFeatures.fma(x, b0, c40);
            c41 = CpuFeatures.fma(x, b1, c41);
            x = FloatVector.broadcast(SPECIES, packedA[a + 5]);
            c50 = CpuFeatures.fma(x, b0, c50);
            c51 = CpuFeatures.fma(x, b1, c51);
            x = FloatVector.broadcast(SPECIES, packedA[a + 6]);
            c60 = CpuFeatures.fma(x, b0, c60);
            c61 = CpuFeatures.fma(x, b1, c61);
            x = FloatVector.broadcast(SPECIES, packedA[a + 7]);
            c70 = CpuFeatures.fma(x, b0, c70);
            c71 = CpuFeatures.fma(x, b1, c71);
        }
        if (accumulate) {
            int r = o;
            c00 = c00.add(FloatVector.fromArray(SPECIES, out, r));
            c01 = c01.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c10 = c10.add(FloatVector.fromArray(SPECIES, out, r));
            c11 = c11.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c20 = c20.add(FloatVector.fromArray(SPECIES, out, r));
            c21 = c21.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c30 = c30.add(FloatVector.fromArray(SPECIES, out, r));
            c31 = c31.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c40 = c40.add(FloatVector.fromArray(SPECIES, out, r));
            c41 = c41.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c50 = c50.add(FloatVector.fromArray(SPECIES, out, r));
            c51 = c51.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c60 = c60.add(FloatVector.fromArray(SPECIES, out, r));
            c61 = c61.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c70 = c70.add(FloatVector.fromArray(SPECIES, out, r));
            c71 = c71.add(FloatVector.fromArray(SPECIES, out, r + LANES));
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + LANES);
        o += ld;
        c10.intoArray(out, o);
        c11.intoArray(out, o + LANES);
        o += ld;
        c20.intoArray(out, o);
        c21.intoArray(out, o + LANES);
        o += ld;
        c30.intoArray(out, o);
        c31.intoArray(out, o + LANES);
        o += ld;
        c40.intoArray(out, o);
        c41.intoArray(out, o + LANES);
        o += ld;
        c50.intoArray(out, o);
        c51.intoArray(out, o + LANES);
        o += ld;
        c60.intoArray(out, o);
        c61.intoArray(out, o + LANES);
        o += ld;
        c70.intoArray(out, o);
        c71.intoArray(out, o + LANES);
    }

    /** 4 rows × 2 vectors: 8 accumulators, for 16 registers (AVX2). */
    static void kernel4x2(int kc, float[] packedA, int ai, float[] packedB, int bi, float[] out, int o, int ld,
                          boolean accumulate) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES);
        FloatVector c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES);
        FloatVector c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES);
        FloatVector c31 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++) {
            int a = ai + p * 4;
            int b = bi + p * 2 * LANES;
            FloatVector b0 = FloatVector.fromArray(SPECIES, packedB, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packedB, b + LANES);
            FloatVector x;
            x = FloatVector.broadcast(SPECIES, packedA[a + 0]);
            c00 = CpuFeatures.fma(x, b0, c00);
            c01 = CpuFeatures.fma(x, b1, c01);
            x = FloatVector.broadcast(SPECIES, packedA[a + 1]);
            c10 = CpuFeatures.fma(x, b0, c10);
            c11 = CpuFeatures.fma(x, b1, c11);
            x = FloatVector.broadcast(SPECIES, packedA[a + 2]);
            c20 = CpuFeatures.fma(x, b0, c20);
            c21 = CpuFeatures.fma(x, b1, c21);
            x = FloatVector.broadcast(SPECIES, packedA[a + 3]);
            c30 = CpuFeatures.fma(x, b0, c30);
            c31 = CpuFeatures.fma(x, b1, c31);
        }
        if (accumulate) {
            int r = o;
            c00 = c00.add(FloatVector.fromArray(SPECIES, out, r));
            c01 = c01.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c10 = c10.add(FloatVector.fromArray(SPECIES, out, r));
            c11 = c11.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c20 = c20.add(FloatVector.fromArray(SPECIES, out, r));
            c21 = c21.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            r += ld;
            c30 = c30.add(FloatVector.fromArray(SPECIES, out, r));
            c31 = c31.add(FloatVector.fromArray(SPECIES, out, r + LANES));
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + LANES);
        o += ld;
        c10.intoArray(out, o);
        c11.intoArray(out, o + LANES);
        o += ld;
        c20.intoArray(out, o);
        c21.intoArray(out, o + LANES);
        o += ld;
        c30.intoArray(out, o);
        c31.intoArray(out, o + LANES);
    }

    /** 8 rows × 3 vectors: 24 accumulators, for 32 registers of 128 bits (NEON). */
    static void kernel8x3(int kc, float[] packedA, int ai, float[] packedB, int bi, float[] out, int o, int ld,
                          boolean accumulate) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = FloatVector.zero(SPECIES);
        FloatVector c02 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES);
        FloatVector c11 = FloatVector.zero(SPECIES);
        FloatVector c12 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES);
        FloatVector c21 = FloatVector.zero(SPECIES);
        FloatVector c22 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES);
        FloatVector c31 = FloatVector.zero(SPECIES);
        FloatVector c32 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES);
        FloatVector c41 = FloatVector.zero(SPECIES);
        FloatVector c42 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES);
        FloatVector c51 = FloatVector.zero(SPECIES);
        FloatVector c52 = FloatVector.zero(SPECIES);
        FloatVector c60 = FloatVector.zero(SPECIES);
        FloatVector c61 = FloatVector.zero(SPECIES);
        FloatVector c62 = FloatVector.zero(SPECIES);
        FloatVector c70 = FloatVector.zero(SPECIES);
        FloatVector c71 = FloatVector.zero(SPECIES);
        FloatVector c72 = FloatVector.zero(SPECIES);
        for (int p = 0; p < kc; p++) {
            int a = ai + p * 8;
            int b = bi + p * 3 * LANES;
            FloatVector b0 = FloatVector.fromArray(SPECIES, packedB, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packedB, b + LANES);
            FloatVector b2 = FloatVector.fromArray(SPECIES, packedB, b + 2 * LANES);
            FloatVector x;
            x = FloatVector.broadcast(SPECIES, packedA[a + 0]);
            c00 = CpuFeatures.fma(x, b0, c00);
            c01 = CpuFeatures.fma(x, b1, c01);
            c02 = CpuFeatures.fma(x, b2, c02);
            x = FloatVector.broadcast(SPECIES, packedA[a + 1]);
            c10 = CpuFeatures.fma(x, b0, c10);
            c11 = CpuFeatures.fma(x, b1, c11);
            c12 = CpuFeatures.fma(x, b2, c12);
            x = FloatVector.broadcast(SPECIES, packedA[a + 2]);
            c20 = CpuFeatures.fma(x, b0, c20);
            c21 = CpuFeatures.fma(x, b1, c21);
            c22 = CpuFeatures.fma(x, b2, c22);
            x = FloatVector.broadcast(SPECIES, packedA[a + 3]);
            c30 = CpuFeatures.fma(x, b0, c30);
            c31 = CpuFeatures.fma(x, b1, c31);
            c32 = CpuFeatures.fma(x, b2, c32);
            x = FloatVector.broadcast(SPECIES, packedA[a + 4]);
            c40 = CpuFeatures.fma(x, b0, c40);
            c41 = CpuFeatures.fma(x, b1, c41);
            c42 = CpuFeatures.fma(x, b2, c42);
            x = FloatVector.broadcast(SPECIES, packedA[a + 5]);
            c50 = CpuFeatures.fma(x, b0, c50);
            c51 = CpuFeatures.fma(x, b1, c51);
            c52 = CpuFeatures.fma(x, b2, c52);
            x = FloatVector.broadcast(SPECIES, packedA[a + 6]);
            c60 = CpuFeatures.fma(x, b0, c60);
            c61 = CpuFeatures.fma(x, b1, c61);
            c62 = CpuFeatures.fma(x, b2, c62);
            x = FloatVector.broadcast(SPECIES, packedA[a + 7]);
            c70 = CpuFeatures.fma(x, b0, c70);
            c71 = CpuFeatures.fma(x, b1, c71);
            c72 = CpuFeatures.fma(x, b2, c72);
        }
        if (accumulate) {
            int r = o;
            c00 = c00.add(FloatVector.fromArray(SPECIES, out, r));
            c01 = c01.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            c02 = c02.add(FloatVector.fromArray(SPECIES, out, r + 2 * LANES));
            r += ld;
            c10 = c10.add(FloatVector.fromArray(SPECIES, out, r));
            c11 = c11.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            c12 = c12.add(FloatVector.fromArray(SPECIES, out, r + 2 * LANES));
            r += ld;
            c20 = c20.add(FloatVector.fromArray(SPECIES, out, r));
            c21 = c21.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            c22 = c22.add(FloatVector.fromArray(SPECIES, out, r + 2 * LANES));
            r += ld;
            c30 = c30.add(FloatVector.fromArray(SPECIES, out, r));
            c31 = c31.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            c32 = c32.add(FloatVector.fromArray(SPECIES, out, r + 2 * LANES));
            r += ld;
            c40 = c40.add(FloatVector.fromArray(SPECIES, out, r));
            c41 = c41.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            c42 = c42.add(FloatVector.fromArray(SPECIES, out, r + 2 * LANES));
            r += ld;
            c50 = c50.add(FloatVector.fromArray(SPECIES, out, r));
            c51 = c51.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            c52 = c52.add(FloatVector.fromArray(SPECIES, out, r + 2 * LANES));
            r += ld;
            c60 = c60.add(FloatVector.fromArray(SPECIES, out, r));
            c61 = c61.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            c62 = c62.add(FloatVector.fromArray(SPECIES, out, r + 2 * LANES));
            r += ld;
            c70 = c70.add(FloatVector.fromArray(SPECIES, out, r));
            c71 = c71.add(FloatVector.fromArray(SPECIES, out, r + LANES));
            c72 = c72.add(FloatVector.fromArray(SPECIES, out, r + 2 * LANES));
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + LANES);
        c02.intoArray(out, o + 2 * LANES);
        o += ld;
        c10.intoArray(out, o);
        c11.intoArray(out, o + LANES);
        c12.intoArray(out, o + 2 * LANES);
        o += ld;
        c20.intoArray(out, o);
        c21.intoArray(out, o + LANES);
        c22.intoArray(out, o + 2 * LANES);
        o += ld;
        c30.intoArray(out, o);
        c31.intoArray(out, o + LANES);
        c32.intoArray(out, o + 2 * LANES);
        o += ld;
        c40.intoArray(out, o);
        c41.intoArray(out, o + LANES);
        c42.intoArray(out, o + 2 * LANES);
        o += ld;
        c50.intoArray(out, o);
        c51.intoArray(out, o + LANES);
        c52.intoArray(out, o + 2 * LANES);
        o += ld;
        c60.intoArray(out, o);
        c61.intoArray(out, o + LANES);
        c62.intoArray(out, o + 2 * LANES);
        o += ld;
        c70.intoArray(out, o);
        c71.intoArray(out, o + LANES);
        c72.intoArray(out, o + 2 * LANES);
    }
}
