package dev.nabla.cli;

import dev.nabla.Device;
import dev.nabla.data.TrainingData;
import dev.nabla.data.Standardizer;
import dev.nabla.io.AtomicFiles;
import dev.nabla.io.Safetensors;
import dev.nabla.nn.Module;
import dev.nabla.train.Checkpoint;
import dev.nabla.train.EarlyStopping;
import dev.nabla.train.Evaluation;
import dev.nabla.train.Objective;
import dev.nabla.train.Task;
import dev.nabla.train.TrainConfig;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nabla eval RUN_DIR}: reloads a run's checkpoint and reports test loss and accuracy, then
 * the accuracy of each class under the names the run saved ({@code class_names} in
 * {@code state.json}: Fashion-MNIST's, a CSV file's, or the class indices). A regression run
 * reports RMSE, MAE and R² in the targets' units (with the target standardisation it saved), a
 * multi-label run label accuracy, exact match and micro-/macro-F1.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Reload the checkpoint in RUN_DIR and print its test loss and accuracy, and each class's"
                + " accuracy under the class names the run saved."})
public final class EvalCommand implements Callable<Integer> {

    /** Beyond this many classes only the worst are listed (the confusion file has them all). */
    static final int LISTED_CLASSES = 50;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run folder written by 'nabla train'.")
    Path runDir;

