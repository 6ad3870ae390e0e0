package dev.nabla.cuda;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
 * kernel, saying why, if that fails.
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

    private GemmPaths() {
    }

    /** Never throws. */
    static Plan plan(DriverCheck.Driver driver) {
        String forced = System.getenv().getOrDefault(FORCE_VARIABLE, "").strip().toLowerCase(Locale.ROOT);
        if (forced.equals("kernel")) {
            return new Plan(Kind.KERNEL, Optional.empty(), FORCE_VARIABLE + "=kernel");
        }
        StringBuilder notes = new StringBuilder();
        if (!forced.equals("cublas13")) {
            String problem = jcublasProblem();
            if (problem.isEmpty()) {
                return new Plan(Kind.JCUBLAS12, Optional.empty(), "");
            }
            notes.append("cuBLAS 12: ").append(problem);
        }
        if (!forced.equals("cublas12")) {
            if (notes.length() > 0) {
                notes.append("; ");
            }
            Optional<Path> found = NativeLibraries.find("libcublas.so.13", CUBLAS_VARIABLE, CUBLAS_PIP_FOLDERS,
                    NativeLibraries.Environment.system());
            if (found.isEmpty()) {
                notes.append("cuBLAS 13: libcublas.so.13 not found (set ").append(CUBLAS_VARIABLE).append(")");
            } else if (driver.cudaVersion() < 13000) {
                notes.append("cuBLAS 13 at ").append(found.get()).append(" needs a CUDA 13 driver, this is a ")
                        .append(driver.describe());
            } else {
                try {
                    return new Plan(Kind.FOREIGN_CUBLAS13, Optional.of(new ForeignCublas.Library(found.get())), "");
                } catch (IllegalArgumentException | IllegalCallerException e) {
                    notes.append("cuBLAS 13 at ").append(found.get()).append(" did not load: ").append(e.getMessage());
                }
            }
        }
        return new Plan(Kind.KERNEL, Optional.empty(), notes.toString());
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
            JCublas2.initialize();
            return "";
        } catch (LinkageError e) {
            return NativeLibraries.describeLoadFailure(e);
        }
    }

    /** The cuBLAS binding for one device, or empty for the kernel; the second value says which and why. */
    record Opened(Optional<Cublas> cublas, String description) {
    }

    static Opened open(Plan plan, CudaContext context) {
        try {
            return switch (plan.kind()) {
                case JCUBLAS12 -> {
                    JCublasGemm gemm = new JCublasGemm(context);
                    yield new Opened(Optional.of(gemm), gemm.description());
                }
                case FOREIGN_CUBLAS13 -> {
                    ForeignCublas gemm = new ForeignCublas(plan.cublas13().orElseThrow(), context.streamHandle());
                    yield new Opened(Optional.of(gemm), gemm.description());
                }
                case KERNEL -> new Opened(Optional.empty(), plan.describe());
            };
        } catch (RuntimeException | LinkageError e) {
            return new Opened(Optional.empty(), "GEMM: Nabla's kernel (" + plan.describe() + " failed: " + e.getMessage() + ")");
        }
    }
}
