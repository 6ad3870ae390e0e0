package dev.nabla.opencl;

import dev.nabla.backend.NativeLibraryCache;
import java.util.List;
import org.jocl.CL;
import org.jocl.LibUtils;

/**
 * Loads JOCL's JNI library from Nabla's per-user cache ({@link NativeLibraryCache}) instead of
 * letting JOCL unpack it into the shared {@code java.io.tmpdir}, where two processes starting
 * together can crash each other. Call {@link #load()} before anything else touches {@link CL}.
 */
final class JoclLibrary {

    private JoclLibrary() {
    }

    /** Loads JOCL's library (once); a missing {@code libOpenCL} still fails as JOCL reports it. */
    static void load() {
        ClassLoader loader = JoclLibrary.class.getClassLoader();
        // JOCL names its library after its version: libJOCL_2_0_6-linux-x86_64.so for 2.0.6.
        String version = NativeLibraryCache.mavenVersion(loader, "org.jocl", "jocl").orElse(null);
        if (version == null) {
            CL.setExceptionsEnabled(true); // a repackaged JOCL: let it load its library its own way
            return;
        }
        String file = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName("JOCL_"
                + version.replace('.', '_')));
        NativeLibraryCache.load("jocl-" + version, loader, List.of(file), () -> CL.setExceptionsEnabled(true));
    }
}