    @Mixin
    DeviceOption backend;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder holding the dataset files, if not where"
            + " training found them.")
    Path data;

    @Option(names = "--weights", paramLabel = "FILE", description = "Evaluate these weights instead of the run's"
            + " checkpoint: any safetensors file with the run's parameter names and shapes (e.g. written by"
            + " PyTorch's safetensors.torch.save_file); checked for structure, and for Nabla's checksum if it has one.")
    Path weights;

    @Option(names = "--last", description = "With early stopping, evaluate the last epoch's checkpoint"
            + " (model.safetensors) instead of the best epoch's weights (best.safetensors).")
    boolean last;

    @Option(names = "--confusion", paramLabel = "FILE", description = "Also write the confusion matrix as CSV:"
            + " one row per true class, one column per predicted class, headed by the class names.")
    Path confusionFile;

    @Override
    public Integer call() throws IOException {
        Checkpoint.Contents checkpoint;
        String weightsSource;
        String bestEpoch = null;
        if (weights != null) {
            // The run's configuration and normalization, someone else's weights.
            Checkpoint.Contents state = Checkpoint.loadState(runDir);
            Safetensors.Loaded loaded = Safetensors.read(weights, Safetensors.Verify.IF_PRESENT);
            checkpoint = new Checkpoint.Contents(state.epoch(), loaded.tensors(), Map.of(), state.state());
            weightsSource = "--weights " + weights;
        } else if (!last && Files.exists(runDir.resolve(EarlyStopping.BEST_FILE))) {
            // Early stopping kept the best epoch's weights: those are the run's result.
            Checkpoint.Contents state = Checkpoint.loadState(runDir);
            Path best = runDir.resolve(EarlyStopping.BEST_FILE);
            Safetensors.Loaded loaded = Safetensors.read(best);
            checkpoint = new Checkpoint.Contents(state.epoch(), loaded.tensors(), Map.of(), state.state());
            weightsSource = "the best epoch's weights " + best;
            bestEpoch = loaded.metadata().getOrDefault("epoch", "?");
        } else {
            checkpoint = Checkpoint.load(runDir, false);   // weights and state only
            weightsSource = "the checkpoint " + runDir.resolve(Checkpoint.MODEL_FILE);
        }
        @SuppressWarnings("unchecked")
        TrainConfig config = TrainConfig.fromMap((Map<String, Object>) checkpoint.state().get("config"));
        Task task = config.taskKind();
        if (confusionFile != null && task != Task.CLASSIFICATION) {
            throw new ParameterException(spec.commandLine(), "--confusion applies to classification runs; " + runDir
                    + " is a " + task.cliName() + " run");
        }
        Device device = backend.open();
        Standardizer standardizer = Trainer.standardizer(checkpoint.state());
        Module model = Trainer.loadModel(checkpoint, device, weightsSource);
        Evaluation.Detailed detailed;
        List<String> names;
        try (TrainingData loaded = TrainCommand.loadDataset(data != null ? config.withDataDir(data.toString())
                : config)) {
            TrainingData sets = withSavedClasses(loaded, checkpoint.state());
            if (sets.test().isEmpty()) {
                throw new IllegalArgumentException(runDir + " was trained on " + config.dataset() + " without a test"
                        + " set, so there is nothing to evaluate on");
            }
            names = sets.labelNames();
            Objective objective = Objective.of(config, sets.train(), Trainer.targetStandardizer(checkpoint.state())
                    .orElse(null), Trainer.classWeights(checkpoint.state()));
            if (task != Task.CLASSIFICATION) {
                Evaluation.Result result = Evaluation.evaluate(model, sets.test().get(), standardizer, objective,
                        device, 1);
                PrintWriter out = spec.commandLine().getOut();
                StringBuilder figures = new StringBuilder();
                List<String> shown = new ArrayList<>(task.metrics());
                if (task == Task.MULTILABEL) {
                    shown.add("macro_f1");
                }
                for (String name : shown) {
                    figures.append(String.format(Locale.ROOT, ", test %s %.4f", Task.label(name), result.metric(name)));
                }
                out.printf(Locale.ROOT, "%s on %s (%s, %s): test loss %.4f%s (%d samples%s)%n", describe(checkpoint,
                        bestEpoch), device, task.cliName(), config.loss(), result.loss(), figures, result.samples(),
                        task == Task.REGRESSION ? "; RMSE and MAE in the targets' units, the loss on standardised"
                        + " targets" : "");
                out.flush();
                return 0;
            }
            detailed = Evaluation.evaluateDetailed(model, sets.test().get(), standardizer, objective, device, 1,
                    sets.classes());
        }
        Evaluation.Result result = detailed.result();
        String what = describe(checkpoint, bestEpoch);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s on %s: test loss %.4f, test accuracy %.4f (%d samples)%n", what, device,
                result.loss(), result.accuracy(), result.samples());
        printPerClass(out, detailed, names);
        if (confusionFile != null) {
            AtomicFiles.writeString(confusionFile, confusionCsv(detailed, names));
            out.println("confusion matrix written to " + confusionFile);
        }
        out.flush();
        return 0;
    }

    /** What is evaluated: the run folder and which weights. */
    private String describe(Checkpoint.Contents checkpoint, String bestEpoch) {
        return weights != null ? runDir + " with " + weights : bestEpoch != null ? runDir + " best epoch "
                + bestEpoch + " (" + EarlyStopping.BEST_FILE + "; --last for epoch " + checkpoint.epoch() + ")"
                : runDir + " epoch " + checkpoint.epoch();
    }

    /**
     * The data relabelled to the run's saved class mapping, so output i is read as the class it was
     * trained as; runs saved before the mapping was kept use the data's own.
     */
    private TrainingData withSavedClasses(TrainingData sets, Map<String, Object> state) {
        Optional<List<String>> saved = Trainer.classNames(state);
        if (saved.isPresent()) {
            try {
                return sets.relabelledTo(saved.get());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + ", saved in " + runDir.resolve(Checkpoint.STATE_FILE),
                        e);
            }
        }
        int classes = ((Number) state.get("classes")).intValue();
        if (classes != sets.classes()) {
            throw new IllegalArgumentException(runDir + " was trained on " + classes + " classes, but " + sets.source()
                    + " holds " + sets.classes());
        }
        return sets;
    }

    /** "3 Dress" for a named class, "3" for one whose name is its index. */
    static String label(List<String> names, int index) {
        String name = names.get(index);
        return name.equals(Integer.toString(index)) ? name : index + " " + name;
    }

    /**
     * One line per class: its test samples, the fraction predicted right, and the class it was most
     * often taken for. Above {@link #LISTED_CLASSES} classes, only the worst ones.
     */
    static void printPerClass(PrintWriter out, Evaluation.Detailed detailed, List<String> names) {
        int classes = names.size();
        List<Integer> order = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            order.add(c);
        }
        if (classes > LISTED_CLASSES) {
            order.sort(Comparator.comparingDouble(c -> Double.isNaN(detailed.accuracy(c)) ? 2 : detailed.accuracy(c)));
            order = order.subList(0, LISTED_CLASSES);
            out.printf(Locale.ROOT, "the %d classes with the lowest accuracy (of %d; --confusion FILE writes all):%n",
                    LISTED_CLASSES, classes);
        } else {
            out.println("per class:");
        }
        int width = 5;
        for (int c : order) {
            width = Math.max(width, Math.min(32, label(names, c).length()));
        }
        out.printf(Locale.ROOT, "  %-" + width + "s  %8s  %8s  %s%n", "class", "samples", "accuracy",
                "most often mistaken for");
        for (int c : order) {
            long support = detailed.support(c);
            int worst = -1;
            for (int p = 0; p < classes; p++) {
                if (p != c && detailed.confusion()[c][p] > 0
                        && (worst < 0 || detailed.confusion()[c][p] > detailed.confusion()[c][worst])) {
                    worst = p;
                }
            }
            String mistaken = worst < 0 ? "-" : String.format(Locale.ROOT, "%s (%.1f%%)", label(names, worst),
                    100.0 * detailed.confusion()[c][worst] / support);
            out.printf(Locale.ROOT, "  %-" + width + "s  %,8d  %8s  %s%n", label(names, c), support,
                    support == 0 ? "-" : String.format(Locale.ROOT, "%.4f", detailed.accuracy(c)), mistaken);
        }
    }

    /** The confusion matrix as CSV, rows true classes, columns predicted ones, names quoted as needed. */
    static String confusionCsv(Evaluation.Detailed detailed, List<String> names) {
        StringBuilder csv = new StringBuilder("true \\ predicted");
        for (String name : names) {
            csv.append(',').append(quote(name));
        }
        csv.append('\n');
        for (int t = 0; t < names.size(); t++) {
            csv.append(quote(names.get(t)));
            for (long count : detailed.confusion()[t]) {
                csv.append(',').append(count);
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    private static String quote(String field) {
        return field.contains(",") || field.contains("\"") || field.contains("\n")
                ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
    }
}
