package dev.nabla.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.kernels.host.DeviceStorage;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code java.lang.foreign} cuBLAS 13 binding against a stand-in library with cuBLAS's C
 * signatures ({@code src/test/c/fake_cublas.c}, compiled here with gcc): symbol names, argument
 * order and layouts, host-memory alpha and beta, the stream and math mode, cuBLAS's
 * leading-dimension rules, and the row-major → column-major mapping of {@link Gemm}, all four
 * transpositions, with operand offsets, padded and tight leading dimensions and vector shapes. The
 * "device" pointers are host addresses, which the stand-in reads directly.
 */
@SuppressWarnings("restricted")
class ForeignCublasTest {

    private static final long STREAM = 0x5000;

    @TempDir
    static Path folder;

    private static ForeignCublas cublas;
    private static MethodHandle lastCall;

    @BeforeAll
    static void compileTheStandIn() throws Exception {
        Path source = Path.of("src/test/c/fake_cublas.c");
        Assumptions.assumeTrue(Files.isRegularFile(source), "no " + source.toAbsolutePath());
        // NOTE: not named libcublas.so.13, so that a real cuBLAS loaded later in this JVM is not mistaken for it.
        Path library = folder.resolve("libnabla_fake_cublas.so");
        NativeLibraries.Child gcc;
        try {
            gcc = NativeLibraries.runChild(List.of("gcc", "-shared", "-fPIC", "-O1", "-o", library.toString(),
                    source.toString()), Duration.ofMinutes(1), true);
        } catch (java.io.IOException e) {
            Assumptions.abort("gcc is not installed: " + e.getMessage());
            return;
        }
        assertEquals(0, gcc.exitCode(), gcc.output());
        ForeignCublas.Library bound = new ForeignCublas.Library(library);
        cublas = new ForeignCublas(bound, STREAM, BINDS::incrementAndGet);
        lastCall = Linker.nativeLinker().downcallHandle(
                SymbolLookup.libraryLookup(library, Arena.global()).find("nabla_fake_cublas_last").orElseThrow(),
                FunctionDescriptor.ofVoid(ADDRESS));
    }

    /** Counts the context binds the binding asks for. */
    private static final java.util.concurrent.atomic.AtomicInteger BINDS = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Every call binds the device's context after taking the binding's lock: a virtual thread
     * that waited for the lock may run on another OS thread, where the context is not current.
     */
    @Test
    void everyCallBindsTheContextFirst() throws Throwable {
        int before = BINDS.get();
        run(false, true, 2, 3, 4, 0, 0, 0);
        run(true, false, 3, 2, 1, 0, 0, 0);
        assertEquals(before + 2, BINDS.get());
    }

    @Test
    void createsAHandleOnTheStreamWithDefaultMath() throws Throwable {
        assertTrue(cublas.description().startsWith("GEMM: cuBLAS 13.0.2 via java.lang.foreign ("), cublas.description());
        run(false, false, 2, 3, 4, 0, 0, 0); // any call, to read back what the handle was given
        long[] last = last();
        assertEquals(STREAM, last[8], "cublasSetStream_v2 got the stream");
        assertEquals(Cublas.DEFAULT_MATH, (int) last[9], "TF32 is off unless NABLA_TF32=1");
    }

