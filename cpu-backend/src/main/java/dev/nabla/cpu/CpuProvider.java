package dev.nabla.cpu;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Probe;
import java.util.List;

/**
 * Registers the Vector-API CPU backend with {@link java.util.ServiceLoader}.
 *
 * <p>This class must load on a JVM started without {@code --add-modules jdk.incubator.vector}:
 * it touches no Vector API type itself, and {@link CpuBackend} (which does) is only initialised
 * once {@link #probe()} has seen the module and created a vector inside a {@code LinkageError}
 * guard. Where the module is missing, the probe says how to enable it and the reference backend
 * serves as the CPU device.
 */
public final class CpuProvider implements BackendProvider {

    private static final String MISSING =
            "jdk.incubator.vector is not available: start java with --add-modules jdk.incubator.vector";

    /** Initialised on first use, after the probe has checked the module. */
    private static final class Holder {
        static final CpuBackend INSTANCE = new CpuBackend();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Probe probe() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Probe.unavailable(MISSING);
        }
        try {
            return Probe.available(List.of(Holder.INSTANCE.info()));
        } catch (LinkageError e) {
            return Probe.unavailable(MISSING + " (" + e + ")");
        }
    }

    @Override
    public Backend open(int index) {
        if (index != 0) {
            throw new IllegalArgumentException("cpu:" + index + ": the CPU backend has one device, cpu:0");
        }
        return Holder.INSTANCE;
    }
}
