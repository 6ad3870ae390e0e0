package dev.nabla.opencl;

/** The OpenCL compiler rejected the kernel source; the message holds the device and the build log. */
public class KernelBuildException extends IllegalStateException {

    private final String buildLog;

    KernelBuildException(String device, String status, String buildLog) {
        super("opencl: building the Nabla kernels for " + device + " failed (" + status + "); build log:\n"
                + (buildLog.isBlank() ? "(empty)" : buildLog.strip()));
        this.buildLog = buildLog;
    }

    /** The compiler's output, verbatim. */
    public String buildLog() {
        return buildLog;
    }
}
