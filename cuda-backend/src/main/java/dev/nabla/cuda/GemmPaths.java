package dev.nabla.cuda;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jcuda.jcublas.JCublas2;

/**
 * Chooses how GEMM runs, in order: cuBLAS 12 through JCublas2 where {@code libcublas.so.12}
 * loads; else cuBLAS 13 through {@code java.lang.foreign} where {@code libcublas.so.13} is found
 * ({@link NativeLibraries}) and the driver is a CUDA 13 one; else the shared GEMM kernel.
 * {@code NABLA_CUDA_GEMM=kernel|cublas12|cublas13} forces one (to test a path on a GPU that has
 * several).
 *
 * <p>{@link #plan} only loads libraries (no GPU needed), so the probe can say which path a device
 * will use; {@link #open} creates the cuBLAS handle in a device's context and falls back to the
 * kernel, logged at WARNING with the reason, if that fails. A path forced by
 * {@code NABLA_CUDA_GEMM} never falls back: {@link #plan} or {@link #open} throws
 * {@link ForcedPathException}, naming the variable, its value and the reason.
 */
final class GemmPaths {

    static final String CUBLAS_VARIABLE = "NABLA_CUBLAS";
    static final String FORCE_VARIABLE = "NABLA_CUDA_GEMM";
    /** Where pip wheels put cuBLAS: CUDA 13 wheels under nvidia/cu13/lib, CUDA 12 wheels under nvidia/cublas/lib. */
    static final List<String> CUBLAS_PIP_FOLDERS = List.of("nvidia/cu13/lib", "nvidia/cublas/lib");

    enum Kind { JCUBLAS12, FOREIGN_CUBLAS13, KERNEL }

    /** The chosen path, the loaded cuBLAS 13 library when that is it, and notes on the paths passed over. */
    record Plan(Kind kind, Optional<ForeignCublas.Library> cublas13, String notes) {

        String describe() {
            return switch (kind) {
                case JCUBLAS12 -> "GEMM: cuBLAS 12 via JCublas2";
                case FOREIGN_CUBLAS13 -> "GEMM: cuBLAS 13 via java.lang.foreign (" + cublas13.orElseThrow().path + ")";
                case KERNEL -> "GEMM: Nabla's kernel (" + notes + ")";
            } + (kind != Kind.KERNEL && Cublas.tf32Requested() ? ", TF32 on" : "");
        }
    }

    private static final System.Logger LOG = System.getLogger("dev.nabla.cuda");

    private GemmPaths() {
    }

    /** What {@link #plan} loads, so that a test can stand in for the libraries (no GPU, no cuBLAS). */
    interface Libraries {
        /** Empty when JCublas2 and {@code libcublas.so.12} load, else why not. */
        String cublas12Problem();

        Optional<Path> findCublas13();

        /** Throws IllegalArgumentException or IllegalCallerException when it does not load. */
        ForeignCublas.Library loadCublas13(Path path);

        Libraries SYSTEM = new Libraries() {
            @Override
            public String cublas12Problem() {
                return jcublasProblem();
            }

            @Override
            public Optional<Path> findCublas13() {
                return NativeLibraries.find("libcublas.so.13", CUBLAS_VARIABLE, CUBLAS_PIP_FOLDERS,
                        NativeLibraries.Environment.system());
            }

            @Override
            public ForeignCublas.Library loadCublas13(Path path) {
                return new ForeignCublas.Library(path);
            }
        };
    }

    /**
     * Thrown when {@code NABLA_CUDA_GEMM} forces a path that cannot be used: a forced path is a
     * request to test that path, so it never falls back.
     */
    static final class ForcedPathException extends IllegalStateException {
        ForcedPathException(String value, String reason) {
            super(FORCE_VARIABLE + "=" + value + " cannot be honoured: " + reason + " (unset " + FORCE_VARIABLE
                    + " to let Nabla choose)");
        }
    }

    /** The system's environment and libraries. */
    static Plan plan(DriverCheck.Driver driver) {
        return plan(driver, System.getenv(), Libraries.SYSTEM);
    }

