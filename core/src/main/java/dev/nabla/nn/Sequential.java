package dev.nabla.nn;

import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Modules applied one after another, as {@code torch.nn.Sequential}. The children are named
 * {@code "0"}, {@code "1"}, ..., so the first layer's weight is {@code "0.weight"}.
 */
public final class Sequential extends Module {

    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... modules) {
        for (Module module : modules) {
            add(module);
        }
    }

    public Sequential(List<? extends Module> modules) {
        for (Module module : modules) {
            add(module);
        }
    }

    /** Appends {@code module} under the next index; returns this. */
    public Sequential add(Module module) {
        registerModule(Integer.toString(layers.size()), module);
        layers.add(module);
        return this;
    }

    /** The {@code index}-th module. */
    public Module get(int index) {
        return layers.get(index);
    }

    /** The number of modules. */
    public int size() {
        return layers.size();
    }

    /** The modules in order; unmodifiable. */
    public List<Module> layers() {
        return List.copyOf(layers);
    }

    /**
     * Runs the layers in order. A {@link Linear} directly followed by a {@link ReLU} runs as one
     * GEMM with the ReLU in its epilogue ({@link Linear#forwardRelu}): the same numbers and
     * gradients, one pass over the activations and one tensor fewer.
     */
    @Override
    public Tensor forward(Tensor x) {
        Tensor out = x;
        for (int i = 0; i < layers.size(); i++) {
            Module layer = layers.get(i);
            // Not under anomaly mode: it checks each op's output, and a fused ReLU would hide a
            // NaN or -Inf the linear part produced.
            if (layer instanceof Linear linear && i + 1 < layers.size() && layers.get(i + 1) instanceof ReLU
                    && !dev.nabla.autograd.Anomaly.isEnabled()) {
                out = linear.forwardRelu(out);
                i++;
            } else {
                out = layer.forward(out);
            }
        }
        return out;
    }
}
