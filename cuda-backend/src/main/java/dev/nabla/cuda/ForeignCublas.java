package dev.nabla.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * cuBLAS 13 through {@code java.lang.foreign}: JCuda has no build for CUDA 13, and
 * {@code libcublas.so.13}'s symbols are versioned, so JCublas2 cannot use it. Five functions are
 * bound, with the C signatures of {@code cublas_api.h}:
 * <pre>
 * cublasStatus_t cublasCreate_v2(cublasHandle_t* handle);
 * cublasStatus_t cublasDestroy_v2(cublasHandle_t handle);
 * cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream);
 * cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode);
 * cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int* version);
 * cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
 *                               int m, int n, int k, const float* alpha, const float* A, int lda,
 *                               const float* B, int ldb, const float* beta, float* C, int ldc);
 * </pre>
 * Handles and device pointers are plain addresses; enums are {@code int}.
 */
@SuppressWarnings("restricted") // binding native code is this class's job; the JVM runs with --enable-native-access
final class ForeignCublas implements Cublas {

    /** The bound functions of one loaded library; loading checks every symbol exists. */
    static final class Library {
        final Path path;
        final MethodHandle create;
        final MethodHandle destroy;
        final MethodHandle setStream;
        final MethodHandle setMathMode;
        final MethodHandle getVersion;
        final MethodHandle sgemm;
        final MethodHandle gemmEx;

        /**
         * Loads {@code path} (and {@code libcublasLt.so.13} beside it first).
         *
         * @throws IllegalArgumentException if the loader refuses it or a symbol is missing
         */
        Library(Path path) {
            this.path = path;
            SymbolLookup lookup = NativeLibraries.loadGlobally(path, List.of("libcublasLt.so.13"));
            Linker linker = Linker.nativeLinker();
            create = bind(linker, lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            destroy = bind(linker, lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            setStream = bind(linker, lookup, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            setMathMode = bind(linker, lookup, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            getVersion = bind(linker, lookup, "cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            sgemm = bind(linker, lookup, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT,
                    ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                    ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
            // handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, compute, algo
            gemmEx = bind(linker, lookup, "cublasGemmEx", FunctionDescriptor.of(JAVA_INT,
                    ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                    ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                    ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        }

        private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
            MemorySegment symbol = lookup.find(name).orElseThrow(
                    () -> new IllegalArgumentException("the library has no symbol " + name));
            return linker.downcallHandle(symbol, descriptor);
        }
    }

    private final Library library;
    /** Makes the device's context current; run after the lock is taken (a virtual thread may have moved meanwhile). */
    private final Runnable bindContext;
    private final MemorySegment handle;
    /** Host scalars for alpha and beta; guarded by {@code this}. */
    private final MemorySegment scalars;
    private final String description;

    /**
     * Creates a handle in the current context, bound to the stream whose native handle is
     * {@code streamHandle} ({@link CudaContext#streamHandle}); {@code bindContext} makes that
     * context current ({@link CudaContext#bind}) and runs before each call.
     */
    ForeignCublas(Library library, long streamHandle, Runnable bindContext) {
        this.library = library;
        this.bindContext = bindContext;
        Arena arena = Arena.ofAuto();
        scalars = arena.allocate(JAVA_FLOAT, 2);
        try {
            MemorySegment handleOut = arena.allocate(ADDRESS);
            Cublas.check("cublasCreate_v2", (int) library.create.invokeExact(handleOut));
            handle = handleOut.get(ADDRESS, 0);
            // SAFETY: the stream handle is the CUstream JCuda created; it lives as long as the backend.
            Cublas.check("cublasSetStream_v2",
                    (int) library.setStream.invokeExact(handle, MemorySegment.ofAddress(streamHandle)));
            boolean tf32 = Cublas.tf32Requested();
            Cublas.check("cublasSetMathMode",
                    (int) library.setMathMode.invokeExact(handle, tf32 ? TF32_TENSOR_OP_MATH : DEFAULT_MATH));
            MemorySegment versionOut = arena.allocate(JAVA_INT);
            Cublas.check("cublasGetVersion_v2", (int) library.getVersion.invokeExact(handle, versionOut));
            description = "GEMM: cuBLAS " + JCublasGemm.versionText(versionOut.get(JAVA_INT, 0))
                    + " via java.lang.foreign (" + library.path + ")" + (tf32 ? ", TF32 on" : "");
        } catch (CudaException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cuda: binding " + library.path + " failed: " + e, e);
        }
    }

    @Override
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   DeviceBlock a, long offsetA, int lda, DeviceBlock b, long offsetB, int ldb,
                                   float beta, DeviceBlock c, long offsetC, int ldc) {
        // Pointer mode is host (the default): cuBLAS reads alpha and beta before it returns, so
        // the two floats may be rewritten by the next call.
        bindContext.run();
        scalars.setAtIndex(JAVA_FLOAT, 0, alpha);
        scalars.setAtIndex(JAVA_FLOAT, 1, beta);
        int status;
        try {
            // SAFETY: the addresses are device pointers of live blocks (core keeps the storage alive
            // for the call), offset within them; cuBLAS only queues work on the stream.
            status = (int) library.sgemm.invokeExact(handle, transA ? OP_T : OP_N, transB ? OP_T : OP_N, m, n, k,
                    scalars.asSlice(0, 4),
                    MemorySegment.ofAddress(a.address(offsetA)), lda,
                    MemorySegment.ofAddress(b.address(offsetB)), ldb,
                    scalars.asSlice(4, 4),
                    MemorySegment.ofAddress(c.address(offsetC)), ldc);
        } catch (Throwable e) {
            throw new IllegalStateException("cuda: cublasSgemm_v2 could not be called: " + e, e);
        }
        Cublas.check("cublasSgemm_v2", status);
    }

    @Override
    public synchronized void gemmEx(boolean transA, boolean transB, int m, int n, int k, dev.nabla.DType operands,
                                    DeviceBlock a, long offsetA, int lda, DeviceBlock b, long offsetB, int ldb,
                                    DeviceBlock c, long offsetC, int ldc) {
        bindContext.run();
        scalars.setAtIndex(JAVA_FLOAT, 0, 1f);
        scalars.setAtIndex(JAVA_FLOAT, 1, 0f);
        int type = Cublas.dataType(operands);
        int bytes = operands.byteSize();
        int status;
        try {
            // SAFETY: as in sgemm; A and B hold 2-byte elements, C 4-byte ones.
            status = (int) library.gemmEx.invokeExact(handle, transA ? OP_T : OP_N, transB ? OP_T : OP_N, m, n, k,
                    scalars.asSlice(0, 4),
                    MemorySegment.ofAddress(a.address(offsetA, bytes)), type, lda,
                    MemorySegment.ofAddress(b.address(offsetB, bytes)), type, ldb,
                    scalars.asSlice(4, 4),
                    MemorySegment.ofAddress(c.address(offsetC)), Cublas.dataType(dev.nabla.DType.F32), ldc,
                    COMPUTE_32F, GEMM_DEFAULT);
        } catch (Throwable e) {
            throw new IllegalStateException("cuda: cublasGemmEx could not be called: " + e, e);
        }
        Cublas.check("cublasGemmEx", status);
    }

    @Override
    public String description() {
        return description;
    }
}
