package dev.nabla.distributed;

import java.time.Duration;
import java.util.List;

/**
 * A collective did not complete within the communicator's timeout: a rank died, hangs, or called
 * other collectives than this one. The message names the collective, this rank, and the ranks that
 * did not answer the roll call that followed ({@link #failedRanks()}).
 */
public final class CollectiveTimeoutException extends IllegalStateException {

    private final int rank;
    private final List<Integer> failedRanks;

    CollectiveTimeoutException(String message, int rank, List<Integer> failedRanks) {
        super(message);
        this.rank = rank;
        this.failedRanks = List.copyOf(failedRanks);
    }

    /**
     * The message: which collective, on which rank, and who failed.
     *
     * @param failedRanks the ranks that did not answer the roll call (empty: all answered, or unknown)
     * @param named       whether a roll call was made (false: MPI gave no thread support for it)
     */
    static CollectiveTimeoutException of(String collective, int rank, int size, Duration timeout,
                                         List<Integer> failedRanks, List<String> mismatched, boolean named) {
        StringBuilder text = new StringBuilder().append("rank ").append(rank).append(" of ").append(size).append(": ")
                .append(collective).append(" did not complete within ").append(format(timeout)).append(": ");
        if (!named) {
            text.append("the failed rank is unknown (MPI gave no MPI_THREAD_MULTIPLE, which naming it needs)");
        } else if (!failedRanks.isEmpty()) {
            text.append(failedRanks.size() == 1 ? "rank " : "ranks ").append(join(failedRanks))
                    .append(failedRanks.size() == 1 ? " failed" : " failed").append(" (no answer to the roll call: dead,"
                    + " hung, or out of memory)");
        } else {
            text.append("every rank answered the roll call, so the collective itself is stuck");
        }
        if (!mismatched.isEmpty()) {
            text.append("; ranks waiting in other collectives: ").append(String.join(", ", mismatched));
        }
        text.append(". The job is aborted; raise the limit with --collective-timeout if a rank is only slow");
        return new CollectiveTimeoutException(text.toString(), rank, failedRanks);
    }

    /** The rank that threw this. */
    public int rank() {
        return rank;
    }

    /** The ranks that did not answer the roll call (empty if all did, or if none could be named). */
    public List<Integer> failedRanks() {
        return failedRanks;
    }

    private static String join(List<Integer> ranks) {
        return String.join(", ", ranks.stream().map(String::valueOf).toList());
    }

    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1e3);
    }
}
