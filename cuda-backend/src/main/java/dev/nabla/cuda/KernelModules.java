package dev.nabla.cuda;

import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import dev.nabla.kernels.Dialect;
import dev.nabla.kernels.KernelSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;
import jcuda.nvrtc.nvrtcResult;

/**
 * Where the device code comes from: NVRTC, when {@code libnvrtc.so.12} loads, compiles the
 * CUDA dialect of {@link KernelSource} for the exact GPU; otherwise the PTX that {@code nvcc}
 * wrote at build time ({@link #PTX_RESOURCE}, compute_75) is JIT-compiled by the driver.
 *
 * <p>Both can fail for reasons only a real machine shows (an NVRTC newer than the driver, PTX
 * ISA 9.0 on a pre-580 driver), so loading tries NVRTC, then the PTX, and the error names both
 * failures. The probe predicts the common case (no NVRTC, PTX too new for the driver) from the
 * PTX's {@code .version} line so that {@code nabla devices} says so before anything opens.
 */
final class KernelModules {

    /** The PTX the build packs into the jar (see {@link PtxBuild}). */
    static final String PTX_RESOURCE = "/dev/nabla/cuda/nabla_kernels.ptx";

    /** The first CUDA release whose driver JIT-compiles each PTX ISA version (PTX ISA release notes). */
    private static final Map<String, Integer> PTX_ISA_MIN_DRIVER = Map.ofEntries(
            Map.entry("8.0", 12000), Map.entry("8.1", 12010), Map.entry("8.2", 12020), Map.entry("8.3", 12030),
            Map.entry("8.4", 12040), Map.entry("8.5", 12050), Map.entry("8.6", 12070), Map.entry("8.7", 12080),
            Map.entry("8.8", 12090), Map.entry("9.0", 13000), Map.entry("9.1", 13010));

    /** What the probe found: NVRTC's version if it loads, the packed PTX's ISA if present. */
    record Plan(Optional<String> nvrtcVersion, Optional<String> ptxIsa, String nvrtcProblem) {

        /** One phrase for DeviceInfo: which source the kernels will come from. */
        String describe() {
            if (nvrtcVersion.isPresent()) {
                return "kernels: NVRTC " + nvrtcVersion.get() + " for the exact GPU"
                        + (ptxIsa.isPresent() ? " (packed PTX " + ptxIsa.get() + " as fallback)" : "");
            }
            return "kernels: packed PTX ISA " + ptxIsa.orElse("?") + " (compute_75), JIT-compiled by the driver";
        }

        /** Why no kernels can load on a driver of {@code driverCudaVersion}, or empty if they should. */
        Optional<String> unavailableReason(DriverCheck.Driver driver) {
            if (nvrtcVersion.isPresent()) {
                return Optional.empty();
            }
            if (ptxIsa.isEmpty()) {
                return Optional.of("no kernel code: this build carries no PTX (nvcc was not installed when it was built) "
                        + "and NVRTC cannot be used (" + nvrtcProblem + ")");
            }
            Integer needed = PTX_ISA_MIN_DRIVER.get(ptxIsa.get());
            if (needed != null && driver.cudaVersion() < needed) {
                return Optional.of("the " + driver.describe() + " cannot JIT-compile PTX ISA " + ptxIsa.get()
                        + " (it needs a driver for " + DriverCheck.cudaVersionText(needed) + "), and NVRTC cannot be used ("
                        + nvrtcProblem + "); install libnvrtc.so.12 (CUDA 12 toolkit, or pip install nvidia-cuda-nvrtc-cu12)"
                        + " or a newer driver");
            }
            return Optional.empty();
        }
    }

    private KernelModules() {
    }

    /** Looks at NVRTC and the packed PTX; never throws. */
    static Plan plan() {
        Optional<String> ptxIsa = packedPtx().map(KernelModules::ptxIsaVersion);
        try {
            NvrtcLibrary.preload();
            int[] major = new int[1];
            int[] minor = new int[1];
            int status = JNvrtc.nvrtcVersion(major, minor);
            if (status != nvrtcResult.NVRTC_SUCCESS) {
                return new Plan(Optional.empty(), ptxIsa, "nvrtcVersion failed: " + nvrtcResult.stringFor(status));
            }
            return new Plan(Optional.of(major[0] + "." + minor[0]), ptxIsa, "");
        } catch (LinkageError e) {
            return new Plan(Optional.empty(), ptxIsa, NativeLibraries.describeLoadFailure(e));
        }
    }

