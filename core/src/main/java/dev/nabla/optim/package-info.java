/**
 * Optimizers and learning-rate schedules, as {@code torch.optim}: {@link dev.nabla.optim.SGD}
 * (momentum, Nesterov, weight decay), {@link dev.nabla.optim.Adam}, {@link dev.nabla.optim.AdamW};
 * {@link dev.nabla.optim.StepLR}, {@link dev.nabla.optim.CosineAnnealingLR},
 * {@link dev.nabla.optim.LinearLR}, {@link dev.nabla.optim.LinearWarmup},
 * {@link dev.nabla.optim.SequentialLR}; and {@link dev.nabla.optim.GradClip}.
 *
 * <p>Invariants: an optimizer step is one fused backend update per parameter
 * ({@link dev.nabla.backend.Backend#optimizerStep}) run under no-grad, with step-dependent factors
 * (Adam's bias corrections) computed on the host in double; its state is named
 * {@code param.<index>.<name>} with PyTorch's names and restores bit for bit. Schedules are closed-form
 * functions of an epoch counter, so resuming is setting that counter.
 */
package dev.nabla.optim;
