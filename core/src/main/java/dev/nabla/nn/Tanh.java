package dev.nabla.nn;

import dev.nabla.Tensor;

/** Hyperbolic tangent, as {@code torch.nn.Tanh}. */
public final class Tanh extends Module {

    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }
}
