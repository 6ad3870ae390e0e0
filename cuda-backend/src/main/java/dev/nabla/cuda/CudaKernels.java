package dev.nabla.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import dev.nabla.kernels.KernelSource;
import dev.nabla.kernels.host.DeviceStorage;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * The loaded kernel module of one device and the launcher every family class uses.
 *
 * <p>Arguments are given in kernel order as Java values: a storage (its device
 * pointer), an {@code Integer} ({@code int} or {@code uint}), a {@code Float}, or an {@code int[]}
 * (a struct of ints passed by value, such as a packed {@code StridedLayout}: the driver copies as
 * many bytes as the parameter's size from the array). Launch geometry is the one the kernels are
 * compiled for ({@link KernelSource#BLOCK_SIZE}, GEMM's 16×16).
 *
 * <p>Kernel faults surface later, at the next call that waits; the name of the last kernel
 * launched is kept for that message. {@code NABLA_CUDA_SYNC=1} waits after every launch, so a
 * fault is reported by the launch that caused it (slow; for debugging).
 */
final class CudaKernels implements dev.nabla.kernels.host.KernelLauncher {

    /** Bound before each launch: a virtual thread may have moved to another OS thread since the entry point bound it. */
    private final CudaContext context;
    private final CUmodule module;
    private final CUstream stream;
    private final String deviceName;
    private final boolean synchronous = "1".equals(System.getenv("NABLA_CUDA_SYNC"));
    private final ConcurrentHashMap<String, CUfunction> functions = new ConcurrentHashMap<>();
    private volatile String lastKernel = "(none yet)";

    /** {@code context} may be null only in tests that never launch (GemmMappingTest). */
    CudaKernels(CudaContext context, CUmodule module, CUstream stream, String deviceName) {
        this.context = context;
        this.module = module;
        this.stream = stream;
        this.deviceName = deviceName;
    }

    /** The name of the kernel launched last, for messages about asynchronous faults. */
    String lastKernel() {
        return lastKernel;
    }

    /**
     * Records work queued by a library (cuBLAS) as the last launch, so a fault inside it is named
     * correctly, and checks it at once under {@code NABLA_CUDA_SYNC=1}.
     */
    void noteExternal(String what) {
        lastKernel = what;
        if (synchronous) {
            CudaErrors.checkQueued("cuStreamSynchronize after " + what, cuStreamSynchronize(stream), what);
        }
    }

    /** The module's function {@code name}; throws if the module lacks it. */
    CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction function = new CUfunction();
            int result = cuModuleGetFunction(function, module, n);
            if (result != CUresult.CUDA_SUCCESS) {
                throw CudaErrors.failure("cuModuleGetFunction(" + n + ")", result,
                        "the kernel module for " + deviceName + " has no kernel " + n);
            }
            return function;
        });
    }

    /** One thread per element: {@code items} rounded up to whole blocks of BLOCK_SIZE. */
    @Override
    public void launchItems(String name, long items, Object... args) {
        if (items <= 0) {
            return;
        }
        long block = KernelSource.BLOCK_SIZE;
        launch(name, blocks((items + block - 1) / block, name), 1, KernelSource.BLOCK_SIZE, 1, args);
    }

    /** One block of BLOCK_SIZE threads per row (block index x is the row). */
    @Override
    public void launchGroups(String name, long groups, Object... args) {
        if (groups <= 0) {
            return;
        }
        launch(name, blocks(groups, name), 1, KernelSource.BLOCK_SIZE, 1, args);
    }

    /** A 2-D grid of {@code groupsX × groupsY} blocks of {@code localX × localY} threads. */
    @Override
    public void launchGrid(String name, long groupsX, long groupsY, int localX, int localY, Object... args) {
        if (groupsX <= 0 || groupsY <= 0) {
            return;
        }
        if (groupsY > 65_535) {
            throw new UnsupportedOperationException(name + ": " + groupsY + " block rows exceed CUDA's grid limit of 65535");
        }
        launch(name, blocks(groupsX, name), (int) groupsY, localX, localY, args);
    }

    private static int blocks(long count, String name) {
        if (count > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException(name + ": " + count + " blocks exceed CUDA's grid limit");
        }
        return (int) count;
    }

    private void launch(String name, int gridX, int gridY, int blockX, int blockY, Object[] args) {
        CUfunction function = function(name);
        NativePointerObject[] parameters = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            parameters[i] = switch (args[i]) {
                case DeviceStorage<?> storage -> Pointer.to(DeviceBlock.of(storage).pointer());
                case Integer value -> Pointer.to(new int[] {value});
                case Float value -> Pointer.to(new float[] {value});
                case int[] struct -> Pointer.to(struct);
                default -> throw new IllegalArgumentException(name + ": argument " + i + " has unsupported type "
                        + args[i].getClass().getName());
            };
        }
        String previous = lastKernel;
        lastKernel = name;
        context.bind();
        // SAFETY: cuLaunchKernel copies the parameter values before it returns, so the Java arrays
        // behind these pointers may move or be collected afterwards.
        int result = cuLaunchKernel(function, gridX, gridY, 1, blockX, blockY, 1, 0, stream,
                Pointer.to(parameters), null);
        if (result != CUresult.CUDA_SUCCESS) {
            if (CudaErrors.isKernelFault(result)) {
                // NOTE: a fault of earlier queued work surfaces at the next launch; blame that work.
                CudaErrors.checkQueued("cuLaunchKernel(" + name + ")", result, previous);
            }
            throw CudaErrors.failure("cuLaunchKernel(" + name + ")", result,
                    "grid " + gridX + "×" + gridY + ", block " + blockX + "×" + blockY + " on " + deviceName);
        }
        if (synchronous) {
            CudaErrors.checkQueued("cuStreamSynchronize after " + name, cuStreamSynchronize(stream), name);
        }
    }
}
