package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GEMM path choice and opening with fake libraries and environment: no GPU, no cuBLAS. */
class GemmPathsTest {

    private static final DriverCheck.Driver CUDA13 = new DriverCheck.Driver(13000, "580.65.06");
    private static final DriverCheck.Driver CUDA12 = new DriverCheck.Driver(12040, "550.54.15");

    /** cuBLAS 12 missing or present; cuBLAS 13 never found. */
    private static GemmPaths.Libraries libraries(boolean cublas12) {
        return new GemmPaths.Libraries() {
            @Override
            public String cublas12Problem() {
                return cublas12 ? "" : "libcublas.so.12 is not installed";
            }

            @Override
            public Optional<Path> findCublas13() {
                return Optional.empty();
            }

            @Override
            public ForeignCublas.Library loadCublas13(Path path) {
                throw new IllegalArgumentException("not here");
            }
        };
    }

    /** cuBLAS 13 found at a path but failing to load. */
    private static final GemmPaths.Libraries BROKEN_CUBLAS13 = new GemmPaths.Libraries() {
        @Override
        public String cublas12Problem() {
            return "libcublas.so.12 is not installed";
        }

        @Override
        public Optional<Path> findCublas13() {
            return Optional.of(Path.of("/opt/libcublas.so.13"));
        }

        @Override
        public ForeignCublas.Library loadCublas13(Path path) {
            throw new IllegalArgumentException("undefined symbol: cublasLtFoo");
        }
    };

    /** Held, so the logger (weakly referenced by java.util.logging) keeps the handler. */
    private final Logger logger = Logger.getLogger("dev.nabla.cuda");
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

    @Test
    void cublas12IsChosenWhenItLoads() {
        GemmPaths.Plan plan = GemmPaths.plan(CUDA13, Map.of(), libraries(true));
        assertEquals(GemmPaths.Kind.JCUBLAS12, plan.kind());
        assertTrue(warnings.isEmpty(), warningText());
    }

    @Test
    void theKernelFallbackIsLoggedAtWarningWithTheReasons() {
        GemmPaths.Plan plan = GemmPaths.plan(CUDA12, Map.of(), BROKEN_CUBLAS13);
        assertEquals(GemmPaths.Kind.KERNEL, plan.kind());
        assertEquals("cuBLAS 12: libcublas.so.12 is not installed; cuBLAS 13 at /opt/libcublas.so.13 needs a CUDA 13 "
                + "driver, this is a driver 550.54.15 (CUDA 12.4)", plan.notes());
        assertEquals(1, warnings.size(), warningText());
        assertTrue(warningText().contains("falls back to Nabla's kernel") && warningText().contains(plan.notes()),
                warningText());
    }

    @Test
    void forcedKernelIsHonouredWithoutAWarning() {
        GemmPaths.Plan plan = GemmPaths.plan(CUDA13, Map.of("NABLA_CUDA_GEMM", "kernel"), libraries(true));
        assertEquals(GemmPaths.Kind.KERNEL, plan.kind());
        assertTrue(warnings.isEmpty(), warningText());
    }

    @Test
    void forcedCublas12ThatDoesNotLoadThrowsNamingTheVariableValueAndReason() {
        var e = forced(CUDA13, "cublas12", libraries(false));
        assertEquals("NABLA_CUDA_GEMM=cublas12 cannot be honoured: cuBLAS 12: libcublas.so.12 is not installed "
                + "(unset NABLA_CUDA_GEMM to let Nabla choose)", e.getMessage());
    }

    @Test
    void forcedCublas13ThatDoesNotLoadThrows() {
        var notFound = forced(CUDA13, "cublas13", libraries(true));
        assertTrue(notFound.getMessage().startsWith("NABLA_CUDA_GEMM=cublas13 cannot be honoured: cuBLAS 13: "
                + "libcublas.so.13 not found"), notFound.getMessage());
        var broken = forced(CUDA13, "cublas13", BROKEN_CUBLAS13);
        assertTrue(broken.getMessage().contains("did not load: undefined symbol: cublasLtFoo"), broken.getMessage());
        var oldDriver = forced(CUDA12, "cublas13", BROKEN_CUBLAS13);
        assertTrue(oldDriver.getMessage().contains("needs a CUDA 13 driver"), oldDriver.getMessage());
    }

