package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * {@code x} where positive, {@code negativeSlope · x} elsewhere, as {@code torch.nn.LeakyReLU}
 * (default slope 0.01). The gradient at 0 is the slope, as PyTorch's.
 */
public final class LeakyReLU extends Module {

    private final float negativeSlope;

    public LeakyReLU() {
        this(0.01f);
    }

    public LeakyReLU(float negativeSlope) {
        if (!Float.isFinite(negativeSlope)) {
            throw new IllegalArgumentException("LeakyReLU: negative_slope must be finite, got " + negativeSlope);
        }
        this.negativeSlope = negativeSlope;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Tensor.where(x.gt(0f), x, x.mul(negativeSlope));
    }

    public float negativeSlope() {
        return negativeSlope;
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + LayerNorm.pythonFloat(negativeSlope);
    }
}
