package dev.nabla.distributed;

import java.lang.foreign.MemorySegment;

/** A group of one: rank 0 of 1, every collective leaves its buffer as it is. */
public final class SingleProcessCommunicator implements Communicator {

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allReduce(MemorySegment buffer, ElementType type, long count, Reduction reduction) {
        Communicator.checkBuffer("allReduce", 0, buffer, type, count);
        // The sum and the average of one buffer are the buffer.
    }

    @Override
    public void broadcast(MemorySegment buffer, ElementType type, long count, int root) {
        Communicator.checkBuffer("broadcast", 0, buffer, type, count);
        if (root != 0) {
            throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of a single process (only 0)");
        }
    }

    @Override
    public void barrier() {
    }

    @Override
    public String describe() {
        return "single process";
    }

    /** Nothing to end but this process, which the caller ends with its exit status. */
    @Override
    public void abort(int exitCode) {
    }

    @Override
    public void close() {
    }
}
