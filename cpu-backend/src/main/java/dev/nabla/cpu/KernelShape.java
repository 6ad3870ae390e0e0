package dev.nabla.cpu;

/**
 * The shape of the SGEMM micro-kernel: an {@code rows × vectors·lanes} tile of C held in
 * {@code rows·vectors} vector accumulators, updated per depth step from {@code vectors} loads of B
 * and {@code rows} broadcasts of A. Chosen from the vector registers the JIT can use
 * ({@link CpuFeatures}), because a tile whose accumulators do not fit spills on every step.
 *
 * <ul>
 *   <li>{@link #R8_V2}: 32 registers with ≥ 256-bit vectors (AVX-512): 16 accumulators + 2 B + 1
 *       broadcast. Measured on AVX-512 against 12×2 and 14×2 (cpu-backend/README.md): none better.</li>
 *   <li>{@link #R4_V2}: 16 registers (AVX2, AVX, SSE), with or without FMA: 8 accumulators. NOTE:
 *       not the 6×2 (12 accumulators) that BLIS and OpenBLAS use for Haswell: C2 schedules the
 *       broadcasts of A ahead of the FMAs that consume them, so 12 accumulators + 2 B + 3 live
 *       broadcasts exceed 16 registers and one accumulator goes through the stack on every step (a
 *       load-FMA-store chain). Measured 2026-12-06, kernel alone, one thread, -XX:UseAVX=2 (GFLOP/s):
 *       4×2 101, 3×3 103, 2×4 102, 5×2 45, 6×2 21–45, 4×3 23–40, 3×4 21–43; the old 8×2 under AVX2
 *       40–45. Under -XX:UseAVX=0 (SSE, mul + add), the whole 512³ GEMM on two threads: 4×2 55.5,
 *       6×2 38.2, 5×2 39.6, 3×3 37.5.</li>
 *   <li>{@link #R8_V3}: 32 registers of 128 bits (NEON): 24 accumulators + 3 B + 1, BLIS's ARMv8
 *       8×12. Checked for correctness under 128-bit x86 vectors only (GemmTest in a forked JVM);
 *       unmeasured on real ARM.</li>
 * </ul>
 */
enum KernelShape {
    R8_V2(8, 2),
    R4_V2(4, 2),
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
        return R4_V2;
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
     * fit beside it); the {@code MC × KC} block of A takes about a fifth of L2; the {@code KC × NC}
     * block of B lives in L3 (a quarter of it, at most 4096 columns), or takes half of L2 where
     * there is no L3 or its size is unknown. A wide NC matters because op(A) is packed again for
     * every NC block: NC from L3 instead of L2 (4096 against 384 for AVX2 and 768 for AVX-512 on a
     * 32 KiB L1, 1 MiB L2, 32 MiB L3 Zen 4) measured ×1.01-1.06 at 256×1024×784, 1024³ and 2048³
     * (BlockingProbe, two threads, 2026-12-06), never slower.
     */
    Gemm.Blocking blocking(int lanes, CacheSizes caches) {
        int nr = columns(lanes);
        int kc = clamp((int) (caches.l1() * 2 / 3 / (4L * nr)) / 8 * 8, 128, 512);
        int mc = clamp((int) (caches.l2() / 5 / (4L * kc)) / rows * rows, 4 * rows, 32 * rows);
        long blockB = caches.l3() > 0 ? caches.l3() / 4 : caches.l2() / 2;
        int nc = clamp((int) Math.min(Integer.MAX_VALUE, blockB / (4L * kc)) / nr * nr, 8 * nr, 4096 / nr * nr);
        return new Gemm.Blocking(kc, mc, nc, Gemm.ROW_MAJOR_TILES);
    }

    private static int clamp(int value, int low, int high) {
        return Math.max(low, Math.min(high, value));
    }
}
