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
        Task task = record.task();
        String evaluated;
        if (context.hasValidation()) {
            evaluated = "val " + figures(task, record.valLoss(), name -> record.value("val_" + name));
        } else if (context.data.test().isPresent()) {
            evaluated = "test " + figures(task, record.testLoss(), name -> record.value("test_" + name));
        } else {
            evaluated = "no test set";
        }
        String train = task == Task.CLASSIFICATION ? String.format(Locale.ROOT, "train loss %.4f acc %.4f",
                record.trainLoss(), record.trainAccuracy()) : String.format(Locale.ROOT, "train loss %.4f",
                record.trainLoss());
        out.printf(Locale.ROOT, "epoch %d/%d  %s | %s | %.1f s, %,.0f samples/s%n", record.epoch(),
                context.config().epochs(), train, evaluated, record.seconds(), record.samplesPerSecond());
        out.flush();
    }

    /**
     * {@code loss 0.3012 acc 0.8912}, {@code loss 0.0612 RMSE 1.2345 MAE 0.9876 R² 0.9412}: a set's
     * loss and the task's figures ({@link Task#metrics()}), as the epoch line and the end of a run
     * print them.
     */
    static String figures(Task task, double loss, java.util.function.ToDoubleFunction<String> metric) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "loss %.4f", loss));
        for (String name : task.metrics()) {
            text.append(String.format(Locale.ROOT, " %s %.4f", Task.label(name), metric.applyAsDouble(name)));
        }
        return text.toString();
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
