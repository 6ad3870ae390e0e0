package dev.nabla.cuda;

import static dev.nabla.cuda.CudaErrors.check;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;

/**
 * Host-to-device and device-to-host copies through page-locked (pinned) staging buffers.
 *
 * <p>Why: a copy from pageable Java memory makes the driver stage it through its own pinned
 * buffer synchronously; from our pinned slots the copy is queued on the stream and
 * {@link #copyIn} returns at once, so the DataLoader's prefetch thread hands batch n+1 to the
 * stream while the trainer's thread is still queueing step n. Two slots alternate; a slot is
 * refilled only after the copy that last read it has finished (an event per slot).
 *
 * <p>SAFETY: the slots are host memory the GPU reads asynchronously. A slot must not be written
 * while a queued copy may still read it (hence {@code cuEventSynchronize} before reuse), and the
 * memory is never freed while the device lives (the backend lives for the rest of the process).
 */
final class PinnedStaging {

    /** Bytes per slot: a Fashion-MNIST batch of 256 images is 0.8 MB; bigger copies go in pieces. */
    static final int SLOT_BYTES = 4 << 20;

    private final CUstream stream;
    /** Names the last queued kernel in errors that surface here (a fault of earlier work). */
    private final java.util.function.Supplier<String> lastKernel;
    private final ByteBuffer[] slots = new ByteBuffer[2];
    private final Pointer[] slotPointers = new Pointer[2];
    private final CUevent[] slotDone = new CUevent[2];
    private int next;

    PinnedStaging(CUstream stream, java.util.function.Supplier<String> lastKernel) {
        this.stream = stream;
        this.lastKernel = lastKernel;
        for (int i = 0; i < slots.length; i++) {
            slotPointers[i] = new Pointer();
            check("cuMemHostAlloc", cuMemHostAlloc(slotPointers[i], SLOT_BYTES, 0));
            slots[i] = slotPointers[i].getByteBuffer(0, SLOT_BYTES).order(ByteOrder.nativeOrder());
            slotDone[i] = new CUevent();
            check("cuEventCreate", cuEventCreate(slotDone[i], jcuda.driver.CUevent_flags.CU_EVENT_DISABLE_TIMING));
        }
    }

    /** Queues the copy of {@code src} to the start of {@code dst}; returns once {@code src} has been read. */
    synchronized void copyIn(float[] src, CUdeviceptr dst) {
        int perSlot = SLOT_BYTES / Float.BYTES;
        for (int start = 0; start < src.length; start += perSlot) {
            int count = Math.min(perSlot, src.length - start);
            int slot = takeSlot();
            slots[slot].clear();
            slots[slot].asFloatBuffer().put(src, start, count);
            queueIn(slot, dst, (long) start * Float.BYTES, (long) count * Float.BYTES);
        }
    }

    synchronized void copyIn(int[] src, CUdeviceptr dst) {
        int perSlot = SLOT_BYTES / Integer.BYTES;
        for (int start = 0; start < src.length; start += perSlot) {
            int count = Math.min(perSlot, src.length - start);
            int slot = takeSlot();
            slots[slot].clear();
            slots[slot].asIntBuffer().put(src, start, count);
            queueIn(slot, dst, (long) start * Integer.BYTES, (long) count * Integer.BYTES);
        }
    }

    /** Copies the first {@code dst.length} elements of {@code src}; waits for all queued work first (stream order). */
    synchronized void copyOut(CUdeviceptr src, float[] dst, CudaKernels kernels) {
        int perSlot = SLOT_BYTES / Float.BYTES;
        for (int start = 0; start < dst.length; start += perSlot) {
            int count = Math.min(perSlot, dst.length - start);
            int slot = takeSlot();
            queueOutAndWait(slot, src, (long) start * Float.BYTES, (long) count * Float.BYTES, kernels);
            slots[slot].clear();
            slots[slot].asFloatBuffer().get(dst, start, count);
        }
    }

    synchronized void copyOut(CUdeviceptr src, int[] dst, CudaKernels kernels) {
        int perSlot = SLOT_BYTES / Integer.BYTES;
        for (int start = 0; start < dst.length; start += perSlot) {
            int count = Math.min(perSlot, dst.length - start);
            int slot = takeSlot();
            queueOutAndWait(slot, src, (long) start * Integer.BYTES, (long) count * Integer.BYTES, kernels);
            slots[slot].clear();
            slots[slot].asIntBuffer().get(dst, start, count);
        }
    }

    /** The next slot, once the copy that last used it has finished. */
    private int takeSlot() {
        int slot = next;
        next = (next + 1) % slots.length;
        CudaErrors.checkQueued("cuEventSynchronize", cuEventSynchronize(slotDone[slot]), lastKernel.get());
        return slot;
    }

    private void queueIn(int slot, CUdeviceptr dst, long byteOffset, long bytes) {
        CudaErrors.checkQueued("cuMemcpyHtoDAsync",
                cuMemcpyHtoDAsync(dst.withByteOffset(byteOffset), slotPointers[slot], bytes, stream), lastKernel.get());
        CudaErrors.checkQueued("cuEventRecord", cuEventRecord(slotDone[slot], stream), lastKernel.get());
    }

    private void queueOutAndWait(int slot, CUdeviceptr src, long byteOffset, long bytes, CudaKernels kernels) {
        CudaErrors.checkQueued("cuMemcpyDtoHAsync",
                cuMemcpyDtoHAsync(slotPointers[slot], src.withByteOffset(byteOffset), bytes, stream), kernels.lastKernel());
        CudaErrors.checkQueued("cuStreamSynchronize", cuStreamSynchronize(stream), kernels.lastKernel());
    }
}