    @Test
    void rowMajorGemmThroughTheBindingMatchesTheDefinition() throws Throwable {
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                String what = "transA=" + transA + " transB=" + transB;
                run(transA, transB, 3, 4, 5, 2, 1, 2);   // padded leading dimensions, offsets
                run(transA, transB, 3, 4, 5, 0, 0, 0);   // tight: exactly what cuBLAS requires
                run(transA, transB, 1, 1, 7, 0, 0, 0);   // dot product
                run(transA, transB, 1, 6, 2, 0, 1, 0);   // row vector times matrix
                run(transA, transB, 6, 1, 2, 0, 0, 1);   // matrix times column vector
                run(transA, transB, 33, 17, 1, 0, 0, 0); // outer product
                long[] last = last();
                assertEquals(transB ? Cublas.OP_T : Cublas.OP_N, (int) last[0], what + ": cuBLAS's A is B");
                assertEquals(transA ? Cublas.OP_T : Cublas.OP_N, (int) last[1], what + ": cuBLAS's B is A");
                assertEquals(17, last[2], what + ": cuBLAS's m is n");
                assertEquals(33, last[3], what + ": cuBLAS's n is m");
            }
        }
    }

    /**
     * The binding itself, below {@link Gemm} (which always asks for alpha 1 and beta 0): alpha and
     * beta reach cuBLAS as host scalars in their places, and C's offset and leading dimension too.
     */
    @Test
    void alphaBetaAndCsLayoutReachCublas() {
        // Column-major 2×2 A = [[1, 3], [2, 4]] and B = [[5, 7], [6, 8]] (stored by columns);
        // C is 2×2 at offset 1 with leading dimension 3: 1.5·A·B + 0.5·C.
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = {-1, 10, 20, -1, 30, 40, -1};
        // A·B = [[1·5 + 3·6, 1·7 + 3·8], [2·5 + 4·6, 2·7 + 4·8]] = [[23, 31], [34, 46]]
        float[] expected = {-1, 1.5f * 23 + 5, 1.5f * 34 + 10, -1, 1.5f * 31 + 15, 1.5f * 46 + 20, -1};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment da = arena.allocateFrom(JAVA_FLOAT, a);
            MemorySegment db = arena.allocateFrom(JAVA_FLOAT, b);
            MemorySegment dc = arena.allocateFrom(JAVA_FLOAT, c);
            cublas.sgemm(false, false, 2, 2, 2, 1.5f, block(da), 0, 2, block(db), 0, 2, 0.5f, block(dc), 1, 3);
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, dc.toArray(JAVA_FLOAT));
        }
    }

    /**
     * 16-bit operands go through {@code cublasGemmEx}: BF16 or F16 A and B (2-byte offsets), an F32
     * C, CUBLAS_COMPUTE_32F and the default algorithm, with the same row-major mapping; the values
     * are the F32 products of the widened operands.
     */
    @Test
    void sixteenBitOperandsGoThroughGemmExWithF32Compute() throws Throwable {
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    int m = 5;
                    int n = 3;
                    int k = 4;
                    int lda = (transA ? m : k) + 1;
                    int ldb = (transB ? k : n) + 2;
                    int offsetA = 3;
                    int offsetB = 1;
                    short[] a = new short[offsetA + (transA ? k : m) * lda];
                    short[] b = new short[offsetB + (transB ? n : k) * ldb];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = dev.nabla.backend.HalfPrecision.fromFloat(dtype, (i % 7 - 3) * 0.375f);
                    }
                    for (int i = 0; i < b.length; i++) {
                        b[i] = dev.nabla.backend.HalfPrecision.fromFloat(dtype, (i % 5 - 2) * 1.25f);
                    }
                    float[] expected = new float[m * n];
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            float sum = 0;
                            for (int p = 0; p < k; p++) {
                                short x = transA ? a[offsetA + p * lda + i] : a[offsetA + i * lda + p];
                                short y = transB ? b[offsetB + j * ldb + p] : b[offsetB + p * ldb + j];
                                sum += dev.nabla.backend.HalfPrecision.toFloat(dtype, x)
                                        * dev.nabla.backend.HalfPrecision.toFloat(dtype, y);
                            }
                            expected[i * n + j] = sum;
                        }
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment da = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_SHORT, a);
                        MemorySegment db = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_SHORT, b);
                        MemorySegment dc = arena.allocate(JAVA_FLOAT, m * n);
                        GemmSpec spec = new GemmSpec(transA, transB, m, n, k,
                                new DeviceStorage<>(dtype, a.length, block(da), da.byteSize()), offsetA, lda,
                                new DeviceStorage<>(dtype, b.length, block(db), db.byteSize()), offsetB, ldb,
                                storage(dc), Optional.empty(), Activation.NONE);
                        Gemm.gemm(null, Optional.of(cublas), spec);
                        String what = dtype + " transA=" + transA + " transB=" + transB;
                        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, dc.toArray(JAVA_FLOAT), 1e-5f, what);
                        long[] last = last();
                        assertEquals(Cublas.dataType(dtype), (int) last[10], what + ": A's type");
                        assertEquals(Cublas.dataType(dtype), (int) last[11], what + ": B's type");
                        assertEquals(0, (int) last[12], what + ": C is CUDA_R_32F");
                        assertEquals(Cublas.COMPUTE_32F, (int) last[13], what + ": F32 compute");
                        assertEquals(Cublas.GEMM_DEFAULT, (int) last[14], what);
                        assertEquals(n, last[2], what + ": cuBLAS's m is n");
                    }
                }
            }
        }
    }

    @Test
    void aStatusIsAnExceptionNamingTheCall() {
        var e = assertThrows(CudaException.class, () -> cublas.sgemm(false, false, 4, 4, 4, 1f,
                block(MemorySegment.NULL), 0, 1, block(MemorySegment.NULL), 0, 4,
                0f, block(MemorySegment.NULL), 0, 4));
        assertEquals("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE (7)", e.getMessage());
    }

    private static long[] last() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, 16);
            lastCall.invokeExact(out);
            return out.toArray(JAVA_LONG);
        }
    }

    private static DeviceBlock block(MemorySegment memory) {
        return new DeviceBlock(null, memory.address());
    }

    private static DeviceStorage<DeviceBlock> storage(MemorySegment memory) {
        return new DeviceStorage<>(DType.F32, memory.byteSize() / 4, block(memory), memory.byteSize());
    }

    /**
     * C = op(A)·op(B), row-major, with {@code pad} extra columns in A's and B's leading dimensions;
     * C is contiguous and starts as NaN, which must not leak (beta 0: cuBLAS does not read it).
     */
    private static void run(boolean transA, boolean transB, int m, int n, int k, int pad,
                            int offsetA, int offsetB) {
        int lda = (transA ? m : k) + pad;
        int ldb = (transB ? k : n) + pad;
        float[] a = pattern(offsetA + (transA ? k : m) * lda, 0.5f);
        float[] b = pattern(offsetB + (transB ? n : k) * ldb, -0.25f);
        float[] c = new float[m * n];
        java.util.Arrays.fill(c, Float.NaN);
        float[] expected = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    float x = transA ? a[offsetA + p * lda + i] : a[offsetA + i * lda + p];
                    float y = transB ? b[offsetB + j * ldb + p] : b[offsetB + p * ldb + j];
                    sum += x * y;
                }
                expected[i * n + j] = sum;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment da = arena.allocateFrom(JAVA_FLOAT, a);
            MemorySegment db = arena.allocateFrom(JAVA_FLOAT, b);
            MemorySegment dc = arena.allocateFrom(JAVA_FLOAT, c);
            GemmSpec spec = new GemmSpec(transA, transB, m, n, k, storage(da), offsetA, lda,
                    storage(db), offsetB, ldb, storage(dc), Optional.empty(), Activation.NONE);
            Gemm.gemm(null, Optional.of(cublas), spec);
            float[] result = dc.toArray(JAVA_FLOAT);
            for (int i = 0; i < c.length; i++) {
                assertEquals(expected[i], result[i], 1e-4f * (1 + Math.abs(expected[i])), "transA=" + transA
                        + " transB=" + transB + " " + m + "x" + n + "x" + k + " pad " + pad + ": element " + i);
            }
        }
    }

    private static float[] pattern(int length, float scale) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = scale * ((i * 7 % 11) - 5);
        }
        return values;
    }
}
