package dev.nabla.kernels.host;

import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;

/** Fused SGD and Adam/AdamW updates, one pass over the parameter; see optimizers.c. */
public final class Optimizers {

    private Optimizers() {
    }

    public static void step(KernelLauncher kernels, OptimizerStep step, Storage param, Storage grad, Storage state1,
                     Storage state2, long count) {
        switch (step) {
            case OptimizerStep.Sgd s -> kernels.launchItems(KernelNames.SGD, count,
                    // Without momentum the buffer is not touched and may be any storage: pass the parameter.
                    param, grad, s.momentum() != 0f ? state1 : param, (int) count,
                    s.lr(), s.momentum(), s.dampening(), s.weightDecay(), s.nesterov() ? 1 : 0, s.firstStep() ? 1 : 0);
            case OptimizerStep.Adam s -> kernels.launchItems(KernelNames.ADAM, count,
                    param, grad, state1, state2, (int) count,
                    s.lr(), s.beta1(), s.beta2(), s.eps(), s.weightDecay(), s.decoupled() ? 1 : 0,
                    s.biasCorrection1(), s.biasCorrection2());
        }
    }
}
