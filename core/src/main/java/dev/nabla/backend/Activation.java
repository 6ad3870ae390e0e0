package dev.nabla.backend;

/** Activations a GEMM epilogue can apply after adding the bias. */
public enum Activation {
    NONE, RELU, GELU, TANH, SIGMOID;

    /** The scalar definition, the same as the matching {@link UnaryOp}. */
    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> UnaryOp.RELU.apply(x, 0f);
            case GELU -> UnaryOp.GELU.apply(x, 0f);
            case TANH -> UnaryOp.TANH.apply(x, 0f);
            case SIGMOID -> UnaryOp.SIGMOID.apply(x, 0f);
        };
    }
}
