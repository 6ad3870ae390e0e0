package dev.nabla.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.HalfPrecision;
import dev.nabla.backend.Storage;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * BF16 and F16 on one backend (a module subclasses this in a few lines, as
 * {@link BackendConformanceTest}): storage of two bytes an element, casts bit for bit as PyTorch
 * 1.13 (every 16-bit pattern, and rounding cases whose expected bits came from torch, with the
 * python line in a comment), fills, copies, and the ops on 16-bit tensors against the reference
 * backend with tolerances of one 16-bit rounding step.
 */
public abstract class HalfPrecisionConformance {

    private static final List<DType> HALVES = List.of(DType.BF16, DType.F16);

    /** The device under test; a subclass that cannot open one here assumes it away with the reason. */
    protected abstract Device device();

    private Device dev;
    private final Device ref = Device.reference();
    private final SplittableRandom random = new SplittableRandom(13);

    @BeforeEach
    void open() {
        dev = device();
    }

    // ---- torch's bits -------------------------------------------------------------------

    /** F32 inputs of the rounding tables: ties, max finite, overflow, subnormals, signed zero, NaN. */
    private static final int[] F32_BITS = {
        0x3F800000, 0x3F808000, 0x3F818000, 0x3F808001, 0x3F807FFF, 0x7F7FFFFF, 0x7F7F7FFF, 0x7F7F8000,
        0xFF7FFFFF, 0x80000000, 0x00000001, 0x00008000, 0x00018000, 0x00010000, 0x7F800000, 0xFF800000,
        0x7FC00000, 0xFFC00000, 0x7F800001, 0x40490FDB, 0x477FE000, 0x477FEFFF, 0x477FF000, 0x501502F9,
        0x33800000, 0x33000000, 0x33000001, 0x33C00000, 0x38800000, 0x387FF000, 0x387FE000, 0x3F801000,
        0x3F803000, 0xAEDBE6FF, 0x3DCCCCCD, 0xC2F6E979,
    };

    // torch 1.13: torch.tensor(F32_BITS, dtype=torch.int32).view(torch.float32).to(torch.bfloat16).view(torch.int16)
    private static final int[] F32_TO_BF16 = {
        0x3F80, 0x3F80, 0x3F82, 0x3F81, 0x3F80, 0x7F80, 0x7F7F, 0x7F80, 0xFF80, 0x8000, 0x0000, 0x0000,
        0x0002, 0x0001, 0x7F80, 0xFF80, 0xFFFF, 0xFFFF, 0xFFFF, 0x4049, 0x4780, 0x4780, 0x4780, 0x5015,
        0x3380, 0x3300, 0x3300, 0x33C0, 0x3880, 0x3880, 0x3880, 0x3F80, 0x3F80, 0xAEDC, 0x3DCD, 0xC2F7,
    };

    // torch 1.13: torch.tensor(F32_BITS, dtype=torch.int32).view(torch.float32).to(torch.float16).view(torch.int16)
    private static final int[] F32_TO_F16 = {
        0x3C00, 0x3C04, 0x3C0C, 0x3C04, 0x3C04, 0x7C00, 0x7C00, 0x7C00, 0xFC00, 0x8000, 0x0000, 0x0000,
        0x0000, 0x0000, 0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7E00, 0x4248, 0x7BFF, 0x7BFF, 0x7C00, 0x7C00,
        0x0001, 0x0000, 0x0001, 0x0002, 0x0400, 0x0400, 0x0400, 0x3C00, 0x3C02, 0x8000, 0x2E66, 0xD7B7,
    };

