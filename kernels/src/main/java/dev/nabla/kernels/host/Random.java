package dev.nabla.kernels.host;

import dev.nabla.backend.Storage;
import dev.nabla.kernels.KernelNames;

/** Philox4x32-10 uniforms (bit-identical to {@link dev.nabla.backend.Philox}) and Box–Muller normals. */
public final class Random {

    private Random() {
    }

    public static void uniform(KernelLauncher kernels, long seed, long offset, Storage dst, long count) {
        launch(kernels, KernelNames.PHILOX_UNIFORM, seed, offset, dst, count);
    }

    public static void normal(KernelLauncher kernels, long seed, long offset, Storage dst, long count) {
        launch(kernels, KernelNames.PHILOX_NORMAL, seed, offset, dst, count);
    }

    /** One work-item per block of four numbers; 64-bit seed and offset travel as (lo, hi) uint pairs. */
    private static void launch(KernelLauncher kernels, String name, long seed, long offset, Storage dst, long count) {
        kernels.launchItems(name, (count + 3) / 4, dst, (int) count,
                (int) seed, (int) (seed >>> 32), (int) offset, (int) (offset >>> 32));
    }
}
