package dev.nabla.cuda;

import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import dev.nabla.kernels.Dialect;
import dev.nabla.kernels.KernelSource;
import dev.nabla.kernels.host.KernelCache;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.Pointer;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JITOptions;
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

    private static final System.Logger LOG = System.getLogger("dev.nabla.cuda");

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
            if (needed == null && newerThanKnown(ptxIsa.get())) {
                // An ISA this build has no entry for, newer than all it knows: it needs a driver
                // newer than the newest one known (the packed PTX came from a newer nvcc than this table).
                int newest = PTX_ISA_MIN_DRIVER.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
                if (driver.cudaVersion() <= newest) {
                    return Optional.of("the " + driver.describe() + " cannot JIT-compile PTX ISA " + ptxIsa.get()
                            + " (newer than any this build knows; it needs a driver newer than "
                            + DriverCheck.cudaVersionText(newest) + "), and NVRTC cannot be used (" + nvrtcProblem
                            + "); install libnvrtc.so.12 (CUDA 12 toolkit, or pip install nvidia-cuda-nvrtc-cu12)"
                            + " or a newer driver");
                }
            }
            if (needed != null && driver.cudaVersion() < needed) {
                return Optional.of("the " + driver.describe() + " cannot JIT-compile PTX ISA " + ptxIsa.get()
                        + " (it needs a driver for " + DriverCheck.cudaVersionText(needed) + "), and NVRTC cannot be used ("
                        + nvrtcProblem + "); install libnvrtc.so.12 (CUDA 12 toolkit, or pip install nvidia-cuda-nvrtc-cu12)"
                        + " or a newer driver");
            }
            return Optional.empty();
        }
    }

    /** Compiled NVRTC output kept between processes (see {@link KernelCache}). */
    private static final KernelCache CACHE = KernelCache.standard();

    private KernelModules() {
    }

    /**
     * What an NVRTC image depends on: the kernel source, NVRTC's version, the target and the
     * options (none besides the target today; they would go here).
     */
    static String cacheKey(String nvrtcVersion, NvrtcTarget target) {
        return KernelCache.key("cuda", KernelSource.assemble(Dialect.CUDA), "nvrtc " + nvrtcVersion, target.option());
    }

    /** Whether PTX ISA {@code version} ("9.2") is newer than every version in the table; false if unparsable. */
    static boolean newerThanKnown(String version) {
        int[] parsed = isaNumber(version);
        if (parsed == null) {
            return false;
        }
        return PTX_ISA_MIN_DRIVER.keySet().stream().map(KernelModules::isaNumber)
                .allMatch(known -> known != null && (parsed[0] > known[0] || parsed[0] == known[0] && parsed[1] > known[1]));
    }

    private static int[] isaNumber(String version) {
        String[] parts = version.split("\\.");
        try {
            return parts.length == 2 ? new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The driver's JIT error and info logs for {@code image} (NUL-terminated PTX or a CUBIN), or
     * empty: called only after {@code cuModuleLoadData} failed, to say why, so the plain load the
     * normal path uses is untouched. NOTE: unverified on a GPU (JCuda's {@link JITOptions} with
     * the log-buffer options: the buffer sizes as ints, the buffers filled in by JCuda).
     */
    static String jitLog(byte[] image) {
        try {
            JITOptions options = new JITOptions();
            options.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, JIT_LOG_BYTES);
            options.put(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
            options.putInt(CUjit_option.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, JIT_LOG_BYTES);
            options.put(CUjit_option.CU_JIT_INFO_LOG_BUFFER);
            CUmodule module = new CUmodule();
            int result = cuModuleLoadDataJIT(module, Pointer.to(image), options);
            if (result == CUresult.CUDA_SUCCESS) {
                cuModuleUnload(module);
            }
            return jitLogText(options.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER),
                    options.getString(CUjit_option.CU_JIT_INFO_LOG_BUFFER));
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }

    private static final int JIT_LOG_BYTES = 16 * 1024;

    /** {@code "; JIT error log: ...; JIT info log: ..."} with the empty parts left out, or empty. */
    static String jitLogText(String error, String info) {
        StringBuilder text = new StringBuilder();
        if (error != null && !error.strip().isEmpty()) {
            text.append("; JIT error log: ").append(error.strip());
        }
        if (info != null && !info.strip().isEmpty()) {
            text.append("; JIT info log: ").append(info.strip());
        }
        return text.toString();
    }

    /** Looks at NVRTC and the packed PTX; never throws. */
    static Plan plan() {
        Optional<String> ptxIsa = packedPtx().map(KernelModules::ptxIsaVersion);
        try {
            NvrtcLibrary.preload();
            JCudaLibraries.load("JNvrtc", JNvrtc.class);
            int[] major = new int[1];
            int[] minor = new int[1];
            int status = JNvrtc.nvrtcVersion(major, minor);
            if (status != nvrtcResult.NVRTC_SUCCESS) {
                return new Plan(Optional.empty(), ptxIsa, "nvrtcVersion failed: " + nvrtcResult.stringFor(status));
            }
            Optional<String> noBuiltins = NvrtcLibrary.loadBuiltins(major[0], minor[0]);
            if (noBuiltins.isPresent()) {
                return new Plan(Optional.empty(), ptxIsa, noBuiltins.get());
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
                NvrtcTarget target = nvrtcTarget(major * 10 + minor, nvrtcSupportedArchitectures());
                String made = "NVRTC " + plan.nvrtcVersion().get() + ", " + target.describe();
                String key = cacheKey(plan.nvrtcVersion().get(), target);
                String suffix = target.cubin() ? "cubin" : "ptx";
                KernelCache.Entry entry = CACHE.getOrCompile(key, suffix, () -> compileWithNvrtc(target));
                CUmodule module = new CUmodule();
                int result = cuModuleLoadData(module, entry.image());
                if (result != CUresult.CUDA_SUCCESS && entry.cached()) {
                    // A stored image the driver refuses (a driver downgrade, say): drop it and compile afresh.
                    LOG.log(System.Logger.Level.WARNING, "cuda: the cached kernels " + CACHE.file(key, suffix)
                            + " did not load (" + CudaErrors.name(result) + "); compiling them again");
                    CACHE.remove(key, suffix);
                    entry = CACHE.getOrCompile(key, suffix, () -> compileWithNvrtc(target));
                    result = cuModuleLoadData(module, entry.image());
                }
                byte[] image = entry.image();
                if (result == CUresult.CUDA_SUCCESS) {
                    return new Loaded(module, "kernels: " + made + (entry.cached() ? " (from the kernel cache)" : ""));
                }
                failures.append(made).append(target.cubin() ? "" : " (PTX ISA " + ptxIsaVersion(new String(image,
                                StandardCharsets.US_ASCII)) + ")").append(", did not load: cuModuleLoadData: ")
                        .append(CudaErrors.name(result)).append(jitLog(image));
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
                String nvrtcNote = "";
                if (plan.nvrtcVersion().isPresent()) {
                    // NVRTC was expected to work: say why it did not (the full message, with any log, goes to the log).
                    LOG.log(System.Logger.Level.WARNING, "cuda: NVRTC was not used: " + failures);
                    nvrtcNote = "; NVRTC not used: " + failures.toString().lines().findFirst().orElse("");
                }
                return new Loaded(module, "kernels: packed PTX ISA " + ptxIsaVersion(packed.get())
                        + " (compute_75), JIT-compiled by the driver" + nvrtcNote);
            }
            failures.append("; the packed PTX (ISA ").append(ptxIsaVersion(packed.get()))
                    .append(") did not load: cuModuleLoadData: ").append(CudaErrors.name(result))
                    .append(jitLog(nullTerminated(packed.get())));
            if (result == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
                failures.append(" (the driver is older than the nvcc that built it)");
            }
        } else {
            failures.append("; this build carries no PTX (nvcc was absent at build time)");
        }
        throw new IllegalStateException("cuda: cannot load the Nabla kernels: " + failures);
    }

    /**
     * What NVRTC compiles to: machine code ({@code sm_90}, a CUBIN) when NVRTC knows the GPU's
     * architecture, else PTX for the newest architecture it knows below it ({@code compute_90} on
     * a 10.0 GPU with NVRTC 12.6), which the driver JIT-compiles.
     *
     * <p>Why a CUBIN where possible: the driver JIT-compiles only PTX of an ISA it knows, so PTX
     * from an NVRTC newer than the driver (NVRTC 12.6 on a 12.4 driver) does not load, while
     * machine code from any CUDA 12 or 13 NVRTC runs on drivers of its major version and newer.
     */
    record NvrtcTarget(int arch, boolean cubin) {

        String option() {
            return "--gpu-architecture=" + (cubin ? "sm_" : "compute_") + arch;
        }

        String describe() {
            return cubin ? "machine code for sm_" + arch : "PTX for compute_" + arch + ", JIT-compiled by the driver";
        }
    }

    /** {@code deviceArch} is major·10 + minor (90 for 9.0); {@code supported} what nvrtcGetSupportedArchs lists. */
    static NvrtcTarget nvrtcTarget(int deviceArch, int[] supported) {
        if (Arrays.stream(supported).anyMatch(a -> a == deviceArch)) {
            return new NvrtcTarget(deviceArch, true);
        }
        return new NvrtcTarget(Arrays.stream(supported).filter(a -> a < deviceArch).max()
                .orElseThrow(() -> new IllegalStateException("NVRTC supports no architecture at or below sm_"
                        + deviceArch + " (it knows " + Arrays.toString(supported) + ")")), false);
    }

    private static int[] nvrtcSupportedArchitectures() {
        int[] count = new int[1];
        checkNvrtc("nvrtcGetNumSupportedArchs", JNvrtc.nvrtcGetNumSupportedArchs(count), null);
        int[] archs = new int[count[0]];
        checkNvrtc("nvrtcGetSupportedArchs", JNvrtc.nvrtcGetSupportedArchs(archs), null);
        return archs;
    }

    /**
     * Compiles the CUDA dialect with NVRTC: the CUBIN, or the PTX as a NUL-terminated C string;
     * the build log is in the exception on failure.
     */
    private static byte[] compileWithNvrtc(NvrtcTarget target) {
        nvrtcProgram program = new nvrtcProgram();
        checkNvrtc("nvrtcCreateProgram", JNvrtc.nvrtcCreateProgram(program, KernelSource.assemble(Dialect.CUDA),
                "nabla_kernels.cu", 0, null, null), null);
        try {
            // NOTE: NVRTC's defaults are nvcc's (-prec-div=true, -prec-sqrt=true, -ftz=false, -fmad=true),
            // so both routes give the same numerics.
            String[] options = {target.option()};
            int compiled = JNvrtc.nvrtcCompileProgram(program, options.length, options);
            if (compiled != nvrtcResult.NVRTC_SUCCESS) {
                String[] log = new String[1];
                JNvrtc.nvrtcGetProgramLog(program, log);
                checkNvrtc("nvrtcCompileProgram(" + options[0] + ")", compiled, log[0]);
            }
            if (target.cubin()) {
                long[] size = new long[1];
                checkNvrtc("nvrtcGetCUBINSize", JNvrtc.nvrtcGetCUBINSize(program, size), null);
                byte[] cubin = new byte[Math.toIntExact(size[0])];
                checkNvrtc("nvrtcGetCUBIN", JNvrtc.nvrtcGetCUBIN(program, cubin), null);
                return cubin;
            }
            String[] ptx = new String[1];
            checkNvrtc("nvrtcGetPTX", JNvrtc.nvrtcGetPTX(program, ptx), null);
            return nullTerminated(ptx[0]);
        } finally {
            JNvrtc.nvrtcDestroyProgram(program);
        }
    }

    private static void checkNvrtc(String call, int status, String log) {
        if (status != nvrtcResult.NVRTC_SUCCESS) {
            throw new CudaException(call, status, nvrtcFailure(call, status, log));
        }
    }

    /**
     * The message for a failed NVRTC call: with the build log, except for a missing builtins
     * library, which is one line naming it (the log's first line says which file NVRTC wanted).
     */
    static String nvrtcFailure(String call, int status, String log) {
        String text = call + " failed: " + nvrtcResult.stringFor(status) + " (" + status + ")";
        String first = log == null ? "" : log.strip().lines().findFirst().orElse("");
        if (status == nvrtcResult.NVRTC_ERROR_BUILTIN_OPERATION_FAILURE) {
            return text + ": NVRTC could not load its builtins library libnvrtc-builtins.so.MAJOR.MINOR, which must be"
                    + " beside libnvrtc.so.12" + (first.isEmpty() ? "" : " (" + first + ")");
        }
        return text + (log == null || log.isBlank() ? "" : "; log:\n" + log.strip());
    }

    /** SAFETY: the driver reads PTX as a C string; JCuda passes the bytes as they are, so the NUL must be ours. */
    private static byte[] nullTerminated(String ptx) {
        byte[] text = ptx.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(text, text.length + 1);
    }
}
