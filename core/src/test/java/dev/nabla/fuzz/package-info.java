/**
 * A small property-based fuzzer for backends, written for Nabla (no jqwik: its notice asks AI
 * agents not to use it, and the project does not depend on it).
 *
 * <p>The idea is Hypothesis's "internal reduction": every random decision a generator makes is
 * an int drawn from a {@link dev.nabla.fuzz.Choices} sequence, recorded as it is drawn. A failing
 * case is therefore its choice sequence; replaying the sequence rebuilds it, and the
 * {@link dev.nabla.fuzz.Shrinker} makes it smaller by deleting, zeroing and lowering choices and
 * re-running, never by knowing what a program is. Generators ({@link dev.nabla.fuzz.Gen}) are
 * written so that smaller choices mean simpler cases: 0 stops a program, gives the smallest size,
 * the value 0, the contiguous layout.
 *
 * <p>The property ({@link dev.nabla.fuzz.BackendFuzzProperties}): a random {@link
 * dev.nabla.fuzz.Program} of public {@link dev.nabla.Tensor} operations over leaves with random
 * shapes (0- and 1-sized axes included) and layouts gives, on the backend under test, the forward
 * values, the leaves' gradients, and the same kind of exception as on the reference backend.
 * {@link dev.nabla.fuzz.Fuzzer} runs tries from a seed, shrinks the first failure, and reports it
 * as Java-like code with the line that replays it ({@link dev.nabla.fuzz.FuzzSettings}).
 */
package dev.nabla.fuzz;
