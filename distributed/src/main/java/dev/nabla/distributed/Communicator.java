package dev.nabla.distributed;

import dev.nabla.DType;
import dev.nabla.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A group of processes that reduce and broadcast buffers together, as PyTorch's
 * {@code ProcessGroup}: every rank calls the same collectives in the same order with buffers of
 * the same length. Buffers are host memory; a tensor on a GPU is staged through the host
 * ({@link #allReduce(Tensor, Reduction)}).
 *
 * <p>Every collective is blocking and in place. A collective that does not complete within the
 * communicator's timeout throws {@link CollectiveTimeoutException} naming the ranks that did not
 * arrive; the communicator is unusable afterwards and {@link #close()} ends the job.
 */
public interface Communicator extends AutoCloseable {

    /** This process's rank, {@code 0 <= rank < size}. */
    int rank();

    /** The number of processes. */
    int size();

    /**
     * Reduces {@code count} elements of {@code type} at the start of {@code buffer} over every rank,
     * in place: afterwards every rank holds the same result. {@code buffer} must be native memory
     * (an {@link Arena}'s), since the engine reads it after the call has left Java.
     */
    void allReduce(MemorySegment buffer, ElementType type, long count, Reduction reduction);

    /** Copies {@code count} elements of {@code type} from rank {@code root}'s {@code buffer} into every other rank's. */
    void broadcast(MemorySegment buffer, ElementType type, long count, int root);

    /** Returns once every rank has called it. */
    void barrier();

    /** The engine and its library, e.g. "MPI (Open MPI v4.1.4, /usr/lib/x86_64-linux-gnu/libmpi.so.40)". */
    String describe();

    /**
     * Ends every process of the job at once with a non-zero {@code exitCode}, after a failure on this
     * rank while the others may wait in a collective that will never complete ({@code MPI_Abort}).
     * Returns only where there is no other process to end (a single process).
     */
    void abort(int exitCode);

    /** Leaves the group (MPI_Finalize), or ends the whole job (MPI_Abort) after a failed collective. */
    @Override
    void close();

    /** {@link #allReduce(MemorySegment, ElementType, long, Reduction)} of a Java array, through native memory. */
    default void allReduce(float[] values, Reduction reduction) {
        MemorySegment buffer = staging().allocateFrom(ValueLayout.JAVA_FLOAT, values);
        allReduce(buffer, ElementType.F32, values.length, reduction);
        MemorySegment.copy(buffer, ValueLayout.JAVA_FLOAT, 0, values, 0, values.length);
    }

    /** {@link #allReduce(MemorySegment, ElementType, long, Reduction)} of a Java array, through native memory. */
    default void allReduce(int[] values, Reduction reduction) {
        MemorySegment buffer = staging().allocateFrom(ValueLayout.JAVA_INT, values);
        allReduce(buffer, ElementType.I32, values.length, reduction);
        MemorySegment.copy(buffer, ValueLayout.JAVA_INT, 0, values, 0, values.length);
    }

    /** {@link #broadcast(MemorySegment, ElementType, long, int)} of a Java array, through native memory. */
    default void broadcast(float[] values, int root) {
        MemorySegment buffer = staging().allocateFrom(ValueLayout.JAVA_FLOAT, values);
        broadcast(buffer, ElementType.F32, values.length, root);
        MemorySegment.copy(buffer, ValueLayout.JAVA_FLOAT, 0, values, 0, values.length);
    }

    /** {@link #broadcast(MemorySegment, ElementType, long, int)} of a Java array, through native memory. */
    default void broadcast(int[] values, int root) {
        MemorySegment buffer = staging().allocateFrom(ValueLayout.JAVA_INT, values);
        broadcast(buffer, ElementType.I32, values.length, root);
        MemorySegment.copy(buffer, ValueLayout.JAVA_INT, 0, values, 0, values.length);
    }

    /**
     * All-reduces a tensor in place on any device: its elements are copied to the host, reduced,
     * and written back (a CUDA tensor takes this road over MPI; {@link NcclCommunicator} reduces
     * device buffers without it). A BF16 or F16 tensor (PyTorch's {@code all_reduce} takes them) is
     * widened exactly, reduced in F32 and rounded once to its dtype on the way back, so a sum over
     * many ranks is not rounded at every step.
     */
    default void allReduce(Tensor tensor, Reduction reduction) {
        if (tensor.dtype().isFloatingPoint()) {
            float[] values = tensor.toFloatArray();
            allReduce(values, reduction);
            tensor.copyFrom(Tensor.of(tensor.device(), values, tensor.shape()));
        } else {
            int[] values = tensor.toIntArray();
            allReduce(values, reduction);
            tensor.copyFrom(Tensor.of(tensor.device(), values, tensor.shape()));
        }
    }

    /**
     * Broadcasts a tensor from rank {@code root} in place on any device, staged through the host
     * (BF16 and F16 as F32, which carries every 16-bit value exactly).
     */
    default void broadcast(Tensor tensor, int root) {
        if (tensor.dtype().isFloatingPoint()) {
            float[] values = tensor.toFloatArray();
            broadcast(values, root);
            tensor.copyFrom(Tensor.of(tensor.device(), values, tensor.shape()));
        } else {
            int[] values = tensor.toIntArray();
            broadcast(values, root);
            tensor.copyFrom(Tensor.of(tensor.device(), values, tensor.shape()));
        }
    }

    /** Broadcasts a short text from rank {@code root} (e.g. the run folder rank 0 chose), as UTF-8 bytes. */
    default String broadcast(String text, int root) {
        int[] length = {rank() == root ? text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length : 0};
        broadcast(length, root);
        byte[] bytes = rank() == root ? text.getBytes(java.nio.charset.StandardCharsets.UTF_8) : new byte[length[0]];
        int[] words = new int[(bytes.length + 3) / 4];
        java.nio.ByteBuffer.wrap(new byte[words.length * 4]).put(bytes).rewind().asIntBuffer().get(words);
        broadcast(words, root);
        java.nio.ByteBuffer packed = java.nio.ByteBuffer.allocate(words.length * 4);
        packed.asIntBuffer().put(words);
        return new String(packed.array(), 0, length[0], java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Native memory for staging a Java array: an automatic arena, freed by the garbage collector
     * once nothing (the engine's task included) can reach it. Not a confined arena: a collective that
     * timed out may still write into its buffer after the caller gave up on it.
     */
    private static Arena staging() {
        return Arena.ofAuto();
    }

    /** Checks the common arguments of a collective; messages name the op, the rank and the sizes. */
    static void checkBuffer(String op, int rank, MemorySegment buffer, ElementType type, long count) {
        if (count < 0) {
            throw new IllegalArgumentException(op + " on rank " + rank + ": count " + count + " is negative");
        }
        if (count > 0 && !buffer.isNative()) {
            throw new IllegalArgumentException(op + " on rank " + rank + ": the buffer is on the Java heap; collectives"
                    + " need native memory (Arena.allocate), which the engine reads after the call leaves Java");
        }
        if (buffer.byteSize() < count * type.bytes()) {
            throw new IllegalArgumentException(op + " on rank " + rank + ": " + count + " " + type + " elements need "
                    + count * type.bytes() + " bytes, the buffer has " + buffer.byteSize());
        }
    }
}
