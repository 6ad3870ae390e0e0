/**
 * Reverse-mode automatic differentiation: the engine ({@link dev.nabla.autograd.Tape}: recording,
 * topological order, gradient accumulation, anomaly checks), graph nodes
 * ({@link dev.nabla.autograd.Node}, records of a sealed interface), all backward rules in one
 * switch ({@link dev.nabla.autograd.Backward}), no-grad blocks, anomaly mode, and function
 * transforms ({@link dev.nabla.autograd.Autograd}: grad, jacobian, jvp) with finite-difference
 * checking ({@link dev.nabla.autograd.GradCheck}).
 *
 * <p>The tape lives here, above the backend SPI: backends never see it. Backward rules are written
 * with public tensor operations (the fused cross-entropy gradient too), so every backend runs
 * them. {@link dev.nabla.Tensor} validates, computes, and hands each result to
 * {@link dev.nabla.autograd.Tape#record}; the two still refer to each other, because a tensor's
 * public {@code gradFn()} is a {@code Node} and every node holds tensors.
 */
package dev.nabla.autograd;
