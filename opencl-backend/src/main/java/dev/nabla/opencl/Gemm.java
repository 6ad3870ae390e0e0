package dev.nabla.opencl;

import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.kernels.host.GemmKernel;
import java.util.concurrent.atomic.AtomicLong;
import org.jocl.cl_command_queue;
import org.jocl.cl_event;

/**
 * GEMM on one device: CLBlast when the device opened with it ({@link GemmPaths}), else the tiled
 * kernel of {@code gemm.c}.
 *
 * <p>After CLBlast's product the bias and activation run as one fused pass,
 * {@link GemmKernel#biasAndActivation} (the GEMM kernel with {@code k = 0} adding C's old value),
 * exactly as the CUDA backend does after cuBLAS. An empty inner dimension ({@code k = 0}) goes to
 * the kernel, which writes the bias and activation alone (CLBlast would reject its leading
 * dimensions); an empty C does nothing.
 */
final class Gemm {

    private final OpenClKernels kernels;
    private final cl_command_queue queue;
    private final boolean clblast;
    private final String deviceName;
    private final AtomicLong clblastCalls = new AtomicLong();
    private final AtomicLong kernelCalls = new AtomicLong();

    Gemm(OpenClKernels kernels, cl_command_queue queue, boolean clblast, String deviceName) {
        this.kernels = kernels;
        this.queue = queue;
        this.clblast = clblast;
        this.deviceName = deviceName;
    }

    /** Calls that reached each path since the device opened: {@code [CLBlast, kernel]} (for tests). */
    long[] calls() {
        return new long[] {clblastCalls.get(), kernelCalls.get()};
    }

    void gemm(GemmSpec g) {
        if (g.m() == 0 || g.n() == 0) {
            return;
        }
        // 16-bit operands: the shared kernel widens them as it loads its tiles (CLBlast has no BF16).
        if (!clblast || g.k() == 0 || g.halfOperands()) {
            kernelCalls.incrementAndGet();
            GemmKernel.gemm(kernels, g);
            return;
        }
        clblastCalls.incrementAndGet();
        cl_event event = kernels.profiling() ? new cl_event() : null;
        ClBlast.sgemm(queue, g, event, deviceName);
        if (event != null) {
            // NOTE: CLBlast's event is its last kernel; the copy/pad kernels of its large-GEMM path are not in it.
            kernels.recordExternal("clblast_sgemm", event);
        }
        if (g.bias().isPresent() || g.activation() != Activation.NONE) {
            GemmKernel.biasAndActivation(kernels, g.m(), g.n(), g.c(), g.bias(), g.activation());
        }
    }
}
