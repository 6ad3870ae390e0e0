package dev.nabla.nn;

import dev.nabla.Tensor;

/** {@code x · σ(x)} (also called swish), as {@code torch.nn.SiLU}. */
public final class SiLU extends Module {

    @Override
    public Tensor forward(Tensor x) {
        return x.mul(x.sigmoid());
    }
}
