package dev.nabla.backend;

/**
 * Elementwise operations of two F32 inputs, broadcast by layout strides. Comparisons yield masks of
 * 1.0 and 0.0. {@link #RELU_GRAD} and {@link #GELU_GRAD} are the fused backward rules of the
 * activations: {@code (x, upstream) -> upstream * f'(x)}.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, POW, EQ, NE, LT, LE, GT, GE,
    /** {@code x > 0 ? g : 0}. */
    RELU_GRAD,
    /** {@code g * GELU'(x)}. */
    GELU_GRAD;

    /** The scalar definition of this op. */
    public float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            // NOTE: like torch.maximum, NaN in either input propagates.
            case MAXIMUM -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
            case MINIMUM -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.min(a, b);
            case POW -> (float) Math.pow(a, b);
            case EQ -> a == b ? 1f : 0f;
            case NE -> a != b ? 1f : 0f;
            case LT -> a < b ? 1f : 0f;
            case LE -> a <= b ? 1f : 0f;
            case GT -> a > b ? 1f : 0f;
            case GE -> a >= b ? 1f : 0f;
            case RELU_GRAD -> a > 0f ? b : 0f;
            case GELU_GRAD -> b * UnaryOp.geluGrad(a);
        };
    }

    /** True for the ops whose result is a 0/1 mask. */
    public boolean isComparison() {
        return switch (this) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
    }
}
