package dev.nabla.kernels.host;

/**
 * The size classes {@link CachingAllocator} bins device memory by: four classes per power of two,
 * so a block wastes at most 25 % and a freed block serves any later request of its class.
 */
public final class SizeClasses {

    private SizeClasses() {
    }

    /** The bytes a request of {@code bytes} occupies: at least {@code minimum}, else its class. */
    public static long of(long bytes, long minimum) {
        if (bytes <= minimum) {
            return minimum;
        }
        long power = Long.highestOneBit(bytes - 1); // power < bytes <= 2 * power
        long step = power / 4;
        return (bytes + step - 1) / step * step;
    }
}
