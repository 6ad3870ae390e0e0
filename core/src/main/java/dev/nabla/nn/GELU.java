package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * Gaussian error linear unit with the exact erf form {@code x·Φ(x)}, as {@code torch.nn.GELU()}
 * (whose default is {@code approximate='none'}).
 */
public final class GELU extends Module {

    @Override
    public Tensor forward(Tensor x) {
        return x.gelu();
    }

    @Override
    protected String extraRepr() {
        return "approximate='none'";
    }
}
