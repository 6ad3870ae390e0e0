package dev.nabla.backend;

/**
 * Entry point of a backend module, found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.nabla.backend.BackendProvider}).
 *
 * <p>{@link #probe()} must not throw: a missing native library or driver becomes a
 * {@link Probe#unavailable reason}. {@link #open} is called at most once per device index; the
 * returned backend lives for the rest of the process.
 */
public interface BackendProvider {

    /** Short lowercase name used in device strings: {@code cpu}, {@code opencl}, {@code cuda}. */
    String name();

    /**
     * Order in which {@code Device.auto()} tries providers for GPUs: lower first. CPU-only
     * providers are the fallback whatever their priority.
     */
    int priority();

    /** The devices this provider can open, or why it has none. */
    Probe probe();

    /** Opens device {@code index} (an index from {@link #probe()}). */
    Backend open(int index);
}
