package dev.nabla.distributed;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.train.DataParallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Data parallelism over a {@link Communicator}, as PyTorch's {@code DistributedDataParallel}:
 * {@link #synchronize} broadcasts rank 0's parameters, and after {@code backward()}
 * {@link #reduceGradients} sums the ranks' weighted gradients in flat buckets, so that every rank
 * takes the same optimizer step. {@link dev.nabla.train.Trainer} drives it through core's
 * {@link DataParallel}; a hand-written loop calls the same methods:
 * <pre>{@code
 * try (Communicator comm = MpiCommunicator.initialize(Duration.ofMinutes(5));
 *      DistributedDataParallel ddp = new DistributedDataParallel(comm, DistributedDataParallel.DEFAULT_BUCKET_BYTES)) {
 *     ddp.synchronize(model.parameters());
 *     for (...) {
 *         Tensor loss = Losses.crossEntropy(model.forward(x), y);   // x, y: this rank's rows
 *         optimizer.zeroGrad();
 *         loss.backward();
 *         ddp.averageGradients(model.parameters());
 *         optimizer.step();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Buckets.</b> Parameters are packed in reverse order (the order backward finishes their
 * gradients, as PyTorch does) into flat F32 buffers of at most {@code bucketBytes} (a parameter
 * larger than that gets a bucket of its own); one all-reduce per bucket. Fewer, larger messages
 * amortise each collective's latency; the buffers are native memory allocated once. Gradients are
 * staged through the host ({@link Tensor#toFloatArray()}), so any backend works over MPI. The
 * all-reduce starts after backward has finished (no overlap with backward yet).
 *
 * <p><b>Weights.</b> A rank's loss is the mean over its own rows, so its gradient is weighted by
 * {@code localRows / globalRows} before the sum: the result is the gradient of the global batch's
 * mean loss even when the shares differ in size (a last batch of 5 rows on 2 ranks: 2 and 3).
 */
public final class DistributedDataParallel implements DataParallel, AutoCloseable {

    /** PyTorch's default {@code bucket_cap_mb} (25 MiB). */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final Communicator communicator;
    /** Picks the engine for device-resident buckets once the parameters' device is known; null: none. */
    private final Function<Device, DeviceCollectives> deviceEngine;
    /** Reduces device-resident buckets (NCCL), or null: buckets are staged through the host for {@link #communicator}. */
    private DeviceCollectives deviceCollectives;
    private boolean engineChosen;
    private final long bucketBytes;
    private final Arena arena = Arena.ofShared();
    private List<Bucket> buckets;
    private List<Tensor> bucketed;
    private MemorySegment scalars;

    /** One flat buffer and the parameters it holds, with each one's element offset. */
    private record Bucket(List<Tensor> parameters, long[] offsets, long elements, MemorySegment buffer) {
    }

    /**
     * @param communicator the group (not closed by {@link #close()})
     * @param bucketBytes  the largest bucket, in bytes (≥ 4)
     */
    public DistributedDataParallel(Communicator communicator, long bucketBytes) {
        this(communicator, (Function<Device, DeviceCollectives>) null, bucketBytes);
    }

    /**
     * Data parallelism whose gradient buckets stay on the device: each bucket is a flat tensor
     * assembled there, reduced by {@code deviceCollectives} (NCCL on CUDA), and sliced back into the
     * gradients; {@code communicator} (MPI) still carries the small host sums (loss, metrics) and
     * the ranks' timeouts.
     *
     * @param communicator      the group (not closed by {@link #close()})
     * @param deviceCollectives the engine for device buckets, or null to stage them through the host
     * @param bucketBytes       the largest bucket, in bytes (≥ 4)
     */
    public DistributedDataParallel(Communicator communicator, DeviceCollectives deviceCollectives, long bucketBytes) {
        this(communicator, device -> deviceCollectives, bucketBytes);
    }

    /**
     * Data parallelism whose device engine is chosen once the parameters' device is known (at the
     * first {@link #synchronize} or {@link #reduceGradients}): {@code deviceEngine} answers an
     * engine for that device (e.g. NCCL for a CUDA device), or null to stage buckets through the
     * host over {@code communicator}. An engine that is {@link AutoCloseable} is closed by
     * {@link #close()}.
     */
    public DistributedDataParallel(Communicator communicator, Function<Device, DeviceCollectives> deviceEngine,
            long bucketBytes) {
        if (bucketBytes < Float.BYTES) {
            throw new IllegalArgumentException("DistributedDataParallel: bucket size " + bucketBytes
                    + " bytes is smaller than one float");
        }
        this.communicator = communicator;
        this.deviceEngine = deviceEngine;
        this.bucketBytes = bucketBytes;
    }

    /** The engine reducing device-resident buckets, once chosen; empty: buckets are staged through the host. */
    public java.util.Optional<DeviceCollectives> deviceCollectives() {
        return java.util.Optional.ofNullable(deviceCollectives);
    }

    private void chooseEngine(List<Tensor> parameters) {
        if (engineChosen) {
            return;
        }
        engineChosen = true;
        if (deviceEngine != null && !parameters.isEmpty()) {
            deviceCollectives = deviceEngine.apply(parameters.getFirst().device());
        }
    }

    @Override
    public int rank() {
        return communicator.rank();
    }

    @Override
    public int worldSize() {
        return communicator.size();
    }

    /** The communicator this runs over. */
    public Communicator communicator() {
        return communicator;
    }

    /** How many buckets the parameters last reduced filled (0 before the first). */
    public int bucketCount() {
        return buckets == null ? 0 : buckets.size();
    }

    @Override
    public void synchronize(List<Tensor> parameters) {
        chooseEngine(parameters);
        if (deviceCollectives != null) {
            for (Bucket bucket : bucketsFor(parameters)) {
                try (var ignored = NoGrad.open(); Scope scope = Scope.open()) {
                    Tensor flat = flatten(bucket.parameters(), parameter -> parameter);
                    deviceCollectives.broadcast(flat, 0);
                    scatter(flat, bucket, Tensor::copyFrom);
                }
            }
            return;
        }
        for (Bucket bucket : bucketsFor(parameters)) {
            if (rank() == 0) {
                for (int i = 0; i < bucket.parameters().size(); i++) {
                    float[] values = bucket.parameters().get(i).toFloatArray();
                    MemorySegment.copy(values, 0, bucket.buffer(), ValueLayout.JAVA_FLOAT,
                            bucket.offsets()[i] * Float.BYTES, values.length);
                }
            }
            communicator.broadcast(bucket.buffer(), ElementType.F32, bucket.elements(), 0);
            try (var ignored = NoGrad.open()) {
                for (int i = 0; i < bucket.parameters().size(); i++) {
                    Tensor parameter = bucket.parameters().get(i);
                    float[] values = new float[(int) parameter.numel()];
                    MemorySegment.copy(bucket.buffer(), ValueLayout.JAVA_FLOAT, bucket.offsets()[i] * Float.BYTES,
                            values, 0, values.length);
                    try (Tensor received = Tensor.of(parameter.device(), values, parameter.shape())) {
                        parameter.copyFrom(received);
                    }
                }
            }
        }
    }

    /** Averages the ranks' gradients, every rank weighted alike (equal shares), for hand-written loops. */
    public void averageGradients(List<Tensor> parameters) {
        reduceGradients(parameters, 0, 1, worldSize());
    }

    @Override
    public double reduceGradients(List<Tensor> parameters, double localLoss, int localRows, int globalRows) {
        if (localRows < 0 || globalRows <= 0 || localRows > globalRows) {
            throw new IllegalArgumentException("reduceGradients on rank " + rank() + ": " + localRows + " local rows of "
                    + globalRows);
        }
        chooseEngine(parameters);
        float weight = (float) localRows / globalRows;
        List<Bucket> all = bucketsFor(parameters);
        if (deviceCollectives != null) {
            for (Bucket bucket : all) {
                reduceOnDevice(bucket, weight);
            }
            return sum(new double[] {localRows == 0 ? 0 : localLoss * weight})[0];
        }
        for (Bucket bucket : all) {
            pack(bucket, weight);
            communicator.allReduce(bucket.buffer(), ElementType.F32, bucket.elements(), Reduction.SUM);
            unpack(bucket);
        }
        // The global mean loss: Σ localLoss·localRows/globalRows, one more (tiny) collective.
        return sum(new double[] {localRows == 0 ? 0 : localLoss * weight})[0];
    }

    /**
     * One bucket on the device: the gradients times {@code weight} (zeros for a missing one) in one
     * flat tensor, reduced in place by the device engine, sliced back into fresh gradients. The
     * products are the host path's to the bit (one float multiply per element).
     */
    private void reduceOnDevice(Bucket bucket, float weight) {
        try (var ignored = NoGrad.open(); Scope scope = Scope.open()) {
            Tensor flat = flatten(bucket.parameters(), parameter -> {
                var grad = parameter.grad();
                return grad.isEmpty() || weight == 0 ? null : grad.get();
            });
            Tensor weighted = weight == 1 ? flat : flat.mul(weight);
            deviceCollectives.allReduce(weighted, Reduction.SUM);
            scatter(weighted, bucket, (parameter, reduced) -> {
                Tensor grad = Tensor.empty(parameter.device(), dev.nabla.DType.F32, parameter.shape());
                grad.copyFrom(reduced);
                parameter.setGrad(grad);
                return grad;
            });
        }
    }

    /**
     * The tensors {@code pick} chooses for each of the bucket's parameters, flattened and
     * concatenated in bucket order into one contiguous tensor on their device; a null pick counts
     * as zeros.
     */
    private static Tensor flatten(List<Tensor> parameters, java.util.function.Function<Tensor, Tensor> pick) {
        List<Tensor> parts = new ArrayList<>(parameters.size());
        for (Tensor parameter : parameters) {
            Tensor chosen = pick.apply(parameter);
            int numel = Math.toIntExact(parameter.numel());
            parts.add(chosen == null ? Tensor.zeros(parameter.device(), numel) : chosen.reshape(numel));
        }
        return Tensor.cat(parts, 0);   // always a fresh copy: the engine writes into it
    }

    /** Hands each parameter its slice of {@code flat}, shaped as the parameter. */
    private static void scatter(Tensor flat, Bucket bucket,
            java.util.function.BiFunction<Tensor, Tensor, Tensor> use) {
        for (int i = 0; i < bucket.parameters().size(); i++) {
            Tensor parameter = bucket.parameters().get(i);
            int start = Math.toIntExact(bucket.offsets()[i]);
            int end = Math.toIntExact(bucket.offsets()[i] + parameter.numel());
            use.apply(parameter, flat.slice(0, start, end).reshape(parameter.shape()));
        }
    }

    /** Writes each gradient times {@code weight} into the bucket (zeros for a missing gradient). */
    private static void pack(Bucket bucket, float weight) {
        MemorySegment buffer = bucket.buffer();
        for (int i = 0; i < bucket.parameters().size(); i++) {
            Tensor parameter = bucket.parameters().get(i);
            long offset = bucket.offsets()[i];
            long numel = parameter.numel();
            var grad = parameter.grad();
            if (grad.isEmpty() || weight == 0) {
                buffer.asSlice(offset * Float.BYTES, numel * Float.BYTES).fill((byte) 0);
                continue;
            }
            float[] values = grad.get().toFloatArray();
            for (int j = 0; j < values.length; j++) {
                values[j] *= weight;
            }
            MemorySegment.copy(values, 0, buffer, ValueLayout.JAVA_FLOAT, offset * Float.BYTES, values.length);
        }
    }

    /** Replaces every gradient by the reduced one. */
    private static void unpack(Bucket bucket) {
        for (int i = 0; i < bucket.parameters().size(); i++) {
            Tensor parameter = bucket.parameters().get(i);
            float[] values = new float[(int) parameter.numel()];
            MemorySegment.copy(bucket.buffer(), ValueLayout.JAVA_FLOAT, bucket.offsets()[i] * Float.BYTES, values, 0,
                    values.length);
            parameter.setGrad(Tensor.of(parameter.device(), values, parameter.shape()));
        }
    }

    /**
     * Sums over the ranks in F32, each double sent as two floats (its float value and the rest),
     * which keeps about 48 bits: metrics such as a loss summed over 60,000 samples stay exact to far
     * more than the printed digits.
     */
    @Override
    public double[] sum(double[] values) {
        if (scalars == null || scalars.byteSize() < 2L * values.length * Float.BYTES) {
            scalars = arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(16, 2L * values.length));
        }
        for (int i = 0; i < values.length; i++) {
            float high = (float) values[i];
            scalars.setAtIndex(ValueLayout.JAVA_FLOAT, 2L * i, high);
            scalars.setAtIndex(ValueLayout.JAVA_FLOAT, 2L * i + 1, (float) (values[i] - high));
        }
        communicator.allReduce(scalars, ElementType.F32, 2L * values.length, Reduction.SUM);
        double[] sums = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            sums[i] = (double) scalars.getAtIndex(ValueLayout.JAVA_FLOAT, 2L * i)
                    + scalars.getAtIndex(ValueLayout.JAVA_FLOAT, 2L * i + 1);
        }
        return sums;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "data parallel: %d ranks over %s, gradient buckets of %s", worldSize(),
                deviceCollectives == null ? communicator.describe()
                        : deviceCollectives.describe() + " (gradients on the device; " + communicator.describe() + " for "
                                + "the bootstrap and the metrics)", bucketBytes % (1 << 20) == 0 ? (bucketBytes >> 20) + " MiB"
                        : bucketBytes + " bytes");
    }

    /** The buckets for {@code parameters}, laid out on first use and again if the list changes. */
    private List<Bucket> bucketsFor(List<Tensor> parameters) {
        if (buckets != null && bucketed.equals(parameters)) {
            return buckets;
        }
        List<Bucket> laidOut = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        long elements = 0;
        long capacity = bucketBytes / Float.BYTES;
        for (int i = parameters.size() - 1; i >= 0; i--) {
            Tensor parameter = parameters.get(i);
            if (parameter.dtype() != dev.nabla.DType.F32) {
                throw new IllegalArgumentException("DistributedDataParallel: parameter " + i + " of shape "
                        + java.util.Arrays.toString(parameter.shape()) + " is " + parameter.dtype()
                        + "; its gradients are reduced as F32 buckets, so parameters must be F32: keep F32 master"
                        + " weights and run the forward pass under Autocast (train --precision bf16|fp16)");
            }
            if (!current.isEmpty() && elements + parameter.numel() > capacity) {
                laidOut.add(bucket(current, offsets, elements));
                current = new ArrayList<>();
                offsets = new ArrayList<>();
                elements = 0;
            }
            current.add(parameter);
            offsets.add(elements);
            elements += parameter.numel();
        }
        if (!current.isEmpty()) {
            laidOut.add(bucket(current, offsets, elements));
        }
        buckets = laidOut;
        bucketed = List.copyOf(parameters);
        return buckets;
    }

    private Bucket bucket(List<Tensor> parameters, List<Long> offsets, long elements) {
        // Device buckets are assembled afresh each step; only host staging needs a native buffer.
        return new Bucket(List.copyOf(parameters), offsets.stream().mapToLong(Long::longValue).toArray(), elements,
                deviceCollectives != null ? MemorySegment.NULL
                        : arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, elements)));
    }

    /** Frees the buckets; the communicator stays open (its owner closes it). */
    @Override
    public void close() {
        arena.close();
        if (deviceCollectives instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("DistributedDataParallel: closing " + deviceCollectives.describe()
                        + " failed: " + e.getMessage(), e);
            }
        }
    }
}
