package dev.nabla.backend;

import dev.nabla.DType;

/**
 * Conversions between F32 and the 16-bit types, by integer bit manipulation, bit for bit as
 * PyTorch 1.13 converts on the CPU ({@code tensor.to(torch.bfloat16)}, {@code .to(torch.float16)}).
 * The shared GPU kernels ({@code elementwise.c}) do the same integer steps, so every backend
 * produces the same bits.
 *
 * <p>Rules, F32 to 16-bit: round to nearest, ties to even; a finite value past the largest finite
 * 16-bit value after rounding becomes ±Inf; F16 has subnormals down to 2^-24 and values at most
 * 2^-25 become ±0 (2^-25 itself is a tie, to the even 0); BF16 keeps F32's exponent, so only
 * rounding past {@code 0x7F7F} overflows. NaN: any NaN to F16 is {@code sign | 0x7E00} (payload
 * dropped). F32 NaN to BF16 is {@code 0xFFFF} whatever its sign: what PyTorch's vectorized CPU cast
 * writes. PyTorch's scalar {@code c10::BFloat16} writes {@code 0x7FC0} instead, and that is the
 * path its F16-to-BF16 cast and {@code torch.full(..., nan, dtype=torch.bfloat16)} take; Nabla
 * follows each path ({@link #narrow}, {@link #fillBits}).
 *
 * <p>16-bit to F32 is exact: BF16 is the upper half of the F32 bits (a NaN keeps its payload, even
 * a signalling one), F16 is re-biased, subnormals normalized, and a NaN gets F32's quiet bit with
 * its payload shifted up ({@code 0x7C01} becomes {@code 0x7FC02000}), as the x86 {@code vcvtph2ps}
 * PyTorch uses does.
 *
 * <p>NOTE: written with integer operations only, not {@link Float#floatToFloat16}: that one keeps
 * the NaN payload, and {@link Float#float16ToFloat} may or may not quiet a signalling NaN
 * depending on whether the JIT intrinsic runs.
 */
public final class HalfPrecision {

    /** The bits of BF16 NaN as PyTorch's CPU cast from F32 writes it. */
    public static final short BF16_NAN = (short) 0xFFFF;
    /** The bits of BF16 NaN as PyTorch's scalar conversion ({@code c10::BFloat16}) writes it. */
    public static final short BF16_SCALAR_NAN = (short) 0x7FC0;

    private HalfPrecision() {
    }

    /** F32 bits to BF16 bits, round to nearest even. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return BF16_NAN;
        }
        // Adding 0x7FFF plus the lowest kept bit rounds half to even; a carry may reach the
        // exponent (and past the largest finite value, to Inf), which is the right result.
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** BF16 bits to F32 (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** F32 to F16 bits, round to nearest even; overflow to ±Inf, underflow through subnormals to ±0. */
    public static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7FFF_FFFF;
        if (magnitude > 0x7F80_0000) {
            return (short) (sign | 0x7E00);
        }
        if (magnitude >= 0x477F_F000) {
            // 65520 is the tie between 65504 (odd mantissa) and 65536: rounds to Inf, as does anything above.
            return (short) (sign | 0x7C00);
        }
        if (magnitude >= 0x3880_0000) {
            // Normal: rebias the exponent (127 - 15 = 112) and round the 13 dropped bits half to even.
            int rebiased = magnitude - 0x3800_0000;
            return (short) (sign | ((rebiased + 0xFFF + ((rebiased >>> 13) & 1)) >>> 13));
        }
        if (magnitude <= 0x3300_0000) {
            // At most 2^-25, half the smallest subnormal: a tie at 2^-25 goes to the even 0.
            return (short) sign;
        }
        // Subnormal: the value is mantissa * 2^(exponent - 150); in units of 2^-24 that is a right shift.
        int exponent = magnitude >>> 23;
        int mantissa = (magnitude & 0x7F_FFFF) | 0x80_0000;
        int shift = 126 - exponent;
        int result = mantissa >>> shift;
        int remainder = mantissa & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (remainder > half || (remainder == half && (result & 1) != 0)) {
            result++;   // may become 0x400, the smallest normal: the right encoding
        }
        return (short) (sign | result);
    }

    /** F16 bits to F32 (exact). */
    public static float f16ToFloat(short half) {
        int bits = half & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(mantissa == 0 ? sign | 0x7F80_0000 : sign | 0x7FC0_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            // Subnormal: normalize so the leading 1 reaches bit 10.
            exponent = 1;
            while ((mantissa & 0x400) == 0) {
                mantissa <<= 1;
                exponent--;
            }
            mantissa &= 0x3FF;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** F32 to the bits of 16-bit {@code dtype} (BF16 or F16). */
    public static short fromFloat(DType dtype, float value) {
        return switch (dtype) {
            case BF16 -> floatToBf16(value);
            case F16 -> floatToF16(value);
            default -> throw new IllegalArgumentException("not a 16-bit type: " + dtype);
        };
    }

    /**
     * The bits of {@code value}, widened from {@code from}, as {@code to} (BF16 or F16): the
     * narrowing half of every cast. Only the BF16 NaN depends on the source: {@link #BF16_NAN} from
     * F32, {@link #BF16_SCALAR_NAN} from F16 (see the class comment).
     */
    public static short narrow(DType from, DType to, float value) {
        if (to == DType.BF16 && from == DType.F16 && Float.isNaN(value)) {
            return BF16_SCALAR_NAN;
        }
        return fromFloat(to, value);
    }

    /** The pattern {@code torch.full(shape, value, dtype=...)} writes (a BF16 NaN is {@link #BF16_SCALAR_NAN}). */
    public static short fillBits(DType dtype, float value) {
        if (dtype == DType.BF16 && Float.isNaN(value)) {
            return BF16_SCALAR_NAN;
        }
        return fromFloat(dtype, value);
    }

    /** The bits of 16-bit {@code dtype} (BF16 or F16) to F32. */
    public static float toFloat(DType dtype, short bits) {
        return switch (dtype) {
            case BF16 -> bf16ToFloat(bits);
            case F16 -> f16ToFloat(bits);
            default -> throw new IllegalArgumentException("not a 16-bit type: " + dtype);
        };
    }
}
