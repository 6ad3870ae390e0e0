/**
 * The backend SPI: the small, family-grouped set of primitives every device implements
 * ({@link dev.nabla.backend.Backend}), the value types they exchange ({@link dev.nabla.backend.Layout},
 * {@link dev.nabla.backend.GemmSpec}, op enums with their scalar definitions), and the
 * {@link dev.nabla.backend.BackendProvider} that {@link java.util.ServiceLoader} finds, and
 * {@link dev.nabla.backend.NativeSignals}, which native backends wrap around the calls that load a
 * driver or build kernels so that the JVM keeps its signal handlers.
 *
 * <p>Invariant: backends never see autograd, never validate user input (core has done it), and
 * agree with the scalar definitions in the op enums to float precision; the conformance suite
 * holds them to it.
 */
package dev.nabla.backend;
