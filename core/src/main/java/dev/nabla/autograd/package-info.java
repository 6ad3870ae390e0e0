/**
 * Reverse-mode automatic differentiation: graph nodes ({@link dev.nabla.autograd.Node}, records
 * of a sealed interface), all backward rules in one switch ({@link dev.nabla.autograd.Backward}),
 * no-grad blocks, anomaly mode, and function transforms ({@link dev.nabla.autograd.Autograd}:
 * grad, jacobian, jvp) with finite-difference checking ({@link dev.nabla.autograd.GradCheck}).
 *
 * <p>The tape lives here, above the backend SPI: backends never see it. Backward rules are written
 * with public tensor operations, so every backend runs them.
 */
package dev.nabla.autograd;
