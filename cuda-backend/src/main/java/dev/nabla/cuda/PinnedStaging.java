package dev.nabla.cuda;

import static dev.nabla.cuda.CudaErrors.check;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;

/**
 * Host-to-device and device-to-host copies through page-locked (pinned) staging buffers.
 *
 * <p>Why: a copy from pageable Java memory makes the driver stage it through its own pinned
 * buffer synchronously; from our pinned slots the copy is queued on the stream and
 * {@link #copyIn} returns at once, so the DataLoader's prefetch thread hands batch n+1 to the
 * stream while the trainer's thread is still queueing step n. Two slots alternate for copies in;
 * a slot is refilled only after the copy that last read it has finished (an event per slot).
 * Copies out have a third slot and a lock of their own: {@link #copyOut} waits for the whole
 * stream, and must not hold up the prefetch thread's {@link #copyIn} meanwhile.
 *
 * <p>SAFETY: the slots are host memory the GPU reads and writes asynchronously. An in-slot must
 * not be written while a queued copy may still read it (hence {@code cuEventSynchronize} before
 * reuse); the out-slot is read only after the stream has drained; the memory is never freed while
 * the device lives (the backend lives for the rest of the process).
 */
final class PinnedStaging {

    /** Bytes per slot: a Fashion-MNIST batch of 256 images is 0.8 MB; bigger copies go in pieces. */
    static final int SLOT_BYTES = 4 << 20;
    private static final int IN_SLOTS = 2;
    private static final int OUT_SLOT = IN_SLOTS;

    private final CudaContext context;
    /** Names the last queued kernel in errors that surface here (a fault of earlier work). */
    private final Supplier<String> lastKernel;
    private final ByteBuffer[] slots = new ByteBuffer[IN_SLOTS + 1];
    private final Pointer[] slotPointers = new Pointer[IN_SLOTS + 1];
    private final CUevent[] slotDone = new CUevent[IN_SLOTS];
    private final Object inLock = new Object();
    private final Object outLock = new Object();
    /** The in-slot to fill next; guarded by {@link #inLock}. */
    private int next;

    /** Allocates the pinned slots in {@code context}, which must be current. */
    PinnedStaging(CudaContext context, Supplier<String> lastKernel) {
        this.context = context;
        this.lastKernel = lastKernel;
        for (int i = 0; i < slots.length; i++) {
            slotPointers[i] = new Pointer();
            check("cuMemHostAlloc(" + SLOT_BYTES + " bytes)", cuMemHostAlloc(slotPointers[i], SLOT_BYTES, 0));
            slots[i] = slotPointers[i].getByteBuffer(0, SLOT_BYTES).order(ByteOrder.nativeOrder());
        }
        for (int i = 0; i < slotDone.length; i++) {
            slotDone[i] = new CUevent();
            check("cuEventCreate", cuEventCreate(slotDone[i], CudaContext.WAIT_EVENT_FLAGS));
        }
    }

    /** Elements in the piece of a {@code length}-element copy that starts at element {@code start}: at most one slot. */
    static int piece(int start, int length, int elementBytes) {
        return Math.min(SLOT_BYTES / elementBytes, length - start);
    }

    /** Queues the copy of {@code src} to the start of {@code dst}; returns once {@code src} has been read. */
    void copyIn(float[] src, CUdeviceptr dst) {
        copyIn(src.length, Float.BYTES, dst, (slot, start, count) -> slot.asFloatBuffer().put(src, start, count));
    }

    void copyIn(int[] src, CUdeviceptr dst) {
        copyIn(src.length, Integer.BYTES, dst, (slot, start, count) -> slot.asIntBuffer().put(src, start, count));
    }

    /** BF16 or F16 bit patterns, unchanged. */
    void copyIn(short[] src, CUdeviceptr dst) {
        copyIn(src.length, Short.BYTES, dst, (slot, start, count) -> slot.asShortBuffer().put(src, start, count));
    }

    /** Copies the first {@code dst.length} elements of {@code src}; waits for all queued work first (stream order). */
    void copyOut(CUdeviceptr src, float[] dst) {
        copyOut(src, dst.length, Float.BYTES, (slot, start, count) -> slot.asFloatBuffer().get(dst, start, count));
    }

    void copyOut(CUdeviceptr src, int[] dst) {
        copyOut(src, dst.length, Integer.BYTES, (slot, start, count) -> slot.asIntBuffer().get(dst, start, count));
    }

    void copyOut(CUdeviceptr src, short[] dst) {
        copyOut(src, dst.length, Short.BYTES, (slot, start, count) -> slot.asShortBuffer().get(dst, start, count));
    }

    /** Moves elements {@code [start, start + count)} of a Java array into or out of a slot (at its start). */
    @FunctionalInterface
    private interface Piece {
        void move(ByteBuffer slot, int start, int count);
    }

    /** {@link #copyIn} of {@code length} elements of {@code elementBytes} each, one slot-sized piece at a time. */
    private void copyIn(int length, int elementBytes, CUdeviceptr dst, Piece fill) {
        synchronized (inLock) {
            context.bind(); // again: a virtual thread that waited for the lock may be on another OS thread now
            // NOTE: start += count never passes length, so it cannot overflow for huge arrays.
            for (int start = 0, count; start < length; start += count) {
                count = piece(start, length, elementBytes);
                int slot = takeSlot();
                slots[slot].clear();
                fill.move(slots[slot], start, count);
                queueIn(slot, dst, (long) start * elementBytes, (long) count * elementBytes);
            }
        }
    }

    /** {@link #copyOut} of {@code length} elements of {@code elementBytes} each, one slot-sized piece at a time. */
    private void copyOut(CUdeviceptr src, int length, int elementBytes, Piece drain) {
        synchronized (outLock) {
            context.bind(); // see copyIn
            for (int start = 0, count; start < length; start += count) {
                count = piece(start, length, elementBytes);
                queueOutAndWait(src, (long) start * elementBytes, (long) count * elementBytes);
                slots[OUT_SLOT].clear();
                drain.move(slots[OUT_SLOT], start, count);
            }
        }
    }

    /** The next in-slot, once the copy that last read it has finished. */
    private int takeSlot() {
        int slot = next;
        next = (next + 1) % IN_SLOTS;
        CudaErrors.checkQueued("cuEventSynchronize", cuEventSynchronize(slotDone[slot]), lastKernel.get());
        return slot;
    }

    private void queueIn(int slot, CUdeviceptr dst, long byteOffset, long bytes) {
        CudaErrors.checkQueued("cuMemcpyHtoDAsync",
                cuMemcpyHtoDAsync(dst.withByteOffset(byteOffset), slotPointers[slot], bytes, context.stream()),
                lastKernel.get());
        CudaErrors.checkQueued("cuEventRecord", cuEventRecord(slotDone[slot], context.stream()), lastKernel.get());
    }

    private void queueOutAndWait(CUdeviceptr src, long byteOffset, long bytes) {
        CudaErrors.checkQueued("cuMemcpyDtoHAsync",
                cuMemcpyDtoHAsync(slotPointers[OUT_SLOT], src.withByteOffset(byteOffset), bytes, context.stream()),
                lastKernel.get());
        context.waitForStream(lastKernel.get());
    }
}
