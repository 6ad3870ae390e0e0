package dev.nabla;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Layout;
import dev.nabla.backend.Storage;
import java.util.Optional;

/**
 * How {@code matmul} and {@code linear} become one backend GEMM: transposed views are passed as
 * transposed operands with their leading dimension instead of being copied, and only a layout
 * GEMM cannot read (a slice with gaps, a broadcast) is made dense first. The arguments are
 * checked by {@link Checks} before they get here.
 */
final class GemmDispatch {

    private GemmDispatch() {
    }

    /**
     * {@code a [m, k] @ b [k, n]}, a new tensor of their dtype outside the graph. 16-bit operands
     * go to the backend as they are (F32 products and sums there, an F32 C), and C is rounded
     * once to their dtype, as PyTorch's BF16 matmul.
     */
    static Tensor matmul(Tensor a, Tensor b) {
        if (a.dtype().isHalf()) {
            return halfProduct(a, b, Optional.empty(), Activation.NONE);
        }
        Tensor out = Tensor.empty(a.device(), DType.F32, a.size(0), b.size(1));
        into(a, b, Optional.empty(), Activation.NONE, out);
        return out;
    }

    /** {@code activation(x · weightᵀ + bias)}, a new tensor outside the graph. */
    static Tensor linear(Tensor x, Tensor weight, Tensor bias, Activation activation) {
        // A 16-bit bias is widened here (n elements): the epilogue adds in F32 on every backend.
        Tensor denseBias = bias.dtype() == DType.F32 ? bias.dense() : bias.toType(DType.F32);
        Tensor weightT = weight.transposedView(0, 1);
        Tensor result;
        if (x.dtype().isHalf()) {
            result = halfProduct(x, weightT, Optional.of(denseBias.storage()), activation);
        } else {
            result = Tensor.empty(x.device(), DType.F32, x.size(0), weight.size(0));
            into(x, weightT, Optional.of(denseBias.storage()), activation, result);
        }
        weightT.close();
        closeIfCopy(bias, denseBias);
        return result;
    }

    /**
     * {@code a @ b} for 16-bit {@code a} and {@code b}, each element rounded to their dtype as
     * {@link #matmul} rounds it, and handed back widened to F32: the value {@code matmul(a, b).to(F32)}
     * has, bit for bit, without a 16-bit result beside the F32 one. For the gradient of an autocast
     * parameter cast, which goes straight back to its F32 parameter (a 4096×4096 BF16 weight
     * gradient is 34 MB that would otherwise sit beside the 67 MB F32 one). Outside the graph.
     */
    static Tensor roundedProductInF32(Tensor a, Tensor b) {
        int m = a.size(0);
        int n = b.size(1);
        DType dtype = a.dtype();
        Tensor result = Tensor.empty(a.device(), DType.F32, m, n);
        // Blocks of a sixteenth of the result (at most HALF_PRODUCT_BLOCK, at least 64 Ki elements),
        // so the 6 bytes per element of a block stay small beside the 4 of the result.
        long blockElements = Math.min(HALF_PRODUCT_BLOCK, Math.max(1 << 16, (long) m * n / 16));
        int rows = (int) Math.max(1, blockElements / Math.max(1, n));
        Backend backend = a.device().backend();
        for (int r0 = 0; r0 < m; r0 += rows) {
            int r1 = Math.min(m, r0 + rows);
            try (Tensor aRows = a.rowsView(r0, r1);
                 Tensor block = Tensor.empty(a.device(), DType.F32, r1 - r0, n);
                 Tensor target = result.rowsView(r0, r1)) {
                into(aRows, b, Optional.empty(), Activation.NONE, block);
                try (Tensor rounded = block.toType(dtype)) {
                    // widened back into the F32 block itself (cast writes from element 0), then placed
                    backend.cast(rounded.storage(), block.storage(), block.numel());
                }
                Kernels.copyInto(block, block.layout(), target, false);
            }
        }
        return result;
    }

    /**
     * F32 elements of the F32 block a 16-bit product is computed in before rounding (4 MiB):
     * larger products run in row blocks of about this size.
     */
    static final int HALF_PRODUCT_BLOCK = 1 << 20;

