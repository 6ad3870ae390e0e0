package dev.nabla.nn;

import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * {@code block(x) + x}: a skip connection around {@code block}, whose output must have the input's
 * shape. The building block of residual MLPs (see {@link ResMlp}); PyTorch users write it as a
 * two-line module, here it is one so that {@code Sequential} can hold it and the state dict names
 * the block's parameters {@code block.*}.
 */
public final class Residual extends Module {

    private final Module block;

    public Residual(Module block) {
        this.block = registerModule("block", block);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = block.forward(x);
        if (!Arrays.equals(y.shape(), x.shape())) {
            throw new IllegalArgumentException("Residual: the block maps shape " + Arrays.toString(x.shape()) + " to "
                    + Arrays.toString(y.shape()) + "; a skip connection needs the same shape out as in");
        }
        return y.add(x);
    }

    public Module block() {
        return block;
    }
}
