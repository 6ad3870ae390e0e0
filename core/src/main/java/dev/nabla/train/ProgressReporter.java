package dev.nabla.train;

import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The trainer's console output as a listener: a progress bar per epoch on stderr (if asked for)
 * and one summary line per epoch on the trainer's output.
 */
final class ProgressReporter implements TrainingListener, AutoCloseable {

    private final PrintWriter out;
    private final boolean bar;
    private final int samplesPerEpoch;
    private ProgressBar current;

    /**
     * @param bar             draw a progress bar on stderr
     * @param samplesPerEpoch what one epoch's bar counts up to
     */
    ProgressReporter(PrintWriter out, boolean bar, int samplesPerEpoch) {
        this.out = out;
        this.bar = bar;
        this.samplesPerEpoch = samplesPerEpoch;
    }

    @Override
    public void onEpochStart(TrainingContext context, int epoch) {
        if (bar) {
            current = new ProgressBarBuilder()
                    .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, context.config().epochs()))
                    .setInitialMax(samplesPerEpoch)
                    .setUnit(" samples", 1)
                    .showSpeed()
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .clearDisplayOnFinish()
                    .build();
        }
    }

    @Override
    public void onStepEnd(TrainingContext context, StepInfo step) {
        if (current != null) {
            current.stepBy(step.samples());
            current.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", step.epochLoss()));
        }
    }

    @Override
    public void onEpochEnd(TrainingContext context, EpochRecord record) {
        close();
        String evaluated;
        if (context.hasValidation()) {
            evaluated = String.format(Locale.ROOT, "val loss %.4f acc %.4f", record.valLoss(), record.valAccuracy());
        } else if (context.data.test().isPresent()) {
            evaluated = String.format(Locale.ROOT, "test loss %.4f acc %.4f", record.testLoss(), record.testAccuracy());
        } else {
            evaluated = "no test set";
        }
        out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f acc %.4f | %s | %.1f s, %,.0f samples/s%n",
                record.epoch(), context.config().epochs(), record.trainLoss(), record.trainAccuracy(), evaluated,
                record.seconds(), record.samplesPerSecond());
        out.flush();
    }

    /** Removes a bar left open by an epoch that failed. */
    @Override
    public void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
