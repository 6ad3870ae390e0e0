package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.nn.Module;
import java.util.List;
import java.util.Map;

/**
 * Adam, as {@code torch.optim.Adam}: {@code g = grad + λ·p}, {@code m = β1·m + (1 − β1)·g},
 * {@code v = β2·v + (1 − β2)·g²}, {@code p −= lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)}, with
 * {@code t} counted per parameter. {@link AdamW} is the same update with decoupled weight decay.
 *
 * <p>NOTE: the bias corrections {@code 1 − βᵗ} are computed on the host in double precision and
 * passed to the kernel as floats, so every backend sees the same values.
 */
public class Adam extends Optimizer {

    /** Changed only by {@link #setMomentum} (a momentum-cycling schedule such as {@link OneCycleLR}). */
    private float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;

    /** Adam with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Tensor> params) {
        this(params, 1e-3f);
    }

    public Adam(Module module) {
        this(module.parameters());
    }

    public Adam(List<Tensor> params, float lr) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, 0f);
    }

    public Adam(Module module, float lr) {
        this(module.parameters(), lr);
    }

    /** Adam with every option, in {@code torch.optim.Adam}'s order. */
    public Adam(List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        this(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    Adam(List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super(params, lr, "exp_avg", "exp_avg_sq");
        String name = decoupled ? "AdamW" : "Adam";
        if (!(eps >= 0f)) {
            throw new IllegalArgumentException(name + ": Invalid epsilon value: " + eps);
        }
        if (!(beta1 >= 0f && beta1 < 1f)) {
            throw new IllegalArgumentException(name + ": Invalid beta parameter at index 0: " + beta1);
        }
        if (!(beta2 >= 0f && beta2 < 1f)) {
            throw new IllegalArgumentException(name + ": Invalid beta parameter at index 1: " + beta2);
        }
        if (!(weightDecay >= 0f)) {
            throw new IllegalArgumentException(name + ": Invalid weight_decay value: " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /** A builder starting from {@code torch.optim.Adam}'s defaults. */
    public static Builder builder(List<Tensor> params) {
        return new Builder(params, 0f, false);
    }

    @Override
    protected void update(int index, Tensor param, Tensor grad) {
        long t = paramStep(index);
        // NOTE: the betas as the decimals the user wrote (0.999, not 0.99900001287f), as PyTorch
        // computes 1 − β^t from Python doubles.
        double biasCorrection1 = 1.0 - Math.pow(Double.parseDouble(Float.toString(beta1)), t);
        double biasCorrection2 = 1.0 - Math.pow(Double.parseDouble(Float.toString(beta2)), t);
        fusedStep(new OptimizerStep.Adam(lr(), beta1, beta2, eps, weightDecay, decoupled,
                        (float) biasCorrection1, (float) biasCorrection2),
                param, grad, state(index, 0), state(index, 1));
    }

    @Override
    protected boolean savesParamSteps() {
        return true;
    }

    @Override
    public Map<String, Object> hyperParameters() {
        Map<String, Object> out = super.hyperParameters();
        out.put("betas", List.of(beta1, beta2));
        out.put("eps", eps);
        out.put("weight_decay", weightDecay);
        out.put("decoupled_weight_decay", decoupled);
        return out;
    }

    public float beta1() {
        return beta1;
    }

    /** Adam's momentum is β₁, as PyTorch's {@code OneCycleLR} cycles {@code betas[0]}. */
    @Override
    public boolean hasMomentum() {
        return true;
    }

    @Override
    public float momentum() {
        return beta1;
    }

    @Override
    public void setMomentum(float momentum) {
        this.beta1 = checkMomentum("beta1", momentum);
    }

    public float beta2() {
        return beta2;
    }

    public float eps() {
        return eps;
    }

    public float weightDecay() {
        return weightDecay;
    }

    /** True for {@link AdamW}: weight decay multiplies the parameter instead of joining the gradient. */
    public boolean decoupledWeightDecay() {
        return decoupled;
    }

    /** Options for {@link Adam} and {@link AdamW}; unset ones keep PyTorch's defaults. */
    public static final class Builder {
        private final List<Tensor> params;
        private final boolean decoupled;
        private float lr = 1e-3f;
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float eps = 1e-8f;
        private float weightDecay;

        Builder(List<Tensor> params, float weightDecay, boolean decoupled) {
            this.params = params;
            this.weightDecay = weightDecay;
            this.decoupled = decoupled;
        }

        public Builder lr(float lr) {
            this.lr = lr;
            return this;
        }

        public Builder betas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        public Builder eps(float eps) {
            this.eps = eps;
            return this;
        }

        public Builder weightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** An {@link Adam}, or an {@link AdamW} when the builder came from {@link AdamW#builder}. */
        public Adam build() {
            return decoupled ? new AdamW(params, lr, beta1, beta2, eps, weightDecay)
                    : new Adam(params, lr, beta1, beta2, eps, weightDecay);
        }
    }
}
