package dev.nabla.kernels.host;

import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.kernels.KernelSource;
import java.util.Arrays;

/**
 * The shared kernels index with {@code int} (OpenCL C and CUDA C alike), so an element count, an
 * element index or a launch's global size above {@link Integer#MAX_VALUE} would wrap around on the
 * device: a wrong result or a fault far from its cause. {@link KernelBackend} checks here, on the
 * host, before anything is queued, and throws an {@link IllegalArgumentException} naming the
 * operation, the shape and the limit.
 */
public final class IndexLimits {

    /** The largest element count or index a kernel can address. */
    public static final long LIMIT = Integer.MAX_VALUE;

    private IndexLimits() {
    }

    /** {@code op} on a tensor of shape {@code dims}: their product must be at most {@link #LIMIT}. */
    public static void elements(String op, long... dims) {
        long product = 1;
        boolean saturated = false;
        for (long d : dims) {
            if (d == 0) {
                return;
            }
            if (product > Long.MAX_VALUE / d) {
                saturated = true;
                product = Long.MAX_VALUE;
            } else {
                product *= d;
            }
        }
        if (product > LIMIT) {
            throw tooLarge(op, "shape " + Arrays.toString(dims) + " has "
                    + (saturated ? "more than " + Long.MAX_VALUE : String.valueOf(product)) + " elements");
        }
    }

    /** {@code op} reading or writing through {@code layout}: its count and its largest index. */
    public static void layout(String op, Layout layout) {
        int[] shape = layout.shape();
        long[] dims = new long[shape.length];
        long largest = layout.offset();
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
            if (shape[i] == 0) {
                return;
            }
            largest += (long) (shape[i] - 1) * Math.abs((long) layout.strides()[i]);
        }
        elements(op, dims);
        if (largest > LIMIT) {
            throw tooLarge(op, "shape " + Arrays.toString(shape) + " with strides " + Arrays.toString(layout.strides())
                    + " and offset " + layout.offset() + " reaches element " + largest);
        }
    }

    /** A GEMM: each of A, B and C must be addressable ({@code C} is m×n, contiguous). */
    public static void gemm(GemmSpec g) {
        elements("gemm C", g.m(), g.n());
        long aRows = g.transA() ? g.k() : g.m();
        long bRows = g.transB() ? g.n() : g.k();
        if (aRows > 0 && g.offsetA() + (aRows - 1) * (long) g.lda() + g.lda() > LIMIT) {
            throw tooLarge("gemm A", "m=" + g.m() + ", k=" + g.k() + ", lda=" + g.lda() + ", offset " + g.offsetA()
                    + " reaches past element " + LIMIT);
        }
        if (bRows > 0 && g.offsetB() + (bRows - 1) * (long) g.ldb() + g.ldb() > LIMIT) {
            throw tooLarge("gemm B", "k=" + g.k() + ", n=" + g.n() + ", ldb=" + g.ldb() + ", offset " + g.offsetB()
                    + " reaches past element " + LIMIT);
        }
    }

    private static IllegalArgumentException tooLarge(String op, String what) {
        return new IllegalArgumentException(op + ": " + what + ", more than the GPU kernels' int index limit of "
                + LIMIT + " (2^31 - 1); split the tensor or use the CPU backend");
    }

    /** {@code launcher}, with each launch's global size checked against {@link #LIMIT} first. */
    public static KernelLauncher guard(KernelLauncher launcher) {
        return new KernelLauncher() {
            @Override
            public void launchItems(String name, long items, Object... args) {
                long block = KernelSource.BLOCK_SIZE;
                if (items > LIMIT || (items + block - 1) / block * block > LIMIT) {
                    throw tooLarge(name, items + " work-items (" + block + " per group)");
                }
                launcher.launchItems(name, items, args);
            }

            @Override
            public void launchGroups(String name, long groups, Object... args) {
                // Row kernels index rows by group id (the row's size is checked by the caller).
                if (groups > LIMIT) {
                    throw tooLarge(name, groups + " groups");
                }
                launcher.launchGroups(name, groups, args);
            }

            @Override
            public void launchGrid(String name, long groupsX, long groupsY, int localX, int localY, Object... args) {
                if (groupsX * localX > LIMIT || groupsY * localY > LIMIT) {
                    throw tooLarge(name, "a grid of " + groupsX + "×" + groupsY + " groups of " + localX + "×" + localY);
                }
                launcher.launchGrid(name, groupsX, groupsY, localX, localY, args);
            }
        };
    }
}
