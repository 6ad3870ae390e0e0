package dev.nabla.cpu;

import dev.nabla.backend.ReduceOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions along the middle axis of a contiguous {@code [outer, extent, inner]} block, and argmax.
 *
 * <p>Two memory shapes matter: {@code inner == 1} (reduce each contiguous row: lanes run along
 * the row and fold at the end) and {@code inner > 1} (e.g. a bias gradient, summing rows: lanes
 * run across {@code inner}, one output row accumulates while the rows stream past).
 *
 * <p>NOTE: sums accumulate in float, in lane order, whereas the reference sums in double. Plain
 * float accumulation drifts with the number of terms (2^20 terms of 0.1 came out 0.4 % high), so
 * sums longer than {@link #SUM_BLOCK} are made precise: a row sum folds blocks of that many
 * elements (each lane then adds 128 terms at most) and adds the block sums in double; a column sum
 * is Kahan-compensated. Sums no longer than a block (every bias gradient and loss mean of a
 * training step) round exactly as before.
 * MAX and MIN propagate NaN like the scalar definition.
 */
final class Reductions {

    private static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();

    /**
     * Column reductions over few outer blocks ({@link #reduceSlabs}, the bias gradient) go parallel
     * from this many elements: with the input written by a two-thread kernel two threads win
     * 2.3-3.2× at 32K (1.7-2.7× at 16K); with it in the caller's L2 they lose up to 2× below 64K
     * (ThresholdProbe, 2026-11-21).
     */
    static final long SLAB_THRESHOLD = 1 << 15;

    /**
     * At most this many row slabs. Not more: a kernel's input was usually written by a two-chunk
     * kernel (first half of the rows by the caller, second by a worker), and two slabs read it
     * where it lies. With 4-8 slabs, claimed in any order, the produced-input case measured 1.3×
     * at 64K and 0.96× at 128K against 3.2× and 2.3-2.8× with two.
     */
    static final int MAX_SLABS = 2;

    /** Row slabs for a column reduction of {@code elements} over {@code extent} rows; 1 below the threshold. */
    static int slabs(long elements, int extent) {
        if (elements < SLAB_THRESHOLD || CpuThreads.forcedChunks == 1) {
            return 1;
        }
        return (int) Math.max(1, Math.min(Math.min(MAX_SLABS, extent), elements / (SLAB_THRESHOLD / 2)));
    }

    private Reductions() {
    }

    static void reduce(ReduceOp op, float[] in, int outer, int extent, int inner, float[] out) {
        if (extent == 0) {
            java.util.Arrays.fill(out, 0, outer * inner, op.identity());
            return;
        }
        int chunks = CpuThreads.chunksFor((long) outer * extent * inner);
        if (inner == 1) {
            if (outer >= chunks) {
                CpuThreads.parallelRanges(outer, chunks, 1, (start, end) -> {
                    for (int o = start; o < end; o++) {
                        out[o] = reduceRow(op, in, o * extent, extent);
                    }
                });
            } else {
                // Few long rows: each thread folds a slice of the row, then the slices fold in order.
                for (int o = 0; o < outer; o++) {
                    float[] partial = new float[chunks];
                    java.util.Arrays.fill(partial, op.identity());
                    int base = o * extent;
                    CpuThreads.parallelFor(chunks, chunk -> {
                        int start = (int) ((long) extent * chunk / chunks);
                        int end = (int) ((long) extent * (chunk + 1) / chunks);
                        partial[chunk] = reduceRow(op, in, base + start, end - start);
                    });
                    float acc = op.identity();
                    for (float p : partial) {
                        acc = op.combine(acc, p);
                    }
                    out[o] = acc;
                }
            }
        } else if (outer >= chunks) {
            CpuThreads.parallelRanges(outer, chunks, 1, (start, end) -> {
                for (int o = start; o < end; o++) {
                    reduceColumns(op, in, o * extent * inner, extent, inner, 0, inner, out, o * inner);
                }
            });
        } else {
            reduceSlabs(op, in, outer, extent, inner, out);
        }
    }

    /**
     * Column sums with few outer blocks (a bias gradient: {@code [1, batch, features]}): threads
     * take slabs of consecutive rows, each folding them into its own partial row, and the partial
     * rows fold in slab order. Splitting the columns instead (each thread streams a part of every
     * row) was measured slower than one thread at every size from 16K to 4M elements.
     *
     * <p>The slabs depend on the shape only, never on the number of threads (they are claimed by
     * however many there are), so a bias gradient rounds the same way on every machine, as the
     * GEMMs do.
     */
    private static void reduceSlabs(ReduceOp op, float[] in, int outer, int extent, int inner, float[] out) {
        int slabs = slabs((long) outer * extent * inner, extent);
        int size = outer * inner;
        float[] partial = slabs > 1 ? new float[(slabs - 1) * size] : null;
        CpuThreads.parallelFor(slabs, slab -> {
            int r0 = (int) ((long) extent * slab / slabs);
            int r1 = (int) ((long) extent * (slab + 1) / slabs);
            float[] dst = slab == 0 ? out : partial;
            int dstBase = slab == 0 ? 0 : (slab - 1) * size;
            for (int o = 0; o < outer; o++) {
                reduceColumns(op, in, (o * extent + r0) * inner, r1 - r0, inner, 0, inner, dst, dstBase + o * inner);
            }
        });
        for (int slab = 1; slab < slabs; slab++) {
            int base = (slab - 1) * size;
            for (int i = 0; i < size; i++) {
                out[i] = op.combine(out[i], partial[base + i]);
            }
        }
    }

    /** Sums longer than this are blocked (rows) or compensated (columns); see the class note. */
    static final int SUM_BLOCK = 4096;

    /** Folds {@code length} contiguous elements. */
    static float reduceRow(ReduceOp op, float[] in, int start, int length) {
        if (op == ReduceOp.SUM && length > SUM_BLOCK) {
            double total = 0;
            for (int block = 0; block < length; block += SUM_BLOCK) {
                total += reduceRow(op, in, start + block, Math.min(SUM_BLOCK, length - block));
            }
            return (float) total;
        }
        int bound = SPECIES.loopBound(length);
        float acc = op.identity();
        if (bound > 0) {
            acc = switch (op) {
                case SUM -> sumVectors(in, start, bound);
                case MAX -> maxVectors(in, start, bound);
                case MIN -> minVectors(in, start, bound);
            };
        }
        for (int i = bound; i < length; i++) {
            acc = op.combine(acc, in[start + i]);
        }
        return acc;
    }

    // NOTE on performance: one small loop per op rather than a shared loop calling a switch helper:
    // C2 stops inlining helpers that grew big, and a vector crossing a non-inlined call is boxed.
    // Two accumulators hide the add latency.

    private static float sumVectors(float[] in, int start, int bound) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i + LANES < bound; i += 2 * LANES) {
            acc0 = acc0.add(FloatVector.fromArray(SPECIES, in, start + i));
            acc1 = acc1.add(FloatVector.fromArray(SPECIES, in, start + i + LANES));
        }
        if (i < bound) {
            acc0 = acc0.add(FloatVector.fromArray(SPECIES, in, start + i));
        }
        return Lanes.sum(acc0.add(acc1));
    }

    private static float maxVectors(float[] in, int start, int bound) {
        FloatVector acc0 = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        FloatVector acc1 = acc0;
        int i = 0;
        for (; i + LANES < bound; i += 2 * LANES) {
            acc0 = acc0.max(FloatVector.fromArray(SPECIES, in, start + i));
            acc1 = acc1.max(FloatVector.fromArray(SPECIES, in, start + i + LANES));
        }
        if (i < bound) {
            acc0 = acc0.max(FloatVector.fromArray(SPECIES, in, start + i));
        }
        // NOTE: lane-wise MAX is Math.max, so NaN propagates, as in ReduceOp.combine.
        return acc0.max(acc1).reduceLanes(VectorOperators.MAX);
    }

    private static float minVectors(float[] in, int start, int bound) {
        FloatVector acc0 = FloatVector.broadcast(SPECIES, Float.POSITIVE_INFINITY);
        FloatVector acc1 = acc0;
        int i = 0;
        for (; i + LANES < bound; i += 2 * LANES) {
            acc0 = acc0.min(FloatVector.fromArray(SPECIES, in, start + i));
            acc1 = acc1.min(FloatVector.fromArray(SPECIES, in, start + i + LANES));
        }
        if (i < bound) {
            acc0 = acc0.min(FloatVector.fromArray(SPECIES, in, start + i));
        }
        return acc0.min(acc1).reduceLanes(VectorOperators.MIN);
    }

    /** {@code out[outIndex + j] = fold over r of in[base + r*inner + j]} for j in {@code [from, to)}. */
    private static void reduceColumns(ReduceOp op, float[] in, int base, int extent, int inner, int from, int to,
                                      float[] out, int outIndex) {
        if (op == ReduceOp.SUM && extent > SUM_BLOCK) {
            sumColumnsCompensated(in, base, extent, inner, from, to, out, outIndex);
            return;
        }
        System.arraycopy(in, base + from, out, outIndex + from, to - from);
        int length = to - from;
        int bound = SPECIES.loopBound(length);
        for (int r = 1; r < extent; r++) {
            int row = base + r * inner + from;
            int dst = outIndex + from;
            for (int j = 0; j < bound; j += LANES) {
                FloatVector acc = FloatVector.fromArray(SPECIES, out, dst + j);
                FloatVector x = FloatVector.fromArray(SPECIES, in, row + j);
                FloatVector folded = switch (op) {
                    case SUM -> acc.add(x);
                    case MAX -> acc.max(x);
                    case MIN -> acc.min(x);
                };
                folded.intoArray(out, dst + j);
            }
            for (int j = bound; j < length; j++) {
                out[dst + j] = op.combine(out[dst + j], in[row + j]);
            }
        }
    }

    /**
     * Column sums over more than {@link #SUM_BLOCK} rows, Kahan-compensated element by element:
     * blocking alone left 4e-5 of relative error at 2^20 rows (a float block sum of 4096 terms
     * already drifts). Four flops a term instead of one; a long column sum is memory-bound anyway.
     */
    private static void sumColumnsCompensated(float[] in, int base, int extent, int inner, int from, int to,
                                              float[] out, int outIndex) {
        int length = to - from;
        int bound = SPECIES.loopBound(length);
        float[] compensation = new float[length];
        System.arraycopy(in, base + from, out, outIndex + from, length);
        int dst = outIndex + from;
        for (int r = 1; r < extent; r++) {
            int row = base + r * inner + from;
            for (int j = 0; j < bound; j += LANES) {
                // NOTE: Kahan: what rounding dropped from the running sum is added back with the next term.
                FloatVector sum = FloatVector.fromArray(SPECIES, out, dst + j);
                FloatVector lost = FloatVector.fromArray(SPECIES, compensation, j);
                FloatVector term = FloatVector.fromArray(SPECIES, in, row + j).sub(lost);
                FloatVector next = sum.add(term);
                next.sub(sum).sub(term).intoArray(compensation, j);
                next.intoArray(out, dst + j);
            }
            for (int j = bound; j < length; j++) {
                float sum = out[dst + j];
                float term = in[row + j] - compensation[j];
                float next = sum + term;
                compensation[j] = (next - sum) - term;
                out[dst + j] = next;
            }
        }
    }

    // ---- argmax --------------------------------------------------------------------------

    static void argmax(float[] in, int outer, int extent, int inner, int[] out) {
        if (inner == 0) {
            return;   // no output element (e.g. [1, 0].argmax(0)); the column path would copy from nothing
        }
        int chunks = CpuThreads.chunksFor((long) outer * extent * inner);
        CpuThreads.parallelRanges(outer, chunks, 1, (start, end) -> {
            float[] best = inner > 1 ? new float[inner] : null;
            for (int o = start; o < end; o++) {
                int base = o * extent * inner;
                if (inner == 1) {
                    out[o] = argmaxRow(in, base, extent);
                } else {
                    argmaxColumns(in, base, extent, inner, best, out, o * inner);
                }
            }
        });
    }

    /**
     * First index of the maximum of a contiguous row. NOTE: as in torch.argmax, NaN counts as the
     * maximum, so a row holding NaN answers its first NaN. Two passes: a vectorized max (which
     * propagates NaN), then a scan for the first element equal to it.
     */
    private static int argmaxRow(float[] in, int base, int extent) {
        float max = reduceRow(ReduceOp.MAX, in, base, extent);
        boolean nan = Float.isNaN(max);
        for (int r = 0; r < extent; r++) {
            float v = in[base + r];
            if (nan ? Float.isNaN(v) : v == max) {
                return r;
            }
        }
        return 0;
    }

    private static void argmaxColumns(float[] in, int base, int extent, int inner, float[] best, int[] out,
                                      int outIndex) {
        System.arraycopy(in, base, best, 0, inner);
        java.util.Arrays.fill(out, outIndex, outIndex + inner, 0);
        for (int r = 1; r < extent; r++) {
            int row = base + r * inner;
            for (int j = 0; j < inner; j++) {
                float v = in[row + j];
                float b = best[j];
                if (!Float.isNaN(b) && (v > b || Float.isNaN(v))) {
                    best[j] = v;
                    out[outIndex + j] = r;
                }
            }
        }
    }
}
