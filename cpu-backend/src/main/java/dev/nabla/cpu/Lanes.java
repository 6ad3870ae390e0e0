package dev.nabla.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Deterministic horizontal sums of vectors.
 *
 * <p>NOTE: {@code reduceLanes(ADD)} leaves the order of float additions unspecified, and in
 * practice the JIT's intrinsic (a tree) and the interpreter's fallback (a sequence) differ, so the
 * same call gave different last bits before and after warm-up: a second training run in one JVM
 * did not reproduce the first. These sums fix the order, whatever runs them: a tree of lane-wise
 * additions, folding lane i with lane {@code i ^ d} for d = n/2, n/4, ..., 1, then lane 0. Lane-wise
 * adds and lane permutations are exact operations, so the interpreter and C2 agree to the bit.
 * A tree rather than a left-to-right sum: 4 permutations and 4 adds for 16 lanes instead of 16
 * lane extractions and a 15-add dependency chain. The small-n GEMM dot products take 8 of these
 * per 2×4 block; with the tree (and the last columns through the same 2×4 kernel, see
 * {@code Gemm.runDots}) a classifier layer's 256×10×1024 NT went from 59 to 113 GFLOP/s on two
 * threads, 256×10×256 from 26 to 81 (2026-11-21, BlockingProbe). Sums round differently than with
 * the left-to-right order used before, so figures of earlier runs are not reproduced to the bit.
 */
final class Lanes {

    private static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();
    // Lane i paired with lane i ^ d; null where d is not below the lane count.
    private static final VectorShuffle<Float> FOLD8 = fold(8);
    private static final VectorShuffle<Float> FOLD4 = fold(4);
    private static final VectorShuffle<Float> FOLD2 = fold(2);
    private static final VectorShuffle<Float> FOLD1 = fold(1);

    private Lanes() {
    }

    private static VectorShuffle<Float> fold(int d) {
        return d < LANES ? VectorShuffle.fromOp(SPECIES, i -> i ^ d) : null;
    }

    /** The sum of the lanes of {@code v}, in the fixed tree order above. */
    static float sum(FloatVector v) {
        if (v.species() != SPECIES || LANES > 16) {
            float total = 0f;
            for (int i = 0; i < v.length(); i++) {
                total += v.lane(i);
            }
            return total;
        }
        // LANES is a constant: C2 keeps only the folds this machine's vectors need.
        if (LANES > 8) {
            v = v.add(v.rearrange(FOLD8));
        }
        if (LANES > 4) {
            v = v.add(v.rearrange(FOLD4));
        }
        if (LANES > 2) {
            v = v.add(v.rearrange(FOLD2));
        }
        if (LANES > 1) {
            v = v.add(v.rearrange(FOLD1));
        }
        return v.lane(0);
    }

    /** The same over the lanes set in {@code mask}. */
    static float sum(FloatVector v, VectorMask<Float> mask) {
        return sum(v.blend(0f, mask.not()));
    }
}
