package dev.nabla.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * In-register transposes that pack GEMM panels: square {@code n×n} blocks for n = 4, 8, 16 (the
 * 128-, 256- and 512-bit species) and the 8×16 block of an 8-row A panel. Each stage swaps one bit
 * of the row index with the same bit of the column index by two-source lane permutations
 * ({@code selectFrom}); a block is loaded and stored whole, so both memory sides are contiguous.
 * A transpose is only used where its species is no wider than the JVM's preferred one (a wider
 * species is not compiled to vector instructions).
 */
final class Transposes {

    private static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();
    private static final VectorSpecies<Float> S4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

    private Transposes() {
    }

    /** Lane tables {@code [stage][0 = low, 1 = high]} of an n×n transpose in {@code species}. */
    private static FloatVector[][] squareTables(VectorSpecies<Float> species) {
        int n = species.length();
        int stages = Integer.numberOfTrailingZeros(n);
        FloatVector[][] tables = new FloatVector[stages][2];
        for (int stage = 0; stage < stages; stage++) {
            int bit = 1 << stage;
            float[] low = new float[n];
            float[] high = new float[n];
            for (int l = 0; l < n; l++) {
                low[l] = (l & bit) == 0 ? l : n + l - bit;
                high[l] = (l & bit) == 0 ? l + bit : n + l;
            }
            tables[stage][0] = FloatVector.fromArray(species, low, 0);
            tables[stage][1] = FloatVector.fromArray(species, high, 0);
        }
        return tables;
    }

    /** Whether {@link #transpose4} / {@link #transpose8} run as vector code here. */
    static final boolean HAS4 = LANES >= 4;
    static final boolean HAS8 = LANES >= 8;
    private static final FloatVector[][] T4 = HAS4 ? squareTables(S4) : null;
    private static final FloatVector[][] T8 = HAS8 ? squareTables(S8) : null;

    /** {@code dst[to + c·dstLd + r] = src[from + r·ld + c]} for r, c < 4. */
    static void transpose4(float[] src, int from, int ld, float[] dst, int to, int dstLd) {
        FloatVector r0 = FloatVector.fromArray(S4, src, from);
        FloatVector r1 = FloatVector.fromArray(S4, src, from + ld);
        FloatVector r2 = FloatVector.fromArray(S4, src, from + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(S4, src, from + 3 * ld);
        FloatVector t0;
        FloatVector t1;
        FloatVector lo = T4[0][0];
        FloatVector hi = T4[0][1];
        t0 = lo.selectFrom(r0, r1); t1 = hi.selectFrom(r0, r1); r0 = t0; r1 = t1;
        t0 = lo.selectFrom(r2, r3); t1 = hi.selectFrom(r2, r3); r2 = t0; r3 = t1;
        lo = T4[1][0];
        hi = T4[1][1];
        t0 = lo.selectFrom(r0, r2); t1 = hi.selectFrom(r0, r2); r0 = t0; r2 = t1;
        t0 = lo.selectFrom(r1, r3); t1 = hi.selectFrom(r1, r3); r1 = t0; r3 = t1;
        r0.intoArray(dst, to);
        r1.intoArray(dst, to + dstLd);
        r2.intoArray(dst, to + 2 * dstLd);
        r3.intoArray(dst, to + 3 * dstLd);
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
        FloatVector t0;
        FloatVector t1;
        FloatVector lo = T8[0][0];
        FloatVector hi = T8[0][1];
        t0 = lo.selectFrom(r0, r1); t1 = hi.selectFrom(r0, r1); r0 = t0; r1 = t1;
        t0 = lo.selectFrom(r2, r3); t1 = hi.selectFrom(r2, r3); r2 = t0; r3 = t1;
        t0 = lo.selectFrom(r4, r5); t1 = hi.selectFrom(r4, r5); r4 = t0; r5 = t1;
        t0 = lo.selectFrom(r6, r7); t1 = hi.selectFrom(r6, r7); r6 = t0; r7 = t1;
        lo = T8[1][0];
        hi = T8[1][1];
        t0 = lo.selectFrom(r0, r2); t1 = hi.selectFrom(r0, r2); r0 = t0; r2 = t1;
        t0 = lo.selectFrom(r1, r3); t1 = hi.selectFrom(r1, r3); r1 = t0; r3 = t1;
        t0 = lo.selectFrom(r4, r6); t1 = hi.selectFrom(r4, r6); r4 = t0; r6 = t1;
        t0 = lo.selectFrom(r5, r7); t1 = hi.selectFrom(r5, r7); r5 = t0; r7 = t1;
        lo = T8[2][0];
        hi = T8[2][1];
        t0 = lo.selectFrom(r0, r4); t1 = hi.selectFrom(r0, r4); r0 = t0; r4 = t1;
        t0 = lo.selectFrom(r1, r5); t1 = hi.selectFrom(r1, r5); r1 = t0; r5 = t1;
        t0 = lo.selectFrom(r2, r6); t1 = hi.selectFrom(r2, r6); r2 = t0; r6 = t1;
        t0 = lo.selectFrom(r3, r7); t1 = hi.selectFrom(r3, r7); r3 = t0; r7 = t1;
        r0.intoArray(dst, to);
        r1.intoArray(dst, to + dstLd);
        r2.intoArray(dst, to + 2 * dstLd);
        r3.intoArray(dst, to + 3 * dstLd);
        r4.intoArray(dst, to + 4 * dstLd);
        r5.intoArray(dst, to + 5 * dstLd);
        r6.intoArray(dst, to + 6 * dstLd);
        r7.intoArray(dst, to + 7 * dstLd);
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
