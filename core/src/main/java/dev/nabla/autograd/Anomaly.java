package dev.nabla.autograd;

import dev.nabla.Tensor;

/**
 * Anomaly mode, as {@code torch.autograd.set_detect_anomaly}: while enabled, every recorded op
 * checks its output and the first one holding NaN or Inf throws, naming the op and shapes. It
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
}
