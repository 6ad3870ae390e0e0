package dev.nabla.cuda;

import dev.nabla.backend.NativeLibraryCache;
import java.util.List;
import jcuda.JCudaVersion;
import jcuda.LibUtils;

/**
 * Loads JCuda's JNI libraries from Nabla's per-user cache ({@link NativeLibraryCache}) instead of
 * letting JCuda unpack them into the shared {@code java.io.tmpdir}, where two processes starting
 * together can crash each other (libJNvPTXCompiler alone is 24 MB, a wide window). Each JCuda
 * class loads its own library in its static initializer, so each first use goes through
 * {@link #load}.
 */
final class JCudaLibraries {

    private JCudaLibraries() {
    }

    /**
     * Unpacks JCuda's {@code library} (e.g. {@code JCudaDriver}) and runs {@code firstCall}, the
     * call that initialises the class that loads it. A {@link LinkageError} (a missing driver
     * library) propagates as it did without the cache.
     */
    static void load(String library, Runnable firstCall) {
        String version = JCudaVersion.get();
        String file = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName(library + "-" + version));
        NativeLibraryCache.load("jcuda-" + version, JCudaLibraries.class.getClassLoader(), List.of(file), firstCall);
    }

    /** Loads the library of {@code binding}, a JCuda class whose static initializer loads it. */
    static void load(String library, Class<?> binding) {
        load(library, () -> {
            try {
                Class.forName(binding.getName(), true, binding.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new NoClassDefFoundError(binding.getName());
            }
        });
    }
}
