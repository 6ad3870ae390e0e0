package dev.nabla.backend;

/**
 * Elementwise operations of one F32 input. Some take a scalar parameter ({@link #POW},
 * {@link #MUL_SCALAR}, {@link #ADD_SCALAR}); the others ignore it.
 *
 * <p>{@link #apply(float, float)} is the scalar definition every backend must agree with; the
 * reference backend calls it directly, and the conformance suite compares the others to it.
 */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, ABS, TANH, SIGMOID, RELU, GELU, SQUARE, RECIPROCAL, LOG1P, EXPM1,
    /** {@code x^p}. */
    POW,
    /** {@code x * p}. */
    MUL_SCALAR,
    /** {@code x + p}. */
    ADD_SCALAR;

    /** The scalar definition of this op. */
    public float apply(float x, float p) {
        return switch (this) {
            case NEG -> -x;
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case ABS -> Math.abs(x);
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case RELU -> x > 0f ? x : 0f;
            case GELU -> gelu(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1f / x;
            case LOG1P -> (float) Math.log1p(x);
            case EXPM1 -> (float) Math.expm1(x);
            case POW -> pow(x, p);
            case MUL_SCALAR -> x * p;
            case ADD_SCALAR -> x + p;
        };
    }

    /** NOTE: stable form: exp is only ever taken of a non-positive number, so it cannot overflow. */
    public static float sigmoid(float x) {
        if (x >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-x)));
        }
        double e = Math.exp(x);
        return (float) (e / (1.0 + e));
    }

    /**
     * GELU as PyTorch defines it by default: {@code x Φ(x)}, with {@code Φ(x) = 0.5 erfc(−x/√2)}.
     * NOTE: erfc rather than {@code 1 + erf}, which cancels to nothing for {@code x ≪ 0}; the
     * kernels ({@code ops.c}) use the same form, so every backend computes one formula.
     */
    public static float gelu(float x) {
        return (float) (x * normalCdf(x));
    }

    /** d/dx GELU(x) = Φ(x) + x φ(x). */
    public static float geluGrad(float x) {
        double pdf = Math.exp(-0.5 * (double) x * x) * INV_SQRT_2PI;
        return (float) (normalCdf(x) + x * pdf);
    }

    /** Φ(x), the standard normal CDF, accurate in relative terms in both tails. */
    private static double normalCdf(float x) {
        return 0.5 * erfc(-x * INV_SQRT2);
    }

    /** {@code x^p} with the integer-power cases exact (Math.pow is correctly rounded for them). */
    public static float pow(float x, float p) {
        if (p == 2f) {
            return x * x;
        }
        if (p == 1f) {
            return x;
        }
        return (float) Math.pow(x, p);
    }

    private static final double INV_SQRT2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    /**
     * erfc(x) from the Chebyshev fit in Numerical Recipes (§6.2, fractional error below 1.2e-7 for
     * all x, finer than float resolution), then {@code erfc(−x) = 2 − erfc(x)}. The JDK has no
     * erfc; GPU kernels use erfcf, which agrees to float precision.
     */
    public static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double tail = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? tail : 2.0 - tail;
    }

    /** erf(x) = 1 − erfc(x). */
    public static double erf(double x) {
        return 1.0 - erfc(x);
    }
}