    /** The PTX packed at build time, if this jar has it. */
    static Optional<String> packedPtx() {
        try (InputStream in = KernelModules.class.getResourceAsStream(PTX_RESOURCE)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PTX_RESOURCE, e);
        }
    }

    private static final Pattern PTX_VERSION = Pattern.compile("^\\s*\\.version\\s+(\\d+\\.\\d+)", Pattern.MULTILINE);

    /** The {@code .version} directive of a PTX text ({@code 9.0} for nvcc 13), or {@code ?}. */
    static String ptxIsaVersion(String ptx) {
        Matcher matcher = PTX_VERSION.matcher(ptx);
        return matcher.find() ? matcher.group(1) : "?";
    }

    /** A loaded module and a phrase saying how it was made, for DeviceInfo. */
    record Loaded(CUmodule module, String description) {
    }

    /**
     * Loads the kernels into the current context for a GPU of compute capability
     * {@code major.minor}: NVRTC first, then the packed PTX.
     *
     * @throws IllegalStateException naming what each way reported
     */
    static Loaded load(Plan plan, int major, int minor) {
        StringBuilder failures = new StringBuilder();
        if (plan.nvrtcVersion().isPresent()) {
            try {
                int arch = nvrtcArchitecture(major * 10 + minor);
                String ptx = compileWithNvrtc(arch);
                CUmodule module = new CUmodule();
                int result = cuModuleLoadData(module, nullTerminated(ptx));
                if (result == CUresult.CUDA_SUCCESS) {
                    return new Loaded(module, "kernels: NVRTC " + plan.nvrtcVersion().get() + " for compute_" + arch);
                }
                failures.append("NVRTC ").append(plan.nvrtcVersion().get()).append("'s PTX (ISA ")
                        .append(ptxIsaVersion(ptx)).append(") did not load: cuModuleLoadData: ")
                        .append(CudaErrors.name(result));
            } catch (RuntimeException | LinkageError e) {
                failures.append("NVRTC failed: ").append(e.getMessage());
            }
        } else {
            failures.append("NVRTC cannot be used (").append(plan.nvrtcProblem()).append(')');
        }
        Optional<String> packed = packedPtx();
        if (packed.isPresent()) {
            CUmodule module = new CUmodule();
            int result = cuModuleLoadData(module, nullTerminated(packed.get()));
            if (result == CUresult.CUDA_SUCCESS) {
                return new Loaded(module, "kernels: packed PTX ISA " + ptxIsaVersion(packed.get())
                        + " (compute_75), JIT-compiled by the driver");
            }
            failures.append("; the packed PTX (ISA ").append(ptxIsaVersion(packed.get()))
                    .append(") did not load: cuModuleLoadData: ").append(CudaErrors.name(result));
            if (result == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
                failures.append(" (the driver is older than the nvcc that built it)");
            }
        } else {
            failures.append("; this build carries no PTX (nvcc was absent at build time)");
        }
        throw new IllegalStateException("cuda: cannot load the Nabla kernels: " + failures);
    }

    /**
     * The newest virtual architecture NVRTC knows that the GPU can run: the GPU's own when NVRTC
     * knows it, else the highest below it (PTX for an older architecture runs on newer GPUs).
     */
    private static int nvrtcArchitecture(int deviceArch) {
        int[] count = new int[1];
        checkNvrtc("nvrtcGetNumSupportedArchs", JNvrtc.nvrtcGetNumSupportedArchs(count), null);
        int[] archs = new int[count[0]];
        checkNvrtc("nvrtcGetSupportedArchs", JNvrtc.nvrtcGetSupportedArchs(archs), null);
        return Arrays.stream(archs).filter(a -> a <= deviceArch).max()
                .orElseThrow(() -> new IllegalStateException("NVRTC supports no architecture at or below compute_"
                        + deviceArch + " (it knows " + Arrays.toString(archs) + ")"));
    }

    /** Compiles the CUDA dialect with NVRTC; the build log is in the exception on failure. */
    private static String compileWithNvrtc(int arch) {
        nvrtcProgram program = new nvrtcProgram();
        checkNvrtc("nvrtcCreateProgram", JNvrtc.nvrtcCreateProgram(program, KernelSource.assemble(Dialect.CUDA),
                "nabla_kernels.cu", 0, null, null), null);
        try {
            // NOTE: NVRTC's defaults are nvcc's (-prec-div=true, -prec-sqrt=true, -ftz=false, -fmad=true),
            // so both routes give the same numerics.
            String[] options = {"--gpu-architecture=compute_" + arch};
            int compiled = JNvrtc.nvrtcCompileProgram(program, options.length, options);
            if (compiled != nvrtcResult.NVRTC_SUCCESS) {
                String[] log = new String[1];
                JNvrtc.nvrtcGetProgramLog(program, log);
                checkNvrtc("nvrtcCompileProgram", compiled, log[0]);
            }
            String[] ptx = new String[1];
            checkNvrtc("nvrtcGetPTX", JNvrtc.nvrtcGetPTX(program, ptx), null);
            return ptx[0];
        } finally {
            JNvrtc.nvrtcDestroyProgram(program);
        }
    }

    private static void checkNvrtc(String call, int status, String log) {
        if (status != nvrtcResult.NVRTC_SUCCESS) {
            throw new CudaException(call, status, call + " failed: " + nvrtcResult.stringFor(status)
                    + (log == null || log.isBlank() ? "" : "; log:\n" + log.strip()));
        }
    }

    /** SAFETY: the driver reads PTX as a C string; JCuda passes the bytes as they are, so the NUL must be ours. */
    private static byte[] nullTerminated(String ptx) {
        byte[] text = ptx.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(text, text.length + 1);
    }
}