    /**
     * {@code activation(a @ b + bias)} for 16-bit {@code a} and {@code b}: the backend's GEMM writes
     * F32 (the SPI's C), rounded once to their dtype. A product larger than
     * {@link #HALF_PRODUCT_BLOCK} runs in blocks of rows of {@code a}, each rounded into its rows of
     * the result, so its peak is the 16-bit result plus one F32 block, not an F32 copy of the whole
     * result (67 MB beside the 34 MB result for a 4096×4096 weight gradient, issue 13).
     */
    private static Tensor halfProduct(Tensor a, Tensor b, Optional<Storage> bias, Activation activation) {
        int m = a.size(0);
        int n = b.size(1);
        DType dtype = a.dtype();
        if ((long) m * n <= HALF_PRODUCT_BLOCK) {
            Tensor out = Tensor.empty(a.device(), DType.F32, m, n);
            into(a, b, bias, activation, out);
            Tensor rounded = out.toType(dtype);
            out.close();
            return rounded;
        }
        Tensor result = Tensor.empty(a.device(), dtype, m, n);
        int rows = Math.max(1, HALF_PRODUCT_BLOCK / Math.max(1, n));
        for (int r0 = 0; r0 < m; r0 += rows) {
            int r1 = Math.min(m, r0 + rows);
            try (Tensor aRows = a.rowsView(r0, r1);
                 Tensor block = Tensor.empty(a.device(), DType.F32, r1 - r0, n);
                 Tensor target = result.rowsView(r0, r1)) {
                into(aRows, b, bias, activation, block);
                try (Tensor rounded = block.toType(dtype)) {
                    Kernels.copyInto(rounded, rounded.layout(), target, false);
                }
            }
        }
        return result;
    }

    /** Runs {@code out = a @ b (+ bias)} choosing transposition flags from the operands' strides. */
    private static void into(Tensor a, Tensor b, Optional<Storage> bias, Activation activation, Tensor out) {
        if (out.numel() == 0) {
            return;
        }
        if (a.size(1) == 0) {
            // An empty inner dimension sums nothing: 0 (+ bias), without asking a BLAS to
            // accept leading dimensions of 0. (Callers pass no activation.)
            Backend backend = a.device().backend();
            backend.fill(out.storage(), 0f, out.numel());
            if (bias.isPresent()) {
                Layout outLayout = out.layout();
                backend.binary(BinaryOp.ADD, out.storage(), outLayout, bias.get(),
                        Layout.contiguous(out.size(1)).broadcastTo(outLayout.shape()), out.storage());
            }
            return;
        }
        Tensor ga = operand(a);
        Tensor gb = operand(b);
        int m = a.size(0);
        int k = a.size(1);
        int n = b.size(1);
        Layout la = ga.layout();
        Layout lb = gb.layout();
        a.device().backend().gemm(new GemmSpec(isTransposed(la), isTransposed(lb), m, n, k,
                ga.storage(), la.offset(), leadingDimension(la),
                gb.storage(), lb.offset(), leadingDimension(lb),
                out.storage(), bias, activation));
        closeIfCopy(a, ga);
        closeIfCopy(b, gb);
    }

    /** {@code matrix} if GEMM can read it in place (row-major or transposed), else a dense copy. */
    private static Tensor operand(Tensor matrix) {
        Layout layout = matrix.layout();
        if (isRowMajor(layout) || isTransposed(layout)) {
            return matrix;
        }
        return matrix.copy();
    }

    private static boolean isRowMajor(Layout layout) {
        return layout.stride(1) == 1 && layout.stride(0) >= Math.max(1, layout.dim(1)) || layout.dim(0) == 1
                && layout.stride(1) == 1;
    }

    private static boolean isTransposed(Layout layout) {
        return !isRowMajor(layout) && layout.stride(0) == 1 && layout.stride(1) >= Math.max(1, layout.dim(0));
    }

    private static int leadingDimension(Layout layout) {
        if (isTransposed(layout)) {
            return layout.stride(1);
        }
        return layout.dim(0) == 1 ? Math.max(1, layout.dim(1)) : layout.stride(0);
    }

    private static void closeIfCopy(Tensor original, Tensor maybeCopy) {
        if (maybeCopy != original) {
            maybeCopy.close();
        }
    }
}
