package dev.nabla.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Deterministic horizontal sums of vectors.
 *
 * <p>NOTE: {@code reduceLanes(ADD)} leaves the order of float additions unspecified, and in
 * practice the JIT's intrinsic (a tree) and the interpreter's fallback (a sequence) differ, so the
 * same call gave different last bits before and after warm-up: a second training run in one JVM
 * did not reproduce the first. These sums fix the order (lane 0 first), whatever runs them.
 */
final class Lanes {

    private Lanes() {
    }

    /**
     * {@code v[0] + v[1] + ... + v[n−1]}, left to right. Lane extraction rather than a store to a
     * scratch array: the array (64 bytes per call, thousands of calls a training step) was not
     * removed by escape analysis and was most of a step's garbage.
     */
    static float sum(FloatVector v) {
        float total = 0f;
        for (int i = 0; i < v.length(); i++) {
            total += v.lane(i);
        }
        return total;
    }

    /** The same over the lanes set in {@code mask}. */
    static float sum(FloatVector v, VectorMask<Float> mask) {
        return sum(v.blend(0f, mask.not()));
    }
}
