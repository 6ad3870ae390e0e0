package dev.nabla.distributed;

/** How an all-reduce combines the ranks' buffers. */
public enum Reduction {
    /** The element-wise sum. */
    SUM,
    /**
     * The element-wise sum divided by the number of ranks. For I32 the quotient is rounded toward
     * zero, as NCCL's {@code ncclAvg} and Java's integer division do.
     */
    AVERAGE
}
