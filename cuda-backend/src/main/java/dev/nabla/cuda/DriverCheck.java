package dev.nabla.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks at the NVIDIA driver before JCuda is touched: is {@code libcuda.so.1} there, and which
 * CUDA version does it support ({@code cuDriverGetVersion}, called through {@code java.lang.foreign}).
 *
 * <p>Why first: JCuda's driver binding links against libcuda lazily, so on a driver older than
 * CUDA 12 the first call of a newer function would abort the JVM with "symbol lookup error"
 * instead of failing politely. A version check here keeps the probe from ever getting there.
 */
@SuppressWarnings("restricted") // calls into libcuda.so.1; the JVM runs with --enable-native-access
final class DriverCheck {

    /** JCuda 12.6 is built against CUDA 12 (driver r525 or newer). */
    static final int MIN_DRIVER_CUDA_VERSION = 12000;

    /**
     * What was found. {@code cudaVersion} is cuDriverGetVersion's number (12040 = CUDA 12.4);
     * {@code release} the kernel module's version (580.65.06) when /proc says, else empty.
     */
    record Driver(int cudaVersion, String release) {

        /** {@code driver 580.65.06 (CUDA 13.0)}, or {@code driver for CUDA 13.0} without /proc. */
        String describe() {
            return (release.isEmpty() ? "driver for " : "driver " + release + " (") + cudaVersionText(cudaVersion)
                    + (release.isEmpty() ? "" : ")");
        }
    }

    private DriverCheck() {
    }

    /** The driver, or the one-line reason there is no usable one. Never throws. */
    static Result check() {
        SymbolLookup libcuda;
        try {
            libcuda = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return Result.unavailable("no NVIDIA driver: libcuda.so.1 is not installed (it comes with the NVIDIA "
                    + "driver, not with the CUDA toolkit or PyTorch)");
        }
        try {
            MethodHandle getVersion = Linker.nativeLinker().downcallHandle(
                    libcuda.find("cuDriverGetVersion").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS));
            int version;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(JAVA_INT);
                int status = (int) getVersion.invokeExact(out);
                if (status != 0) {
                    return Result.unavailable("cuDriverGetVersion failed: " + CudaErrors.name(status));
                }
                version = out.get(JAVA_INT, 0);
            }
            Driver driver = new Driver(version, kernelModuleRelease());
            if (version < MIN_DRIVER_CUDA_VERSION) {
                return Result.unavailable("the NVIDIA " + driver.describe() + " is too old: the CUDA backend (JCuda 12.6) "
                        + "needs a driver for CUDA 12.0 or newer (r525+)");
            }
            return new Result(Optional.of(driver), "");
        } catch (Throwable e) {
            return Result.unavailable("cannot ask libcuda.so.1 for its version: " + e);
        }
    }

    /** The driver, or why there is none. */
    record Result(Optional<Driver> driver, String reason) {
        static Result unavailable(String reason) {
            return new Result(Optional.empty(), reason);
        }
    }

    /** {@code 12040} → {@code CUDA 12.4}. */
    static String cudaVersionText(int version) {
        return String.format(Locale.ROOT, "CUDA %d.%d", version / 1000, version % 1000 / 10);
    }

    private static final Pattern MODULE_VERSION = Pattern.compile("Kernel Module\\s+(?:for \\S+\\s+)?([0-9]+(?:\\.[0-9]+)+)");

    /** From {@code /proc/driver/nvidia/version}: "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06 ...". */
    static String kernelModuleRelease() {
        try {
            return parseRelease(Files.readString(Path.of("/proc/driver/nvidia/version")));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    static String parseRelease(String procText) {
        Matcher matcher = MODULE_VERSION.matcher(procText);
        return matcher.find() ? matcher.group(1) : "";
    }
}
