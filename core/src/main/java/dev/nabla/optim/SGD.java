package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.nn.Module;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and (L2) weight
 * decay, as {@code torch.optim.SGD}:
 * {@code g = grad + λ·p}; with momentum {@code b = μ·b + (1 − τ)·g} ({@code b = g} on the first
 * step), then {@code g = g + μ·b} (Nesterov) or {@code g = b}; finally {@code p −= lr·g}.
 *
 * <pre>{@code
 * var sgd = SGD.builder(model.parameters(), 0.1f).momentum(0.9f).nesterov(true).build();
 * }</pre>
 */
public final class SGD extends Optimizer {

    /** Changed only by {@link #setMomentum} (a momentum-cycling schedule); 0 stays 0. */
    private float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;

    /** Plain SGD. */
    public SGD(List<Tensor> params, float lr) {
        this(params, lr, 0f, 0f, 0f, false);
    }

    /** Plain SGD over a module's parameters. */
    public SGD(Module module, float lr) {
        this(module.parameters(), lr);
    }

    /** SGD with momentum. */
    public SGD(List<Tensor> params, float lr, float momentum) {
        this(params, lr, momentum, 0f, 0f, false);
    }

    /** SGD with every option, in {@code torch.optim.SGD}'s order. */
    public SGD(List<Tensor> params, float lr, float momentum, float dampening, float weightDecay, boolean nesterov) {
        super(params, lr, momentum != 0f ? new String[] {"momentum_buffer"} : new String[0]);
        if (!(momentum >= 0f)) {
            throw new IllegalArgumentException("SGD: Invalid momentum value: " + momentum);
        }
        if (!(weightDecay >= 0f)) {
            throw new IllegalArgumentException("SGD: Invalid weight_decay value: " + weightDecay);
        }
        if (Float.isNaN(dampening)) {
            throw new IllegalArgumentException("SGD: Invalid dampening value: " + dampening);
        }
        if (nesterov && (momentum <= 0f || dampening != 0f)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening"
                    + " (got momentum " + momentum + ", dampening " + dampening + ")");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    /** A builder starting from {@code torch.optim.SGD}'s defaults (no momentum, no decay). */
    public static Builder builder(List<Tensor> params, float lr) {
        return new Builder(params, lr);
    }

    @Override
    protected void update(int index, Tensor param, Tensor grad) {
        if (momentum == 0f) {
            fusedStep(new OptimizerStep.Sgd(lr(), 0f, dampening, weightDecay, false, false), param, grad, null, null);
            return;
        }
        // NOTE: the first step copies the gradient into the buffer without dampening, as PyTorch.
        boolean firstStep = !hasState(index, 0);
        Tensor buffer = state(index, 0);
        fusedStep(new OptimizerStep.Sgd(lr(), momentum, dampening, weightDecay, nesterov, firstStep),
                param, grad, buffer, null);
    }

    @Override
    public Map<String, Object> hyperParameters() {
        Map<String, Object> out = super.hyperParameters();
        out.put("momentum", momentum);
        out.put("dampening", dampening);
        out.put("weight_decay", weightDecay);
        out.put("nesterov", nesterov);
        return out;
    }

    @Override
    public float momentum() {
        return momentum;
    }

    /** True if built with a momentum: only then are there momentum buffers to carry a changed one. */
    @Override
    public boolean hasMomentum() {
        return momentum != 0f;
    }

    /** A new momentum for the next steps; an SGD built without momentum has none to change. */
    @Override
    public void setMomentum(float momentum) {
        if (!hasMomentum()) {
            super.setMomentum(momentum);
        }
        // 0 would switch update() to the buffer-less path; a cycling schedule never goes there
        if (momentum == 0f) {
            throw new IllegalArgumentException("SGD.setMomentum: an SGD with momentum cannot be set to 0 (its"
                    + " momentum buffers would stop being used); build it without momentum instead");
        }
        this.momentum = checkMomentum("momentum", momentum);
    }

    public float dampening() {
        return dampening;
    }

    public float weightDecay() {
        return weightDecay;
    }

    public boolean nesterov() {
        return nesterov;
    }

    /** Options for {@link SGD}; unset ones keep PyTorch's defaults. */
    public static final class Builder {
        private final List<Tensor> params;
        private final float lr;
        private float momentum;
        private float dampening;
        private float weightDecay;
        private boolean nesterov;

        private Builder(List<Tensor> params, float lr) {
            this.params = params;
            this.lr = lr;
        }

        public Builder momentum(float momentum) {
            this.momentum = momentum;
            return this;
        }

        public Builder dampening(float dampening) {
            this.dampening = dampening;
            return this;
        }

        public Builder weightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        public SGD build() {
            return new SGD(params, lr, momentum, dampening, weightDecay, nesterov);
        }
    }
}