    private static final int[] I32_VALUES = {0, 1, -1, 257, 16777217, 2147483647, -2147483648, 65519, 65520, 70000,
        33554435};
    // torch 1.13: torch.tensor(I32_VALUES, dtype=torch.int32).to(torch.bfloat16).view(torch.int16)
    private static final int[] I32_TO_BF16 = {0x0000, 0x3F80, 0xBF80, 0x4380, 0x4B80, 0x4F00, 0xCF00, 0x4780, 0x4780,
        0x4789, 0x4C00};
    // torch 1.13: torch.tensor(I32_VALUES, dtype=torch.int32).to(torch.float16).view(torch.int16)
    private static final int[] I32_TO_F16 = {0x0000, 0x3C00, 0xBC00, 0x5C04, 0x7C00, 0x7C00, 0xFC00, 0x7BFF, 0x7C00,
        0x7C00, 0x7C00};

    private static final int[] F16_BITS = {0x3C01, 0x7BFF, 0x0001, 0x7E00, 0xFC00, 0x8001, 0x3555, 0x0400, 0xFE00, 0x7C01};
    // torch 1.13: torch.tensor(F16_BITS, dtype=torch.int16).view(torch.float16).to(torch.bfloat16).view(torch.int16)
    // (a NaN becomes 0x7FC0 on this path, c10::BFloat16's, not the 0xFFFF of the F32 cast)
    private static final int[] F16_TO_BF16 = {0x3F80, 0x4780, 0x3380, 0x7FC0, 0xFF80, 0xB380, 0x3EAB, 0x3880, 0x7FC0,
        0x7FC0};

    private static final int[] BF16_BITS = {0x4780, 0x3380, 0x7FC0, 0x3F81, 0x3300, 0x3301, 0xC77F, 0x0001, 0xFFC0,
        0x7F81};
    // torch 1.13: torch.tensor(BF16_BITS, dtype=torch.int16).view(torch.bfloat16).to(torch.float16).view(torch.int16)
    private static final int[] BF16_TO_F16 = {0x7C00, 0x0001, 0x7E00, 0x3C08, 0x0000, 0x0001, 0xFBF8, 0x0000, 0xFE00,
        0x7E00};
    // torch 1.13: ....view(torch.bfloat16).to(torch.int32) for the finite ones (torch's NaN to int is undefined
    // behaviour in C++; Nabla maps it to 0 as Java's cast does)
    private static final int[] BF16_TO_I32 = {65536, 0, 0, 1, 0, 0, -65280, 0, 0, 0};

    // ---- helpers ------------------------------------------------------------------------

    private static short[] shorts(int[] bits) {
        short[] out = new short[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = (short) bits[i];
        }
        return out;
    }

    private static int[] unsigned(short[] bits) {
        int[] out = new int[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = bits[i] & 0xFFFF;
        }
        return out;
    }

