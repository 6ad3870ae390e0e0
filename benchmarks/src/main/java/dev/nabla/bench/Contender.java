package dev.nabla.bench;

/**
 * Something that runs workloads and times them: a Nabla device, or PyTorch / NumPy in a Python
 * process. The {@link Runner} interleaves contenders sample by sample, so a change in machine load
 * hits all of them alike and their ratios stay meaningful.
 */
public interface Contender extends AutoCloseable {

    /** Name in the table: a device id ({@code cpu:0}) or {@code torch} / {@code numpy}. */
    String name();

    /** One line about what runs: device description, library versions, threads. */
    String description();

    /** True for Nabla devices; false for the frameworks Nabla is compared with. */
    boolean isNabla();

    /**
     * Prepares {@code workload} (allocates inputs). Throws with a readable message if this
     * contender cannot run it; the runner records the message and goes on.
     */
    void setUp(Workload workload);

    /** Runs {@code calls} calls of the prepared workload back to back and returns the seconds they took, synchronized. */
    double time(int calls);

    /**
     * True while this contender's runtime is still compiling code (a JIT), which the warm-up waits
     * out: timings can look settled while a compiler thread holds one of few cores.
     */
    default boolean compiling() {
        return false;
    }

    /** Releases what {@link #setUp} allocated. */
    void tearDown();

    @Override
    default void close() {
    }
}
