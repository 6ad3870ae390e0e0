package dev.nabla.cpu;

/**
 * The shape of the SGEMM micro-kernel: an {@code rows × vectors·lanes} tile of C held in
 * {@code rows·vectors} vector accumulators, updated per depth step from {@code vectors} loads of B
 * and {@code rows} broadcasts of A. Chosen from the vector registers the JIT can use
 * ({@link CpuFeatures}), because a tile whose accumulators do not fit spills on every step:
 * the 8×2-vector kernel tuned for AVX-512 (16 accumulators of 32 registers) ran at half of
 * OpenBLAS's speed under AVX2 (16 registers), where 6×2 (12 accumulators, BLIS's and OpenBLAS's
 * Haswell shape) fits.
 *
 * <p>Each step needs {@code rows·vectors} accumulators, {@code vectors} B values, one broadcast and,
 * without FMA, one product register; the shapes:
 * <ul>
 *   <li>{@link #R8_V2}: 32 registers with ≥ 256-bit vectors (AVX-512): 16 + 2 + 1. Measured on
 *       AVX-512 against 12×2 and 14×2 (README): none better.</li>
 *   <li>{@link #R6_V2}: 16 registers (AVX2, AVX, SSE): 12 + 2 + 1 (+ 1 without FMA) ≤ 16.</li>
 *   <li>{@link #R8_V3}: 32 registers with 128-bit vectors (NEON): 24 + 3 + 1, BLIS's ARMv8 8×12.
 *       Checked for correctness under 128-bit x86 vectors only; unmeasured on real ARM.</li>
 * </ul>
 */
enum KernelShape {
    R8_V2(8, 2),
    R4_V2(4, 2),
    R3_V3(3, 3),
    R6_V2(6, 2),
    R5_V2(5, 2),
    R8_V3(8, 3);

    /** Rows of C per tile (MR). */
    final int rows;
    /** Vectors of C per tile row (NR = vectors · lanes). */
    final int vectors;

    KernelShape(int rows, int vectors) {
        this.rows = rows;
        this.vectors = vectors;
    }

    /** Columns of C per tile for vectors of {@code lanes} floats. */
    int columns(int lanes) {
        return vectors * lanes;
    }

    /** The shape for {@code registers} vector registers of {@code lanes} floats. */
    static KernelShape choose(int lanes, int registers) {
        if (registers >= 32) {
            return lanes <= 4 ? R8_V3 : R8_V2;
        }
        return R6_V2;
    }

    /** The shape for this JVM, or {@code -Dnabla.cpu.kernel=R6_V2} (tests, probes). */
    static KernelShape current() {
        String forced = System.getProperty("nabla.cpu.kernel");
        if (forced != null && !forced.isBlank()) {
            return valueOf(forced.trim());
        }
        return choose(CpuFeatures.SPECIES.length(), CpuFeatures.CURRENT.registers());
    }

    /** e.g. {@code 6x16} for 6 rows and two 8-float vectors. */
    String label(int lanes) {
        return rows + "x" + columns(lanes);
    }

    /**
     * Block sizes from the cache sizes (BLIS's analysis): a {@code KC × NR} micro-panel of B stays
     * in L1 while the micro-panels of A stream past it (≤ 2/3 of L1, so A's panels and C's tile
     * fit beside it); the {@code MC × KC} block of A takes about a fifth of L2 and the
     * {@code KC × NC} block of B half of it. For the AVX-512 kernel on a 48 KiB L1 and 2 MiB L2
     * this gives the sizes tuned by hand before (KC 256, MC 200 ≈ 192, NC 1024).
     */
    Gemm.Blocking blocking(int lanes, CacheSizes caches) {
        int nr = columns(lanes);
        int kc = clamp((int) (caches.l1() * 2 / 3 / (4L * nr)) / 8 * 8, 128, 512);
        int mc = clamp((int) (caches.l2() / 5 / (4L * kc)) / rows * rows, 4 * rows, 32 * rows);
        int nc = clamp((int) (caches.l2() / 2 / (4L * kc)) / nr * nr, 8 * nr, 4096 / nr * nr);
        return new Gemm.Blocking(kc, mc, nc, Gemm.ROW_MAJOR_TILES);
    }

    private static int clamp(int value, int low, int high) {
        return Math.max(low, Math.min(high, value));
    }
}
