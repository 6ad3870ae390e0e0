package dev.nabla.backend.reference;

import static dev.nabla.backend.reference.HeapStorage.floats;
import static dev.nabla.backend.reference.HeapStorage.ints;
import static dev.nabla.backend.reference.HeapStorage.shorts;

import dev.nabla.DType;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.HalfPrecision;
import dev.nabla.backend.Layout;
import dev.nabla.backend.MemoryStats;
import dev.nabla.backend.OptimizerStep;
import dev.nabla.backend.Philox;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;

/**
 * Plain scalar Java, written to be obviously right rather than fast: the oracle every other
 * backend is tested against, and the fallback where the Vector API is missing.
 *
 * <p>Accumulations (sums, dot products, log-sum-exp) run in double so that the oracle is more
 * accurate than the backends it judges. The class is open so the CPU backend can inherit the
 * operations it has not specialised.
 */
public class ReferenceBackend implements Backend {

    private final DeviceInfo info;
    private final HeapAllocator allocator = new HeapAllocator();

    public ReferenceBackend() {
        this(new DeviceInfo("reference", 0, "Reference (scalar Java)", DeviceInfo.Kind.CPU,
                "single-threaded scalar oracle, " + Runtime.version()));
    }

    protected ReferenceBackend(DeviceInfo info) {
        this.info = info;
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    // ---- memory -------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, long numel) {
        return allocator.allocate(dtype, numel);
    }

    @Override
    public void free(Storage storage) {
        allocator.free(storage);
    }

    @Override
    public MemoryStats memoryStats() {
        return allocator.stats();
    }

    @Override
    public void copyIn(float[] src, Storage dst) {
        System.arraycopy(src, 0, floats(dst), 0, src.length);
    }

    @Override
    public void copyIn(int[] src, Storage dst) {
        System.arraycopy(src, 0, ints(dst), 0, src.length);
    }

    @Override
    public void copyIn(short[] src, Storage dst) {
        System.arraycopy(src, 0, shorts(dst), 0, src.length);
    }

    @Override
    public void copyOut(Storage src, short[] dst) {
        System.arraycopy(shorts(src), 0, dst, 0, dst.length);
    }

    @Override
    public void copyOut(Storage src, float[] dst) {
        System.arraycopy(floats(src), 0, dst, 0, dst.length);
    }

    @Override
    public void copyOut(Storage src, int[] dst) {
        System.arraycopy(ints(src), 0, dst, 0, dst.length);
    }

    @Override
    public void copy(Storage src, Layout srcLayout, Storage dst) {
        long n = srcLayout.numel();
        switch (src.dtype()) {
            case F32 -> {
                float[] in = floats(src);
                float[] out = floats(dst);
                for (int i = 0; i < n; i++) {
                    out[i] = in[srcLayout.indexOf(i)];
                }
            }
            case I32 -> {
                int[] in = ints(src);
                int[] out = ints(dst);
                for (int i = 0; i < n; i++) {
                    out[i] = in[srcLayout.indexOf(i)];
                }
            }
            case BF16, F16 -> {
                short[] in = shorts(src);
                short[] out = shorts(dst);
                for (int i = 0; i < n; i++) {
                    out[i] = in[srcLayout.indexOf(i)];
                }
            }
        }
    }

    @Override
    public void copyInto(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        long n = srcLayout.numel();
        switch (src.dtype()) {
            case F32 -> {
                float[] in = floats(src);
                float[] out = floats(dst);
                for (int i = 0; i < n; i++) {
                    out[dstLayout.indexOf(i)] = in[srcLayout.indexOf(i)];
                }
            }
            case I32 -> {
                int[] in = ints(src);
                int[] out = ints(dst);
                for (int i = 0; i < n; i++) {
                    out[dstLayout.indexOf(i)] = in[srcLayout.indexOf(i)];
                }
            }
            case BF16, F16 -> {
                short[] in = shorts(src);
                short[] out = shorts(dst);
                for (int i = 0; i < n; i++) {
                    out[dstLayout.indexOf(i)] = in[srcLayout.indexOf(i)];
                }
            }
        }
    }

    /**
     * Any pair of dtypes, through F32: int to float rounds to nearest even (Java's cast, as C's),
     * 16-bit to F32 is exact, F32 to 16-bit is {@link HalfPrecision}, float to int is Java's
     * truncating, saturating cast with NaN to 0.
     */
    @Override
    public void cast(Storage src, Storage dst, long count) {
        if (src.dtype() == dst.dtype()) {
            copy(src, Layout.contiguous((int) count), dst);
            return;
        }
        int n = (int) count;
        float[] wide = new float[n];
        switch (src.dtype()) {
            case F32 -> System.arraycopy(floats(src), 0, wide, 0, n);
            case I32 -> {
                int[] in = ints(src);
                for (int i = 0; i < n; i++) {
                    wide[i] = in[i];
                }
            }
            case BF16, F16 -> {
                short[] in = shorts(src);
                for (int i = 0; i < n; i++) {
                    wide[i] = HalfPrecision.toFloat(src.dtype(), in[i]);
                }
            }
        }
        switch (dst.dtype()) {
            case F32 -> System.arraycopy(wide, 0, floats(dst), 0, n);
            case I32 -> {
                int[] out = ints(dst);
                for (int i = 0; i < n; i++) {
                    out[i] = (int) wide[i];
                }
            }
            case BF16, F16 -> {
                short[] out = shorts(dst);
                for (int i = 0; i < n; i++) {
                    out[i] = HalfPrecision.narrow(src.dtype(), dst.dtype(), wide[i]);
                }
            }
        }
    }

