package dev.nabla.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuInit;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.DeviceInfo;
import dev.nabla.backend.NativeSignals;
import dev.nabla.backend.Probe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;

/**
 * Registers the CUDA backend with {@link java.util.ServiceLoader}: provider {@code cuda},
 * devices {@code cuda:N} in the driver's order (so {@code CUDA_VISIBLE_DEVICES} applies).
 *
 * <p>The probe never throws; each way there can be no usable GPU is one line in
 * {@code nabla devices}: no driver ({@code libcuda.so.1}), a driver older than CUDA 12, JCuda's
 * native library failing to load, no GPU, no kernel code this driver can load. It also says which
 * kernel source (NVRTC or packed PTX) and which GEMM path (cuBLAS 12, cuBLAS 13, kernel) a device
 * will use. Devices open lazily, once each.
 */
public final class CudaProvider implements BackendProvider {

    /** What discovery found, kept for {@link #open}. */
    private record Found(Probe probe, List<String> hardware, KernelModules.Plan kernels, GemmPaths.Plan gemm) {
    }

    // Guarded by this (found() and open() hold it).
    private Found found;
    private final Map<Integer, CudaBackend> opened = new HashMap<>();

    /** First among GPU providers (OpenCL is 20). */
    @Override
    public int priority() {
        return 10;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Probe probe() {
        return found().probe();
    }

    /** Discovers once; callers are few (listing devices, opening one), so one lock suffices. */
    private synchronized Found found() {
        if (found == null) {
            // The driver, NVRTC and cuBLAS load here: keep the JVM's signal handlers (NativeSignals).
            found = NativeSignals.preserving("CUDA device discovery", CudaProvider::discover);
        }
        return found;
    }

    private static Found unavailable(String reason) {
        return new Found(Probe.unavailable(reason), List.of(), null, null);
    }

    private static Found discover() {
        try {
            DriverCheck.Result driverCheck = DriverCheck.check();
            if (driverCheck.driver().isEmpty()) {
                return unavailable(driverCheck.reason());
            }
            DriverCheck.Driver driver = driverCheck.driver().get();
            int status;
            try {
                JCudaLibraries.load("JCudaDriver", jcuda.driver.JCudaDriver.class);
                status = cuInit(0);
            } catch (LinkageError e) {
                return unavailable("JCuda's driver binding did not load: " + NativeLibraries.describeLoadFailure(e));
            }
            if (status == CUresult.CUDA_ERROR_NO_DEVICE) {
                return unavailable("no CUDA GPU: the NVIDIA " + driver.describe() + " reports none"
                        + visibleDevicesNote());
            }
            if (status != CUresult.CUDA_SUCCESS) {
                return unavailable("cuInit failed: " + CudaErrors.name(status) + " (" + driver.describe() + ")");
            }
            int[] count = new int[1];
            CudaErrors.check("cuDeviceGetCount", cuDeviceGetCount(count));
            if (count[0] == 0) {
                return unavailable("no CUDA GPU: the NVIDIA " + driver.describe() + " reports none" + visibleDevicesNote());
            }
            KernelModules.Plan kernels = KernelModules.plan();
            Optional<String> noKernels = kernels.unavailableReason(driver);
            if (noKernels.isPresent()) {
                return unavailable(noKernels.get());
            }
            GemmPaths.Plan gemm;
            try {
                gemm = GemmPaths.plan(driver);
            } catch (GemmPaths.ForcedPathException e) {
                // A forced GEMM path is a request to test it: no device rather than another path
                // (and a warning, since Device.auto() then passes CUDA over).
                System.getLogger("dev.nabla.cuda").log(System.Logger.Level.WARNING, "cuda: unavailable: " + e.getMessage());
                return unavailable(e.getMessage());
            }
            List<DeviceInfo> infos = new ArrayList<>();
            List<String> hardware = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                CUdevice device = new CUdevice();
                CudaErrors.check("cuDeviceGet", cuDeviceGet(device, i));
                String describedHardware = hardware(device, driver);
                hardware.add(describedHardware);
                infos.add(new DeviceInfo("cuda", i, name(device), DeviceInfo.Kind.GPU,
                        describedHardware + "; " + kernels.describe() + "; " + gemm.describe()));
            }
            return new Found(Probe.available(infos), hardware, kernels, gemm);
        } catch (CudaException e) {
            return unavailable(e.getMessage());
        } catch (LinkageError e) {
            return unavailable("a CUDA library did not load: " + NativeLibraries.describeLoadFailure(e));
        } catch (RuntimeException e) {
            return unavailable("CUDA discovery failed: " + e);
        }
    }

    private static String visibleDevicesNote() {
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        return visible == null ? "" : " (CUDA_VISIBLE_DEVICES=" + visible + ")";
    }

    private static String name(CUdevice device) {
        byte[] bytes = new byte[256];
        CudaErrors.check("cuDeviceGetName", cuDeviceGetName(bytes, bytes.length, device));
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** {@code compute capability 9.0, 132 SMs, 79.1 GiB, driver 580.65.06 (CUDA 13.0)}. */
    private static String hardware(CUdevice device, DriverCheck.Driver driver) {
        int major = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int multiprocessors = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        long[] bytes = new long[1];
        CudaErrors.check("cuDeviceTotalMem", cuDeviceTotalMem(bytes, device));
        return String.format(Locale.ROOT, "compute capability %d.%d, %d SMs, %.1f GiB, %s",
                major, minor, multiprocessors, bytes[0] / (1024.0 * 1024 * 1024), driver.describe());
    }

    private static int attribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        CudaErrors.check("cuDeviceGetAttribute", cuDeviceGetAttribute(value, attribute, device));
        return value[0];
    }

    @Override
    public synchronized Backend open(int index) {
        Found discovered = found();
        Probe probe = discovered.probe();
        if (!probe.isAvailable()) {
            throw new IllegalArgumentException("cuda:" + index + ": CUDA is unavailable: " + probe.reason());
        }
        if (index < 0 || index >= probe.devices().size()) {
            throw new IllegalArgumentException("cuda:" + index + ": no such device; CUDA devices are cuda:0"
                    + (probe.devices().size() > 1 ? " to cuda:" + (probe.devices().size() - 1) : ""));
        }
        return opened.computeIfAbsent(index, i -> NativeSignals.preserving("opening cuda:" + i,
                () -> new CudaBackend(i, probe.devices().get(i), discovered.hardware().get(i), discovered.kernels(),
                        discovered.gemm())));
    }
}
