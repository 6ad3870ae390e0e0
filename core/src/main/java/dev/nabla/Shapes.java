package dev.nabla;

import java.util.ArrayList;
import java.util.List;

/** Shape arithmetic shared by the tensor operations; the checks on shapes are in {@link Checks}. */
final class Shapes {

    private Shapes() {
    }

    /** Most elements one tensor may hold: every backend's kernels and allocators index them with 32-bit ints. */
    static final long MAX_NUMEL = Integer.MAX_VALUE;

    /**
     * The element count of {@code shape}, computed without overflow, for {@code op}'s error
     * messages; negative sizes (and reshape's {@code -1}) are skipped, left for {@link Checks} to
     * name. A shape with a 0-size axis has 0 elements whatever its other sizes.
     *
     * @throws IllegalArgumentException if the count exceeds {@link #MAX_NUMEL}, including counts that
     *                                  a {@code long} cannot hold
     */
    static long numel(String op, int[] shape) {
        return numel(op, shape, true);
    }

    /**
     * As {@link #numel(String, int[])}; without {@code allocated} (a stride-0 view such as
     * {@code expand}, which allocates nothing) only counts beyond a {@code long} are refused.
     */
    static long numel(String op, int[] shape, boolean allocated) {
        for (int d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                continue;
            }
            try {
                n = Math.multiplyExact(n, (long) d);
            } catch (ArithmeticException overflow) {
                throw new IllegalArgumentException(op + ": shape " + java.util.Arrays.toString(shape) + " has more"
                        + " elements than a long can count (2^63 - 1); Nabla tensors hold at most " + MAX_NUMEL
                        + " (2^31 - 1) elements: check the sizes");
            }
        }
        if (allocated && n > MAX_NUMEL) {
            throw new IllegalArgumentException(op + ": shape " + java.util.Arrays.toString(shape) + " has " + n
                    + " elements; Nabla tensors hold at most " + MAX_NUMEL + " (2^31 - 1) elements, as kernels"
                    + " index them with 32-bit ints: split the data into smaller tensors");
        }
        return n;
    }

    /** The shape after reducing {@code axes}: removed, or kept with size 1. */
    static int[] reduced(int[] shape, int[] axes, boolean keepDims) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            boolean reduced = false;
            for (int axis : axes) {
                reduced |= axis == i;
            }
            if (!reduced) {
                out.add(shape[i]);
            } else if (keepDims) {
                out.add(1);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code 0, 1, ..., rank − 1}. */
    static int[] allAxes(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        return axes;
    }

    /**
     * The product of the sizes before {@code axis}: with {@link #inner} the {@code [outer, extent,
     * inner]} view that the backend's axis kernels take.
     */
    static int outer(int[] shape, int axis) {
        int n = 1;
        for (int i = 0; i < axis; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** The product of the sizes after {@code axis}. */
    static int inner(int[] shape, int axis) {
        int n = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }
}
