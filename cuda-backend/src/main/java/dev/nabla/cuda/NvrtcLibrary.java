package dev.nabla.cuda;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Makes {@code libnvrtc.so.12} loadable for JCuda's NVRTC binding when it lives where the
 * dynamic loader does not look (PyTorch's CUDA 12 wheels: {@code nvidia/cuda_nvrtc/lib}).
 */
final class NvrtcLibrary {

    private static volatile boolean attempted;

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
            Optional<Path> found = NativeLibraries.find("libnvrtc.so.12", null,
                    List.of("nvidia/cuda_nvrtc/lib"), NativeLibraries.Environment.system());
            try {
                found.ifPresent(path -> NativeLibraries.loadGlobally(path, List.of()));
            } catch (IllegalArgumentException e) {
                // JCuda's own load attempt then reports the problem
            }
        }
    }
}
