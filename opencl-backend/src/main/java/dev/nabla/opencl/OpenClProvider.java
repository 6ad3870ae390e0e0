package dev.nabla.opencl;

import static org.jocl.CL.CL_PLATFORM_NOT_FOUND_KHR;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.NativeSignals;
import dev.nabla.backend.Probe;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CLException;

/**
 * Registers the OpenCL backend with {@link java.util.ServiceLoader}.
 *
 * <p>The probe never throws: a missing {@code libOpenCL.so.1} (or JOCL's own native library), a
 * loader without any platform, or a {@code NABLA_OPENCL_DEVICE} that matches nothing becomes
 * {@link Probe#unavailable(String) a reason}, which {@code Device.auto()} logs and
 * {@code --backend opencl} reports. Devices open lazily, once each. The GEMM path is chosen
 * here too ({@link GemmPaths}); a path forced by {@code NABLA_OPENCL_GEMM} that cannot be had
 * makes OpenCL unavailable with that reason.
 */
public final class OpenClProvider implements BackendProvider {

    // Guarded by this (probe() and open() hold it).
    private List<Listed> devices;
    private Probe probe;
    private final Map<Integer, OpenClBackend> opened = new HashMap<>();

    @Override
    public String name() {
        return "opencl";
    }

    /**
     * {@code opencl:N}: the hardware and its GEMM path. With {@code NABLA_OPENCL_GEMM=both} each
     * device is listed twice, with CLBlast and then with the kernel ({@link GemmPaths#plans}).
     */
    private record Listed(OpenClDevices.Found found, GemmPaths.Plan gemm) {
    }

    /** After CUDA (10), before the CPU fallback (100). */
    @Override
    public int priority() {
        return 20;
    }

    /** Discovers once; callers are few (listing devices, opening one), so one lock suffices. */
    @Override
    public synchronized Probe probe() {
        if (probe == null) {
            // PoCL installs LLVM's signal handlers here (see NativeSignals).
            probe = NativeSignals.preserving("OpenCL device discovery", this::discover);
        }
        return probe;
    }

    private Probe discover() {
        try {
            List<OpenClDevices.Found> all = OpenClDevices.discover();
            if (all.isEmpty()) {
                return Probe.unavailable("no OpenCL device: the installed platforms report none");
            }
            List<OpenClDevices.Found> selected =
                    OpenClDevices.select(all, System.getenv(OpenClDevices.ENVIRONMENT_VARIABLE));
            List<GemmPaths.Plan> plans;
            try {
                plans = GemmPaths.plans();
            } catch (GemmPaths.ForcedPathException e) {
                // A forced GEMM path is a request to test it: no device rather than another path
                // (and a warning, since Device.auto() then passes OpenCL over).
                System.getLogger("dev.nabla.opencl").log(System.Logger.Level.WARNING,
                        "opencl: unavailable: " + e.getMessage());
                return Probe.unavailable(e.getMessage());
            }
            List<Listed> listed = new ArrayList<>();
            List<DeviceInfo> infos = new ArrayList<>();
            for (GemmPaths.Plan plan : plans) {
                for (OpenClDevices.Found device : selected) {
                    DeviceInfo found = device.info(listed.size());
                    // The probe's expectation; the opened device's info says what it actually uses.
                    infos.add(new DeviceInfo(found.backend(), found.index(), found.name(), found.kind(),
                            found.description() + "; " + plan.describe()));
                    listed.add(new Listed(device, plan));
                }
            }
            devices = listed;
            return Probe.available(infos);
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) {
                return Probe.unavailable("no OpenCL platform installed (the ICD loader found no driver in "
                        + "/etc/OpenCL/vendors); for the CPU, apt-get install pocl-opencl-icd");
            }
            return Probe.unavailable("OpenCL discovery failed: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return Probe.unavailable(e.getMessage());
        } catch (LinkageError e) {
            // JOCL throws UnsatisfiedLinkError when libOpenCL.so(.1) is missing, NoClassDefFoundError after.
            return Probe.unavailable("the OpenCL library could not be loaded (apt-get install ocl-icd-libopencl1 "
                    + "and a driver, e.g. pocl-opencl-icd): " + e.getMessage());
        } catch (RuntimeException e) {
            return Probe.unavailable("OpenCL discovery failed: " + e);
        }
    }

    @Override
    public synchronized Backend open(int index) {
        Probe found = probe();
        if (!found.isAvailable()) {
            throw new IllegalArgumentException("opencl:" + index + ": OpenCL is unavailable: " + found.reason());
        }
        if (index < 0 || index >= devices.size()) {
            throw new IllegalArgumentException("opencl:" + index + ": no such device; OpenCL devices are opencl:0"
                    + (devices.size() > 1 ? " to opencl:" + (devices.size() - 1) : ""));
        }
        // Context creation and the kernel build run PoCL's LLVM, which may install signal handlers.
        return opened.computeIfAbsent(index, i -> NativeSignals.preserving("opening opencl:" + i,
                () -> new OpenClBackend(devices.get(i).found(), found.devices().get(i), devices.get(i).gemm())));
    }

    /**
     * A new backend on device {@code index} with the GEMM path {@code plan}, beside (not instead
     * of) the one {@link #open} caches: tests run the suites through each path in one JVM.
     */
    synchronized OpenClBackend openWithGemm(int index, GemmPaths.Plan plan) {
        Probe found = probe();
        if (!found.isAvailable()) {
            throw new IllegalArgumentException("opencl:" + index + ": OpenCL is unavailable: " + found.reason());
        }
        return NativeSignals.preserving("opening opencl:" + index,
                () -> new OpenClBackend(devices.get(index).found(), found.devices().get(index), plan));
    }
}
