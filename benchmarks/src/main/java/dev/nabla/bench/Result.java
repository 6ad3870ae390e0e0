package dev.nabla.bench;

import java.util.List;
import java.util.Optional;

/**
 * The timings of one workload on one contender, or why there are none.
 *
 * @param workload    what ran
 * @param contender   who ran it ({@code cpu:0}, {@code torch}, {@code numpy})
 * @param description the contender's device or library description
 * @param nabla       true for Nabla devices
 * @param stats       seconds per call, absent if it failed
 * @param samples     seconds per call of each sample, in order
 * @param error       why it did not run, empty if it did
 * @param peakFlops   the device's peak FLOP/s for the fraction-of-peak column, 0 when unknown
 */
public record Result(Workload workload, String contender, String description, boolean nabla,
                     Optional<Stats> stats, List<Double> samples, String error, double peakFlops) {

    public Result {
        samples = List.copyOf(samples);
    }

    public static Result failed(Workload workload, Contender contender, String error) {
        return new Result(workload, contender.name(), contender.description(), contender.isNabla(),
                Optional.empty(), List.of(), error, 0);
    }

    public boolean ok() {
        return stats.isPresent();
    }

    /** Median seconds per call, NaN if it failed. */
    public double seconds() {
        return stats.map(Stats::median).orElse(Double.NaN);
    }

    /** GFLOP/s at the median, NaN if the workload is not counted in FLOPs or failed. */
    public double gflops() {
        return workload.flops() > 0 ? workload.flops() / seconds() / 1e9 : Double.NaN;
    }

    /** GB/s at the median, NaN if the workload is not memory-bound or failed. */
    public double gbps() {
        return workload.metric() == Workload.Metric.BYTES && workload.bytes() > 0
                ? workload.bytes() / seconds() / 1e9 : Double.NaN;
    }

    /** The workload's headline figure: GFLOP/s or GB/s. */
    public double throughput() {
        return workload.metric() == Workload.Metric.FLOPS ? gflops() : gbps();
    }

    /** Training samples per second, NaN unless the workload is a training step. */
    public double samplesPerSecond() {
        return workload.samplesPerCall() > 0 ? workload.samplesPerCall() / seconds() : Double.NaN;
    }

    /** GFLOP/s over the device's peak, NaN when either is unknown. */
    public double fractionOfPeak() {
        return peakFlops > 0 && workload.flops() > 0 ? gflops() * 1e9 / peakFlops : Double.NaN;
    }
}
