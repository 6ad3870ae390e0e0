package dev.nabla.opencl;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Chooses how GEMM runs: CLBlast ({@link ClBlast}) where JOCLBlast loads and passes a test GEMM
 * on the device, else the shared GEMM kernel of {@code gemm.c}. {@code NABLA_OPENCL_GEMM=clblast|kernel}
 * forces one (to test a path); {@code both} lists every device twice, with CLBlast and then with
 * the kernel, so that {@code nabla bench --backend opencl} times the two paths side by side.
 *
 * <p>The same rules as the CUDA backend's cuBLAS: {@link #plan} (at probe time, no device opened)
 * loads the library, so {@code nabla devices} can say which path a device will use; {@link #open}
 * runs the test GEMM on the opened device. Either falls back to the kernel, logged at WARNING with
 * the reason, which {@code Device.info()} then shows. A forced path never falls back: they throw
 * {@link ForcedPathException}, naming the variable, its value and the reason.
 */
final class GemmPaths {

    static final String FORCE_VARIABLE = "NABLA_OPENCL_GEMM";

    enum Kind { CLBLAST, KERNEL }

    /** The chosen path and, for the kernel, why. */
    record Plan(Kind kind, String notes) {

        String describe() {
            return switch (kind) {
                case CLBLAST -> "GEMM: " + ClBlast.describe();
                case KERNEL -> "GEMM: Nabla's kernel (" + notes + ")";
            };
        }
    }

    /**
     * Thrown when {@code NABLA_OPENCL_GEMM} forces a path that cannot be used: a forced path is a
     * request to test that path, so it never falls back.
     */
    static final class ForcedPathException extends IllegalStateException {
        ForcedPathException(String value, String reason) {
            super(FORCE_VARIABLE + "=" + value + " cannot be honoured: " + reason + " (unset " + FORCE_VARIABLE
                    + " to let Nabla choose)");
        }
    }

    private static final System.Logger LOG = System.getLogger("dev.nabla.opencl");

    private GemmPaths() {
    }

    /** {@link #plans(Map, Supplier)} with the system's environment and JOCLBlast. */
    static List<Plan> plans() {
        return plans(System.getenv(), ClBlast::loadProblem);
    }

    /**
     * The path of every device, {@link #plan}; or with {@code NABLA_OPENCL_GEMM=both}, CLBlast
     * (forced: it must load) and the kernel, each device being listed once per path.
     */
    static List<Plan> plans(Map<String, String> environment, Supplier<String> clblastProblem) {
        String rawForced = environment.getOrDefault(FORCE_VARIABLE, "").strip();
        if (!rawForced.equalsIgnoreCase("both")) {
            return List.of(plan(environment, clblastProblem));
        }
        String problem = clblastProblem.get();
        if (!problem.isEmpty()) {
            throw new ForcedPathException(rawForced, problem);
        }
        return List.of(new Plan(Kind.CLBLAST, ""), new Plan(Kind.KERNEL, FORCE_VARIABLE + "=" + rawForced));
    }

    /**
     * CLBlast when {@code clblastProblem} (loading JOCLBlast) reports none, else the kernel; or
     * the path {@code NABLA_OPENCL_GEMM} forces.
     *
     * @throws ForcedPathException when {@code NABLA_OPENCL_GEMM} forces CLBlast and it does not
     *                             load, or has a value other than {@code clblast}, {@code kernel}
     *                             or {@code both}
     */
    static Plan plan(Map<String, String> environment, Supplier<String> clblastProblem) {
        String rawForced = environment.getOrDefault(FORCE_VARIABLE, "").strip();
        String forced = rawForced.toLowerCase(Locale.ROOT);
        if (!forced.isEmpty() && !List.of("clblast", "kernel", "both").contains(forced)) {
            throw new ForcedPathException(rawForced, "the value must be clblast, kernel or both");
        }
        if (forced.equals("kernel")) {
            return new Plan(Kind.KERNEL, FORCE_VARIABLE + "=kernel");
        }
        String problem = clblastProblem.get();
        if (problem.isEmpty()) {
            return new Plan(Kind.CLBLAST, "");
        }
        if (!forced.isEmpty()) {
            throw new ForcedPathException(rawForced, problem);
        }
        LOG.log(System.Logger.Level.WARNING, () -> "opencl: no CLBlast, GEMM falls back to Nabla's kernel (slower): "
                + problem);
        return new Plan(Kind.KERNEL, "CLBlast: " + problem);
    }

    /** The path one opened device uses, and how {@code Device.info()} describes it. */
    record Opened(boolean clblast, String description) {
    }

    /** {@link #open(Plan, String, Runnable, Map)} with the system's environment. */
    static Opened open(Plan plan, String deviceName, Runnable selfTest) {
        return open(plan, deviceName, selfTest, System.getenv());
    }

    /**
     * Runs {@code selfTest} (a test GEMM through CLBlast on the device) when the plan is CLBlast.
     * A failure falls back to the kernel, logged at WARNING, unless {@code NABLA_OPENCL_GEMM}
     * forced CLBlast: then it throws.
     */
    static Opened open(Plan plan, String deviceName, Runnable selfTest, Map<String, String> environment) {
        if (plan.kind() == Kind.KERNEL) {
            return new Opened(false, plan.describe());
        }
        try {
            selfTest.run();
            return new Opened(true, plan.describe());
        } catch (RuntimeException | LinkageError e) {
            String reason = ClBlast.describe() + " failed on " + deviceName + ": " + e.getMessage();
            String forced = environment.getOrDefault(FORCE_VARIABLE, "").strip();
            if (!forced.isEmpty()) {
                throw new ForcedPathException(forced, reason);
            }
            LOG.log(System.Logger.Level.WARNING, () -> "opencl: " + reason + "; GEMM falls back to Nabla's kernel (slower)");
            return new Opened(false, "GEMM: Nabla's kernel (" + reason + ")");
        }
    }
}
