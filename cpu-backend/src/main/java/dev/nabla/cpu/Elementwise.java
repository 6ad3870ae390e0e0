package dev.nabla.cpu;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.Layout;
import dev.nabla.backend.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise kernels: unary, binary with broadcasting, where, strided copy and fill.
 *
 * <p>Arithmetic ops run on {@link FloatVector}s; transcendental ops (exp, log, tanh, GELU...) call
 * the scalar definition in {@link UnaryOp#apply} so that every backend rounds them the same way
 * (NOTE: the Vector API's SVML-based exp/log differ from {@code Math.exp} in the last ulp, and the
 * reference evaluates several of them in double). Layouts are simplified by {@link Strides}; a
 * row whose operands are dense or broadcast is vectorized, anything else takes a strided loop.
 */
final class Elementwise {

    static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();

    private Elementwise() {
    }

    // ---- unary ---------------------------------------------------------------------------

    static void unary(UnaryOp op, float param, float[] in, Layout layout, float[] out) {
        int n = (int) layout.numel();
        int offset = layout.offset();
        float[] source = in;
        if (!layout.isContiguous()) {
            // Gather into the output first, then transform it in place: simpler than a strided
            // variant of every op, for one extra pass over the output.
            copy(in, layout, out);
            source = out;
            offset = 0;
        }
        float[] src = source;
        int srcOffset = offset;
        CpuThreads.parallelRanges(n, CpuThreads.chunksFor(n), LANES, (start, end) ->
                unaryRange(op, param, src, srcOffset + start, out, start, end - start));
    }

    private static boolean vectorizable(UnaryOp op, float param) {
        return switch (op) {
            case NEG, ABS, SQRT, RELU, SQUARE, RECIPROCAL, MUL_SCALAR, ADD_SCALAR -> true;
            case POW -> param == 2f || param == 1f;
            default -> false;
        };
    }

    private static void unaryRange(UnaryOp op, float param, float[] in, int inOffset, float[] out, int outOffset,
                                   int length) {
        int i = 0;
        if (vectorizable(op, param)) {
            i = SPECIES.loopBound(length);
            unaryVectors(op, param, in, inOffset, out, outOffset, i);
        }
        for (; i < length; i++) {
            out[outOffset + i] = op.apply(in[inOffset + i], param);
        }
    }

    /**
     * The vector part of a unary row. NOTE on performance: the switch sits inside the loop of this
     * one method rather than in a helper called from several loops, because C2 refuses to inline a
     * helper that has grown big, and a Vector API value that crosses a call that is not inlined is
     * boxed on the heap (5-10x slower). The switch is loop-invariant, so C2 hoists it.
     */
    private static void unaryVectors(UnaryOp op, float param, float[] in, int inOffset, float[] out, int outOffset,
                                     int bound) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        for (int i = 0; i < bound; i += LANES) {
            FloatVector x = FloatVector.fromArray(SPECIES, in, inOffset + i);
            FloatVector y = switch (op) {
                case NEG -> x.neg();
                case ABS -> x.abs();
                case SQRT -> x.sqrt();
                // NOTE: x > 0 ? x : 0, not max(x, 0): NaN maps to 0 exactly as the scalar definition does.
                case RELU -> relu(x);
                case SQUARE -> x.mul(x);
                case RECIPROCAL -> one.div(x);
                case MUL_SCALAR -> x.mul(param);
                case ADD_SCALAR -> x.add(param);
                case POW -> param == 2f ? x.mul(x) : x;
                default -> throw new IllegalArgumentException("unary " + op + " has no vector form");
            };
            y.intoArray(out, outOffset + i);
        }
    }

    /** {@code x > 0 ? x : 0} lane-wise. */
    static FloatVector relu(FloatVector x) {
        return FloatVector.zero(SPECIES).blend(x, x.compare(VectorOperators.GT, 0f));
    }

    // ---- binary --------------------------------------------------------------------------

    static void binary(BinaryOp op, float[] x, Layout xLayout, float[] y, Layout yLayout, float[] out) {
        Strides walk = Strides.of(xLayout, yLayout, Layout.contiguous(xLayout.shape()));
        int xStride = walk.innerStride(0);
        int yStride = walk.innerStride(1);
        walk.forEachSegment((row, from, to) -> {
            int xi = walk.rowOffset(0, row) + from * xStride;
            int yi = walk.rowOffset(1, row) + from * yStride;
            int oi = walk.rowOffset(2, row) + from;
            binaryRow(op, x, xi, xStride, y, yi, yStride, out, oi, to - from);
        });
    }

    private static boolean vectorizable(BinaryOp op) {
        return op != BinaryOp.POW && op != BinaryOp.GELU_GRAD;
    }

    private static void binaryRow(BinaryOp op, float[] x, int xi, int xStride, float[] y, int yi, int yStride,
                                  float[] out, int oi, int length) {
        int i = 0;
        boolean denseOrBroadcast = (xStride == 0 || xStride == 1) && (yStride == 0 || yStride == 1);
        if (vectorizable(op) && denseOrBroadcast && (xStride | yStride) != 0 && length >= LANES) {
            i = SPECIES.loopBound(length);
            binaryVectors(op, x, xi, xStride == 1, y, yi, yStride == 1, out, oi, i);
        }
        for (; i < length; i++) {
            out[oi + i] = op.apply(x[xi + i * xStride], y[yi + i * yStride]);
        }
    }

    /**
     * The vector part of a binary row; an operand that is not dense is one element broadcast
     * along the row (a bias row read per row, a column, a scalar). One loop with the switch
     * inside, for the reason given at {@link #unaryVectors}.
     */
    private static void binaryVectors(BinaryOp op, float[] x, int xi, boolean xDense, float[] y, int yi,
                                      boolean yDense, float[] out, int oi, int bound) {
        FloatVector xFixed = FloatVector.broadcast(SPECIES, x[xi]);
        FloatVector yFixed = FloatVector.broadcast(SPECIES, y[yi]);
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        for (int i = 0; i < bound; i += LANES) {
            FloatVector a = xDense ? FloatVector.fromArray(SPECIES, x, xi + i) : xFixed;
            FloatVector b = yDense ? FloatVector.fromArray(SPECIES, y, yi + i) : yFixed;
            FloatVector r = switch (op) {
                case ADD -> a.add(b);
                case SUB -> a.sub(b);
                case MUL -> a.mul(b);
                case DIV -> a.div(b);
                // NOTE: the Vector API's MAX/MIN follow Math.max/min, so NaN propagates like torch.maximum.
                case MAXIMUM -> a.max(b);
                case MINIMUM -> a.min(b);
                case EQ -> zero.blend(one, a.compare(VectorOperators.EQ, b));
                case NE -> zero.blend(one, a.compare(VectorOperators.NE, b));
                case LT -> zero.blend(one, a.compare(VectorOperators.LT, b));
                case LE -> zero.blend(one, a.compare(VectorOperators.LE, b));
                case GT -> zero.blend(one, a.compare(VectorOperators.GT, b));
                case GE -> zero.blend(one, a.compare(VectorOperators.GE, b));
                case RELU_GRAD -> zero.blend(b, a.compare(VectorOperators.GT, zero));
                default -> throw new IllegalArgumentException("binary " + op + " has no vector form");
            };
            r.intoArray(out, oi + i);
        }
    }

    // ---- where ---------------------------------------------------------------------------

    static void where(float[] cond, Layout condLayout, float[] x, Layout xLayout, float[] y, Layout yLayout,
                      float[] out) {
        Strides walk = Strides.of(condLayout, xLayout, yLayout, Layout.contiguous(condLayout.shape()));
        int cStride = walk.innerStride(0);
        int xStride = walk.innerStride(1);
        int yStride = walk.innerStride(2);
        walk.forEachSegment((row, from, to) -> {
            int ci = walk.rowOffset(0, row) + from * cStride;
            int xi = walk.rowOffset(1, row) + from * xStride;
            int yi = walk.rowOffset(2, row) + from * yStride;
            int oi = walk.rowOffset(3, row) + from;
            int length = to - from;
            int i = 0;
            if (cStride == 1 && xStride == 1 && yStride == 1) {
                int bound = SPECIES.loopBound(length);
                for (; i < bound; i += LANES) {
                    VectorMask<Float> take = FloatVector.fromArray(SPECIES, cond, ci + i)
                            .compare(VectorOperators.NE, 0f);
                    FloatVector.fromArray(SPECIES, y, yi + i)
                            .blend(FloatVector.fromArray(SPECIES, x, xi + i), take)
                            .intoArray(out, oi + i);
                }
            }
            for (; i < length; i++) {
                out[oi + i] = cond[ci + i * cStride] != 0f ? x[xi + i * xStride] : y[yi + i * yStride];
            }
        });
    }

    // ---- copy and fill -------------------------------------------------------------------

    /** Gathers {@code layout} of {@code in} into contiguous {@code out}. */
    static void copy(float[] in, Layout layout, float[] out) {
        Strides walk = Strides.of(layout, Layout.contiguous(layout.shape()));
        int rank = walk.rank();
        if (rank >= 2 && walk.stride(0, rank - 2) == 1 && walk.innerStride(0) != 1 && walk.innerStride(0) != 0) {
            transpose(in, walk, out);
            return;
        }
        int stride = walk.innerStride(0);
        walk.forEachSegment((row, from, to) -> {
            int src = walk.rowOffset(0, row) + from * stride;
            int dst = walk.rowOffset(1, row) + from;
            int length = to - from;
            if (stride == 1) {
                System.arraycopy(in, src, out, dst, length);
            } else if (stride == 0) {
                java.util.Arrays.fill(out, dst, dst + length, in[src]);
            } else {
                for (int i = 0; i < length; i++) {
                    out[dst + i] = in[src + i * stride];
                }
            }
        });
    }

    private static final int TILE = 32;

    /**
     * The last two axes are transposed in memory ({@code rows} step by 1, {@code cols} by a large
     * stride): copy in square tiles so both the reads and the writes stay within a few cache lines.
     */
    private static void transpose(float[] in, Strides walk, float[] out) {
        int rank = walk.rank();
        int rows = walk.dim(rank - 2);
        int cols = walk.dim(rank - 1);
        int colStride = walk.innerStride(0);
        int matrices = 1;
        for (int axis = 0; axis < rank - 2; axis++) {
            matrices *= walk.dim(axis);
        }
        int rowTiles = (rows + TILE - 1) / TILE;
        int tiles = matrices * rowTiles;
        CpuThreads.parallelRanges(tiles, CpuThreads.chunksFor((long) matrices * rows * cols), 1, (start, end) -> {
            for (int tile = start; tile < end; tile++) {
                int matrix = tile / rowTiles;
                int r0 = (tile % rowTiles) * TILE;
                int r1 = Math.min(rows, r0 + TILE);
                // Row index of the first row of this matrix in the walk's row numbering.
                int firstRow = matrix * rows;
                int srcBase = walk.rowOffset(0, firstRow);
                int dstBase = walk.rowOffset(1, firstRow);
                for (int c0 = 0; c0 < cols; c0 += TILE) {
                    int c1 = Math.min(cols, c0 + TILE);
                    for (int r = r0; r < r1; r++) {
                        int src = srcBase + r;
                        int dst = dstBase + r * cols;
                        for (int c = c0; c < c1; c++) {
                            out[dst + c] = in[src + c * colStride];
                        }
                    }
                }
            }
        });
    }

    static void fill(float[] out, float value, int count) {
        CpuThreads.parallelRanges(count, CpuThreads.chunksFor(count), LANES,
                (start, end) -> java.util.Arrays.fill(out, start, end, value));
    }

    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, SPECIES.vectorShape());
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(SPECIES.vectorBitSize() / 2));

    /**
     * BF16 bits to F32, exactly: each pattern shifted into the upper half of an int. The short to
     * int conversion sign-extends, and the shift pushes those bits out.
     */
    static void widenBf16(short[] in, float[] out, int count) {
        widenBf16(in, 0, out, count);
    }

    /** {@code in[from, from + count)} widened into {@code out[0, count)}, split over the pool's threads. */
    static void widenBf16(short[] in, int from, float[] out, int count) {
        CpuThreads.parallelRanges(count, CpuThreads.chunksFor(count), SHORTS.length(), (start, end) -> {
            int i = start;
            for (int bound = start + SHORTS.loopBound(end - start); i < bound; i += SHORTS.length()) {
                ShortVector bits = ShortVector.fromArray(SHORTS, in, from + i);
                IntVector wide = (IntVector) bits.convertShape(VectorOperators.S2I, INTS, 0);
                wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out, i);
            }
            for (; i < end; i++) {
                out[i] = Float.intBitsToFloat((in[from + i] & 0xFFFF) << 16);
            }
        });
    }

    /**
     * F32 to BF16 bits, round to nearest even, every NaN to {@link dev.nabla.backend.HalfPrecision#BF16_NAN}:
     * the bits {@link dev.nabla.backend.HalfPrecision#floatToBf16} gives, split over the pool's threads.
     */
    static void narrowBf16(float[] in, short[] out, int count) {
        CpuThreads.parallelRanges(count, CpuThreads.chunksFor(count), LANES, (start, end) -> {
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += LANES) {
                IntVector bits = FloatVector.fromArray(SPECIES, in, i).reinterpretAsInts();
                // Adding 0x7FFF plus the lowest kept bit rounds half to even (a carry into the
                // exponent, up to Inf, is the right result).
                IntVector rounded = bits.add(0x7FFF).add(bits.lanewise(VectorOperators.LSHR, 16).and(1))
                        .lanewise(VectorOperators.LSHR, 16);
                VectorMask<Integer> nan = bits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000);
                rounded.blend(0xFFFF, nan).convertShape(VectorOperators.I2S, SHORTS, 0).reinterpretAsShorts()
                        .intoArray(out, i);
            }
            for (; i < end; i++) {
                out[i] = dev.nabla.backend.HalfPrecision.floatToBf16(in[i]);
            }
        });
    }

    /**
     * F32 to F16 bits, round to nearest even, overflow to ±Inf, underflow through subnormals to ±0,
     * NaN to a quiet NaN of the same sign: the bits {@link dev.nabla.backend.HalfPrecision#floatToF16}
     * gives, split over the pool's threads. Every lane computes the normal and the subnormal
     * encoding and the masks pick one (the subnormal shift is per lane).
     */
    static void narrowF16(float[] in, short[] out, int count) {
        CpuThreads.parallelRanges(count, CpuThreads.chunksFor(count), LANES, (start, end) -> {
            int i = start;
            IntVector one = IntVector.broadcast(INTS, 1);
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += LANES) {
                IntVector bits = FloatVector.fromArray(SPECIES, in, i).reinterpretAsInts();
                IntVector sign = bits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
                IntVector magnitude = bits.and(0x7FFF_FFFF);
                // Normal: rebias the exponent (127 - 15) and round the 13 dropped bits half to even.
                IntVector rebiased = magnitude.sub(0x3800_0000);
                IntVector normal = rebiased.add(0xFFF).add(rebiased.lanewise(VectorOperators.LSHR, 13).and(1))
                        .lanewise(VectorOperators.LSHR, 13);
                // Subnormal: the 24-bit mantissa shifted right by 126 - exponent, rounded half to even.
                IntVector shift = IntVector.broadcast(INTS, 126).sub(magnitude.lanewise(VectorOperators.LSHR, 23));
                IntVector mantissa = magnitude.and(0x7F_FFFF).or(0x80_0000);
                IntVector kept = mantissa.lanewise(VectorOperators.LSHR, shift);
                IntVector remainder = mantissa.and(one.lanewise(VectorOperators.LSHL, shift).sub(1));
                IntVector half = one.lanewise(VectorOperators.LSHL, shift.sub(1));
                VectorMask<Integer> up = remainder.compare(VectorOperators.GT, half)
                        .or(remainder.compare(VectorOperators.EQ, half).and(kept.and(1).compare(VectorOperators.NE, 0)));
                IntVector subnormal = kept.blend(kept.add(1), up);
                IntVector result = normal
                        .blend(subnormal, magnitude.compare(VectorOperators.LT, 0x3880_0000))
                        .blend(0, magnitude.compare(VectorOperators.LE, 0x3300_0000))
                        .blend(0x7C00, magnitude.compare(VectorOperators.GE, 0x477F_F000))
                        .blend(0x7E00, magnitude.compare(VectorOperators.GT, 0x7F80_0000))
                        .or(sign);
                result.convertShape(VectorOperators.I2S, SHORTS, 0).reinterpretAsShorts().intoArray(out, i);
            }
            for (; i < end; i++) {
                out[i] = dev.nabla.backend.HalfPrecision.floatToF16(in[i]);
            }
        });
    }

    /**
     * {@code in[from, from + count)} widened into {@code out[to, to + count)} on the calling thread:
     * BF16 when {@code bf16}, else F16. The GEMM widens each block of a 16-bit operand this way just
     * before packing it, so 16-bit products need no F32 copy of their operands.
     */
    static void widenInto(boolean bf16, short[] in, int from, float[] out, int to, int count) {
        if (bf16) {
            int i = 0;
            for (int bound = SHORTS.loopBound(count); i < bound; i += SHORTS.length()) {
                ShortVector bits = ShortVector.fromArray(SHORTS, in, from + i);
                IntVector wide = (IntVector) bits.convertShape(VectorOperators.S2I, INTS, 0);
                wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out, to + i);
            }
            for (; i < count; i++) {
                out[to + i] = Float.intBitsToFloat((in[from + i] & 0xFFFF) << 16);
            }
        } else {
            widenF16Range(in, from - to, out, to, to + count);
        }
    }

    /**
     * F16 bits to F32, exactly, as {@link dev.nabla.backend.HalfPrecision#f16ToFloat} (NaN quieted,
     * payload kept): normals and Inf/NaN by re-biasing the exponent, subnormals as
     * {@code mantissa · 2^-24} (exact in F32).
     */
    static void widenF16(short[] in, float[] out, int count) {
        widenF16(in, 0, out, count);
    }

    /** {@code in[from, from + count)} widened into {@code out[0, count)}, split over the pool's threads. */
    static void widenF16(short[] in, int from, float[] out, int count) {
        CpuThreads.parallelRanges(count, CpuThreads.chunksFor(count), SHORTS.length(),
                (start, end) -> widenF16Range(in, from, out, start, end));
    }

    private static void widenF16Range(short[] in, int from, float[] out, int start, int end) {
        int i = start;
        for (int bound = start + SHORTS.loopBound(end - start); i < bound; i += SHORTS.length()) {
            IntVector bits = (IntVector) ShortVector.fromArray(SHORTS, in, from + i)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector magnitude = bits.and(0x7FFF);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector normal = shifted.add(0x3800_0000);
            // Inf keeps a zero mantissa; a NaN gets the quiet bit ORed in (its payload may hold it already).
            IntVector infinity = shifted.add(0x7000_0000);
            IntVector special = infinity.blend(infinity.or(0x0040_0000), magnitude.compare(VectorOperators.GT, 0x7C00));
            IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1p-24f)
                    .reinterpretAsInts();
            IntVector result = normal.blend(special, magnitude.compare(VectorOperators.GE, 0x7C00))
                    .blend(subnormal, magnitude.compare(VectorOperators.LT, 0x400));
            result.or(sign).reinterpretAsFloats().intoArray(out, i);
        }
        for (; i < end; i++) {
            out[i] = dev.nabla.backend.HalfPrecision.f16ToFloat(in[from + i]);
        }
    }
}
