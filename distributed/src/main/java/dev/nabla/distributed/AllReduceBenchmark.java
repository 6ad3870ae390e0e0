package dev.nabla.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * All-reduce bandwidth between the ranks of a job, as nccl-tests' {@code all_reduce_perf} reports
 * it: for each size, the mean time of one in-place F32 sum, the algorithm bandwidth
 * {@code algbw = bytes / time} and the bus bandwidth {@code busbw = algbw · 2(N−1)/N} (what a ring
 * moves over each link, comparable across rank counts and with the links' own speed).
 * {@code nabla bench --workload allreduce} runs it as N local ranks ({@link #main}).
 */
public final class AllReduceBenchmark {

    /** 4 KB to 256 MB, ×4 a step. */
    public static final List<Long> SIZES = List.of(4L << 10, 16L << 10, 64L << 10, 256L << 10, 1L << 20, 4L << 20,
            16L << 20, 64L << 20, 256L << 20);

    /** One size's result; times in seconds, bandwidths in GB/s (10^9 bytes). */
    public record Row(long bytes, int iterations, double seconds, double algorithmGBs, double busGBs) {
    }

    private AllReduceBenchmark() {
    }

    /** Runs every size on {@code comm}; every rank gets the same rows (rank 0's clock, the slowest rank's pace). */
    public static List<Row> run(Communicator comm, List<Long> sizes, Duration perSize) {
        List<Row> rows = new ArrayList<>();
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElse(0);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, largest / Float.BYTES));
            buffer.fill((byte) 0); // zeros stay zeros however often they are summed (no overflow to inf)
            for (long bytes : sizes) {
                long count = bytes / Float.BYTES;
                // Warm up (connections, first-touch of pages), then agree on a count that fills perSize.
                comm.allReduce(buffer, ElementType.F32, count, Reduction.SUM);
                comm.barrier();
                long started = System.nanoTime();
                comm.allReduce(buffer, ElementType.F32, count, Reduction.SUM);
                int[] iterations = {(int) Math.clamp(perSize.toNanos() / Math.max(1, System.nanoTime() - started), 3,
                        1000)};
                comm.broadcast(iterations, 0);
                comm.barrier();
                started = System.nanoTime();
                for (int i = 0; i < iterations[0]; i++) {
                    comm.allReduce(buffer, ElementType.F32, count, Reduction.SUM);
                }
                float[] elapsed = {(System.nanoTime() - started) / 1e9f};
                comm.broadcast(elapsed, 0);
                double seconds = elapsed[0] / iterations[0];
                double algorithm = bytes / seconds / 1e9;
                int n = comm.size();
                rows.add(new Row(bytes, iterations[0], seconds, algorithm, algorithm * 2 * (n - 1) / n));
            }
        }
        return rows;
    }

    /** The rows as a table, nccl-tests' columns. */
    public static String table(List<Row> rows, int ranks, String engine) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                "all-reduce (F32 sum, in place) over %s, %d ranks; busbw = algbw * 2(N-1)/N%n", engine, ranks));
        text.append(String.format(Locale.ROOT, "%12s %10s %12s %12s %12s%n", "size", "iterations", "time (us)",
                "algbw (GB/s)", "busbw (GB/s)"));
        for (Row row : rows) {
            text.append(String.format(Locale.ROOT, "%12s %10d %12.1f %12.3f %12.3f%n", size(row.bytes()),
                    row.iterations(), row.seconds() * 1e6, row.algorithmGBs(), row.busGBs()));
        }
        return text.toString();
    }

    static String size(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MB" : (bytes >> 10) + " KB";
    }

    /**
     * One rank of the benchmark ({@code mpirun -np N java ... AllReduceBenchmark [SECONDS_PER_SIZE]}):
     * rank 0 prints the table.
     */
    public static void main(String[] args) {
        Duration perSize = Duration.ofMillis(args.length > 0 ? (long) (Double.parseDouble(args[0]) * 1000) : 500);
        try (MpiCommunicator comm = MpiCommunicator.initialize(Duration.ofMinutes(5))) {
            List<Row> rows = run(comm, SIZES, perSize);
            if (comm.rank() == 0) {
                System.out.print(table(rows, comm.size(), comm.describe()));
                System.out.flush();
            }
        }
    }
}
