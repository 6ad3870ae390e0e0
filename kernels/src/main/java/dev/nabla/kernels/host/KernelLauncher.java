package dev.nabla.kernels.host;

/**
 * How a GPU backend launches one kernel of the shared source: by name (from
 * {@link dev.nabla.kernels.KernelNames}), with its arguments in the kernel's order. Arguments are
 * the backend's own {@link dev.nabla.backend.Storage} (passed as the device buffer), {@code Integer},
 * {@code Float} or {@code int[]} (a packed {@code StridedLayout} struct).
 *
 * <p>The family classes of this package are written once against this interface, so the OpenCL
 * and CUDA backends marshal every kernel's arguments identically: one host-side dispatch for one
 * kernel source.
 */
public interface KernelLauncher {

    /** One work-item per element: {@code items} rounded up to whole work-groups of the standard size. */
    void launchItems(String name, long items, Object... args);

    /** {@code groups} work-groups of the standard size (one group per row for the row kernels). */
    void launchGroups(String name, long groups, Object... args);

    /** A 2-D grid of {@code groupsX × groupsY} work-groups of {@code localX × localY} items. */
    void launchGrid(String name, long groupsX, long groupsY, int localX, int localY, Object... args);
}
