package dev.nabla.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * In-register transposes that pack GEMM panels: square {@code n×n} blocks for n = 8, 16 (the 256-
 * and 512-bit species), the 4×8 block of a 4-row A panel and the 8×16 block of an 8-row A panel.
 * Each stage swaps one bit of the row index with the same bit of the column index; a block is
 * loaded and stored whole, so both memory sides are contiguous.
 *
 * <p>The 8-lane stages are a constant lane shift and a constant blend per vector ({@link #low},
 * {@link #high}), the shuffles and masks held in {@code static final} fields, which C2 folds into
 * the instructions. NOTE: a two-source {@code selectFrom} whose index vector is read from an array
 * is not folded: under AVX2 every call re-read and converted its float indexes and emulated the
 * permutation with two permutes and a blend, and the 4×4 transposes that packed A that way ran at
 * 1.0 ns per float against 0.26 for {@link #pack4x8} (TProbe, 2026-12-06). The 16-lane transposes
 * keep {@code selectFrom}: AVX-512 has the two-source permute, and the constant form of the 16×16
 * transpose was not compiled to vector code (3.3 ns per float against 0.29). A transpose is only
 * used where its species is no wider than the JVM's preferred one.
 */
final class Transposes {

    private static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

    private Transposes() {
    }

    /**
     * Whether {@link #transpose8} and {@link #pack4x8} run as vector code here. With 4-lane vectors
     * (SSE) the GEMM packs with scalar copies: SSE has no variable lane permute, and 4×4 transposes
     * ran at 1.2-1.7 ns per float there against 0.4 for the scalar copy (TProbe, 2026-12-06).
     */
    static final boolean HAS8 = LANES >= 8;

    /**
     * Lane {@code l} of the result reads lane {@code l + bit} (up) or {@code l - bit} (down) where
     * that exists in the half of the stage that moves, else itself.
     */
    private static VectorShuffle<Float> shuffle(VectorSpecies<Float> species, int bit, boolean up) {
        int[] lanes = new int[species.length()];
        for (int l = 0; l < lanes.length; l++) {
            lanes[l] = up ? ((l & bit) == 0 ? l + bit : l) : ((l & bit) != 0 ? l - bit : l);
        }
        return VectorShuffle.fromArray(species, lanes, 0);
    }

    /** The lanes whose index has {@code bit} set. */
    private static VectorMask<Float> mask(VectorSpecies<Float> species, int bit) {
        boolean[] set = new boolean[species.length()];
        for (int l = 0; l < set.length; l++) {
            set[l] = (l & bit) != 0;
        }
        return VectorMask.fromArray(species, set, 0);
    }

    private static final VectorShuffle<Float> S8_DOWN1 = shuffle(S8, 1, false);
    private static final VectorShuffle<Float> S8_UP1 = shuffle(S8, 1, true);
    private static final VectorMask<Float> S8_MASK1 = mask(S8, 1);
    private static final VectorShuffle<Float> S8_DOWN2 = shuffle(S8, 2, false);
    private static final VectorShuffle<Float> S8_UP2 = shuffle(S8, 2, true);
    private static final VectorMask<Float> S8_MASK2 = mask(S8, 2);
    private static final VectorShuffle<Float> S8_DOWN4 = shuffle(S8, 4, false);
    private static final VectorShuffle<Float> S8_UP4 = shuffle(S8, 4, true);
    private static final VectorMask<Float> S8_MASK4 = mask(S8, 4);

    /** Stage output keeping {@code x}'s lanes without {@code bit}: {@code x[l]} or {@code y[l - bit]}. */
    private static FloatVector low(FloatVector x, FloatVector y, VectorShuffle<Float> down, VectorMask<Float> bit) {
        return x.blend(y.rearrange(down), bit);
    }

    /** Stage output keeping {@code y}'s lanes with {@code bit}: {@code x[l + bit]} or {@code y[l]}. */
    private static FloatVector high(FloatVector x, FloatVector y, VectorShuffle<Float> up, VectorMask<Float> bit) {
        return x.rearrange(up).blend(y, bit);
    }

    /** {@code dst[to + c·dstLd + r] = src[from + r·ld + c]} for r, c < 8. */
    static void transpose8(float[] src, int from, int ld, float[] dst, int to, int dstLd) {
        FloatVector r0 = FloatVector.fromArray(S8, src, from);
        FloatVector r1 = FloatVector.fromArray(S8, src, from + ld);
        FloatVector r2 = FloatVector.fromArray(S8, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(S8, src, from + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(S8, src, from + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(S8, src, from + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(S8, src, from + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(S8, src, from + 7 * ld);
        FloatVector t;
        t = low(r0, r1, S8_DOWN1, S8_MASK1); r1 = high(r0, r1, S8_UP1, S8_MASK1); r0 = t;
        t = low(r2, r3, S8_DOWN1, S8_MASK1); r3 = high(r2, r3, S8_UP1, S8_MASK1); r2 = t;
        t = low(r4, r5, S8_DOWN1, S8_MASK1); r5 = high(r4, r5, S8_UP1, S8_MASK1); r4 = t;
        t = low(r6, r7, S8_DOWN1, S8_MASK1); r7 = high(r6, r7, S8_UP1, S8_MASK1); r6 = t;
        t = low(r0, r2, S8_DOWN2, S8_MASK2); r2 = high(r0, r2, S8_UP2, S8_MASK2); r0 = t;
        t = low(r1, r3, S8_DOWN2, S8_MASK2); r3 = high(r1, r3, S8_UP2, S8_MASK2); r1 = t;
        t = low(r4, r6, S8_DOWN2, S8_MASK2); r6 = high(r4, r6, S8_UP2, S8_MASK2); r4 = t;
        t = low(r5, r7, S8_DOWN2, S8_MASK2); r7 = high(r5, r7, S8_UP2, S8_MASK2); r5 = t;
        t = low(r0, r4, S8_DOWN4, S8_MASK4); r4 = high(r0, r4, S8_UP4, S8_MASK4); r0 = t;
        t = low(r1, r5, S8_DOWN4, S8_MASK4); r5 = high(r1, r5, S8_UP4, S8_MASK4); r1 = t;
        t = low(r2, r6, S8_DOWN4, S8_MASK4); r6 = high(r2, r6, S8_UP4, S8_MASK4); r2 = t;
        t = low(r3, r7, S8_DOWN4, S8_MASK4); r7 = high(r3, r7, S8_UP4, S8_MASK4); r3 = t;
        r0.intoArray(dst, to);
        r1.intoArray(dst, to + dstLd);
        r2.intoArray(dst, to + 2 * dstLd);
        r3.intoArray(dst, to + 3 * dstLd);
        r4.intoArray(dst, to + 4 * dstLd);
        r5.intoArray(dst, to + 5 * dstLd);
        r6.intoArray(dst, to + 6 * dstLd);
        r7.intoArray(dst, to + 7 * dstLd);
    }

    /**
     * Packs the 4×8 block {@code src[from + i·ld + c]} (4 rows of op(A), 8 depth steps) as
     * {@code dst[to + 4c + i]}, the layout of a 4-row A panel: four row loads, three stages (row
     * bit 0 with column bit 0, row bit 1 with column bit 1, then the two 128-bit halves), four
     * contiguous stores.
     */
    static void pack4x8(float[] src, int from, int ld, float[] dst, int to) {
        FloatVector r0 = FloatVector.fromArray(S8, src, from);
        FloatVector r1 = FloatVector.fromArray(S8, src, from + ld);
        FloatVector r2 = FloatVector.fromArray(S8, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(S8, src, from + 3 * ld);
        FloatVector t;
        // Now r0 / r1 hold the even / odd columns of rows 0-1 as (row, column) pairs, r2 / r3 of rows 2-3.
        t = low(r0, r1, S8_DOWN1, S8_MASK1); r1 = high(r0, r1, S8_UP1, S8_MASK1); r0 = t;
        t = low(r2, r3, S8_DOWN1, S8_MASK1); r3 = high(r2, r3, S8_UP1, S8_MASK1); r2 = t;
        // Now r0 holds columns 0 and 4 (four rows each), r2 columns 2 and 6, r1 1 and 5, r3 3 and 7.
        t = low(r0, r2, S8_DOWN2, S8_MASK2); r2 = high(r0, r2, S8_UP2, S8_MASK2); r0 = t;
        t = low(r1, r3, S8_DOWN2, S8_MASK2); r3 = high(r1, r3, S8_UP2, S8_MASK2); r1 = t;
        // Pair the 128-bit halves: r0 = columns 0-1, r1 = 4-5, r2 = 2-3, r3 = 6-7.
        t = low(r0, r1, S8_DOWN4, S8_MASK4); r1 = high(r0, r1, S8_UP4, S8_MASK4); r0 = t;
        t = low(r2, r3, S8_DOWN4, S8_MASK4); r3 = high(r2, r3, S8_UP4, S8_MASK4); r2 = t;
        r0.intoArray(dst, to);
        r2.intoArray(dst, to + 8);
        r1.intoArray(dst, to + 16);
        r3.intoArray(dst, to + 24);
    }

    /** Lane index tables of the four radix-2 stages of a 16×16 transpose (see {@link #transpose16}). */
    private static final FloatVector[] TRANSPOSE_LOW = new FloatVector[4];
    private static final FloatVector[] TRANSPOSE_HIGH = new FloatVector[4];

    static {
        if (LANES == 16) {
            for (int stage = 0; stage < 4; stage++) {
                int bit = 1 << stage;
                float[] low = new float[16];
                float[] high = new float[16];
                for (int l = 0; l < 16; l++) {
                    low[l] = (l & bit) == 0 ? l : 16 + l - bit;
                    high[l] = (l & bit) == 0 ? l + bit : 16 + l;
                }
                TRANSPOSE_LOW[stage] = FloatVector.fromArray(SPECIES, low, 0);
                TRANSPOSE_HIGH[stage] = FloatVector.fromArray(SPECIES, high, 0);
            }
        }
    }

    /** Lane tables of the three stages of {@link #transpose8x16}: index {@code [stage][half]}. */
    private static final FloatVector[][] PACK_A_TABLES = new FloatVector[3][2];

    /** Where label (row i, column c) of an 8×16 block lies after {@code stage} stages: {vector, lane}. */
    private static int[] packALayout(int stage, int i, int c) {
        return switch (stage) {
            case 0 -> new int[] {i, c};
            case 1 -> new int[] {(i & 6) | ((c >> 1) & 1), (c & 12) | ((c & 1) << 1) | (i & 1)};
            case 2 -> new int[] {(i & 4) | ((c >> 1) & 3), (c & 8) | ((c & 1) << 2) | (i & 3)};
            default -> new int[] {c >> 1, ((c & 1) << 3) | i};
        };
    }

    static {
        if (LANES == 16) {
            // Stage s pairs the vectors that differ in vector bit s - 1 (a row bit), which becomes
            // column bit s; the lane order ends as (c0, i2, i1, i0), i.e. MR-float columns in pairs.
            for (int stage = 1; stage <= 3; stage++) {
                int bit = 1 << (stage - 1);
                for (int half = 0; half < 2; half++) {
                    float[] table = new float[16];
                    for (int i = 0; i < 8; i++) {
                        for (int c = 0; c < 16; c++) {
                            int[] now = packALayout(stage, i, c);
                            int[] before = packALayout(stage - 1, i, c);
                            if (now[0] == half * bit) {
                                table[now[1]] = before[1] + ((before[0] & bit) != 0 ? 16 : 0);
                            }
                        }
                    }
                    PACK_A_TABLES[stage - 1][half] = FloatVector.fromArray(SPECIES, table, 0);
                }
            }
        }
    }

    /**
     * Packs the 8×16 block {@code src[from + i·ld + c]} (8 rows of op(A), 16 depth steps) as
     * {@code dst[to + c·MR + i]}: eight row loads, three stages of eight two-source lane
     * permutations (each swaps a row bit with a column bit), eight contiguous stores.
     */
    static void transpose8x16(float[] src, int from, int ld, float[] dst, int to) {
        FloatVector r0 = FloatVector.fromArray(SPECIES, src, from);
        FloatVector r1 = FloatVector.fromArray(SPECIES, src, from + ld);
        FloatVector r2 = FloatVector.fromArray(SPECIES, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(SPECIES, src, from + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(SPECIES, src, from + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(SPECIES, src, from + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(SPECIES, src, from + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(SPECIES, src, from + 7 * ld);
        FloatVector t0;
        FloatVector t1;
        FloatVector lo = PACK_A_TABLES[0][0];
        FloatVector hi = PACK_A_TABLES[0][1];
        t0 = lo.selectFrom(r0, r1); t1 = hi.selectFrom(r0, r1); r0 = t0; r1 = t1;
        t0 = lo.selectFrom(r2, r3); t1 = hi.selectFrom(r2, r3); r2 = t0; r3 = t1;
        t0 = lo.selectFrom(r4, r5); t1 = hi.selectFrom(r4, r5); r4 = t0; r5 = t1;
        t0 = lo.selectFrom(r6, r7); t1 = hi.selectFrom(r6, r7); r6 = t0; r7 = t1;
        lo = PACK_A_TABLES[1][0];
        hi = PACK_A_TABLES[1][1];
        t0 = lo.selectFrom(r0, r2); t1 = hi.selectFrom(r0, r2); r0 = t0; r2 = t1;
        t0 = lo.selectFrom(r1, r3); t1 = hi.selectFrom(r1, r3); r1 = t0; r3 = t1;
        t0 = lo.selectFrom(r4, r6); t1 = hi.selectFrom(r4, r6); r4 = t0; r6 = t1;
        t0 = lo.selectFrom(r5, r7); t1 = hi.selectFrom(r5, r7); r5 = t0; r7 = t1;
        lo = PACK_A_TABLES[2][0];
        hi = PACK_A_TABLES[2][1];
        t0 = lo.selectFrom(r0, r4); t1 = hi.selectFrom(r0, r4); r0 = t0; r4 = t1;
        t0 = lo.selectFrom(r1, r5); t1 = hi.selectFrom(r1, r5); r1 = t0; r5 = t1;
        t0 = lo.selectFrom(r2, r6); t1 = hi.selectFrom(r2, r6); r2 = t0; r6 = t1;
        t0 = lo.selectFrom(r3, r7); t1 = hi.selectFrom(r3, r7); r3 = t0; r7 = t1;
        r0.intoArray(dst, to);
        r1.intoArray(dst, to + 16);
        r2.intoArray(dst, to + 32);
        r3.intoArray(dst, to + 48);
        r4.intoArray(dst, to + 64);
        r5.intoArray(dst, to + 80);
        r6.intoArray(dst, to + 96);
        r7.intoArray(dst, to + 112);
    }

    /**
     * Writes the transpose of the 16×16 block {@code src[from + r·ld + c]} to
     * {@code dst[to + c·dstLd + r]}: sixteen row loads, four stages of sixteen two-source lane
     * permutations (each stage swaps one bit of the row index with the same bit of the column
     * index), sixteen stores. Written out because the rows must stay in registers.
     */
    static void transpose16(float[] src, int from, int ld, float[] dst, int to, int dstLd) {
        FloatVector r0 = FloatVector.fromArray(SPECIES, src, from);
        FloatVector r1 = FloatVector.fromArray(SPECIES, src, from + ld);
        FloatVector r2 = FloatVector.fromArray(SPECIES, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(SPECIES, src, from + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(SPECIES, src, from + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(SPECIES, src, from + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(SPECIES, src, from + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(SPECIES, src, from + 7 * ld);
        FloatVector r8 = FloatVector.fromArray(SPECIES, src, from + 8 * ld);
        FloatVector r9 = FloatVector.fromArray(SPECIES, src, from + 9 * ld);
        FloatVector r10 = FloatVector.fromArray(SPECIES, src, from + 10 * ld);
        FloatVector r11 = FloatVector.fromArray(SPECIES, src, from + 11 * ld);
        FloatVector r12 = FloatVector.fromArray(SPECIES, src, from + 12 * ld);
        FloatVector r13 = FloatVector.fromArray(SPECIES, src, from + 13 * ld);
        FloatVector r14 = FloatVector.fromArray(SPECIES, src, from + 14 * ld);
        FloatVector r15 = FloatVector.fromArray(SPECIES, src, from + 15 * ld);
        FloatVector t0;
        FloatVector t1;
        FloatVector lo = TRANSPOSE_LOW[0];
        FloatVector hi = TRANSPOSE_HIGH[0];
        t0 = lo.selectFrom(r0, r1); t1 = hi.selectFrom(r0, r1); r0 = t0; r1 = t1;
        t0 = lo.selectFrom(r2, r3); t1 = hi.selectFrom(r2, r3); r2 = t0; r3 = t1;
        t0 = lo.selectFrom(r4, r5); t1 = hi.selectFrom(r4, r5); r4 = t0; r5 = t1;
        t0 = lo.selectFrom(r6, r7); t1 = hi.selectFrom(r6, r7); r6 = t0; r7 = t1;
        t0 = lo.selectFrom(r8, r9); t1 = hi.selectFrom(r8, r9); r8 = t0; r9 = t1;
        t0 = lo.selectFrom(r10, r11); t1 = hi.selectFrom(r10, r11); r10 = t0; r11 = t1;
        t0 = lo.selectFrom(r12, r13); t1 = hi.selectFrom(r12, r13); r12 = t0; r13 = t1;
        t0 = lo.selectFrom(r14, r15); t1 = hi.selectFrom(r14, r15); r14 = t0; r15 = t1;
        lo = TRANSPOSE_LOW[1];
        hi = TRANSPOSE_HIGH[1];
        t0 = lo.selectFrom(r0, r2); t1 = hi.selectFrom(r0, r2); r0 = t0; r2 = t1;
        t0 = lo.selectFrom(r1, r3); t1 = hi.selectFrom(r1, r3); r1 = t0; r3 = t1;
        t0 = lo.selectFrom(r4, r6); t1 = hi.selectFrom(r4, r6); r4 = t0; r6 = t1;
        t0 = lo.selectFrom(r5, r7); t1 = hi.selectFrom(r5, r7); r5 = t0; r7 = t1;
        t0 = lo.selectFrom(r8, r10); t1 = hi.selectFrom(r8, r10); r8 = t0; r10 = t1;
        t0 = lo.selectFrom(r9, r11); t1 = hi.selectFrom(r9, r11); r9 = t0; r11 = t1;
        t0 = lo.selectFrom(r12, r14); t1 = hi.selectFrom(r12, r14); r12 = t0; r14 = t1;
        t0 = lo.selectFrom(r13, r15); t1 = hi.selectFrom(r13, r15); r13 = t0; r15 = t1;
        lo = TRANSPOSE_LOW[2];
        hi = TRANSPOSE_HIGH[2];
        t0 = lo.selectFrom(r0, r4); t1 = hi.selectFrom(r0, r4); r0 = t0; r4 = t1;
        t0 = lo.selectFrom(r1, r5); t1 = hi.selectFrom(r1, r5); r1 = t0; r5 = t1;
        t0 = lo.selectFrom(r2, r6); t1 = hi.selectFrom(r2, r6); r2 = t0; r6 = t1;
        t0 = lo.selectFrom(r3, r7); t1 = hi.selectFrom(r3, r7); r3 = t0; r7 = t1;
        t0 = lo.selectFrom(r8, r12); t1 = hi.selectFrom(r8, r12); r8 = t0; r12 = t1;
        t0 = lo.selectFrom(r9, r13); t1 = hi.selectFrom(r9, r13); r9 = t0; r13 = t1;
        t0 = lo.selectFrom(r10, r14); t1 = hi.selectFrom(r10, r14); r10 = t0; r14 = t1;
        t0 = lo.selectFrom(r11, r15); t1 = hi.selectFrom(r11, r15); r11 = t0; r15 = t1;
        lo = TRANSPOSE_LOW[3];
        hi = TRANSPOSE_HIGH[3];
        t0 = lo.selectFrom(r0, r8); t1 = hi.selectFrom(r0, r8); r0 = t0; r8 = t1;
        t0 = lo.selectFrom(r1, r9); t1 = hi.selectFrom(r1, r9); r1 = t0; r9 = t1;
        t0 = lo.selectFrom(r2, r10); t1 = hi.selectFrom(r2, r10); r2 = t0; r10 = t1;
        t0 = lo.selectFrom(r3, r11); t1 = hi.selectFrom(r3, r11); r3 = t0; r11 = t1;
        t0 = lo.selectFrom(r4, r12); t1 = hi.selectFrom(r4, r12); r4 = t0; r12 = t1;
        t0 = lo.selectFrom(r5, r13); t1 = hi.selectFrom(r5, r13); r5 = t0; r13 = t1;
        t0 = lo.selectFrom(r6, r14); t1 = hi.selectFrom(r6, r14); r6 = t0; r14 = t1;
        t0 = lo.selectFrom(r7, r15); t1 = hi.selectFrom(r7, r15); r7 = t0; r15 = t1;
        r0.intoArray(dst, to);
        r1.intoArray(dst, to + dstLd);
        r2.intoArray(dst, to + 2 * dstLd);
        r3.intoArray(dst, to + 3 * dstLd);
        r4.intoArray(dst, to + 4 * dstLd);
        r5.intoArray(dst, to + 5 * dstLd);
        r6.intoArray(dst, to + 6 * dstLd);
        r7.intoArray(dst, to + 7 * dstLd);
        r8.intoArray(dst, to + 8 * dstLd);
        r9.intoArray(dst, to + 9 * dstLd);
        r10.intoArray(dst, to + 10 * dstLd);
        r11.intoArray(dst, to + 11 * dstLd);
        r12.intoArray(dst, to + 12 * dstLd);
        r13.intoArray(dst, to + 13 * dstLd);
        r14.intoArray(dst, to + 14 * dstLd);
        r15.intoArray(dst, to + 15 * dstLd);
    }
}
