package dev.nabla.cpu;

import dev.nabla.backend.HalfPrecision;
import org.junit.jupiter.api.Test;

/**
 * The vectorized F32 → BF16 and F32 → F16 casts against the scalar definitions in
 * {@link HalfPrecision} (which the cast tables pin to PyTorch's bits), bit for bit: one in every
 * 251 of all 2³² float bit patterns (both signs, every exponent, NaNs, Inf, subnormals), plus every
 * pattern within 4,096 of each F16 and BF16 boundary (rounding ties, the largest finite values, the
 * overflow threshold, the smallest subnormals, the normal/subnormal edge).
 */
class NarrowingTest {

    @Test
    void vectorNarrowingGivesTheScalarBitsForEveryKindOfFloat() {
        int stride = 251;
        int count = (int) ((1L << 32) / stride);
        float[] values = new float[count];
        long pattern = 0;
        for (int i = 0; i < count; i++, pattern += stride) {
            values[i] = Float.intBitsToFloat((int) pattern);
        }
        check(values);
        int[] edges = {0x0000_0000, 0x3300_0000, 0x3380_0000, 0x33C0_0000, 0x3880_0000, 0x387F_E000, 0x477F_E000,
            0x477F_F000, 0x4780_0000, 0x7F7F_FFFF, 0x7F80_0000, 0x7F80_0001, 0x7FC0_0000, 0x3F80_8000, 0x3F81_8000,
            0x0080_0000, 0x007F_FFFF};
        float[] near = new float[edges.length * 2 * 8192];
        int n = 0;
        for (int edge : edges) {
            for (int sign : new int[] {0, 0x8000_0000}) {
                for (int d = -4096; d < 4096; d++) {
                    near[n++] = Float.intBitsToFloat((edge + d) ^ sign);
                }
            }
        }
        check(near);
    }

    private static void check(float[] values) {
        short[] bf16 = new short[values.length];
        short[] f16 = new short[values.length];
        Elementwise.narrowBf16(values, bf16, values.length);
        Elementwise.narrowF16(values, f16, values.length);
        for (int i = 0; i < values.length; i++) {
            short expectedBf16 = HalfPrecision.floatToBf16(values[i]);
            short expectedF16 = HalfPrecision.floatToF16(values[i]);
            if (bf16[i] != expectedBf16 || f16[i] != expectedF16) {
                throw new AssertionError(String.format("float bits 0x%08X: bf16 0x%04X (scalar 0x%04X), f16 0x%04X (scalar 0x%04X)",
                        Float.floatToRawIntBits(values[i]), bf16[i], expectedBf16, f16[i], expectedF16));
            }
        }
    }
}
