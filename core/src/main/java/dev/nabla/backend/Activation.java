package dev.nabla.backend;

/**
 * Activations a GEMM epilogue can apply after adding the bias.
 *
 * <p>Only the epilogues core fuses: {@code Tensor.linear} passes NONE or RELU (the
 * {@code Linear → ReLU} pair of an MLP), and every other activation runs as its own elementwise
 * {@link UnaryOp}. Adding one back means a case in each backend's GEMM epilogue and in
 * {@code activation_apply} in the kernels' {@code ops.c}; {@code EveryOpConformance} iterates
 * {@code Activation.values()}, so the new constant is tested on every backend automatically.
 */
public enum Activation {
    NONE, RELU;

    /** The scalar definition, the same as the matching {@link UnaryOp}. */
    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> UnaryOp.RELU.apply(x, 0f);
        };
    }
}
