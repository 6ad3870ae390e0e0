package dev.nabla.kernels.host;

import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;

/**
 * Reductions along the middle axis of {@code [outer, extent, inner]}: a work-group per output when
 * the reduced elements are adjacent ({@code inner == 1}), a work-item per output otherwise.
 */
public final class Reductions {

    private Reductions() {
    }

    public static void reduce(KernelLauncher kernels, ReduceOp op, Storage src, int outer, int extent, int inner, Storage dst) {
        if (inner == 1) {
            kernels.launchGroups(KernelNames.reduceRows(op), outer, src, dst, extent);
        } else {
            kernels.launchItems(KernelNames.reduceColumns(op), (long) outer * inner, src, dst, outer, extent, inner);
        }
    }

    public static void argmax(KernelLauncher kernels, Storage src, int outer, int extent, int inner, Storage dst) {
        if (inner == 1) {
            kernels.launchGroups(KernelNames.ARGMAX_ROWS, outer, src, dst, extent);
        } else {
            kernels.launchItems(KernelNames.ARGMAX_COLUMNS, (long) outer * inner, src, dst, outer, extent, inner);
        }
    }
}
