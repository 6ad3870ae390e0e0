package dev.nabla.testing;

import dev.nabla.DType;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.reference.ReferenceBackend;

/**
 * A backend that implements exactly the SPI's abstract methods, the primitives, and nothing else:
 * every composite ({@code softmax}, {@code crossEntropyForward/Backward}, {@code optimizerStep}) runs
 * {@link Backend}'s default from {@link dev.nabla.backend.Composites}. The primitives delegate to the
 * reference backend, which is the oracle, so whatever differs from the oracle in the conformance
 * suite is the composites' doing.
 *
 * <p>It is the proof that the SPI's required part is enough: the conformance suite and the README's
 * example run on it ({@code PrimitivesOnlyConformanceTest}, {@code QuickstartTest}), and
 * {@code PrimitivesOnlyBackendTest} checks reflectively that it overrides no default method, so a
 * fused override added here by mistake fails a test instead of hiding a broken default.
 */
public final class PrimitivesOnlyBackend implements Backend {

    private final ReferenceBackend primitives = new ReferenceBackend();
    private final DeviceInfo info = new DeviceInfo("primitives", 0, "Primitives only (test backend)",
            DeviceInfo.Kind.CPU, "the SPI's required methods over the reference backend; composites by default");

    @Override
    public DeviceInfo info() {
        return info;
    }

    @Override
    public Storage allocate(DType dtype, long numel) {
        return primitives.allocate(dtype, numel);
    }

    @Override
    public void free(Storage storage) {
        primitives.free(storage);
    }

    @Override
    public MemoryStats memoryStats() {
        return primitives.memoryStats();
    }

    @Override
    public void copyIn(float[] src, Storage dst) {
        primitives.copyIn(src, dst);
    }

    @Override
    public void copyIn(int[] src, Storage dst) {
        primitives.copyIn(src, dst);
    }

    @Override
    public void copyOut(Storage src, float[] dst) {
        primitives.copyOut(src, dst);
    }

    @Override
    public void copyOut(Storage src, int[] dst) {
        primitives.copyOut(src, dst);
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst) {
        primitives.copy(src, srcLayout, dst);
    }

    @Override
    public void copyInto(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        primitives.copyInto(src, srcLayout, dst, dstLayout);
    }

    @Override
    public void cast(Storage src, Storage dst, long count) {
        primitives.cast(src, dst, count);
    }

    @Override
    public void fill(Storage dst, float value, long count) {
        primitives.fill(dst, value, count);
    }

    @Override
    public void unary(UnaryOp op, float param, Storage src, Layout srcLayout, Storage dst) {
        primitives.unary(op, param, src, srcLayout, dst);
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst) {
        primitives.binary(op, a, aLayout, b, bLayout, dst);
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst) {
        primitives.where(cond, condLayout, a, aLayout, b, bLayout, dst);
    }

    @Override
    public void reduce(ReduceOp op, Storage src, int outer, int extent, int inner, Storage dst) {
        primitives.reduce(op, src, outer, extent, inner, dst);
    }

    @Override
    public void argmax(Storage src, int outer, int extent, int inner, Storage dst) {
        primitives.argmax(src, outer, extent, inner, dst);
    }

    @Override
    public void gemm(GemmSpec spec) {
        primitives.gemm(spec);
    }

    @Override
    public void gather(Storage src, int rows, int cols, Storage indices, Storage dst) {
        primitives.gather(src, rows, cols, indices, dst);
    }

    @Override
    public void oneHot(Storage indices, int rows, int classes, Storage dst) {
        primitives.oneHot(indices, rows, classes, dst);
    }

    @Override
    public void randomUniform(long seed, long offset, Storage dst, long count) {
        primitives.randomUniform(seed, offset, dst, count);
    }

    @Override
    public void randomNormal(long seed, long offset, Storage dst, long count) {
        primitives.randomNormal(seed, offset, dst, count);
    }
}