    @Override
    public void fill(Storage dst, float value, long count) {
        switch (dst.dtype()) {
            case F32 -> java.util.Arrays.fill(floats(dst), 0, (int) count, value);
            case I32 -> java.util.Arrays.fill(ints(dst), 0, (int) count, (int) value);
            case BF16, F16 -> java.util.Arrays.fill(shorts(dst), 0, (int) count, HalfPrecision.fillBits(dst.dtype(), value));
        }
    }

    // ---- element-wise -------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, float param, Storage src, Layout srcLayout, Storage dst) {
        float[] in = floats(src);
        float[] out = floats(dst);
        long n = srcLayout.numel();
        for (int i = 0; i < n; i++) {
            out[i] = op.apply(in[srcLayout.indexOf(i)], param);
        }
    }

    @Override
    public void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst) {
        float[] x = floats(a);
        float[] y = floats(b);
        float[] out = floats(dst);
        long n = aLayout.numel();
        for (int i = 0; i < n; i++) {
            out[i] = op.apply(x[aLayout.indexOf(i)], y[bLayout.indexOf(i)]);
        }
    }

    @Override
    public void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
                      Storage dst) {
        float[] c = floats(cond);
        float[] x = floats(a);
        float[] y = floats(b);
        float[] out = floats(dst);
        long n = condLayout.numel();
        for (int i = 0; i < n; i++) {
            out[i] = c[condLayout.indexOf(i)] != 0f ? x[aLayout.indexOf(i)] : y[bLayout.indexOf(i)];
        }
    }

    // ---- reductions ---------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Storage src, int outer, int extent, int inner, Storage dst) {
        float[] in = floats(src);
        float[] out = floats(dst);
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * extent * inner + j;
                if (op == ReduceOp.SUM) {
                    double sum = 0;
                    for (int r = 0; r < extent; r++) {
                        sum += in[base + r * inner];
                    }
                    out[o * inner + j] = (float) sum;
                } else {
                    float acc = op.identity();
                    for (int r = 0; r < extent; r++) {
                        acc = op.combine(acc, in[base + r * inner]);
                    }
                    out[o * inner + j] = acc;
                }
            }
        }
    }

    @Override
    public void argmax(Storage src, int outer, int extent, int inner, Storage dst) {
        float[] in = floats(src);
        int[] out = ints(dst);
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * extent * inner + j;
                int best = 0;
                float bestValue = in[base];
                for (int r = 1; r < extent; r++) {
                    float v = in[base + r * inner];
                    // NOTE: NaN wins, as in torch.argmax; otherwise the first maximum is kept.
                    if (!Float.isNaN(bestValue) && (v > bestValue || Float.isNaN(v))) {
                        best = r;
                        bestValue = v;
                    }
                }
                out[o * inner + j] = best;
            }
        }
    }

    // ---- matrix multiply ----------------------------------------------------------------

    @Override
    public void gemm(GemmSpec g) {
        if (g.halfOperands()) {
            halfGemm(g);
            return;
        }
        float[] a = floats(g.a());
        float[] b = floats(g.b());
        float[] c = floats(g.c());
        float[] bias = g.bias().map(HeapStorage::floats).orElse(null);
        for (int i = 0; i < g.m(); i++) {
            for (int j = 0; j < g.n(); j++) {
                double dot = 0;
                for (int p = 0; p < g.k(); p++) {
                    float av = g.transA() ? a[g.offsetA() + p * g.lda() + i] : a[g.offsetA() + i * g.lda() + p];
                    float bv = g.transB() ? b[g.offsetB() + j * g.ldb() + p] : b[g.offsetB() + p * g.ldb() + j];
                    dot += (double) av * bv;
                }
                double value = dot;
                if (bias != null) {
                    value += bias[j];
                }
                c[i * g.n() + j] = g.activation().apply((float) value);
            }
        }
    }

    /**
     * The same products with BF16/F16 (or mixed) operands, each element widened (exactly) where it
     * is read: no F32 copy of an operand is allocated, so the allocator's figures for a 16-bit
     * step count what the step holds (a widened copy of a 4096×4096 weight would be 67 MB).
     */
    private static void halfGemm(GemmSpec g) {
        java.util.function.IntToDoubleFunction a = elements(g.a());
        java.util.function.IntToDoubleFunction b = elements(g.b());
        java.util.function.IntToDoubleFunction bias = g.bias().map(ReferenceBackend::elements).orElse(null);
        float[] c = floats(g.c());
        for (int i = 0; i < g.m(); i++) {
            for (int j = 0; j < g.n(); j++) {
                double dot = 0;
                for (int p = 0; p < g.k(); p++) {
                    double av = a.applyAsDouble(g.transA() ? g.offsetA() + p * g.lda() + i : g.offsetA() + i * g.lda() + p);
                    double bv = b.applyAsDouble(g.transB() ? g.offsetB() + j * g.ldb() + p : g.offsetB() + p * g.ldb() + j);
                    dot += av * bv;
                }
                double value = dot;
                if (bias != null) {
                    value += (float) bias.applyAsDouble(j);
                }
                c[i * g.n() + j] = g.activation().apply((float) value);
            }
        }
    }

    private static java.util.function.IntToDoubleFunction elements(Storage s) {
        if (s.dtype() == DType.F32) {
            float[] values = floats(s);
            return i -> values[i];
        }
        short[] bits = shorts(s);
        DType dtype = s.dtype();
        return i -> HalfPrecision.toFloat(dtype, bits[i]);
    }

    // ---- indexing -----------------------------------------------------------------------

    @Override
    public void gather(Storage src, int rows, int cols, Storage indices, Storage dst) {
        float[] in = floats(src);
        int[] idx = ints(indices);
        float[] out = floats(dst);
        for (int i = 0; i < rows; i++) {
            out[i] = in[i * cols + idx[i]];
        }
    }

    @Override
    public void oneHot(Storage indices, int rows, int classes, Storage dst) {
        int[] idx = ints(indices);
        float[] out = floats(dst);
        java.util.Arrays.fill(out, 0, rows * classes, 0f);
        for (int i = 0; i < rows; i++) {
            out[i * classes + idx[i]] = 1f;
        }
    }

    // ---- random -------------------------------------------------------------------------

    @Override
    public void randomUniform(long seed, long offset, Storage dst, long count) {
        Philox.fillUniform(seed, offset, floats(dst), (int) count);
    }

    @Override
    public void randomNormal(long seed, long offset, Storage dst, long count) {
        Philox.fillNormal(seed, offset, floats(dst), (int) count);
    }

    // ---- fused numerics -----------------------------------------------------------------

    @Override
    public void crossEntropyForward(Storage logits, Storage labels, int rows, int classes, Storage loss,
                                    Storage rowStats) {
        float[] x = floats(logits);
        int[] y = ints(labels);
        float[] lossOut = floats(loss);
        float[] stats = floats(rowStats);
        for (int i = 0; i < rows; i++) {
            int base = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, x[base + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(x[base + j] - max);
            }
            double logSum = Math.log(sum);
            stats[2 * i] = (float) max;
            stats[2 * i + 1] = (float) logSum;
            lossOut[i] = (float) ((max - x[base + y[i]]) + logSum);
        }
    }

    @Override
    public void crossEntropyBackward(Storage logits, Storage labels, Storage rowStats, Storage gradLoss,
                                     int rows, int classes, Storage gradLogits) {
        float[] x = floats(logits);
        int[] y = ints(labels);
        float[] stats = floats(rowStats);
        float[] g = floats(gradLoss);
        float[] out = floats(gradLogits);
        for (int i = 0; i < rows; i++) {
            int base = i * classes;
            for (int j = 0; j < classes; j++) {
                double p = Math.exp(((double) x[base + j] - stats[2 * i]) - stats[2 * i + 1]);
                out[base + j] = (float) ((p - (j == y[i] ? 1.0 : 0.0)) * g[i]);
            }
        }
    }

    // ---- optimizers ---------------------------------------------------------------------

    @Override
    public void optimizerStep(OptimizerStep step, Storage param, Storage grad, Storage state1, Storage state2,
                              long count) {
        float[] p = floats(param);
        float[] g = floats(grad);
        switch (step) {
            case OptimizerStep.Sgd s -> {
                float[] buf = s.momentum() != 0f ? floats(state1) : null;
                for (int i = 0; i < count; i++) {
                    float d = g[i] + s.weightDecay() * p[i];
                    if (buf != null) {
                        buf[i] = s.firstStep() ? d : s.momentum() * buf[i] + (1f - s.dampening()) * d;
                        d = s.nesterov() ? d + s.momentum() * buf[i] : buf[i];
                    }
                    p[i] -= s.lr() * d;
                }
            }
            case OptimizerStep.Adam s -> {
                float[] m = floats(state1);
                float[] v = floats(state2);
                for (int i = 0; i < count; i++) {
                    float gi = g[i];
                    if (s.decoupled()) {
                        p[i] *= 1f - s.lr() * s.weightDecay();
                    } else {
                        gi += s.weightDecay() * p[i];
                    }
                    m[i] = s.beta1() * m[i] + (1f - s.beta1()) * gi;
                    v[i] = s.beta2() * v[i] + (1f - s.beta2()) * gi * gi;
                    float mHat = m[i] / s.biasCorrection1();
                    float vHat = v[i] / s.biasCorrection2();
                    p[i] -= s.lr() * mHat / ((float) Math.sqrt(vHat) + s.eps());
                }
            }
        }
    }
}
