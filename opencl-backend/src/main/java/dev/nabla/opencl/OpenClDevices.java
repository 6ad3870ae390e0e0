package dev.nabla.opencl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.clGetDeviceIDs;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clGetPlatformIDs;
import static org.jocl.CL.clGetPlatformInfo;

import dev.nabla.backend.DeviceInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Finds every OpenCL device of every platform and orders them: GPUs, then accelerators, then CPU
 * devices (stable within a kind, so platform order breaks ties). Index {@code N} of that order is
 * {@code opencl:N}.
 *
 * <p>{@code NABLA_OPENCL_DEVICE} narrows the list to one device, which becomes {@code opencl:0}
 * (like CUDA_VISIBLE_DEVICES): either an index into the full order or a case-insensitive part of
 * "platform / device" name.
 */
final class OpenClDevices {

    static final String ENVIRONMENT_VARIABLE = "NABLA_OPENCL_DEVICE";

    /** One device as discovery saw it. */
    record Found(cl_platform_id platform, cl_device_id device, String platformName, String deviceName,
                 DeviceInfo.Kind kind, String description) {

        DeviceInfo info(int index) {
            return new DeviceInfo("opencl", index, deviceName, kind, description);
        }

        String label() {
            return platformName + " / " + deviceName;
        }
    }

    private OpenClDevices() {
    }

    /**
     * Every device, best kind first.
     *
     * @throws CLException          if the loader reports an error (e.g. no platform installed)
     * @throws UnsatisfiedLinkError if libOpenCL cannot be loaded
     */
    static List<Found> discover() {
        JoclLibrary.load();
        CL.setExceptionsEnabled(true);
        int[] count = new int[1];
        clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        if (platforms.length > 0) {
            clGetPlatformIDs(platforms.length, platforms, null);
        }
        List<Found> found = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            String platformName = platformString(platform, CL_PLATFORM_NAME);
            int[] deviceCount = new int[1];
            try {
                clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, deviceCount);
            } catch (CLException e) {
                if (e.getStatus() == CL_DEVICE_NOT_FOUND) {
                    continue; // a platform whose driver sees no hardware
                }
                throw e;
            }
            cl_device_id[] devices = new cl_device_id[deviceCount[0]];
            clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices.length, devices, null);
            for (cl_device_id device : devices) {
                found.add(describe(platform, platformName, device));
            }
        }
        found.sort(Comparator.comparingInt(f -> rank(f.kind())));
        return found;
    }

    /**
     * Applies {@code NABLA_OPENCL_DEVICE}: an index into {@code all} or part of a device's
     * "platform / device" label.
     *
     * @throws IllegalArgumentException naming the devices when the selection matches none
     */
    static List<Found> select(List<Found> all, String selection) {
        if (selection == null || selection.isBlank()) {
            return all;
        }
        String wanted = selection.trim();
        if (wanted.chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(wanted);
            if (index < all.size()) {
                return List.of(all.get(index));
            }
        } else {
            String needle = wanted.toLowerCase(Locale.ROOT);
            for (Found f : all) {
                if (f.label().toLowerCase(Locale.ROOT).contains(needle)) {
                    return List.of(f);
                }
            }
        }
        StringBuilder known = new StringBuilder();
        for (int i = 0; i < all.size(); i++) {
            known.append(i == 0 ? "" : ", ").append(i).append(": ").append(all.get(i).label());
        }
        throw new IllegalArgumentException(ENVIRONMENT_VARIABLE + "=" + selection + " matches no OpenCL device ("
                + (all.isEmpty() ? "there are none" : known) + ")");
    }

    private static int rank(DeviceInfo.Kind kind) {
        return switch (kind) {
            case GPU -> 0;
            case ACCELERATOR -> 1;
            case CPU -> 2;
        };
    }

    private static Found describe(cl_platform_id platform, String platformName, cl_device_id device) {
        String name = deviceString(device, CL_DEVICE_NAME).trim();
        long type = deviceLong(device, CL_DEVICE_TYPE);
        DeviceInfo.Kind kind;
        if ((type & CL_DEVICE_TYPE_GPU) != 0) {
            kind = DeviceInfo.Kind.GPU;
        } else if ((type & CL_DEVICE_TYPE_CPU) != 0) {
            // PoCL's CPU device lands here, so Device.auto() keeps the Vector-API backend for the CPU.
            kind = DeviceInfo.Kind.CPU;
        } else {
            kind = DeviceInfo.Kind.ACCELERATOR; // CL_DEVICE_TYPE_ACCELERATOR or CUSTOM
        }
        int computeUnits = deviceInt(device, CL_DEVICE_MAX_COMPUTE_UNITS);
        long memory = deviceLong(device, CL_DEVICE_GLOBAL_MEM_SIZE);
        String description = String.format(Locale.ROOT, "%s; %s; %d compute units; %.1f GiB; driver %s",
                platformName, deviceString(device, CL_DEVICE_VERSION).trim(), computeUnits,
                memory / (1024.0 * 1024 * 1024), deviceString(device, CL_DRIVER_VERSION).trim());
        return new Found(platform, device, platformName.trim(), name, kind, description);
    }

    static String platformString(cl_platform_id platform, int parameter) {
        return infoString((size, value, sizeRet) -> clGetPlatformInfo(platform, parameter, size, value, sizeRet));
    }

    static String deviceString(cl_device_id device, int parameter) {
        return infoString((size, value, sizeRet) -> clGetDeviceInfo(device, parameter, size, value, sizeRet));
    }

    /** One {@code clGet*Info} call for a fixed object and parameter, as OpenCL declares them all. */
    @FunctionalInterface
    private interface InfoQuery {
        int get(long size, Pointer value, long[] sizeRet);
    }

    /** A string property: OpenCL's two calls, one for the length and one for the bytes. */
    private static String infoString(InfoQuery query) {
        long[] size = new long[1];
        query.get(0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        query.get(bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    /** A cl_ulong, cl_bitfield or size_t (64-bit on every platform JOCL ships for) device property. */
    static long deviceLong(cl_device_id device, int parameter) {
        long[] value = new long[1];
        clGetDeviceInfo(device, parameter, Sizeof.cl_ulong, Pointer.to(value), null);
        return value[0];
    }

    static int deviceInt(cl_device_id device, int parameter) {
        int[] value = new int[1];
        clGetDeviceInfo(device, parameter, Sizeof.cl_uint, Pointer.to(value), null);
        return value[0];
    }

    private static String cString(byte[] bytes) {
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