    /**
     * The GEMM path: the first that loads, or the one {@code NABLA_CUDA_GEMM} forces. A path passed
     * over is logged at WARNING with its reason.
     *
     * @throws ForcedPathException when {@code NABLA_CUDA_GEMM} forces a path that does not load, or
     *                             has a value other than {@code kernel}, {@code cublas12}, {@code cublas13}
     */
    static Plan plan(DriverCheck.Driver driver, Map<String, String> environment, Libraries libraries) {
        String rawForced = environment.getOrDefault(FORCE_VARIABLE, "").strip();
        String forced = rawForced.toLowerCase(Locale.ROOT);
        if (!forced.isEmpty() && !List.of("kernel", "cublas12", "cublas13").contains(forced)) {
            throw new ForcedPathException(rawForced, "the value must be kernel, cublas12 or cublas13");
        }
        if (forced.equals("kernel")) {
            return new Plan(Kind.KERNEL, Optional.empty(), FORCE_VARIABLE + "=kernel");
        }
        StringBuilder notes = new StringBuilder();
        if (!forced.equals("cublas13")) {
            String problem = libraries.cublas12Problem();
            if (problem.isEmpty()) {
                return new Plan(Kind.JCUBLAS12, Optional.empty(), "");
            }
            if (forced.equals("cublas12")) {
                throw new ForcedPathException(rawForced, "cuBLAS 12: " + problem);
            }
            notes.append("cuBLAS 12: ").append(problem);
        }
        if (notes.length() > 0) {
            notes.append("; ");
        }
        String cublas13Problem;
        Optional<Path> found = libraries.findCublas13();
        if (found.isEmpty()) {
            cublas13Problem = "cuBLAS 13: libcublas.so.13 not found (set " + CUBLAS_VARIABLE + ")";
        } else if (driver.cudaVersion() < 13000) {
            cublas13Problem = "cuBLAS 13 at " + found.get() + " needs a CUDA 13 driver, this is a " + driver.describe();
        } else {
            try {
                return new Plan(Kind.FOREIGN_CUBLAS13, Optional.of(libraries.loadCublas13(found.get())), "");
            } catch (IllegalArgumentException | IllegalCallerException e) {
                cublas13Problem = "cuBLAS 13 at " + found.get() + " did not load: " + e.getMessage();
            }
        }
        if (forced.equals("cublas13")) {
            throw new ForcedPathException(rawForced, cublas13Problem);
        }
        notes.append(cublas13Problem);
        String why = notes.toString();
        LOG.log(System.Logger.Level.WARNING, () -> "cuda: no cuBLAS, GEMM falls back to Nabla's kernel (slower): " + why);
        return new Plan(Kind.KERNEL, Optional.empty(), why);
    }

    /** Empty when JCublas2 and libcublas.so.12 load, else why not. */
    private static String jcublasProblem() {
        try {
            // libJCublas2 needs libcublas.so.12 (and it libcublasLt.so.12); load them first from
            // wherever they are (pip wheels), so the loader finds them by soname.
            Optional<Path> cublas12 = NativeLibraries.find("libcublas.so.12", CUBLAS_VARIABLE,
                    List.of("nvidia/cublas/lib"), NativeLibraries.Environment.system());
            if (cublas12.isPresent()) {
                try {
                    NativeLibraries.loadGlobally(cublas12.get(), List.of("libcublasLt.so.12"));
                } catch (IllegalArgumentException e) {
                    return cublas12.get() + " did not load: " + e.getMessage();
                }
            }
            JCudaLibraries.load("JCublas2", JCublas2.class);
            JCublas2.initialize();
            return "";
        } catch (LinkageError e) {
            return NativeLibraries.describeLoadFailure(e);
        }
    }

    /** The cuBLAS binding for one device, or empty for the kernel; the second value says which and why. */
    record Opened(Optional<Cublas> cublas, String description) {
    }

    /**
     * Creates the planned cuBLAS binding in the device's context. A handle whose creation fails
     * with {@code CUBLAS_STATUS_ALLOC_FAILED} is retried once after {@code releaseCache} (the
     * caching allocator's cached blocks go back to the driver). Any other failure falls back to the
     * kernel, logged at WARNING, unless {@code NABLA_CUDA_GEMM} forced this path: then it throws.
     */
    static Opened open(Plan plan, CudaContext context, Runnable releaseCache) {
        return open(plan, () -> create(plan, context), releaseCache, System.getenv());
    }

    /** The part of {@link #open} a test can drive without a device. */
    static Opened open(Plan plan, java.util.function.Supplier<Cublas> create, Runnable releaseCache,
                       Map<String, String> environment) {
        if (plan.kind() == Kind.KERNEL) {
            return new Opened(Optional.empty(), plan.describe());
        }
        try {
            Cublas gemm;
            try {
                gemm = create.get();
            } catch (CudaException e) {
                if (e.code() != ALLOC_FAILED) {
                    throw e;
                }
                LOG.log(System.Logger.Level.WARNING, () -> "cuda: " + e.getMessage()
                        + "; releasing the allocator's cache and retrying once");
                releaseCache.run();
                gemm = create.get();
            }
            return new Opened(Optional.of(gemm), gemm.description());
        } catch (RuntimeException | LinkageError e) {
            String forced = environment.getOrDefault(FORCE_VARIABLE, "").strip();
            String reason = plan.describe() + " failed: " + e.getMessage();
            if (!forced.isEmpty()) {
                throw new ForcedPathException(forced, reason);
            }
            LOG.log(System.Logger.Level.WARNING, () -> "cuda: " + reason + "; GEMM falls back to Nabla's kernel (slower)");
            return new Opened(Optional.empty(), "GEMM: Nabla's kernel (" + reason + ")");
        }
    }

    /** {@code CUBLAS_STATUS_ALLOC_FAILED}. */
    static final int ALLOC_FAILED = 3;

    private static Cublas create(Plan plan, CudaContext context) {
        return switch (plan.kind()) {
            case JCUBLAS12 -> new JCublasGemm(context);
            case FOREIGN_CUBLAS13 -> new ForeignCublas(plan.cublas13().orElseThrow(), context.streamHandle(), context::bind);
            case KERNEL -> throw new IllegalStateException("no cuBLAS planned");
        };
    }
}
