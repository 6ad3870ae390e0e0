package dev.nabla.backend;

/** Reductions along one axis. Means are sums scaled in core. */
public enum ReduceOp {
    SUM, MAX, MIN;

    /** The value a reduction starts from. */
    public float identity() {
        return switch (this) {
            case SUM -> 0f;
            case MAX -> Float.NEGATIVE_INFINITY;
            case MIN -> Float.POSITIVE_INFINITY;
        };
    }

    /** Combine the running value with the next element. NaN propagates through MAX and MIN. */
    public float combine(float accumulator, float x) {
        return switch (this) {
            case SUM -> accumulator + x;
            case MAX -> Float.isNaN(x) || x > accumulator ? x : accumulator;
            case MIN -> Float.isNaN(x) || x < accumulator ? x : accumulator;
        };
    }
}
