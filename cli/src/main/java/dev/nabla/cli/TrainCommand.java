package dev.nabla.cli;

import dev.nabla.Device;
import dev.nabla.data.DataSources;
import dev.nabla.data.Dataset;
import dev.nabla.data.Friedman1;
import dev.nabla.data.ImageDataset;
import dev.nabla.data.TrainingData;
import dev.nabla.train.Checkpoint;
import dev.nabla.train.EpochRecord;
import dev.nabla.train.RunLock;
import dev.nabla.train.Task;
import dev.nabla.train.TrainConfig;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
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
import picocli.CommandLine.Spec;

/**
 * {@code nabla train}: trains an MLP or residual-MLP classifier (Fashion-MNIST by default), regressor or
 * multi-label model ({@code --task}) and writes a run folder; the model summary, validation split,
 * early stopping, accumulation and schedules are the {@link Trainer}'s.
 * The defaults reach ≥ 0.89 test accuracy on Fashion-MNIST; see the README for the measured figures.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an MLP or residual-MLP classifier (Fashion-MNIST by default), regressor or"
                + " multi-label model on the best available device.",
            "Writes a run folder: metrics.csv, metrics.json, model.safetensors + optimizer.safetensors"
                    + " + state.json (checkpoint), curves.png; with --early-stop also best.safetensors."})
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOption backend;

    @Mixin
    DistributedOptions parallel;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", paramLabel = "NAME",
            description = "fashion-mnist, mnist, csv:PATH (numeric features, label in the last column),"
                    + " npy:FEATURES.npy,TARGETS.npy (NumPy files; the features are memory-mapped, so they may be"
                    + " larger than the heap) or friedman1 (a generated regression set, --task regression)"
                    + " (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--task", defaultValue = "classification", paramLabel = "NAME",
            description = "classification (softmax cross-entropy, accuracy), regression (real-valued targets,"
                    + " standardised for training; RMSE, MAE, R² in their own units) or multilabel (0/1 targets per"
                    + " label, binary cross-entropy; label accuracy, exact match, micro-F1) (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--loss", paramLabel = "NAME",
            description = "regression: mse or huber (default: mse); classification uses cross-entropy, multilabel"
                    + " binary cross-entropy on logits.")
    String loss;

    @Option(names = "--huber-delta", defaultValue = "1", paramLabel = "DELTA",
            description = "--loss huber: where the loss turns from quadratic to linear, in standardised target"
                    + " units (default: ${DEFAULT-VALUE}).")
    float huberDelta;

    @Option(names = "--label-smoothing", defaultValue = "0", paramLabel = "EPS",
            description = "classification: label smoothing in [0, 1), as PyTorch's cross_entropy"
                    + " (default: ${DEFAULT-VALUE}).")
    float labelSmoothing;

    @Option(names = "--class-weights", paramLabel = "W1,W2,...|balanced",
            description = "classification: one cross-entropy weight per class in class order, or balanced"
                    + " (n / (classes x count), from the training rows) (default: equal).")
    String classWeights;

    @Option(names = "--pos-weight", paramLabel = "W1,W2,...",
            description = "multilabel: the weight of each label's positive term, one per label (PyTorch's"
                    + " pos_weight; above 1 favours recall) (default: none).")
    String posWeight;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P",
            description = "fp32, bf16 or fp16: bf16/fp16 run the forward pass under autocast (matmul and linear in"
                    + " 16-bit, losses, norms and softmax in F32) with F32 master weights; fp16 adds dynamic loss"
                    + " scaling (GradScaler). Evaluation uses the F32 weights (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--test", paramLabel = "SPEC",
            description = "Test set for a csv: or npy: dataset: csv:PATH or npy:FEATURES.npy,TARGETS.npy. Without"
                    + " it an npy: dataset has no test set (the run says so) and a csv: one holds out 20%.")
    String test;

    @Option(names = "--workers", defaultValue = "1", paramLabel = "N",
            description = "Threads assembling batches ahead of training; 0 assembles them between steps. Changes"
                    + " speed, never results (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder holding the dataset files; by default $NABLA_DATA, ~/.cache/nabla/<dataset>"
                    + " and /usr/share/datasets/<dataset> are searched.")
    Path data;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "Use only the first N training samples (0: all).")
    int limit;

    @Option(names = "--arch", defaultValue = "mlp", paramLabel = "NAME",
            description = "mlp (Linear+activation layers sized by --hidden) or resmlp (a pre-norm residual MLP sized"
                    + " by --blocks, --width, --norm) (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--hidden", defaultValue = "1024,512", split = ",", paramLabel = "W1,W2,...", hideParamSyntax = true,
            description = "mlp: hidden layer widths (default: ${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--blocks", defaultValue = "4", paramLabel = "N",
            description = "resmlp: residual blocks (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--width", defaultValue = "1024", paramLabel = "W",
            description = "resmlp: width of every block (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--norm", defaultValue = "layer", paramLabel = "NAME",
            description = "resmlp: normalisation at the start of each block: layer, batch or none"
                    + " (default: ${DEFAULT-VALUE}).")
    String norm;

    @Option(names = "--activation", defaultValue = "relu", paramLabel = "NAME",
            description = "mlp: relu, gelu, tanh or sigmoid (default: ${DEFAULT-VALUE}; a resmlp uses relu).")
    String activation;

    @Option(names = "--dropout", defaultValue = "0.2", paramLabel = "P",
            description = "Dropout after each hidden layer (mlp) or inside each block, after its ReLU and its"
                    + " second Linear (resmlp); 0 to disable (default: ${DEFAULT-VALUE}).")
    float dropout;

    @Option(names = "--val-split", defaultValue = "0", paramLabel = "FRACTION",
            description = "Hold out this fraction of the training rows (seeded by --seed) as a validation set:"
                    + " per-epoch metrics, --early-stop and --schedule plateau use it, and the test set is evaluated"
                    + " once at the end; 0 for none (default: ${DEFAULT-VALUE}).")
    float valSplit;

    @Option(names = "--val", paramLabel = "SPEC",
            description = "A separate validation set for a csv: or npy: dataset (csv:PATH or"
                    + " npy:FEATURES.npy,TARGETS.npy), used as --val-split's holdout is.")
    String val;

    @Option(names = "--early-stop", defaultValue = "0", paramLabel = "PATIENCE",
            description = "Stop after PATIENCE epochs without a better --monitor figure (the validation loss by"
                    + " default) and restore the best epoch's weights (also saved as best.safetensors); needs"
                    + " --val-split or --val; 0 disables (default: ${DEFAULT-VALUE}).")
    int earlyStop;

    @Option(names = "--monitor", defaultValue = "val_loss", paramLabel = "NAME",
            description = "The validation figure that --early-stop, best.safetensors and --schedule plateau follow:"
                    + " val_loss (lower is better); classification val_acc; regression val_rmse, val_mae (lower)"
                    + " or val_r2; multilabel val_label_accuracy, val_exact_match or val_micro_f1 (higher is"
                    + " better) (default: ${DEFAULT-VALUE}).")
    String monitor;

    @Option(names = "--accumulate", defaultValue = "1", paramLabel = "K",
            description = "Micro-batches of --batch-size per optimizer step (gradient accumulation: one step sees"
                    + " K x batch-size rows) (default: ${DEFAULT-VALUE}).")
    int accumulate;

    @Option(names = "--epochs", defaultValue = "20", paramLabel = "N",
            description = "Epochs to train; with --resume, the total to reach (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N",
            description = "Samples per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "NAME",
            description = "sgd, adam or adamw (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", defaultValue = "1e-3", paramLabel = "RATE",
            description = "Initial learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--momentum", defaultValue = "0.9", paramLabel = "M",
            description = "SGD momentum (default: ${DEFAULT-VALUE}; ignored by adam/adamw).")
    float momentum;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "WD",
            description = "L2 penalty (sgd, adam) or decoupled weight decay (adamw) (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine", paramLabel = "NAME",
            description = "Learning-rate schedule, stepped every optimizer step: constant, cosine, step (x0.1 at 1/3"
                    + " and 2/3 of the run), warmup-cosine (1 epoch linear warm-up), one-cycle (PyTorch's OneCycleLR,"
                    + " max_lr = --lr); or plateau, stepped every epoch (PyTorch's ReduceLROnPlateau on the"
                    + " --monitor figure, by default the validation loss, or the training loss without a validation"
                    + " set) (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--plateau-patience", defaultValue = "10", paramLabel = "N",
            description = "plateau: epochs without improvement before the rate drops (default: ${DEFAULT-VALUE}).")
    int plateauPatience;

    @Option(names = "--plateau-factor", defaultValue = "0.1", paramLabel = "F",
            description = "plateau: what the rate is multiplied by (default: ${DEFAULT-VALUE}).")
    float plateauFactor;

    @Option(names = "--clip-norm", defaultValue = "0", paramLabel = "NORM",
            description = "Clip gradients to this global L2 norm; 0 disables (default: ${DEFAULT-VALUE}).")
    float clipNorm;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seeds initialisation, shuffling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Run folder, new or empty (default: runs/<timestamp>); one that already holds a run"
                    + " is refused: continue it with --resume.")
    Path outDir;

    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = "Continue the run saved in RUN_DIR with its own settings (--epochs sets the new total;"
                    + " --backend, --data and --no-progress apply too, other options are refused).")
    Path resume;

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    @Option(names = "--on-nan", defaultValue = "stop", paramLabel = "ACTION",
            description = "When a training loss is NaN or infinite: stop (exit 1, keeping the last good checkpoint)"
                    + " or continue (as PyTorch does) (default: ${DEFAULT-VALUE}).")
    String onNan;

    /** Options that only choose where and how a resumed run continues; every other one is the run's own. */
    private static final java.util.Set<String> RESUME_OPTIONS = java.util.Set.of("--resume", "--epochs", "--backend",
            "--data", "--no-progress", "--on-nan", "--debug", "--workers", "--nproc", "--distributed",
            "--collective-timeout", "--bucket-mb", "--dist-backend");

    @Override
    public Integer call() throws IOException, InterruptedException {
        parallel.validate();
        if (parallel.launches()) {
            return parallel.launch(spec.commandLine().getParseResult().originalArgs());
        }
        if (parallel.isRank()) {
            return parallel.runAsRank(group -> {
                try {
                    return trainAs(group);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        return trainAs(DistributedOptions.SINGLE);
    }

    /** Trains as one process, or as one rank of a distributed run ({@code group}). */
    private Integer trainAs(DistributedOptions.Group group) throws IOException {
        PrintWriter out = group.primary() ? spec.commandLine().getOut()
                : new PrintWriter(java.io.Writer.nullWriter()); // rank 0 alone reports
        var hiddenGiven = spec.commandLine().getParseResult().matchedOption("--hidden");
        if (hiddenGiven != null && hiddenGiven.originalStringValues().size() > 1) {
            throw new ParameterException(spec.commandLine(), "--hidden given " + hiddenGiven.originalStringValues()
                    .size() + " times (" + String.join(", ", hiddenGiven.originalStringValues()) + "); give all the"
                    + " widths once, comma-separated: --hidden " + String.join(",",
                    hiddenGiven.originalStringValues()));
        }
        if (workers < 0) {
            throw new ParameterException(spec.commandLine(), "--workers: expected 0 or more, got " + workers);
        }
        if (!onNan.equals("stop") && !onNan.equals("continue")) {
            throw new ParameterException(spec.commandLine(), "--on-nan: expected stop or continue, got '" + onNan + "'");
        }
        if (resume == null) {
            checkArchitectureOptions();
        }
        TrainConfig config;
        Path runDir;
        if (resume != null) {
            // Inherited options (--debug, declared on the top command) are not the run's settings.
            List<String> ignored = spec.commandLine().getParseResult().matchedOptions().stream()
                    .filter(o -> !o.inherited()).map(o -> o.longestName())
                    .filter(name -> !RESUME_OPTIONS.contains(name)).distinct().toList();
            if (!ignored.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--resume continues " + resume + " with its own"
                        + " settings; " + String.join(", ", ignored) + (ignored.size() == 1 ? " does" : " do")
                        + " not apply (only --epochs, --backend, --data and --no-progress do). Start a new run to"
                        + " change them.");
            }
            Checkpoint.Contents saved = Checkpoint.load(resume);
            @SuppressWarnings("unchecked")
            TrainConfig savedConfig = TrainConfig.fromMap((Map<String, Object>) saved.state().get("config"));
            boolean epochsGiven = spec.commandLine().getParseResult().hasMatchedOption("--epochs");
            try {
                config = epochsGiven ? savedConfig.withEpochs(epochs) : savedConfig;
            } catch (TrainConfig.InvalidSetting e) {
                throw new ParameterException(spec.commandLine(),
                        "--" + e.setting().replace('_', '-') + ": " + e.getMessage());
            }
            int done = saved.epoch();
            if (config.epochs() < done) {
                throw new ParameterException(spec.commandLine(), "--epochs " + config.epochs() + ": " + resume
                        + " has already trained " + done + " epochs; --epochs is the total to reach, so pass --epochs "
                        + (done + 1) + " or more to train further (./nabla eval " + resume + " evaluates it as it is)");
            }
            if (config.epochs() == done) {
                spec.commandLine().getErr().println("note: " + resume + " has already trained " + done + " of "
                        + done + " epochs; nothing to train. Pass --epochs " + (done + 1)
                        + " or more to train further.");
            }
            if (data != null) {
                config = config.withDataDir(data.toString());
            }
            checkDataOptions(config.dataset());
            runDir = resume;
        } else {
            try {
                TrainConfig base = new TrainConfig(dataset, data == null ? "" : data.toString(), limit, hidden,
                        activation, dropout, optimizer, lr, momentum, weightDecay, schedule, epochs, batchSize, seed,
                        clipNorm);
                // The later settings all at once: each is checked against the others (--early-stop
                // needs a validation set).
                Map<String, Object> settings = base.toMap();
                settings.put("test", test == null ? "" : test);
                settings.put("arch", arch);
                settings.put("blocks", blocks);
                settings.put("width", width);
                settings.put("norm", norm);
                settings.put("val_split", valSplit);
                settings.put("val", val == null ? "" : val);
                settings.put("early_stop", earlyStop);
                settings.put("accumulate", accumulate);
                settings.put("plateau_patience", plateauPatience);
                settings.put("plateau_factor", plateauFactor);
                settings.put("task", task);
                settings.put("loss", loss == null ? "" : loss);
                settings.put("huber_delta", huberDelta);
                settings.put("label_smoothing", labelSmoothing);
                settings.put("class_weights", classWeights == null ? "" : classWeights);
                settings.put("pos_weight", posWeight == null ? "" : posWeight);
                settings.put("precision", precision);
                settings.put("monitor", monitor);
                config = TrainConfig.fromMap(settings);
            } catch (TrainConfig.InvalidSetting e) {
                // The config's keys are this command's option names in snake_case (batch_size).
                throw new ParameterException(spec.commandLine(),
                        "--" + e.setting().replace('_', '-') + ": " + e.getMessage());
            }
            checkDataOptions(dataset);
            checkTaskData(config);
            if (!DataSources.isFileSpec(dataset) && !DataSources.isGenerated(dataset)) {
                try {
                    ImageDataset.fromName(dataset);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--dataset: " + e.getMessage()
                            + ", or csv:PATH, or npy:FEATURES.npy,TARGETS.npy");
                }
            }
            runDir = null;
        }
        backend.backend = group.deviceFor(backend.backend);
        Device device = backend.open();
        try (TrainingData data = loadDataset(config);
             TrainingData validation = config.val().isEmpty() ? null : loadValidation(config)) {
            return train(config, runDir, device, data, validation, out, group);
        }
    }

    /**
     * A task the data set cannot serve, before the device starts: an image set (class labels) for
     * regression or multi-label, {@code friedman1} (real values) for classification.
     */
    private void checkTaskData(TrainConfig config) {
        Task chosen = config.taskKind();
        String name = config.dataset();
        if (chosen != Task.CLASSIFICATION && !DataSources.isFileSpec(name) && !DataSources.isGenerated(name)) {
            throw new ParameterException(spec.commandLine(), "--task " + chosen.cliName() + ": --dataset " + name
                    + " has class labels, and a " + chosen.cliName() + " task needs real-valued targets: csv:PATH,"
                    + " npy:FEATURES.npy,TARGETS.npy" + (chosen == Task.REGRESSION ? " or " + Friedman1.NAME : ""));
        }
        if (DataSources.isGenerated(name) && chosen != Task.REGRESSION) {
            throw new ParameterException(spec.commandLine(), "--dataset " + name + " is a regression data set"
                    + " (real-valued targets), and this run's task is " + chosen.cliName() + "; add --task regression");
        }
    }

    /** What the task reads a data set's targets as: as the files say for classification, values otherwise. */
    static Dataset.TargetKind targets(TrainConfig config) {
        return config.taskKind() == Task.CLASSIFICATION ? null : Dataset.TargetKind.VALUES;
    }

    /**
     * The {@code --val} set, as the second set of a {@link TrainingData} whose first is the training
     * set, so that its class labels are numbered as the training set's.
     */
    static TrainingData loadValidation(TrainConfig config) throws IOException {
        try {
            return DataSources.load(config.dataset(), config.val(), Optional.empty(), targets(config));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--val " + config.val() + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code --blocks}, {@code --width} and {@code --norm} size a resmlp, {@code --hidden} and
     * {@code --activation} an mlp: a flag the chosen architecture would ignore is refused, as are
     * the plateau flags without {@code --schedule plateau} and {@code --monitor} with nothing to follow it.
     */
    private void checkArchitectureOptions() {
        var parsed = spec.commandLine().getParseResult();
        String chosen = arch.toLowerCase(Locale.ROOT);
        List<String> resmlpOnly = List.of("--blocks", "--width", "--norm");
        List<String> mlpOnly = List.of("--hidden", "--activation");
        List<String> misplaced = (chosen.equals("resmlp") ? mlpOnly : chosen.equals("mlp") ? resmlpOnly : List.<String>of())
                .stream().filter(parsed::hasMatchedOption).toList();
        if (!misplaced.isEmpty()) {
            String other = chosen.equals("mlp") ? "resmlp" : "mlp";
            throw new ParameterException(spec.commandLine(), String.join(", ", misplaced) + (misplaced.size() == 1
                    ? " sizes" : " size") + " an --arch " + other + ", not the --arch " + chosen + " this run trains;"
                    + (chosen.equals("mlp") ? " add --arch resmlp, or drop " : " drop ") + String.join(", ", misplaced));
        }
        List<String> plateauOnly = List.of("--plateau-patience", "--plateau-factor").stream()
                .filter(parsed::hasMatchedOption).toList();
        if (!plateauOnly.isEmpty() && !schedule.equalsIgnoreCase("plateau")) {
            throw new ParameterException(spec.commandLine(), String.join(", ", plateauOnly) + " set"
                    + (plateauOnly.size() == 1 ? "s" : "") + " the plateau schedule, and this run's --schedule is "
                    + schedule + "; add --schedule plateau");
        }
        if (parsed.hasMatchedOption("--monitor") && earlyStop == 0 && !schedule.equalsIgnoreCase("plateau")) {
            throw new ParameterException(spec.commandLine(), "--monitor " + monitor + " chooses what --early-stop and"
                    + " --schedule plateau follow, and this run has neither; add --early-stop PATIENCE or --schedule"
                    + " plateau, or drop --monitor");
        }
        if (val != null && !DataSources.isFileSpec(dataset)) {
            throw new ParameterException(spec.commandLine(), "--val applies to csv: and npy: datasets; for " + dataset
                    + " hold out part of the training set with --val-split 0.1");
        }
        if (val != null) {
            try {
                DataSources.checkFileSpec(val);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--val: " + e.getMessage());
            }
        }
    }

    private Integer train(TrainConfig config, Path runDir, Device device, TrainingData data, TrainingData validation,
                          PrintWriter out, DistributedOptions.Group group) throws IOException {
        Optional<float[]> weights = config.explicitClassWeights();
        if (weights.isPresent() && weights.get().length != data.classes()) {
            throw new ParameterException(spec.commandLine(), "--class-weights " + config.classWeights() + ": "
                    + weights.get().length + " weight" + (weights.get().length == 1 ? "" : "s") + " for the "
                    + data.classes() + " classes of " + config.dataset() + "; give one per class, in class order ("
                    + String.join(", ", data.labelNames()) + "), or balanced");
        }
        Optional<float[]> positive = config.positiveWeights();
        if (positive.isPresent() && positive.get().length != data.train().targetWidth()) {
            throw new ParameterException(spec.commandLine(), "--pos-weight " + config.posWeight() + ": "
                    + positive.get().length + " weight" + (positive.get().length == 1 ? "" : "s") + " for the "
                    + data.train().targetWidth() + " labels of " + config.dataset() + "; give one per label, in"
                    + " column order");
        }
        if (config.taskKind() == Task.CLASSIFICATION && data.classes() < 2) {
            spec.commandLine().getErr().println("warning: " + config.dataset() + " has a single class: every prediction is"
                    + " right and the loss is 0, so there is nothing to learn");
        }
        // The folder is claimed once the device and the data are there, so a typo in either leaves
        // no empty run folder behind.
        // Only a folder this command created may be removed again (a failed or interrupted run that
        // saved nothing); an empty folder the user made for --out stays.
        boolean createdFolder = false;
        if (runDir == null && group.primary()) {
            if (outDir != null) {
                createdFolder = !Files.exists(outDir);
                runDir = claimOut(outDir);
            } else {
                runDir = newRunFolder(Path.of("runs"));
                createdFolder = true;
            }
        }
        if (resume == null) {
            runDir = group.agreeOnRunFolder(runDir); // the other ranks learn the folder rank 0 chose
        }
        boolean removable = createdFolder;
        boolean progress = !noProgress && group.primary() && System.console() != null && System.console().isTerminal();
        Trainer trainer = new Trainer(config, data, device, runDir, progress, out)
                .stopOnNonFiniteLoss(onNan.equals("stop")).workers(workers).parallel(group.parallel()).summary(true);
        if (validation != null) {
            trainer.validation(validation);
        }
        // Ctrl-C: say what was kept and how to go on (the checkpoint is written after each epoch).
        // What was kept is read from the folder, not from a counter: a save may be under way.
        Path folder = runDir;
        Thread interrupted = new Thread(() -> {
            java.util.OptionalInt kept = Checkpoint.lastCompleteEpoch(folder);
            if (kept.isEmpty() && removable) {
                deleteIfEmpty(folder);
            }
            spec.commandLine().getErr().println("\ninterrupted: " + whatWasKept(folder, kept));
            spec.commandLine().getErr().flush();
        }, "nabla-train-interrupted");
        if (group.primary()) {
            Runtime.getRuntime().addShutdownHook(interrupted);
        }
        Trainer.Result result;
        try {
            result = resume != null ? trainer.resume() : trainer.fit();
        } catch (RunLock.HeldException e) {
            throw e; // another run owns the folder (and its lock file): nothing of ours to describe or remove
        } catch (Trainer.DivergedException e) {
            if (removable && Checkpoint.lastCompleteEpoch(runDir).isEmpty()) {
                deleteIfEmpty(runDir);
            }
            throw e; // the message already says what was kept
        } catch (IOException | RuntimeException | Error e) {
            java.util.OptionalInt kept = Checkpoint.lastCompleteEpoch(runDir);
            if (kept.isEmpty() && removable) {
                deleteIfEmpty(runDir);
            }
            if (e instanceof Error) {
                throw e;
            }
            String text = Main.describe(e);
            throw new IllegalStateException(text + (text.endsWith(".") ? " " : ". ") + capitalize(
                    whatWasKept(runDir, kept)), e);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running: the JVM is exiting
            }
        }
        Task chosen = config.taskKind();
        if (data.test().isPresent() && chosen != Task.CLASSIFICATION) {
            StringBuilder figures = new StringBuilder();
            List<String> names = new java.util.ArrayList<>(chosen.metrics());
            names.remove(chosen.mainMetric());
            for (String name : names) {
                figures.append(String.format(Locale.ROOT, ", %s %.4f", Task.label(name), result.testMetric(name)));
            }
            out.printf(Locale.ROOT, "final test %s %.4f%s; run folder %s%n", Task.label(chosen.mainMetric()),
                    result.testMetric(chosen.mainMetric()), figures, runDir);
        } else if (data.test().isPresent()) {
            out.printf(Locale.ROOT, "final test accuracy %.4f; run folder %s%n", result.testAccuracy(), runDir);
        } else if (config.hasValidation() && chosen != Task.CLASSIFICATION) {
            EpochRecord last = result.epochs().isEmpty() ? null : result.epochs().get(result.epochs().size() - 1);
            String main = chosen.mainMetric();
            out.printf(Locale.ROOT, "no test set was given, so there is no test %s%s; run folder %s%n",
                    Task.label(main), last == null ? "" : String.format(Locale.ROOT, " (last validation %s %.4f)",
                            Task.label(main), last.value("val_" + main)), runDir);
        } else if (config.hasValidation()) {
            EpochRecord last = result.epochs().isEmpty() ? null : result.epochs().get(result.epochs().size() - 1);
            out.printf(Locale.ROOT, "no test set was given, so there is no test accuracy%s; run folder %s%n",
                    last == null ? "" : String.format(Locale.ROOT, " (last validation accuracy %.4f)",
                            last.valAccuracy()), runDir);
        } else {
            out.printf(Locale.ROOT, "no test set was given, so there is no test %s; run folder %s%n",
                    chosen == Task.CLASSIFICATION ? "accuracy" : Task.label(chosen.mainMetric()), runDir);
        }
        out.flush();
        return 0;
    }

    /**
     * {@code csv:} and {@code npy:} need their paths, and take no {@code --data} folder (the paths
     * are the files); {@code --test} needs one of them.
     */
    private void checkDataOptions(String dataset) {
        if (test != null && resume == null) {
            if (!DataSources.isFileSpec(dataset)) {
                throw new ParameterException(spec.commandLine(), "--test applies to csv: and npy: datasets; "
                        + dataset + " comes with its own test set");
            }
            try {
                DataSources.checkFileSpec(test);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--test: " + e.getMessage());
            }
        }
        if (!DataSources.isFileSpec(dataset)) {
            return;
        }
        try {
            DataSources.checkFileSpec(dataset);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--dataset " + dataset.substring(0, 4) + " "
                    + e.getMessage());
        }
        if (data != null) {
            String kind = dataset.startsWith("csv:") ? "a CSV dataset is the file its path names" : "an npy: dataset"
                    + " is the files its paths name";
            throw new ParameterException(spec.commandLine(), "--data " + data + " does not apply to --dataset "
                    + dataset + ": " + kind + ". Drop --data, or give the full paths after "
                    + dataset.substring(0, 4));
        }
    }

    /** After an interruption or failure: the last complete epoch on disk and how to continue from it. */
    static String whatWasKept(Path folder, java.util.OptionalInt epoch) {
        return epoch.isPresent()
                ? folder + " keeps the checkpoint of epoch " + epoch.getAsInt() + " (the last complete one);"
                        + " continue with ./nabla train --resume " + folder
                : "no epoch had completed, so nothing was saved; start again with the same command";
    }

    private static String capitalize(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /**
     * Removes {@code folder} if it is empty but for its released lock file (a run that saved
     * nothing); a folder with other files stays.
     */
    private static void deleteIfEmpty(Path folder) {
        try {
            try (var entries = Files.list(folder)) {
                if (entries.anyMatch(f -> !f.getFileName().toString().equals(RunLock.FILE))) {
                    return;
                }
            }
            Files.deleteIfExists(folder.resolve(RunLock.FILE));
            Files.deleteIfExists(folder);
        } catch (IOException notEmpty) {
            // keep it
        }
    }

    /**
     * {@code --out DIR} for a new run: created if missing; refused if it is a file or already holds
     * a run, which training would overwrite (continue that one with {@code --resume DIR}).
     */
    private Path claimOut(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "--out " + dir + " is a file, not a folder");
        }
        for (String file : List.of(Checkpoint.STATE_FILE, "state.prev.json")) {
            if (Files.exists(dir.resolve(file))) {
                throw new ParameterException(spec.commandLine(), "--out " + dir + " already holds a run (" + file
                        + "); choose another folder, delete this one, or continue it with --resume " + dir);
            }
        }
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                List<String> names = entries.map(f -> f.getFileName().toString())
                        .filter(name -> !name.equals(RunLock.FILE) && !dev.nabla.io.AtomicFiles.isTempFile(name))
                        .sorted().limit(3).toList();
                if (!names.isEmpty()) {
                    throw new ParameterException(spec.commandLine(), "--out " + dir + " is not empty (" + String.join(
                            ", ", names) + (names.size() == 3 ? ", ..." : "") + "); a run needs a new or empty folder");
                }
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--out " + dir + ": cannot create the folder ("
                    + Main.describe(e) + ")");
        }
        return dir;
    }

    /**
     * {@code runs/<yyyyMMdd-HHmmss>}, with {@code -2}, {@code -3}... when runs start in the same
     * second: the folder is created here, atomically, so two runs never share one.
     */
    static Path newRunFolder(Path parent) throws IOException {
        Files.createDirectories(parent);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        for (int n = 1; ; n++) {
            Path candidate = parent.resolve(n == 1 ? stamp : stamp + "-" + n);
            try {
                return Files.createDirectory(candidate);
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // another run started this second: try the next suffix
            }
        }
    }

    /**
     * Loads the data a config names: an IDX image set, {@code csv:PATH} (split 80/20 by seed unless
     * a test set is named) or {@code npy:X.npy,Y.npy}, and its test set; close it after use.
     */
    static TrainingData loadDataset(TrainConfig config) throws IOException {
        String dataDir = config.dataDir();
        Optional<Path> dir = dataDir == null || dataDir.isEmpty() ? Optional.empty() : Optional.of(Path.of(dataDir));
        return DataSources.load(config.dataset(), config.test(), dir, targets(config));
    }

    /** See {@link DataSources#csvFile}. */
    static Path csvFile(String path) throws IOException {
        return DataSources.csvFile(path);
    }
}
