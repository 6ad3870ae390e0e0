package dev.nabla.kernels.host;

import dev.nabla.DType;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.HalfPrecision;
import dev.nabla.backend.Layout;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import dev.nabla.kernels.KernelNames;
import dev.nabla.kernels.StridedLayouts;

/**
 * Element-wise family: unary, binary, where, strided copies, casts and fills. Layouts are
 * coalesced first, so a contiguous or simply broadcast operand reaches the kernel with rank 1 or 2.
 */
public final class Elementwise {

    private Elementwise() {
    }

    public static void unary(KernelLauncher kernels, UnaryOp op, float param, Storage src, Layout layout, Storage dst) {
        Layout[] l = StridedLayouts.coalesce(layout);
        kernels.launchItems(KernelNames.unary(op), layout.numel(),
                src, StridedLayouts.pack(l[0]), dst, (int) layout.numel(), param);
    }

    public static void binary(KernelLauncher kernels, BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout,
                       Storage dst) {
        Layout[] l = StridedLayouts.coalesce(aLayout, bLayout);
        kernels.launchItems(KernelNames.binary(op), aLayout.numel(),
                a, StridedLayouts.pack(l[0]), b, StridedLayouts.pack(l[1]), dst, (int) aLayout.numel());
    }

    public static void where(KernelLauncher kernels, Storage cond, Layout condLayout, Storage a, Layout aLayout,
                      Storage b, Layout bLayout, Storage dst) {
        Layout[] l = StridedLayouts.coalesce(condLayout, aLayout, bLayout);
        kernels.launchItems(KernelNames.WHERE, condLayout.numel(), cond, StridedLayouts.pack(l[0]),
                a, StridedLayouts.pack(l[1]), b, StridedLayouts.pack(l[2]), dst, (int) condLayout.numel());
    }

    /** Gathers a strided layout into contiguous {@code dst} (the contiguous case is a buffer copy, see the backend). */
    public static void copy(KernelLauncher kernels, Storage src, Layout layout, Storage dst) {
        Layout[] l = StridedLayouts.coalesce(layout);
        kernels.launchItems(KernelNames.copy(src.dtype()), layout.numel(),
                src, StridedLayouts.pack(l[0]), dst, (int) layout.numel());
    }

    public static void copyInto(KernelLauncher kernels, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        Layout[] l = StridedLayouts.coalesce(srcLayout, dstLayout);
        kernels.launchItems(KernelNames.copyInto(src.dtype()), srcLayout.numel(),
                src, StridedLayouts.pack(l[0]), dst, StridedLayouts.pack(l[1]), (int) srcLayout.numel());
    }

    /**
     * Any pair of distinct dtypes, through the F32 bits; float to int truncates toward zero and
     * saturates like Java's cast, F32 to 16-bit rounds as {@link dev.nabla.backend.HalfPrecision}.
     */
    public static void cast(KernelLauncher kernels, Storage src, Storage dst, long count) {
        kernels.launchItems(KernelNames.cast(src.dtype(), dst.dtype()), count, src, dst, (int) count);
    }

    public static void fill(KernelLauncher kernels, Storage dst, float value, long count) {
        switch (dst.dtype()) {
            case F32 -> kernels.launchItems(KernelNames.fill(DType.F32), count, dst, value, (int) count);
            case I32 -> kernels.launchItems(KernelNames.fill(DType.I32), count, dst, (int) value, (int) count);
            // The pattern is rounded here, by the same rule as the cast kernels.
            case BF16, F16 -> kernels.launchItems(KernelNames.fill(dst.dtype()), count, dst,
                    HalfPrecision.fillBits(dst.dtype(), value) & 0xFFFF, (int) count);
        }
    }
}
