package dev.nabla.nn;

import dev.nabla.Tensor;

/** Rectified linear unit, {@code max(x, 0)}, as {@code torch.nn.ReLU}. */
public final class ReLU extends Module {

    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
