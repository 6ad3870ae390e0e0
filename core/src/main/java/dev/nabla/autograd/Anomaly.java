package dev.nabla.autograd;

import dev.nabla.Tensor;

/**
 * Anomaly mode, as {@code torch.autograd.set_detect_anomaly}: while enabled, every forward op
 * checks its output (recorded or not) and every backward rule the gradients it computes; the first
 * NaN or Inf throws, naming the op (for a gradient, the forward op whose rule produced it) and
 * shapes. It
 * reads every output back to the host, so it is for debugging only. Enable it with
 * {@link #enable()} or the system property {@code nabla.anomaly=true}.
 */
public final class Anomaly {

    private static volatile boolean enabled = Boolean.getBoolean("nabla.anomaly");

    private Anomaly() {
    }

    public static void enable() {
        enabled = true;
    }

    public static void disable() {
        enabled = false;
    }

    public static boolean isEnabled() {
        return enabled;
    }

    /** Throws {@link ArithmeticException} if {@code output} of {@code node} holds NaN or Inf. */
    public static void check(Tensor output, Node node) {
        float[] values = output.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                StringBuilder inputs = new StringBuilder();
                for (Tensor input : node.inputs()) {
                    inputs.append(inputs.isEmpty() ? "" : ", ").append(java.util.Arrays.toString(input.shape()));
                }
                throw new ArithmeticException("anomaly: " + node.opName() + " produced " + values[i]
                        + " at flat index " + i + " of its output " + java.util.Arrays.toString(output.shape())
                        + " (inputs " + inputs + ")");
            }
        }
    }

    /**
     * Throws {@link ArithmeticException} if {@code gradient}, which the backward rule of
     * {@code node} computed for its input {@code input}, holds NaN or Inf.
     */
    public static void checkGradient(Tensor gradient, Node node, int input) {
        float[] values = gradient.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new ArithmeticException("anomaly: the backward of " + node.opName() + " produced " + values[i]
                        + " at flat index " + i + " of the gradient of its input " + input + ", shape "
                        + java.util.Arrays.toString(gradient.shape()) + " (is an input outside the op's domain,"
                        + " e.g. sqrt or log at 0?)");
            }
        }
    }
}
