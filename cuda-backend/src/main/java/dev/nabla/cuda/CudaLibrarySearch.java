package dev.nabla.cuda;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The search that finds cuBLAS and NVRTC ({@link NativeLibraries}), for other NVIDIA libraries
 * bound elsewhere (NCCL in {@code dev.nabla.distributed}): an override variable, then
 * {@code LD_LIBRARY_PATH}, {@code /usr/local/cuda/lib64}, the loader cache and PyTorch's pip
 * wheels in Python's site-packages.
 */
public final class CudaLibrarySearch {

    private CudaLibrarySearch() {
    }

    /**
     * The first existing file among the candidates for {@code soname} (e.g. {@code libnccl.so.2}).
     *
     * @param overrideVariable a variable naming the file or its folder ({@code NABLA_NCCL}), or null
     * @param pipFolders       folders under site-packages where wheels keep it ({@code nvidia/nccl/lib})
     */
    public static Optional<Path> find(String soname, String overrideVariable, List<String> pipFolders) {
        return NativeLibraries.find(soname, overrideVariable, pipFolders, NativeLibraries.Environment.system());
    }

    /** Every place searched for {@code soname}, in order, for messages that say where a library was not found. */
    public static List<Path> candidates(String soname, String overrideVariable, List<String> pipFolders) {
        return NativeLibraries.candidates(soname, overrideVariable, pipFolders, NativeLibraries.Environment.system());
    }
}
