package dev.nabla.opencl;

import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_PROFILING_COMMAND_END;
import static org.jocl.CL.CL_PROFILING_COMMAND_START;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.CL_PROGRAM_KERNEL_NAMES;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clGetEventProfilingInfo;
import static org.jocl.CL.clGetKernelWorkGroupInfo;
import static org.jocl.CL.clGetProgramBuildInfo;
import static org.jocl.CL.clGetProgramInfo;
import static org.jocl.CL.clReleaseEvent;
import static org.jocl.CL.clReleaseKernel;
import static org.jocl.CL.clReleaseProgram;
import static org.jocl.CL.clSetKernelArg;

import dev.nabla.kernels.KernelSource;
import dev.nabla.kernels.host.DeviceStorage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * The compiled program of one device and the launcher every family class uses.
 *
 * <p>Arguments are given in kernel order as Java values: a storage (its buffer), an
 * {@code Integer} ({@code int} or {@code uint}), a {@code Float}, or an {@code int[]} (a struct
 * of ints passed by value, such as a packed {@code StridedLayout}). Setting arguments and
 * enqueueing happen under one lock, because a {@code cl_kernel}'s arguments are shared state.
 *
 * <p>With profiling on (an event per launch), {@link #kernelTimes()} sums device time per kernel.
 */
final class OpenClKernels implements dev.nabla.kernels.host.KernelLauncher {

    /** Device time of one kernel summed over its launches. */
    record KernelTime(String kernel, long launches, long nanoseconds) {
    }

    private final cl_program program;
    private final cl_command_queue queue;
    private final String deviceName;
    private final boolean profiling;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final List<cl_event> pendingEvents = new ArrayList<>();
    private final List<String> pendingNames = new ArrayList<>();
    private final Map<String, long[]> times = new LinkedHashMap<>();

    OpenClKernels(cl_program program, cl_command_queue queue, String deviceName, boolean profiling) {
        this.program = program;
        this.queue = queue;
        this.deviceName = deviceName;
        this.profiling = profiling;
    }

    /**
     * Compiles {@code source} for {@code device}.
     *
     * @throws KernelBuildException with the device name and the build log if compilation fails
     */
    static cl_program build(cl_context context, cl_device_id device, String deviceName, String source, String options) {
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program, device);
            clReleaseProgram(program);
            throw new KernelBuildException(deviceName, org.jocl.CL.stringFor_errorCode(e.getStatus()), log);
        }
        return program;
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] bytes = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, bytes.length, Pointer.to(bytes), null);
            return new String(bytes, StandardCharsets.UTF_8).replace("\0", "");
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    /** The kernel names the program defines (CL_PROGRAM_KERNEL_NAMES), sorted. */
    TreeSet<String> kernelNames() {
        long[] size = new long[1];
        clGetProgramInfo(program, CL_PROGRAM_KERNEL_NAMES, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        clGetProgramInfo(program, CL_PROGRAM_KERNEL_NAMES, bytes.length, Pointer.to(bytes), null);
        String names = new String(bytes, StandardCharsets.UTF_8).replace("\0", "");
        return new TreeSet<>(Arrays.asList(names.split(";")));
    }

    /**
     * Creates every kernel of the program and checks that the device runs each with the
     * work-group size Nabla launches it with ({@link KernelSource#BLOCK_SIZE} work-items, also
     * {@code GEMM_THREADS²}). A driver may allow fewer for a kernel than the device maximum (its
     * registers or local memory limit it); finding that now makes the device unavailable with a
     * reason instead of failing at the kernel's first launch in the middle of training.
     *
     * @throws IllegalStateException naming the kernels, their limits and the device
     */
    synchronized void checkWorkGroupSizes(cl_device_id device) {
        Map<String, Long> limits = new TreeMap<>();
        for (String name : kernelNames()) {
            cl_kernel kernel = kernels.computeIfAbsent(name, this::create);
            long[] limit = new long[1];
            clGetKernelWorkGroupInfo(kernel, device, CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(limit), null);
            limits.put(name, limit[0]);
        }
        String problem = workGroupProblem(limits, KernelSource.BLOCK_SIZE, deviceName);
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    /** Releases every kernel created so far and the program (a device that failed to open). */
    synchronized void release() {
        for (cl_kernel kernel : kernels.values()) {
            clReleaseKernel(kernel);
        }
        kernels.clear();
        clReleaseProgram(program);
    }

    /** The message for kernels whose work-group limit is below {@code needed}, or null if there are none. */
    static String workGroupProblem(Map<String, Long> limits, int needed, String deviceName) {
        List<String> tooSmall = new ArrayList<>();
        limits.forEach((name, limit) -> {
            if (limit < needed) {
                tooSmall.add(name + " (" + limit + ")");
            }
        });
        if (tooSmall.isEmpty()) {
            return null;
        }
        return "opencl: " + deviceName + " cannot run " + (tooSmall.size() == 1 ? "kernel " : "kernels ")
                + String.join(", ", tooSmall) + " with " + needed + " work-items per group, as Nabla launches them"
                + " (CL_KERNEL_WORK_GROUP_SIZE in parentheses)";
    }

    /** One work-item per element: {@code items} rounded up to whole work-groups of BLOCK_SIZE. */
    @Override
    public void launchItems(String name, long items, Object... args) {
        if (items <= 0) {
            return;
        }
        long block = KernelSource.BLOCK_SIZE;
        launch(name, new long[] {(items + block - 1) / block * block}, new long[] {block}, args);
    }

    /** One work-group of BLOCK_SIZE per row (group id 0 is the row). */
    @Override
    public void launchGroups(String name, long groups, Object... args) {
        if (groups <= 0) {
            return;
        }
        launch(name, new long[] {groups * KernelSource.BLOCK_SIZE}, new long[] {KernelSource.BLOCK_SIZE}, args);
    }

    /** A 2-D grid of {@code groupsX × groupsY} work-groups of {@code localX × localY}. */
    @Override
    public void launchGrid(String name, long groupsX, long groupsY, int localX, int localY, Object... args) {
        if (groupsX <= 0 || groupsY <= 0) {
            return;
        }
        launch(name, new long[] {groupsX * localX, groupsY * localY}, new long[] {localX, localY}, args);
    }

    private synchronized void launch(String name, long[] global, long[] local, Object[] args) {
        cl_kernel kernel = kernels.computeIfAbsent(name, this::create);
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case DeviceStorage<?> storage ->
                            clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(OpenClBackend.memoryOf(storage)));
                    case Integer value -> clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[] {value}));
                    case Float value -> clSetKernelArg(kernel, i, Sizeof.cl_float, Pointer.to(new float[] {value}));
                    case int[] struct -> clSetKernelArg(kernel, i, (long) Sizeof.cl_int * struct.length, Pointer.to(struct));
                    default -> throw new IllegalArgumentException(name + ": argument " + i + " has unsupported type "
                            + args[i].getClass().getName());
                }
            }
            cl_event event = profiling ? new cl_event() : null;
            clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, event);
            if (profiling) {
                pendingEvents.add(event);
                pendingNames.add(name);
            }
        } catch (CLException e) {
            throw new IllegalStateException("opencl: launching " + name + " (global " + Arrays.toString(global)
                    + ", local " + Arrays.toString(local) + ") on " + deviceName + " failed: " + e.getMessage(), e);
        }
    }

    private cl_kernel create(String name) {
        try {
            return clCreateKernel(program, name, null);
        } catch (CLException e) {
            throw new IllegalStateException("opencl: the program for " + deviceName + " has no kernel " + name
                    + " (" + e.getMessage() + ")", e);
        }
    }

    /** Adds the event of work another library queued (CLBlast's GEMM) to the profile under {@code name}. */
    synchronized void recordExternal(String name, cl_event event) {
        pendingEvents.add(event);
        pendingNames.add(name);
    }

    /** Folds finished launches into the per-kernel totals; call after the queue has drained. */
    synchronized void collectTimes() {
        long[] start = new long[1];
        long[] end = new long[1];
        for (int i = 0; i < pendingEvents.size(); i++) {
            cl_event event = pendingEvents.get(i);
            clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
            clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
            clReleaseEvent(event);
            long[] total = times.computeIfAbsent(pendingNames.get(i), n -> new long[2]);
            total[0]++;
            total[1] += end[0] - start[0];
        }
        pendingEvents.clear();
        pendingNames.clear();
    }

    synchronized List<KernelTime> kernelTimes() {
        List<KernelTime> result = new ArrayList<>();
        times.forEach((name, total) -> result.add(new KernelTime(name, total[0], total[1])));
        return result;
    }

    boolean profiling() {
        return profiling;
    }
}
