package dev.nabla.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.backend.Activation;
import dev.nabla.testing.ProbedDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenCL GEMM path: the choice and its fallbacks with a fake loader and environment, then on
 * the real device (PoCL in CI) that CLBlast is what {@code opencl:0} uses and reports.
 */
class GemmPathsTest {

    private static final GemmPaths.Plan CLBLAST = new GemmPaths.Plan(GemmPaths.Kind.CLBLAST, "");

    /** Held, so the logger (weakly referenced by java.util.logging) keeps the handler. */
    private final Logger logger = Logger.getLogger("dev.nabla.opencl");
    private final List<LogRecord> warnings = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        logger.addHandler(handler);
    }

    @AfterEach
    void stopListening() {
        logger.removeHandler(handler);
    }

    private String warningText() {
        StringBuilder text = new StringBuilder();
        for (LogRecord record : warnings) {
            text.append(record.getMessage()).append('\n');
        }
        return text.toString();
    }

    // ---- the choice, without a device ------------------------------------------------------

    @Test
    void clblastIsChosenWhenItLoads() {
        GemmPaths.Plan plan = GemmPaths.plan(Map.of(), () -> "");
        assertEquals(GemmPaths.Kind.CLBLAST, plan.kind());
        assertTrue(plan.describe().startsWith("GEMM: CLBlast via JOCLBlast 1.5.2"), plan.describe());
        assertTrue(warnings.isEmpty(), warningText());
    }

    @Test
    void theKernelFallbackIsLoggedAtWarningWithTheReason() {
        GemmPaths.Plan plan = GemmPaths.plan(Map.of(), () -> "JOCLBlast did not load: no libclblast for aarch64");
        assertEquals(GemmPaths.Kind.KERNEL, plan.kind());
        assertEquals("GEMM: Nabla's kernel (CLBlast: JOCLBlast did not load: no libclblast for aarch64)", plan.describe());
        assertEquals(1, warnings.size(), warningText());
        assertTrue(warningText().contains("falls back to Nabla's kernel")
                && warningText().contains("no libclblast for aarch64"), warningText());
    }

    @Test
    void forcedKernelIsHonouredWithoutLoadingCLBlastOrAWarning() {
        GemmPaths.Plan plan = GemmPaths.plan(Map.of("NABLA_OPENCL_GEMM", "Kernel"), () -> {
            throw new AssertionError("CLBlast must not be loaded when the kernel is forced");
        });
        assertEquals(GemmPaths.Kind.KERNEL, plan.kind());
        assertEquals("GEMM: Nabla's kernel (NABLA_OPENCL_GEMM=kernel)", plan.describe());
        assertTrue(warnings.isEmpty(), warningText());
    }

    @Test
    void forcedClblastThatDoesNotLoadThrowsNamingTheVariableValueAndReason() {
        var e = assertThrows(GemmPaths.ForcedPathException.class,
                () -> GemmPaths.plan(Map.of("NABLA_OPENCL_GEMM", "clblast"), () -> "JOCLBlast did not load: boom"));
        assertEquals("NABLA_OPENCL_GEMM=clblast cannot be honoured: JOCLBlast did not load: boom "
                + "(unset NABLA_OPENCL_GEMM to let Nabla choose)", e.getMessage());
    }

    @Test
    void anUnknownForcedValueThrows() {
        var e = assertThrows(GemmPaths.ForcedPathException.class,
                () -> GemmPaths.plan(Map.of("NABLA_OPENCL_GEMM", "clBLAS"), () -> ""));
        assertEquals("NABLA_OPENCL_GEMM=clBLAS cannot be honoured: the value must be clblast, kernel or both "
                + "(unset NABLA_OPENCL_GEMM to let Nabla choose)", e.getMessage());
    }

    @Test
    void bothListsClblastThenTheKernel() {
        List<GemmPaths.Plan> plans = GemmPaths.plans(Map.of("NABLA_OPENCL_GEMM", "both"), () -> "");
        assertEquals(List.of(GemmPaths.Kind.CLBLAST, GemmPaths.Kind.KERNEL),
                plans.stream().map(GemmPaths.Plan::kind).toList());
        assertEquals("GEMM: Nabla's kernel (NABLA_OPENCL_GEMM=both)", plans.get(1).describe());
        assertEquals(1, GemmPaths.plans(Map.of(), () -> "").size());
    }

    @Test
    void bothWithoutClblastThrows() {
        var e = assertThrows(GemmPaths.ForcedPathException.class,
                () -> GemmPaths.plans(Map.of("NABLA_OPENCL_GEMM", "both"), () -> "JOCLBlast did not load: boom"));
        assertEquals("NABLA_OPENCL_GEMM=both cannot be honoured: JOCLBlast did not load: boom "
                + "(unset NABLA_OPENCL_GEMM to let Nabla choose)", e.getMessage());
    }

    @Test
    void aClblastThatFailsItsTestGemmFallsBackWithAWarning() {
        GemmPaths.Opened opened = GemmPaths.open(CLBLAST, "PoCL / cpu", () -> {
            throw new IllegalStateException("a test SGEMM on PoCL / cpu failed: CLBlastOpenCLCompilerError (-11)");
        }, Map.of());
        assertFalse(opened.clblast());
        assertTrue(opened.description().startsWith("GEMM: Nabla's kernel (CLBlast via JOCLBlast"), opened.description());
        assertTrue(opened.description().contains("CLBlastOpenCLCompilerError (-11)"), opened.description());
        assertEquals(1, warnings.size(), warningText());
        assertTrue(warningText().contains("CLBlastOpenCLCompilerError"), warningText());
    }

    @Test
    void aForcedClblastThatFailsItsTestGemmThrows() {
        var e = assertThrows(GemmPaths.ForcedPathException.class, () -> GemmPaths.open(CLBLAST, "PoCL / cpu", () -> {
            throw new IllegalStateException("a test SGEMM on PoCL / cpu gave [7.0, 0.0, 10.0, 22.0] instead of [7.0, 18.0, 10.0, 22.0]");
        }, Map.of("NABLA_OPENCL_GEMM", "clblast")));
        assertTrue(e.getMessage().startsWith("NABLA_OPENCL_GEMM=clblast cannot be honoured: CLBlast via JOCLBlast"),
                e.getMessage());
        assertTrue(e.getMessage().contains("instead of [7.0, 18.0, 10.0, 22.0]"), e.getMessage());
    }

    @Test
    void aKernelPlanRunsNoTestGemm() {
        GemmPaths.Opened opened = GemmPaths.open(new GemmPaths.Plan(GemmPaths.Kind.KERNEL, "NABLA_OPENCL_GEMM=kernel"),
                "PoCL / cpu", () -> {
                    throw new AssertionError("no CLBlast call on the kernel path");
                }, Map.of());
        assertFalse(opened.clblast());
        assertEquals("GEMM: Nabla's kernel (NABLA_OPENCL_GEMM=kernel)", opened.description());
    }

    // ---- on the device ---------------------------------------------------------------------

    @Test
    void joclBlastLoadsWhereItsJarCarriesLibclblast() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        Assumptions.assumeTrue(os.startsWith("Linux") && (arch.equals("amd64") || arch.equals("x86_64")),
                "JOCLBlast 1.5.2 carries libclblast for Linux x86-64 (and Windows/macOS x86-64); this is " + os + " " + arch);
        assertEquals("", ClBlast.loadProblem());
    }

    @Test
    void theOpenDeviceRunsItsGemmsOnTheReportedPath() {
        Device device = ProbedDevice.orSkip(new OpenClProvider(), "OpenCL", 0);
        Assumptions.assumeFalse("kernel".equalsIgnoreCase(System.getenv("NABLA_OPENCL_GEMM")),
                "NABLA_OPENCL_GEMM=kernel is set: the device's GEMM path is the kernel by request");
        String description = device.info().description();
        // Where CLBlast loads (above), it must pass its test GEMM on the device: no silent fallback.
        assertTrue(ClBlast.loadProblem().isEmpty() == description.contains("GEMM: CLBlast via JOCLBlast"), description);
        boolean clblast = description.contains("GEMM: CLBlast");
        OpenClBackend backend = (OpenClBackend) device.backend();
        long[] before = backend.gemmCalls();
        // 3x2 @ 2x2 with a bias and ReLU: the product through the path, the epilogue through the kernel.
        try (Tensor x = Tensor.of(device, new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
             Tensor w = Tensor.of(device, new float[] {1, -1, 0, 2}, 2, 2);
             Tensor b = Tensor.of(device, new float[] {2, -10}, 2);
             Tensor y = Tensor.linear(x, w, b, Activation.RELU)) {
            // x·wᵀ = [[-1, 4], [-1, 8], [-1, 12]]; + b = [[1, -6], [1, -2], [1, 2]]; ReLU
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 2}, y.toFloatArray());
            // x·w = [[1, 3], [3, 5], [5, 7]]
            try (Tensor z = x.matmul(w)) {
                assertArrayEquals(new float[] {1, 3, 3, 5, 5, 7}, z.toFloatArray());
            }
        }
        long[] after = backend.gemmCalls();
        assertEquals(clblast ? 2 : 0, after[0] - before[0], "CLBlast calls on " + description);
        assertEquals(clblast ? 0 : 2, after[1] - before[1], "kernel calls on " + description);
    }

    @Test
    void theKernelGemmDeviceRunsNoClblast() {
        Device device = KernelGemmDevice.orSkip();
        OpenClBackend backend = (OpenClBackend) device.backend();
        long[] before = backend.gemmCalls();
        try (Tensor x = Tensor.of(device, new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
             Tensor w = Tensor.of(device, new float[] {1, -1, 0, 2}, 2, 2);
             Tensor z = x.matmul(w)) {
            assertArrayEquals(new float[] {1, 3, 3, 5, 5, 7}, z.toFloatArray());
        }
        long[] after = backend.gemmCalls();
        assertEquals(0, after[0] - before[0]);
        assertEquals(1, after[1] - before[1]);
        assertTrue(backend.info().description().endsWith("GEMM: Nabla's kernel (forced by the test)"),
                backend.info().description());
    }
}