    private static int[] rawBits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    private static float[] floats(int[] bits) {
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = Float.intBitsToFloat(bits[i]);
        }
        return out;
    }

    private static short[] everyPattern() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        return all;
    }

    private static String hex(int[] bits) {
        StringBuilder text = new StringBuilder("[");
        for (int b : bits) {
            text.append(text.length() > 1 ? ", " : "").append(String.format("0x%04X", b));
        }
        return text.append(']').toString();
    }

    /**
     * The F32 value of an F16 pattern from its definition, in double arithmetic (an oracle
     * independent of the bit tricks under test); NaN as torch widens it: quiet bit set, payload kept.
     */
    private static int f16ToF32Bits(int half) {
        int sign = (half >> 15) & 1;
        int exponent = (half >> 10) & 0x1F;
        int mantissa = half & 0x3FF;
        if (exponent == 0x1F) {
            return (sign << 31) | (mantissa == 0 ? 0x7F800000 : 0x7FC00000 | (mantissa << 13));
        }
        double magnitude = exponent == 0 ? mantissa * Math.pow(2, -24) : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
        return Float.floatToRawIntBits((float) (sign == 1 ? -magnitude : magnitude));
    }

    private Tensor f32Bits(Device device, int[] bits) {
        return Tensor.of(device, floats(bits));
    }

    // ---- storage ------------------------------------------------------------------------

    @Test
    void sixteenBitStorageTakesTwoBytesAnElement() {
        Backend backend = dev.backend();
        for (DType dtype : HALVES) {
            long before = backend.memoryStats().bytesInUse();
            Storage storage = backend.allocate(dtype, 10_001);
            try {
                assertEquals(dtype, storage.dtype());
                assertEquals(20_002, storage.byteSize());
                // A caching allocator may round up to its size class, never to four bytes an element.
                long grown = backend.memoryStats().bytesInUse() - before;
                assertTrue(grown >= 20_002 && grown < 40_004, dtype + ": allocating 10,001 elements took " + grown
                        + " bytes");
            } finally {
                backend.free(storage);
            }
        }
    }

    @Test
    void rawBitsRoundTripThroughTheDevice() {
        for (DType dtype : HALVES) {
            short[] all = everyPattern();
            try (Tensor t = Tensor.ofBits(dev, dtype, all, 256, 256)) {
                assertEquals(dtype, t.dtype());
                assertArrayEquals(all, t.toBits(), dtype + ": bits changed on the way in or out");
            }
        }
    }

    // ---- casts --------------------------------------------------------------------------

    @Test
    void everyBf16PatternWidensExactlyAndNarrowsBack() {
        short[] all = everyPattern();
        try (Tensor bf16 = Tensor.ofBits(dev, DType.BF16, all); Tensor wide = bf16.to(DType.F32);
             Tensor back = wide.to(DType.BF16)) {
            int[] widened = rawBits(wide.toFloatArray());
            int[] narrowed = unsigned(back.toBits());
            for (int i = 0; i < all.length; i++) {
                // BF16 is the upper half of F32: widening is a shift, NaN payloads included.
                if (widened[i] != i << 16) {
                    fail(String.format("BF16 0x%04X widened to 0x%08X, expected 0x%08X", i, widened[i], i << 16));
                }
                boolean nan = (i & 0x7FFF) > 0x7F80;
                int expected = nan ? 0xFFFF : i;   // torch: every F32 NaN becomes 0xFFFF
                if (narrowed[i] != expected) {
                    fail(String.format("BF16 0x%04X -> F32 -> BF16 gave 0x%04X, expected 0x%04X", i, narrowed[i],
                            expected));
                }
            }
        }
    }

    @Test
    void everyF16PatternWidensExactlyAndNarrowsBack() {
        short[] all = everyPattern();
        try (Tensor f16 = Tensor.ofBits(dev, DType.F16, all); Tensor wide = f16.to(DType.F32);
             Tensor back = wide.to(DType.F16)) {
            int[] widened = rawBits(wide.toFloatArray());
            int[] narrowed = unsigned(back.toBits());
            for (int i = 0; i < all.length; i++) {
                int expectedWide = f16ToF32Bits(i);
                if (widened[i] != expectedWide) {
                    fail(String.format("F16 0x%04X widened to 0x%08X, expected 0x%08X", i, widened[i], expectedWide));
                }
                boolean nan = (i & 0x7FFF) > 0x7C00;
                int expected = nan ? (i & 0x8000) | 0x7E00 : i;   // torch: NaN keeps its sign, payload 0x200
                if (narrowed[i] != expected) {
                    fail(String.format("F16 0x%04X -> F32 -> F16 gave 0x%04X, expected 0x%04X", i, narrowed[i],
                            expected));
                }
            }
        }
    }

    @Test
    void f32RoundsToBf16AsTorchDoes() {
        try (Tensor x = f32Bits(dev, F32_BITS); Tensor y = x.to(DType.BF16)) {
            assertEquals(hex(F32_TO_BF16), hex(unsigned(y.toBits())));
        }
    }

    @Test
    void f32RoundsToF16AsTorchDoes() {
        try (Tensor x = f32Bits(dev, F32_BITS); Tensor y = x.to(DType.F16)) {
            assertEquals(hex(F32_TO_F16), hex(unsigned(y.toBits())));
        }
    }

    @Test
    void integersConvertThroughF32AsTorchDoes() {
        try (Tensor ints = Tensor.of(dev, I32_VALUES); Tensor bf16 = ints.to(DType.BF16);
             Tensor f16 = ints.to(DType.F16)) {
            assertEquals(hex(I32_TO_BF16), hex(unsigned(bf16.toBits())));
            assertEquals(hex(I32_TO_F16), hex(unsigned(f16.toBits())));
        }
        try (Tensor bf16 = Tensor.ofBits(dev, DType.BF16, shorts(BF16_BITS)); Tensor ints = bf16.to(DType.I32)) {
            assertArrayEquals(BF16_TO_I32, ints.toIntArray());
        }
    }

    @Test
    void sixteenBitTypesConvertIntoEachOtherAsTorchDoes() {
        try (Tensor f16 = Tensor.ofBits(dev, DType.F16, shorts(F16_BITS)); Tensor bf16 = f16.to(DType.BF16)) {
            assertEquals(hex(F16_TO_BF16), hex(unsigned(bf16.toBits())));
        }
        try (Tensor bf16 = Tensor.ofBits(dev, DType.BF16, shorts(BF16_BITS)); Tensor f16 = bf16.to(DType.F16)) {
            assertEquals(hex(BF16_TO_F16), hex(unsigned(f16.toBits())));
        }
    }

    /** Every pattern through every other cast, against the reference backend's bits. */
    @Test
    void everyPatternCastsAsOnTheReference() {
        short[] all = everyPattern();
        for (DType from : HALVES) {
            for (DType to : List.of(DType.BF16, DType.F16, DType.I32)) {
                if (to == from) {
                    continue;
                }
                try (Tensor onDevice = Tensor.ofBits(dev, from, all).to(to);
                     Tensor onReference = Tensor.ofBits(ref, from, all).to(to)) {
                    if (to == DType.I32) {
                        assertArrayEquals(onReference.toIntArray(), onDevice.toIntArray(), from + " -> " + to);
                    } else {
                        assertArrayEquals(onReference.toBits(), onDevice.toBits(), from + " -> " + to);
                    }
                }
            }
        }
    }

    @Test
    void fillsRoundOnceAsTorchFullDoes() {
        // torch.full((3,), v, dtype=torch.bfloat16 / torch.float16).view(torch.int16); for 65520 as F16
        // torch.full refuses ("cannot be converted without overflow") and the F32 cast gives 0x7C00
        float[] values = {0.1f, 1f, 65520f, Float.NaN, -0f, 1e-8f};
        int[] bf16 = {0x3DCD, 0x3F80, 0x4780, 0x7FC0, 0x8000, 0x322C};
        int[] f16 = {0x2E66, 0x3C00, 0x7C00, 0x7E00, 0x8000, 0x0000};
        for (int i = 0; i < values.length; i++) {
            try (Tensor b = Tensor.full(dev, DType.BF16, values[i], 3); Tensor h = Tensor.full(dev, DType.F16, values[i], 3)) {
                assertEquals(hex(new int[] {bf16[i], bf16[i], bf16[i]}), hex(unsigned(b.toBits())), "BF16 " + values[i]);
                assertEquals(hex(new int[] {f16[i], f16[i], f16[i]}), hex(unsigned(h.toBits())), "F16 " + values[i]);
            }
        }
        try (Tensor zeros = Tensor.zeros(dev, DType.BF16, 2, 3); Tensor ones = Tensor.ones(dev, DType.F16, 4)) {
            assertEquals(DType.BF16, zeros.dtype());
            assertArrayEquals(new float[6], zeros.toFloatArray());
            assertArrayEquals(new float[] {1, 1, 1, 1}, ones.toFloatArray());
        }
    }

    // ---- copies -------------------------------------------------------------------------

    @Test
    void stridedCopiesMoveBitsUnchanged() {
        for (DType dtype : HALVES) {
            short[] bits = new short[4 * 5 * 6];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = (short) random.nextInt(65536);
            }
            Tensor d = Tensor.ofBits(dev, dtype, bits, 4, 5, 6);
            Tensor r = Tensor.ofBits(ref, dtype, bits, 4, 5, 6);
            Function<Tensor, Tensor> views = t -> t.permute(2, 0, 1).slice(1, 1, 4).contiguous();
            assertArrayEquals(views.apply(r).toBits(), views.apply(d).toBits(), dtype + " permuted slice");
            // copyFrom into a strided destination, then cat
            Tensor target = Tensor.zeros(dev, dtype, 5, 8);
            target.slice(1, 2, 6).copyFrom(d.slice(0, 1, 2).reshape(5, 6).slice(1, 1, 5));
            Tensor targetRef = Tensor.zeros(ref, dtype, 5, 8);
            targetRef.slice(1, 2, 6).copyFrom(r.slice(0, 1, 2).reshape(5, 6).slice(1, 1, 5));
            assertArrayEquals(targetRef.toBits(), target.toBits(), dtype + " copyFrom into a strided view");
            Tensor joined = Tensor.cat(List.of(target, target.slice(0, 0, 2)), 0);
            assertEquals(dtype, joined.dtype());
            assertArrayEquals(Tensor.cat(List.of(targetRef, targetRef.slice(0, 0, 2)), 0).toBits(), joined.toBits());
            Tensor moved = d.to(ref);
            assertArrayEquals(bits, moved.toBits(), dtype + " to another device");
        }
    }

    @Test
    void copyFromConvertsTheSourceAsCopyUnderscoreDoes() {
        Tensor target = Tensor.zeros(dev, DType.BF16, 3);
        target.copyFrom(Tensor.of(dev, new float[] {0.1f, 1f, Float.POSITIVE_INFINITY}));
        assertEquals(hex(new int[] {0x3DCD, 0x3F80, 0x7F80}), hex(unsigned(target.toBits())));
    }

    // ---- ops on 16-bit tensors ----------------------------------------------------------

    private float[] uniform(int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    /** One rounding step of {@code dtype} at {@code magnitude}, plus a little for F32 kernels' own rounding. */
    private static float tolerance(DType dtype, float magnitude) {
        int mantissaBits = switch (dtype) {
            case BF16 -> 8;
            case F16 -> 11;
            default -> 22;
        };
        return (float) (Math.abs(magnitude) * Math.pow(2, -mantissaBits + 1) + 1e-6);
    }

    /** {@code op} on the device and on the reference from the same 16-bit inputs: same dtype, values within a step. */
    private void compare(String name, DType dtype, int[][] shapes, Function<Tensor[], Tensor> op, double scale) {
        compare(name, dtype, shapes, op, scale, 0f);
    }

    /**
     * As above, allowing {@code absolute} more: for sums of many terms whose result cancels to near
     * zero, where F32 summation order alone moves the result by more than its own rounding step.
     */
    private void compare(String name, DType dtype, int[][] shapes, Function<Tensor[], Tensor> op, double scale,
                         float absolute) {
        Tensor[] onDevice = new Tensor[shapes.length];
        Tensor[] onReference = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            int n = 1;
            for (int d : shapes[i]) {
                n *= d;
            }
            Tensor values = Tensor.of(ref, dtype, uniform(n, scale), shapes[i]);
            onReference[i] = values;
            onDevice[i] = values.to(dev);
        }
        Tensor expected = op.apply(onReference);
        Tensor actual = op.apply(onDevice);
        assertEquals(expected.dtype(), actual.dtype(), name + " " + dtype + ": result dtype");
        assertArrayEquals(expected.shape(), actual.shape(), name + " " + dtype + ": result shape");
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            DType resultType = expected.dtype() == DType.I32 ? DType.F32 : expected.dtype();
            if (!(Math.abs(e[i] - a[i]) <= tolerance(resultType, e[i]) + absolute)
                    && !(Float.isNaN(e[i]) && Float.isNaN(a[i]))) {
                fail(name + " " + dtype + " at " + i + ": expected " + e[i] + ", got " + a[i]);
            }
        }
    }

    @Test
    void elementwiseOpsMatchTheReference() {
        for (DType dtype : HALVES) {
            compare("exp", dtype, new int[][] {{17, 33}}, t -> t[0].exp(), 3);
            compare("tanh", dtype, new int[][] {{1025}}, t -> t[0].tanh(), 3);
            compare("gelu", dtype, new int[][] {{3, 17}}, t -> t[0].gelu(), 3);
            compare("relu of a transposed view", dtype, new int[][] {{17, 5}}, t -> t[0].t().relu(), 3);
            compare("mul(scalar)", dtype, new int[][] {{1025}}, t -> t[0].mul(3.5f), 3);
            compare("add, broadcast", dtype, new int[][] {{17, 33}, {33}}, t -> t[0].add(t[1]), 3);
            compare("div, broadcast", dtype, new int[][] {{17, 1}, {17, 33}}, t -> t[0].div(t[1].abs().add(0.5f)), 3);
            compare("maximum", dtype, new int[][] {{3, 17}, {3, 17}}, t -> t[0].maximum(t[1]), 3);
            compare("where", dtype, new int[][] {{17}, {17}, {17}}, t -> Tensor.where(t[0].gt(0f), t[1], t[2]), 3);
            compare("lt", dtype, new int[][] {{17}, {17}}, t -> t[0].lt(t[1]), 3);
        }
    }

    @Test
    void reductionsAccumulateInF32() {
        for (DType dtype : HALVES) {
            compare("sum", dtype, new int[][] {{1025}}, t -> t[0].sum(), 1);
            compare("sum rows", dtype, new int[][] {{17, 257}}, t -> t[0].sum(1), 1);
            compare("sum columns", dtype, new int[][] {{257, 17}}, t -> t[0].sum(0), 1);
            compare("mean", dtype, new int[][] {{33, 65}}, t -> t[0].mean(), 1);
            compare("max", dtype, new int[][] {{33, 65}}, t -> t[0].max(1, false), 1);
            compare("min", dtype, new int[][] {{33, 65}}, t -> t[0].min(), 1);
            compare("argmax", dtype, new int[][] {{33, 65}}, t -> t[0].argmax(1), 1);
            compare("softmax", dtype, new int[][] {{9, 129}}, t -> t[0].softmax(1), 5);
            compare("logSoftmax", dtype, new int[][] {{9, 129}}, t -> t[0].logSoftmax(-1), 5);
            compare("softmax over axis 0", dtype, new int[][] {{9, 7}}, t -> t[0].softmax(0), 5);
        }
        // 4096 ones of BF16 sum to 4096 in F32; a BF16 accumulator would stop at 256 (256 + 1 rounds to 256).
        try (Tensor ones = Tensor.ones(dev, DType.BF16, 4096); Tensor sum = ones.sum()) {
            assertEquals(DType.BF16, sum.dtype());
            assertEquals(4096f, sum.item());
        }
    }

    @Test
    void gatherMatmulAndCrossEntropyMatchTheReference() {
        for (DType dtype : HALVES) {
            int[] labels = {3, 0, 6, 6, 1};
            compare("gather", dtype, new int[][] {{5, 7}},
                    t -> t[0].gather(1, Tensor.of(t[0].device(), labels)), 3);
            compare("matmul", dtype, new int[][] {{9, 33}, {33, 17}}, t -> t[0].matmul(t[1]), 1);
            compare("matmul transposed", dtype, new int[][] {{33, 9}, {17, 33}}, t -> t[0].t().matmul(t[1].t()), 1);
            compare("linear", dtype, new int[][] {{9, 33}, {17, 33}, {17}}, t -> Tensor.linear(t[0], t[1], t[2]), 1);
            // each product of a batch reads a slice at an offset of one block; large enough to split the widening
            // (260 products of up to 1 each: F32 summation order may move a sum by ~260 · 2^-24 before rounding)
            compare("batched matmul", dtype, new int[][] {{2, 150, 260}, {2, 260, 40}}, t -> t[0].matmul(t[1]), 1,
                    260 * 0x1p-23f);
            compare("crossEntropy", dtype, new int[][] {{5, 7}},
                    t -> t[0].crossEntropy(Tensor.of(t[0].device(), labels)), 3);
        }
    }

    /**
     * The SPI's GEMM with 16-bit A and B, every transposition, operand offsets and padded leading
     * dimensions, edge tiles, bias and ReLU: the same F32 products as the reference computes from
     * the same bits (widened exactly), so only F32 summation order may differ.
     */
    @Test
    void gemmReadsSixteenBitOperandsWithF32Accumulation() {
        Backend device = dev.backend();
        Backend reference = ref.backend();
        int m = 67;
        int n = 70;
        int k = 33;
        for (DType dtype : HALVES) {
            for (int t = 0; t < 4; t++) {
                boolean transA = (t & 1) != 0;
                boolean transB = (t & 2) != 0;
                int lda = (transA ? m : k) + 3;
                int ldb = (transB ? k : n) + 5;
                int offsetA = 7;
                int offsetB = 2;
                short[] aBits = new short[offsetA + lda * (transA ? k : m)];
                short[] bBits = new short[offsetB + ldb * (transB ? n : k)];
                float[] source = uniform(Math.max(aBits.length, bBits.length), 2);
                for (int i = 0; i < aBits.length; i++) {
                    aBits[i] = HalfPrecision.fromFloat(dtype, source[i]);
                }
                for (int i = 0; i < bBits.length; i++) {
                    bBits[i] = HalfPrecision.fromFloat(dtype, source[source.length - 1 - i]);
                }
                float[] bias = uniform(n, 1);
                float[][] results = new float[2][];
                Backend[] backends = {reference, device};
                for (int b = 0; b < 2; b++) {
                    Backend backend = backends[b];
                    Storage a = backend.allocate(dtype, aBits.length);
                    Storage bm = backend.allocate(dtype, bBits.length);
                    Storage biasStorage = backend.allocate(DType.F32, n);
                    Storage c = backend.allocate(DType.F32, (long) m * n);
                    backend.copyIn(aBits, a);
                    backend.copyIn(bBits, bm);
                    backend.copyIn(bias, biasStorage);
                    backend.gemm(new GemmSpec(transA, transB, m, n, k, a, offsetA, lda, bm, offsetB,
                            ldb, c, Optional.of(biasStorage), Activation.RELU));
                    results[b] = new float[m * n];
                    backend.copyOut(c, results[b]);
                    for (Storage s : new Storage[] {a, bm, biasStorage, c}) {
                        backend.free(s);
                    }
                }
                for (int i = 0; i < m * n; i++) {
                    float e = results[0][i];
                    if (!(Math.abs(e - results[1][i]) <= 1e-5f * (1 + Math.abs(e)) * k)) {
                        fail(dtype + " gemm " + (transA ? "T" : "N") + (transB ? "T" : "N") + " at " + i + ": expected "
                                + e + ", got " + results[1][i]);
                    }
                }
            }
        }
    }

    @Test
    void promotionFollowsPyTorch() {
        Tensor bf16 = Tensor.of(dev, DType.BF16, new float[] {1, 2});
        Tensor f16 = Tensor.of(dev, DType.F16, new float[] {1, 2});
        Tensor f32 = Tensor.of(dev, new float[] {1, 2});
        assertEquals(DType.BF16, bf16.add(bf16).dtype());
        assertEquals(DType.F16, f16.mul(f16).dtype());
        assertEquals(DType.F32, bf16.add(f32).dtype());
        assertEquals(DType.F32, f32.sub(f16).dtype());
        assertEquals(DType.F32, bf16.add(f16).dtype(), "bfloat16 + float16 is float32 in PyTorch");
        assertEquals(DType.BF16, bf16.sum().dtype());
        assertEquals(DType.F16, f16.softmax(0).dtype());
        assertEquals(DType.I32, bf16.argmax(0).dtype());
        assertEquals(DType.F32, bf16.eq(bf16).dtype(), "comparisons give F32 masks, as for F32 inputs");
        assertArrayEquals(new float[] {2, 4}, bf16.add(f16).toFloatArray());
    }

    @Test
    void gradientsFlowThroughCasts() {
        // y = sum(bf16(x) * bf16(x)): dy/dx = 2·bf16(x), computed in F32 and cast back to F32 for x
        float[] values = {0.1f, -1.5f, 3f, 100.25f};
        Tensor x = Tensor.of(dev, values).requiresGrad();
        Tensor half = x.to(DType.BF16);
        Tensor y = half.mul(half).sum();
        assertEquals(DType.BF16, y.dtype());
        y.backward();
        Tensor grad = x.grad().orElseThrow();
        assertEquals(DType.F32, grad.dtype(), "the gradient of an F32 leaf is F32");
        float[] g = grad.toFloatArray();
        float[] rounded = half.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            assertEquals(2 * rounded[i], g[i], tolerance(DType.BF16, 2 * rounded[i]), "dy/dx at " + i);
        }
        // A 16-bit leaf gets a 16-bit gradient, as in PyTorch.
        Tensor leaf = Tensor.of(dev, DType.F16, new float[] {1, 2, 3}).requiresGrad();
        leaf.exp().sum().backward();
        Tensor leafGrad = leaf.grad().orElseThrow();
        assertEquals(DType.F16, leafGrad.dtype());
        float[] expected = Tensor.of(ref, DType.F16, new float[] {(float) Math.E, (float) Math.exp(2), (float) Math.exp(3)})
                .toFloatArray();
        float[] actual = leafGrad.toFloatArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i], actual[i], tolerance(DType.F16, expected[i]), "d exp(x)/dx at " + i);
        }
    }

    @Test
    void matmulOfSixteenBitOperandsHasSixteenBitGradients() {
        for (DType dtype : HALVES) {
            float[] xs = uniform(4 * 3, 2);
            float[] ws = uniform(3 * 5, 2);
            Tensor[] grads = new Tensor[4];
            Device[] devices = {ref, dev};
            for (int d = 0; d < 2; d++) {
                Tensor x = Tensor.of(devices[d], dtype, xs, 4, 3).requiresGrad();
                Tensor w = Tensor.of(devices[d], dtype, ws, 3, 5).requiresGrad();
                Tensor y = x.matmul(w);
                assertEquals(dtype, y.dtype());
                y.mul(y).sum().backward();
                grads[2 * d] = x.grad().orElseThrow();
                grads[2 * d + 1] = w.grad().orElseThrow();
            }
            for (int i = 0; i < 2; i++) {
                assertEquals(dtype, grads[2 + i].dtype());
                float[] e = grads[i].toFloatArray();
                float[] a = grads[2 + i].toFloatArray();
                for (int j = 0; j < e.length; j++) {
                    // two roundings to 16 bits on the way (y, then the gradient): two steps
                    assertEquals(e[j], a[j], 2 * tolerance(dtype, Math.abs(e[j]) + 1), dtype + " gradient " + i + "[" + j + "]");
                }
            }
        }
    }

    @Test
    void printingShowsWidenedValues() {
        Tensor t = Tensor.of(dev, DType.BF16, new float[] {0.5f, -2f});
        assertEquals("Tensor[2] BF16 " + dev + " [0.5, -2.0]", t.toString());
    }
}
