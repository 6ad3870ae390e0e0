package dev.nabla.backend;

/**
 * Hyper-parameters of one fused optimizer update, applied to every element of a parameter in a
 * single pass. Step-dependent factors (Adam's bias corrections) are computed on the host so that
 * kernels stay free of per-step state.
 */
public sealed interface OptimizerStep {

    /**
     * SGD as {@code torch.optim.SGD}: {@code g = grad + weightDecay·p}; with momentum
     * {@code buf = momentum·buf + (1 − dampening)·g} (on the first step {@code buf = g}); with
     * Nesterov {@code g = g + momentum·buf}, else {@code g = buf}; then {@code p -= lr·g}.
     */
    record Sgd(float lr, float momentum, float dampening, float weightDecay, boolean nesterov,
               boolean firstStep) implements OptimizerStep {
    }

    /**
     * Adam / AdamW as in PyTorch. Adam adds {@code weightDecay·p} to the gradient; AdamW
     * ({@code decoupled}) multiplies p by {@code 1 − lr·weightDecay} first. Then
     * {@code m = β1 m + (1−β1) g}, {@code v = β2 v + (1−β2) g²},
     * {@code p -= lr · (m / biasCorrection1) / (sqrt(v / biasCorrection2) + eps)}, where
     * {@code biasCorrection_i = 1 − β_i^step}.
     */
    record Adam(float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled,
                float biasCorrection1, float biasCorrection2) implements OptimizerStep {
    }
}
