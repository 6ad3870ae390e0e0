package dev.nabla.cpu;

import static dev.nabla.backend.reference.HeapStorage.floats;
import static dev.nabla.backend.reference.HeapStorage.ints;
import static dev.nabla.backend.reference.HeapStorage.shorts;

import dev.nabla.DType;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.reference.ReferenceBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jdk.incubator.vector.FloatVector;

/**
 * The Vector-API CPU backend. Storage, allocation and the rarely hot primitives (gather, one-hot,
 * random, cast) are inherited from {@link ReferenceBackend}; the hot ones are overridden with
 * vectorized, multithreaded kernels from the family classes of this package.
 */
public final class CpuBackend extends ReferenceBackend {

    private final StoragePool pool = new StoragePool();

    public CpuBackend() {
        super(describe());
        Warmup.start();
    }

    private static DeviceInfo describe() {
        // Creating a vector links the Vector API now, inside the provider's LinkageError guard.
        int lanes = FloatVector.zero(CpuFeatures.SPECIES).length();
        int threads = CpuThreads.threads();
        String model = cpuModel();
        String name = "CPU (Vector API, " + lanes + " floats x " + threads + " threads)";
        String description = (model.isEmpty() ? "" : model + "; ") + kernelSummary() + "; Java " + Runtime.version();
        return new DeviceInfo("cpu", 0, name, DeviceInfo.Kind.CPU, description);
    }

    /**
     * What the kernels were chosen for and how: ISA, vector width and registers, FMA or mul + add,
     * the SGEMM micro-kernel and block sizes, the cache sizes they came from. Shown by
     * {@code ./nabla devices} and in the {@code nabla bench} header.
     */
    public static String kernelSummary() {
        CpuFeatures features = CpuFeatures.CURRENT;
        Gemm.Blocking blocks = Gemm.DEFAULT_BLOCKING;
        return features.summary() + "; packed SGEMM " + Gemm.SHAPE.label(features.lanes()) + " micro-kernel, KC "
                + blocks.kc() + " MC " + blocks.mc() + " NC " + blocks.nc() + " from " + features.caches().summary();
    }

    /**
     * Whether the kernels use fused multiply-adds (false on CPUs or JVMs without FMA, where they
     * multiply and add instead); benchmarks probe the peak the same way.
     */
    public static boolean usesFma() {
        return CpuFeatures.FMA;
    }

    /** The instruction set the kernels were chosen for, e.g. {@code AVX2}, {@code AVX-512}, {@code SSE}. */
    public static String isa() {
        return CpuFeatures.CURRENT.isa();
    }

