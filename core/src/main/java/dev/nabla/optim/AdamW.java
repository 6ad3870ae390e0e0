package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.nn.Module;
import java.util.List;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW}: before the Adam update the
 * parameter is multiplied by {@code 1 − lr·λ}, and the gradient itself is not decayed. Default
 * {@code λ = 1e-2}.
 */
public final class AdamW extends Adam {

    /** AdamW with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public AdamW(List<Tensor> params) {
        this(params, 1e-3f);
    }

    public AdamW(Module module) {
        this(module.parameters());
    }

    public AdamW(List<Tensor> params, float lr) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, 1e-2f);
    }

    public AdamW(Module module, float lr) {
        this(module.parameters(), lr);
    }

    public AdamW(List<Tensor> params, float lr, float weightDecay) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, weightDecay);
    }

    /** AdamW with every option, in {@code torch.optim.AdamW}'s order. */
    public AdamW(List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super(params, lr, beta1, beta2, eps, weightDecay, true);
    }

    /** A builder starting from {@code torch.optim.AdamW}'s defaults (weight decay 1e-2). */
    public static Builder builder(List<Tensor> params) {
        return new Builder(params, 1e-2f, true);
    }
}
