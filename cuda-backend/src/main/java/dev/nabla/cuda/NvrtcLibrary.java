package dev.nabla.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Makes {@code libnvrtc.so.12} loadable for JCuda's NVRTC binding when it lives where the
 * dynamic loader does not look (PyTorch's CUDA 12 wheels: {@code nvidia/cuda_nvrtc/lib}), and
 * makes sure of its companion {@code libnvrtc-builtins.so.MAJOR.MINOR}.
 *
 * <p>Why the builtins matter: NVRTC {@code dlopen}s {@code libnvrtc-builtins.so.12.6} (for NVRTC
 * 12.6) by soname only when a program is compiled, so a missing one passes every check until
 * {@code nvrtcCompileProgram} fails with {@code NVRTC_ERROR_BUILTIN_OPERATION_FAILURE}. The probe
 * looks for it beside libnvrtc (and where libnvrtc itself is searched for) and loads it, so the
 * later {@code dlopen} finds it by soname; if it is nowhere, NVRTC counts as unusable with a
 * one-line reason.
 */
final class NvrtcLibrary {

    static final List<String> PIP_FOLDERS = List.of("nvidia/cuda_nvrtc/lib");

    private static volatile boolean attempted;
    private static volatile Optional<Path> preloaded = Optional.empty();

    private NvrtcLibrary() {
    }

    /** Loads libnvrtc.so.12 from the search path of {@link NativeLibraries}, once; silently does nothing if absent. */
    static void preload() {
        if (attempted) {
            return;
        }
        synchronized (NvrtcLibrary.class) {
            if (attempted) {
                return;
            }
            attempted = true;
            Optional<Path> found = NativeLibraries.find("libnvrtc.so.12", null, PIP_FOLDERS,
                    NativeLibraries.Environment.system());
            try {
                found.ifPresent(path -> NativeLibraries.loadGlobally(path, List.of()));
                preloaded = found;
            } catch (IllegalArgumentException e) {
                // JCuda's own load attempt then reports the problem
            }
        }
    }

    /** {@code libnvrtc-builtins.so.12.6} for NVRTC 12.6: the name NVRTC asks the loader for. */
    static String builtinsSoname(int major, int minor) {
        return "libnvrtc-builtins.so." + major + "." + minor;
    }

    /**
     * Loads NVRTC {@code major.minor}'s builtins library; empty when it loaded, else the one-line
     * reason NVRTC cannot compile. Call after JNvrtc has loaded libnvrtc.
     */
    @SuppressWarnings("restricted") // loading native libraries is the point; --enable-native-access is set
    static Optional<String> loadBuiltins(int major, int minor) {
        String soname = builtinsSoname(major, minor);
        Optional<Path> nvrtc = preloaded.or(() -> NativeLibraries.mappedLibrary(procMaps(), "libnvrtc.so"));
        List<Path> candidates = new ArrayList<>();
        nvrtc.ifPresent(path -> candidates.add(path.resolveSibling(soname)));
        candidates.addAll(NativeLibraries.candidates(soname, null, PIP_FOLDERS, NativeLibraries.Environment.system()));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                try {
                    NativeLibraries.loadGlobally(candidate, List.of());
                    return Optional.empty();
                } catch (IllegalArgumentException e) {
                    return Optional.of(candidate + " did not load: " + e.getMessage());
                }
            }
        }
        try {
            SymbolLookup.libraryLookup(soname, Arena.global()); // wherever the loader itself finds it
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(builtinsMissing(soname, major + "." + minor, nvrtc));
        }
    }

    static String builtinsMissing(String soname, String version, Optional<Path> nvrtc) {
        return "NVRTC " + version + " loads" + nvrtc.map(p -> " (" + p + ")").orElse("") + " but " + soname
                + ", which it needs to compile, is not installed beside it (it comes with libnvrtc, e.g. pip's "
                + "nvidia-cuda-nvrtc-cu12)";
    }

    private static String procMaps() {
        try {
            return Files.readString(Path.of("/proc/self/maps"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