    /** The "model name" line of /proc/cpuinfo, or an empty string where there is none. */
    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    return colon < 0 ? "" : line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: the model is only decoration.
        }
        return "";
    }

    @Override
    public Storage allocate(DType dtype, long numel) {
        return pool.allocate(dtype, numel);
    }

    @Override
    public void free(Storage storage) {
        pool.free(storage);
    }

    @Override
    public MemoryStats memoryStats() {
        return pool.stats();
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst) {
        if (src.dtype() == DType.F32) {
            Elementwise.copy(floats(src), srcLayout, floats(dst));
        } else if (srcLayout.isContiguous() && src.dtype() == DType.I32) {
            System.arraycopy(ints(src), srcLayout.offset(), ints(dst), 0, (int) srcLayout.numel());
        } else if (srcLayout.isContiguous()) {
            System.arraycopy(shorts(src), srcLayout.offset(), shorts(dst), 0, (int) srcLayout.numel());
        } else {
            super.copy(src, srcLayout, dst);
        }
    }

    /**
     * Dense into dense (a block of rows placed into a larger tensor, a slice assignment, {@code cat})
     * is one {@code System.arraycopy}; other layouts go element by element as the reference does.
     * The element-wise loop cost 8 ns an element here: 38 % of a BF16 training step, whose weight
     * gradients are placed block by block.
     */
    @Override
    public void copyInto(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        if (src.dtype() == dst.dtype() && srcLayout.isContiguous() && dstLayout.isContiguous()
                && srcLayout.numel() == dstLayout.numel()) {
            Object in = switch (src.dtype()) {
                case F32 -> floats(src);
                case I32 -> ints(src);
                case BF16, F16 -> shorts(src);
            };
            Object out = switch (dst.dtype()) {
                case F32 -> floats(dst);
                case I32 -> ints(dst);
                case BF16, F16 -> shorts(dst);
            };
            System.arraycopy(in, srcLayout.offset(), out, dstLayout.offset(), (int) srcLayout.numel());
            return;
        }
        super.copyInto(src, srcLayout, dst, dstLayout);
    }

    @Override
    public void fill(Storage dst, float value, long count) {
        if (dst.dtype() == DType.F32) {
            Elementwise.fill(floats(dst), value, (int) count);
        } else {
            super.fill(dst, value, count);
        }
    }

    @Override
    public void unary(UnaryOp op, float param, Storage src, Layout srcLayout, Storage dst) {
        Elementwise.unary(op, param, floats(src), srcLayout, floats(dst));
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst) {
        Elementwise.binary(op, floats(a), aLayout, floats(b), bLayout, floats(dst));
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst) {
        Elementwise.where(floats(cond), condLayout, floats(a), aLayout, floats(b), bLayout, floats(dst));
    }

    @Override
    public void reduce(ReduceOp op, Storage src, int outer, int extent, int inner, Storage dst) {
        Reductions.reduce(op, floats(src), outer, extent, inner, floats(dst));
    }

    @Override
    public void argmax(Storage src, int outer, int extent, int inner, Storage dst) {
        Reductions.argmax(floats(src), outer, extent, inner, ints(dst));
    }

    @Override
    public void gemm(GemmSpec spec) {
        if (spec.halfOperands()) {
            gemmOfHalves(spec);
            return;
        }
        Gemm.gemm(spec);
    }

    /**
     * Probes only ({@code -Dnabla.gemm.widenOperands=true}): widen whole 16-bit operands before the
     * F32 GEMM, as before block-wise widening, to compare the two in one JVM.
     */
    static volatile boolean widenWholeOperands = Boolean.getBoolean("nabla.gemm.widenOperands");

    /**
     * 16-bit A and B. On the packed path (every product but tiny, one- or two-row and classifier
     * ones) the GEMM widens each KC×MC block of op(A) and KC×NC block of op(B) into a per-thread
     * buffer just before packing it: no F32 copy of an operand, and the widening reads each 16-bit
     * element while the packing's cache lines are hot. The other paths read their operands in
     * place, so there the elements the GEMM reads (from the operand's offset to its last row's last
     * column, not the whole storage: a batched matmul hands each product a slice of one block) are
     * widened into pooled F32 blocks first: O(mk + kn) extra work against O(mkn) and small products.
     */
    private void gemmOfHalves(GemmSpec spec) {
        java.util.List<Storage> temporaries = new java.util.ArrayList<>();
        try {
            boolean inPacking = !widenWholeOperands && Gemm.packs(spec);
            Storage a = inPacking ? spec.a() : widenedRegion(spec.a(), spec.offsetA(), spec.transA() ? spec.k() : spec.m(),
                    spec.transA() ? spec.m() : spec.k(), spec.lda(), temporaries);
            Storage b = inPacking ? spec.b() : widenedRegion(spec.b(), spec.offsetB(), spec.transB() ? spec.n() : spec.k(),
                    spec.transB() ? spec.k() : spec.n(), spec.ldb(), temporaries);
            java.util.Optional<Storage> bias = spec.bias().map(s -> widenedRegion(s, 0, 1, spec.n(), spec.n(), temporaries));
            int offsetA = a == spec.a() ? spec.offsetA() : 0;
            int offsetB = b == spec.b() ? spec.offsetB() : 0;
            Gemm.gemm(new GemmSpec(spec.transA(), spec.transB(), spec.m(), spec.n(), spec.k(), a, offsetA, spec.lda(),
                    b, offsetB, spec.ldb(), spec.c(), bias, spec.activation()));
        } finally {
            temporaries.forEach(this::free);
        }
    }

    /** Rows × cols with leading dimension {@code ld} from {@code offset}, widened to a new F32 block from 0; F32 as it is. */
    private Storage widenedRegion(Storage source, int offset, int rows, int cols, int ld, java.util.List<Storage> temporaries) {
        if (source.dtype() == DType.F32) {
            return source;
        }
        int count = rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
        Storage wide = allocate(DType.F32, Math.max(1, count));
        temporaries.add(wide);
        if (source.dtype() == DType.BF16) {
            Elementwise.widenBf16(shorts(source), offset, floats(wide), count);
        } else {
            Elementwise.widenF16(shorts(source), offset, floats(wide), count);
        }
        return wide;
    }

    /**
     * BF16 and F16 to and from F32 vectorized (the reference's bits: exact widening, narrowing to
     * nearest even); every other pair as the reference converts.
     */
    @Override
    public void cast(Storage src, Storage dst, long count) {
        if (src.dtype() == DType.BF16 && dst.dtype() == DType.F32) {
            Elementwise.widenBf16(shorts(src), floats(dst), (int) count);
        } else if (src.dtype() == DType.F16 && dst.dtype() == DType.F32) {
            Elementwise.widenF16(shorts(src), floats(dst), (int) count);
        } else if (src.dtype() == DType.F32 && dst.dtype() == DType.BF16) {
            Elementwise.narrowBf16(floats(src), shorts(dst), (int) count);
        } else if (src.dtype() == DType.F32 && dst.dtype() == DType.F16) {
            Elementwise.narrowF16(floats(src), shorts(dst), (int) count);
        } else {
            super.cast(src, dst, count);
        }
    }

    @Override
    public void crossEntropyForward(Storage logits, Storage labels, int rows, int classes, Storage loss,
                                    Storage rowStats) {
        SoftmaxCrossEntropy.forward(floats(logits), ints(labels), rows, classes, floats(loss), floats(rowStats));
    }

    @Override
    public void crossEntropyBackward(Storage logits, Storage labels, Storage rowStats, Storage gradLoss,
                                     int rows, int classes, Storage gradLogits) {
        SoftmaxCrossEntropy.backward(floats(logits), ints(labels), floats(rowStats), floats(gradLoss), rows, classes,
                floats(gradLogits));
    }

    @Override
    public void softmax(Storage src, int outer, int extent, int inner, boolean log, Storage dst) {
        if (inner == 1) {
            SoftmaxCrossEntropy.softmaxRows(floats(src), outer, extent, log, floats(dst));
        } else {
            // Softmax over a non-innermost axis is rare; the composite runs on the kernels above.
            super.softmax(src, outer, extent, inner, log, dst);
        }
    }

    @Override
    public void optimizerStep(OptimizerStep step, Storage param, Storage grad, Storage state1, Storage state2,
                              long count) {
        // A state the step does not use may be any storage (often the parameter itself): not touched.
        boolean adam = step instanceof OptimizerStep.Adam;
        boolean usesState1 = adam || ((OptimizerStep.Sgd) step).momentum() != 0f;
        Optimizers.step(step, floats(param), floats(grad), usesState1 ? floats(state1) : null,
                adam ? floats(state2) : null, (int) count);
    }
}
