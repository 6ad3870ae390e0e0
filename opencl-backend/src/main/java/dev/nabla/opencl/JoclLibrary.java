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

    /**
     * Loads JOCLBlast's JNI library and the {@code libclblast.so} it depends on the same way, by
     * initialising {@code org.jocl.blast.CLBlast} with both already unpacked into the cache. JOCL's
     * {@code LibUtils} writes a dependent library to
     * {@code <tmpdir>/<platform library name>_dependents/<its path in the jar>}, so that is where
     * the cache puts it. Only Linux x86-64 is mapped; elsewhere the binding unpacks as it always did.
     *
     * @throws ClassNotFoundException if JOCLBlast is not on the class path
     */
    static void loadBlast() throws ClassNotFoundException {
        load();
        ClassLoader loader = JoclLibrary.class.getClassLoader();
        String version = NativeLibraryCache.mavenVersion(loader, "org.jocl", "jocl-blast").orElse(null);
        Class<?> binding = Class.forName("org.jocl.blast.CLBlast", false, loader);
        Runnable initialise = () -> {
            try {
                Class.forName(binding.getName(), true, loader);
            } catch (ClassNotFoundException e) {
                throw new NoClassDefFoundError(e.getMessage());
            }
        };
        if (version == null) {
            initialise.run();
            return;
        }
        String platformName = LibUtils.createPlatformLibraryName("JOCLBlast_" + version.replace('.', '_'));
        java.util.Map<String, String> files = new java.util.LinkedHashMap<>();
        files.put(LibUtils.createLibraryFileName(platformName), LibUtils.createLibraryFileName(platformName));
        files.put("linux/x86_64/libclblast.so", platformName + "_dependents/linux/x86_64/libclblast.so");
        NativeLibraryCache.load("jocl-blast-" + version, loader, files, initialise);
    }
}
