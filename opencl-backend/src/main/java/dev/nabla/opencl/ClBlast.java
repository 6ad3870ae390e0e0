package dev.nabla.opencl;

import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clReleaseMemObject;

import dev.nabla.backend.GemmSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Properties;
import org.jocl.Pointer;
import org.jocl.blast.CLBlast;
import org.jocl.blast.CLBlastLayout;
import org.jocl.blast.CLBlastStatusCode;
import org.jocl.blast.CLBlastTranspose;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_event;
import org.jocl.cl_mem;

/**
 * CLBlast's SGEMM through JOCLBlast ({@code org.jocl:jocl-blast}, which carries
 * {@code libclblast.so} for Linux x86-64 and unpacks it like JOCL's own library).
 *
 * <p>CLBlast takes row-major operands directly ({@code CLBlastLayoutRowMajor}), so a
 * {@link GemmSpec} maps one to one: the same transposition flags, offsets in elements and leading
 * dimensions; alpha 1, beta 0 (C is not read: a C full of NaN stays out of the result), C
 * contiguous from offset 0 ({@code ldc = n}). Calls are queued on the device's in-order queue like
 * Nabla's kernels and return at once.
 *
 * <p>CLBlast compiles its kernels for a device on their first use in a process (one program for
 * small GEMMs, another for large ones): seconds with a cold PoCL cache, tens of milliseconds from
 * it, and whatever the driver's own cache gives on a GPU.
 */
final class ClBlast {

    private ClBlast() {
    }

    /** Loads JOCLBlast and libclblast (once per JVM); empty when they load, else why not. */
    static String loadProblem() {
        try {
            // The class's static initializer loads libclblast.so and libJOCLBlast, from Nabla's cache.
            JoclLibrary.loadBlast();
            return "";
        } catch (ClassNotFoundException | LinkageError e) {
            return "JOCLBlast did not load (" + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + "; its jar carries libclblast for Linux x86-64, Windows x86-64 and macOS x86-64): " + e;
        }
    }

    /** {@code CLBlast 1.5.2 via JOCLBlast}: the JOCLBlast version from its jar (it bundles the CLBlast of the same version). */
    static String describe() {
        return "CLBlast via JOCLBlast " + joclBlastVersion();
    }

    private static String joclBlastVersion() {
        try (InputStream in = CLBlast.class.getResourceAsStream("/META-INF/maven/org.jocl/jocl-blast/pom.properties")) {
            if (in == null) {
                return "(version unknown)";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "(version unknown)");
        } catch (IOException e) {
            return "(version unknown)";
        }
    }

    /**
     * Queues {@code C = op(A)·op(B)} for {@code g} (no bias, no activation: the caller runs the
     * epilogue). {@code event} receives CLBlast's last kernel when not null (profiling).
     *
     * @throws IllegalStateException naming the call, shapes, device and CLBlast's status
     */
    static void sgemm(cl_command_queue queue, GemmSpec g, cl_event event, String deviceName) {
        int status = CLBlast.CLBlastSgemm(CLBlastLayout.CLBlastLayoutRowMajor, transpose(g.transA()),
                transpose(g.transB()), g.m(), g.n(), g.k(), 1f,
                OpenClBackend.memoryOf(g.a()), g.offsetA(), g.lda(),
                OpenClBackend.memoryOf(g.b()), g.offsetB(), g.ldb(),
                0f, OpenClBackend.memoryOf(g.c()), 0, g.n(), queue, event);
        if (status != 0) {
            throw new IllegalStateException("opencl: CLBlastSgemm " + g.m() + "x" + g.n() + "x" + g.k()
                    + (g.transA() ? " Aᵀ" : "") + (g.transB() ? " Bᵀ" : "") + " (lda " + g.lda() + ", ldb " + g.ldb()
                    + ", offsets " + g.offsetA() + ", " + g.offsetB() + ") on " + deviceName + " failed: "
                    + statusName(status) + "; " + GemmPaths.FORCE_VARIABLE + "=kernel runs Nabla's GEMM kernel instead");
        }
    }

    private static int transpose(boolean transposed) {
        return transposed ? CLBlastTranspose.CLBlastTransposeYes : CLBlastTranspose.CLBlastTransposeNo;
    }

    static String statusName(int status) {
        String name = CLBlastStatusCode.stringFor(status);
        return (name == null || name.startsWith("INVALID") ? "CLBlast status" : name) + " (" + status + ")";
    }

    /**
     * Runs one small SGEMM with offsets and both transpositions on the device and checks the
     * result: a device whose driver cannot compile or run CLBlast's kernels says so here, when it
     * opens, rather than in the middle of training. Small integers, so the result is exact.
     *
     * @throws IllegalStateException with CLBlast's status or the wrong values
     */
    static void selfTest(cl_context context, cl_command_queue queue, String deviceName) {
        // C (2×2) = Aᵀ·B with A stored 3×2 after one element of offset, B 3×2 with ld 3 after two.
        float[] a = {99, 1, 2, 3, 4, 5, 6};
        float[] b = {99, 99, 1, 0, 7, 2, 1, 7, 0, 3, 7};
        float[] expected = {1 * 1 + 3 * 2 + 5 * 0, 1 * 0 + 3 * 1 + 5 * 3, 2 * 1 + 4 * 2 + 6 * 0, 2 * 0 + 4 * 1 + 6 * 3};
        cl_mem aBuffer = null;
        cl_mem bBuffer = null;
        cl_mem cBuffer = null;
        try {
            aBuffer = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4L * a.length, Pointer.to(a), null);
            bBuffer = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4L * b.length, Pointer.to(b), null);
            float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
            cBuffer = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4L * c.length, Pointer.to(c), null);
            int status = CLBlast.CLBlastSgemm(CLBlastLayout.CLBlastLayoutRowMajor, CLBlastTranspose.CLBlastTransposeYes,
                    CLBlastTranspose.CLBlastTransposeNo, 2, 2, 3, 1f, aBuffer, 1, 2, bBuffer, 2, 3, 0f, cBuffer, 0, 2,
                    queue, null);
            if (status != 0) {
                throw new IllegalStateException("a test SGEMM on " + deviceName + " failed: " + statusName(status));
            }
            clEnqueueReadBuffer(queue, cBuffer, CL_TRUE, 0, 4L * c.length, Pointer.to(c), 0, null, null);
            if (!Arrays.equals(c, expected)) {
                throw new IllegalStateException("a test SGEMM on " + deviceName + " gave " + Arrays.toString(c)
                        + " instead of " + Arrays.toString(expected));
            }
        } finally {
            for (cl_mem buffer : new cl_mem[] {aBuffer, bBuffer, cBuffer}) {
                if (buffer != null) {
                    clReleaseMemObject(buffer);
                }
            }
        }
    }
}
