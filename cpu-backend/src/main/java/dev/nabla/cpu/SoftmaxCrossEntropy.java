package dev.nabla.cpu;

import dev.nabla.backend.ReduceOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused softmax, log-softmax and softmax cross-entropy over rows of contiguous logits.
 *
 * <p>NOTE: every row is max-shifted before exponentiation, so {@code exp} only ever sees
 * non-positive arguments and logits of ±1e4 stay finite. The exponentials are vectorized
 * ({@link #exp}: a float polynomial, within 2 ulp of {@code Math.exp}), unlike the other
 * transcendentals of this backend, which call the reference's scalar definitions: here the scalar
 * {@code Math.exp} in double made the fused cross-entropy run at 0.3× PyTorch, and its result
 * enters a loss and a gradient compared at a 2e-5 tolerance, never bit for bit. Row sums add
 * sixteen float partial sums, folded in double; the log of the sum is scalar and in double.
 */
final class SoftmaxCrossEntropy {

    private static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Below this, exp underflows to a denormal: flushed to 0. */
    private static final float EXP_MIN = -87.33654f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    private SoftmaxCrossEntropy() {
    }

    /** {@code rowStats} is {@code [rows, 2]}: per row the max and {@code log Σ exp(x − max)} (see Backend). */
    static void forward(float[] logits, int[] labels, int rows, int classes, float[] loss, float[] rowStats) {
        CpuThreads.parallelRanges(rows, CpuThreads.chunksFor((long) rows * classes * 8), 1, (start, end) -> {
            for (int row = start; row < end; row++) {
                int base = row * classes;
                float max = Reductions.reduceRow(ReduceOp.MAX, logits, base, classes);
                double logSum = Math.log(sumExp(logits, base, classes, max));
                rowStats[2 * row] = max;
                rowStats[2 * row + 1] = (float) logSum;
                loss[row] = (float) (((double) max - logits[base + labels[row]]) + logSum);
            }
        });
    }

    static void backward(float[] logits, int[] labels, float[] rowStats, float[] gradLoss, int rows, int classes,
                         float[] gradLogits) {
        CpuThreads.parallelRanges(rows, CpuThreads.chunksFor((long) rows * classes * 8), 1, (start, end) -> {
            for (int row = start; row < end; row++) {
                int base = row * classes;
                float max = rowStats[2 * row];
                float logSum = rowStats[2 * row + 1];
                float scale = gradLoss[row];
                // NOTE: (x − max) − logSum, never x − (max + logSum): see Backend.crossEntropyForward.
                expScaled(logits, base, classes, max, logSum, scale, gradLogits);
                int label = base + labels[row];
                gradLogits[label] = (float) ((Math.exp(((double) logits[label] - max) - logSum) - 1.0) * scale);
            }
        });
    }

    /** Softmax or log-softmax of each contiguous row of {@code [rows, classes]}. */
    static void softmaxRows(float[] src, int rows, int classes, boolean log, float[] dst) {
        CpuThreads.parallelRanges(rows, CpuThreads.chunksFor((long) rows * classes * 8), 1, (start, end) -> {
            for (int row = start; row < end; row++) {
                int base = row * classes;
                float max = Reductions.reduceRow(ReduceOp.MAX, src, base, classes);
                if (log) {
                    // NOTE: (x − max) − log Σ in two steps: folding max + log Σ into one float
                    // first would round it to ulp(max) (≈ 5e-4 for logits near 1e4).
                    subtract(src, base, classes, max, dst);
                    float logSum = (float) Math.log(sumExp(src, base, classes, max));
                    subtract(dst, base, classes, logSum, dst);
                } else {
                    // exp(x - max) into dst, then scale by 1 / Σ.
                    float sum = (float) expScaledSum(src, base, classes, max, dst);
                    scaleRow(dst, base, classes, (float) (1.0 / sum));
                }
            }
        });
    }

    /** {@code Σ exp(x[base + j] − shift)} over {@code j < length}. */
    private static double sumExp(float[] x, int base, int length, float shift) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int j = 0;
        int bound = SPECIES.loopBound(length);
        for (; j < bound; j += LANES) {
            sum = sum.add(exp(FloatVector.fromArray(SPECIES, x, base + j).sub(shift)));
        }
        double total = Lanes.sum(sum);
        if (j < length) {
            VectorMask<Float> tail = SPECIES.indexInRange(j, length);
            FloatVector e = exp(FloatVector.fromArray(SPECIES, x, base + j, tail).sub(shift));
            total += Lanes.sum(e, tail);
        }
        return total;
    }

    /** {@code out[base + j] = exp(x[base + j] − shift)}, returning their sum. */
    private static double expScaledSum(float[] x, int base, int length, float shift, float[] out) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int j = 0;
        int bound = SPECIES.loopBound(length);
        for (; j < bound; j += LANES) {
            FloatVector e = exp(FloatVector.fromArray(SPECIES, x, base + j).sub(shift));
            e.intoArray(out, base + j);
            sum = sum.add(e);
        }
        double total = Lanes.sum(sum);
        if (j < length) {
            VectorMask<Float> tail = SPECIES.indexInRange(j, length);
            FloatVector e = exp(FloatVector.fromArray(SPECIES, x, base + j, tail).sub(shift));
            e.intoArray(out, base + j, tail);
            total += Lanes.sum(e, tail);
        }
        return total;
    }

    /**
     * {@code out[base + j] = exp((x[base + j] − shift) − logSum) · scale}; the argument stays
     * {@code ≤ 0} for {@code shift} the row's max and {@code logSum ≥ 0}.
     */
    private static void expScaled(float[] x, int base, int length, float shift, float logSum, float scale,
                                  float[] out) {
        int j = 0;
        int bound = SPECIES.loopBound(length);
        for (; j < bound; j += LANES) {
            exp(FloatVector.fromArray(SPECIES, x, base + j).sub(shift).sub(logSum)).mul(scale).intoArray(out, base + j);
        }
        if (j < length) {
            VectorMask<Float> tail = SPECIES.indexInRange(j, length);
            exp(FloatVector.fromArray(SPECIES, x, base + j, tail).sub(shift).sub(logSum)).mul(scale)
                    .intoArray(out, base + j, tail);
        }
    }

    private static void subtract(float[] x, int base, int length, float shift, float[] out) {
        int j = 0;
        int bound = SPECIES.loopBound(length);
        for (; j < bound; j += LANES) {
            FloatVector.fromArray(SPECIES, x, base + j).sub(shift).intoArray(out, base + j);
        }
        for (; j < length; j++) {
            out[base + j] = x[base + j] - shift;
        }
    }

    private static void scaleRow(float[] x, int base, int length, float scale) {
        int j = 0;
        int bound = SPECIES.loopBound(length);
        for (; j < bound; j += LANES) {
            FloatVector.fromArray(SPECIES, x, base + j).mul(scale).intoArray(x, base + j);
        }
        for (; j < length; j++) {
            x[base + j] = x[base + j] * scale;
        }
    }

    /**
     * {@code e^x} lane by lane for {@code x ≤ 0} (NaN stays NaN; below −87.34 gives 0): Cody–Waite
     * reduction {@code x = n·ln 2 + r}, a degree-6 polynomial for {@code e^r} (Cephes {@code expf}
     * coefficients), and {@code 2^n} built in the exponent bits. Within 2 ulp of {@code Math.exp}.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(EXP_MIN);
        // NOTE: without FMA (CpuFeatures.fma is then mul + add) n·LN2_HI is still exact (LN2_HI has
        // 9 significant bits, |n| ≤ 126), so the reduction loses nothing; the polynomial's extra
        // roundings stay within the 2 ulp (FusedNumericsTest runs in a no-FMA JVM too).
        FloatVector t = CpuFeatures.fma(clamped, FloatVector.broadcast(SPECIES, LOG2E),
                FloatVector.broadcast(SPECIES, ROUNDER));
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = CpuFeatures.fma(n, FloatVector.broadcast(SPECIES, -LN2_HI), clamped);
        r = CpuFeatures.fma(n, FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector p = CpuFeatures.fma(r, FloatVector.broadcast(SPECIES, 1.9875691500e-4f),
                FloatVector.broadcast(SPECIES, 1.3981999507e-3f));
        p = CpuFeatures.fma(p, r, FloatVector.broadcast(SPECIES, 8.3334519073e-3f));
        p = CpuFeatures.fma(p, r, FloatVector.broadcast(SPECIES, 4.1665795894e-2f));
        p = CpuFeatures.fma(p, r, FloatVector.broadcast(SPECIES, 1.6666665459e-1f));
        p = CpuFeatures.fma(p, r, FloatVector.broadcast(SPECIES, 5.0000001201e-1f));
        FloatVector y = CpuFeatures.fma(p, r.mul(r), r).add(1f);
        FloatVector scale = t.reinterpretAsInts().add(127 - ROUNDER_BITS).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return y.mul(scale).blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
    }
}