    @Test
    void anUnknownForcedValueThrows() {
        var e = forced(CUDA13, "cuBLAS", libraries(true));
        assertEquals("NABLA_CUDA_GEMM=cuBLAS cannot be honoured: the value must be kernel, cublas12 or cublas13 "
                + "(unset NABLA_CUDA_GEMM to let Nabla choose)", e.getMessage());
    }

    /** The exception {@code NABLA_CUDA_GEMM=value} gets from planning with {@code driver} and {@code libraries}. */
    private static GemmPaths.ForcedPathException forced(DriverCheck.Driver driver, String value,
                                                        GemmPaths.Libraries libraries) {
        return assertThrows(GemmPaths.ForcedPathException.class,
                () -> GemmPaths.plan(driver, Map.of("NABLA_CUDA_GEMM", value), libraries));
    }

    private static final GemmPaths.Plan CUBLAS12 = new GemmPaths.Plan(GemmPaths.Kind.JCUBLAS12, Optional.empty(), "");

    private static Cublas fake() {
        return new Cublas() {
            @Override
            public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, DeviceBlock a,
                              long offsetA, int lda, DeviceBlock b, long offsetB, int ldb, float beta, DeviceBlock c,
                              long offsetC, int ldc) {
            }

            @Override
            public String description() {
                return "GEMM: fake cuBLAS";
            }
        };
    }

    @Test
    void aCublasThatFailsToOpenFallsBackWithAWarning() {
        GemmPaths.Opened opened = GemmPaths.open(CUBLAS12, () -> {
            throw new CudaException("cublasCreate", 1, "cublasCreate failed: CUBLAS_STATUS_NOT_INITIALIZED (1)");
        }, () -> { }, Map.of());
        assertTrue(opened.cublas().isEmpty());
        assertEquals("GEMM: Nabla's kernel (GEMM: cuBLAS 12 via JCublas2 failed: cublasCreate failed: "
                + "CUBLAS_STATUS_NOT_INITIALIZED (1))", opened.description());
        assertEquals(1, warnings.size(), warningText());
        assertTrue(warningText().contains("CUBLAS_STATUS_NOT_INITIALIZED"), warningText());
    }

    @Test
    void aForcedCublasThatFailsToOpenThrows() {
        var e = assertThrows(GemmPaths.ForcedPathException.class, () -> GemmPaths.open(CUBLAS12, () -> {
            throw new UnsatisfiedLinkError("libcublasLt.so.12: cannot open shared object file");
        }, () -> { }, Map.of("NABLA_CUDA_GEMM", "cublas12")));
        assertEquals("NABLA_CUDA_GEMM=cublas12 cannot be honoured: GEMM: cuBLAS 12 via JCublas2 failed: "
                + "libcublasLt.so.12: cannot open shared object file (unset NABLA_CUDA_GEMM to let Nabla choose)",
                e.getMessage());
    }

    @Test
    void anAllocationFailureReleasesTheCacheAndRetriesOnce() {
        AtomicInteger creates = new AtomicInteger();
        AtomicInteger releases = new AtomicInteger();
        GemmPaths.Opened opened = GemmPaths.open(CUBLAS12, () -> {
            if (creates.incrementAndGet() == 1) {
                throw new CudaException("cublasCreate", 3, "cublasCreate failed: CUBLAS_STATUS_ALLOC_FAILED (3)");
            }
            return fake();
        }, releases::incrementAndGet, Map.of());
        assertEquals(2, creates.get());
        assertEquals(1, releases.get());
        assertEquals("GEMM: fake cuBLAS", opened.description());

        // Twice: only one retry, then the kernel (with a warning).
        creates.set(0);
        GemmPaths.Opened failed = GemmPaths.open(CUBLAS12, () -> {
            creates.incrementAndGet();
            throw new CudaException("cublasCreate", 3, "cublasCreate failed: CUBLAS_STATUS_ALLOC_FAILED (3)");
        }, releases::incrementAndGet, Map.of());
        assertEquals(2, creates.get());
        assertTrue(failed.cublas().isEmpty());
        assertTrue(failed.description().contains("CUBLAS_STATUS_ALLOC_FAILED"), failed.description());
    }
}
