package dev.nabla.distributed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank of {@link CollectivesTest}, started by {@code mpirun}: all-reduce (sum, average) of F32
 * and I32 buffers of 0, 1, odd and 10 M elements, and of BF16/F16 tensors, against a sum computed here from every rank's
 * inputs (each rank can regenerate the others' from their seeds), broadcast from every root, a
 * barrier that a rank enters late, and a text broadcast. Prints {@code OK rank R} or each failure,
 * and exits 0 or 1.
 */
public final class CollectivesCheck {

    static final int[] SIZES = {0, 1, 7, 100_003, 10_000_000};

    private CollectivesCheck() {
    }

    public static void main(String[] args) throws Exception {
        List<String> failures = new ArrayList<>();
        try (MpiCommunicator comm = MpiCommunicator.initialize(Duration.ofSeconds(120))) {
            int rank = comm.rank();
            int size = comm.size();
            for (int n : SIZES) {
                // 10 M elements once per dtype and collective; the small sizes every way.
                boolean large = n >= 1_000_000;
                for (Reduction reduction : large ? new Reduction[] {Reduction.SUM} : Reduction.values()) {
                    checkFloats(comm, n, reduction, failures);
                    checkInts(comm, n, reduction, failures);
                }
                for (int root = large ? size - 1 : 0; root < size; root++) {
                    checkBroadcast(comm, n, root, failures);
                }
            }
            checkHalfTensors(comm, failures);
            checkBarrier(comm, failures);
            String text = comm.broadcast(rank == size - 1 ? "runs/20261205-101010 ∇" : "", size - 1);
            if (!text.equals("runs/20261205-101010 ∇")) {
                failures.add("text broadcast: got '" + text + "'");
            }
            System.out.println(failures.isEmpty() ? "OK rank " + rank + " of " + size + " (" + comm.describe() + ")"
                    : "FAILED rank " + rank + ": " + String.join("; ", failures));
        }
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /**
     * Rank r's F32 input: multiples of 1/1024 in [-1, 1), from a multiplicative hash of (rank, i),
     * cheap enough to regenerate every rank's input for the host sum.
     */
    static float[] floats(int rank, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (hash(rank, i) % 2048 - 1024) / 1024f;
        }
        return values;
    }

    /** Rank r's I32 input, in [-10^6, 10^6] (sums stay far from overflow). */
    static int[] ints(int rank, int n) {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = hash(rank + 7, i) % 2_000_001 - 1_000_000;
        }
        return values;
    }

    private static int hash(int rank, int i) {
        long h = (i + 1L) * 0x9E3779B97F4A7C15L ^ (rank + 1L) * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        return (int) ((h * 0xBF58476D1CE4E5B9L) >>> 33);
    }

    private static void checkFloats(Communicator comm, int n, Reduction reduction, List<String> failures) {
        float[] data = floats(comm.rank(), n);
        comm.allReduce(data, reduction);
        double[] expected = new double[n];
        for (int r = 0; r < comm.size(); r++) {
            float[] theirs = floats(r, n);
            for (int i = 0; i < n; i++) {
                expected[i] += theirs[i];
            }
        }
        for (int i = 0; i < n; i++) {
            double want = reduction == Reduction.AVERAGE ? expected[i] / comm.size() : expected[i];
            // NOTE: MPI may add in any order; float sums of a few values in [-1, 1) agree within this.
            if (Math.abs(data[i] - want) > 1e-6 * comm.size()) {
                failures.add("F32 " + reduction + " of " + n + " elements: [" + i + "] = " + data[i] + ", expected "
                        + want);
                return;
            }
        }
    }

    /**
     * BF16 and F16 tensors (7 and 100,003 elements): the sum is the F32 sum of the ranks' widened
     * values rounded once to the dtype. Each rank's values are BF16/F16 roundings of its F32 input;
     * 2 or 3 such values (≤ 11 significant bits each, within a factor 2^11) add exactly in F32, in any
     * order, so the comparison is bit for bit.
     */
    private static void checkHalfTensors(Communicator comm, List<String> failures) {
        dev.nabla.Device device = dev.nabla.Device.reference();
        for (dev.nabla.DType dtype : new dev.nabla.DType[] {dev.nabla.DType.BF16, dev.nabla.DType.F16}) {
            for (int n : new int[] {7, 100_003}) {
                dev.nabla.Tensor t = dev.nabla.Tensor.of(device, floats(comm.rank(), n), n).toType(dtype);
                comm.allReduce(t, Reduction.SUM);
                float[] sum = new float[n];
                for (int r = 0; r < comm.size(); r++) {
                    float[] theirs = dev.nabla.Tensor.of(device, floats(r, n), n).toType(dtype).toFloatArray();
                    for (int i = 0; i < n; i++) {
                        sum[i] += theirs[i];
                    }
                }
                short[] want = dev.nabla.Tensor.of(device, sum, n).toType(dtype).toBits();
                short[] got = t.toBits();
                if (t.dtype() != dtype || !java.util.Arrays.equals(want, got)) {
                    failures.add(dtype + " tensor SUM of " + n + " elements: got " + t.dtype() + " "
                            + java.util.Arrays.toString(java.util.Arrays.copyOf(got, Math.min(4, n)))
                            + "..., expected " + java.util.Arrays.toString(java.util.Arrays.copyOf(want, Math.min(4, n))));
                }
            }
        }
    }

    private static void checkInts(Communicator comm, int n, Reduction reduction, List<String> failures) {
        int[] data = ints(comm.rank(), n);
        comm.allReduce(data, reduction);
        long[] expected = new long[n];
        for (int r = 0; r < comm.size(); r++) {
            int[] theirs = ints(r, n);
            for (int i = 0; i < n; i++) {
                expected[i] += theirs[i];
            }
        }
        for (int i = 0; i < n; i++) {
            long want = reduction == Reduction.AVERAGE ? expected[i] / comm.size() : expected[i];
            if (data[i] != want) {
                failures.add("I32 " + reduction + " of " + n + " elements: [" + i + "] = " + data[i] + ", expected "
                        + want);
                return;
            }
        }
    }

    private static void checkBroadcast(Communicator comm, int n, int root, List<String> failures) {
        float[] floats = comm.rank() == root ? floats(root, n) : new float[n];
        int[] ints = comm.rank() == root ? ints(root, n) : new int[n];
        comm.broadcast(floats, root);
        comm.broadcast(ints, root);
        if (!java.util.Arrays.equals(floats, floats(root, n)) || !java.util.Arrays.equals(ints, ints(root, n))) {
            failures.add("broadcast of " + n + " elements from root " + root + " differs from the root's data");
        }
    }

    /**
     * The last rank enters the barrier 300 ms late; no rank may leave before it entered. Entry and
     * exit times (ms, this machine's clock) are gathered with an I32 sum, one slot per rank.
     */
    private static void checkBarrier(Communicator comm, List<String> failures) throws InterruptedException {
        long base = System.currentTimeMillis() / 100_000 * 100_000;
        int[] entered = new int[comm.size()];
        comm.barrier();
        base = broadcastBase(comm, base);
        if (comm.rank() == comm.size() - 1) {
            Thread.sleep(300);
        }
        entered[comm.rank()] = (int) (System.currentTimeMillis() - base);
        comm.barrier();
        int left = (int) (System.currentTimeMillis() - base);
        comm.allReduce(entered, Reduction.SUM);
        int lastEntry = java.util.Arrays.stream(entered).max().orElse(0);
        if (left < lastEntry) {
            failures.add("barrier: rank " + comm.rank() + " left at " + left + " ms, before the last rank entered at "
                    + lastEntry + " ms");
        }
    }

    private static long broadcastBase(Communicator comm, long base) {
        int[] value = {(int) (base / 100_000)};
        comm.broadcast(value, 0);
        return value[0] * 100_000L;
    }
}
