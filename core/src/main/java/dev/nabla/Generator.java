package dev.nabla;

/**
 * Where layers and dropout created without an explicit seed get theirs, as in PyTorch, where
 * {@code nn.Linear(784, 512)} draws from the global generator that {@code torch.manual_seed}
 * resets. {@code new Linear(784, 512)} takes {@link #nextSeed()}; after
 * {@code Generator.manualSeed(42)} the same sequence of layers is initialized the same way again.
 *
 * <p>The sequence is SplitMix64 over a 64-bit state, so consecutive seeds are unrelated even
 * though each draw only advances a counter. Like PyTorch's default generator it starts from a fixed
 * seed: a program that never calls {@link #manualSeed} is still reproducible. Constructors that
 * take a seed never touch it.
 */
public final class Generator {

    /** The seed before any {@link #manualSeed} call: PyTorch's default, {@code torch.initial_seed()}. */
    public static final long DEFAULT_SEED = 67280421310721L;

    private static long initial = DEFAULT_SEED;
    private static long state = DEFAULT_SEED;

    private Generator() {
    }

    /** Restarts the sequence from {@code seed}, as {@code torch.manual_seed(seed)}. */
    public static synchronized void manualSeed(long seed) {
        initial = seed;
        state = seed;
    }

    /** The seed the sequence last started from, as {@code torch.initial_seed()}. */
    public static synchronized long initialSeed() {
        return initial;
    }

    /** The next seed of the sequence (SplitMix64). */
    public static synchronized long nextSeed() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
