package dev.nabla.opencl;

import dev.nabla.backend.Probe;

/** Prints the OpenCL probe's outcome; run in a child JVM by {@link OpenClProviderTest}. */
final class ProbeMain {

    private ProbeMain() {
    }

    public static void main(String[] args) {
        Probe probe = new OpenClProvider().probe();
        System.out.println("available=" + probe.isAvailable() + " reason=" + probe.reason());
    }
}
