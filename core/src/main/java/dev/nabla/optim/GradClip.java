package dev.nabla.optim;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {

    private GradClip() {
    }

    /**
     * Scales the gradients of {@code params} in place so that their global L2 norm is at most
     * {@code maxNorm}, and returns the norm before clipping. As PyTorch, the factor is
     * {@code maxNorm / (total + 1e-6)}, applied only where it is below 1. Parameters without a
     * gradient are ignored; with none at all the norm is 0. A non-finite norm is returned as is
     * (and scales the gradients to NaN, as PyTorch does without {@code error_if_nonfinite}).
     */
    public static float clipGradNorm(List<Tensor> params, float maxNorm) {
        if (!(maxNorm >= 0f)) {
            throw new IllegalArgumentException("clipGradNorm: max norm must be non-negative, got " + maxNorm);
        }
        try (var ignored = NoGrad.open(); var scope = Scope.open()) {
            // One running sum per device, so a multi-device model syncs once per device.
            Map<Device, Tensor> sumOfSquares = new LinkedHashMap<>();
            for (Tensor p : params) {
                Optional<Tensor> grad = p.grad();
                if (grad.isPresent()) {
                    Tensor squares = grad.get().square().sum();
                    sumOfSquares.merge(p.device(), squares, Tensor::add);
                }
            }
            if (sumOfSquares.isEmpty()) {
                return 0f;
            }
            double total = 0;
            for (Tensor partial : sumOfSquares.values()) {
                total += partial.item();
            }
            float totalNorm = (float) Math.sqrt(total);
            float coefficient = maxNorm / (totalNorm + 1e-6f);
            if (coefficient < 1f || Float.isNaN(coefficient)) {
                for (Tensor p : params) {
                    Optional<Tensor> grad = p.grad();
                    if (grad.isPresent()) {
                        p.setGrad(grad.get().mul(coefficient));
                    }
                }
            }
            return totalNorm;
        }
    }
}
