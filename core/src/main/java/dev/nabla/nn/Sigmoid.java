package dev.nabla.nn;

import dev.nabla.Tensor;

/** The logistic function {@code 1 / (1 + e^{−x})} in its overflow-free form, as {@code torch.nn.Sigmoid}. */
public final class Sigmoid extends Module {

    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }
}
