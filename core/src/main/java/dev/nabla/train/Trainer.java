package dev.nabla.train;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.data.DataLoader;
import dev.nabla.data.Dataset;
import dev.nabla.data.Split;
import dev.nabla.data.Standardizer;
import dev.nabla.data.TrainingData;
import dev.nabla.io.NamedArray;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.ModelSummary;
import dev.nabla.nn.ResMlp;
import dev.nabla.nn.Module;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.CosineAnnealingLR;
import dev.nabla.optim.GradClip;
import dev.nabla.optim.LinearWarmup;
import dev.nabla.optim.LrScheduler;
import dev.nabla.optim.OneCycleLR;
import dev.nabla.optim.ReduceLROnPlateau;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import dev.nabla.optim.StepLR;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Trains an MLP or a residual MLP on {@link TrainingData}, for the config's {@link Task}: a
 * classifier, a regressor (targets standardised for training, figures in their own units) or a
 * multi-label model; what it minimises is the run's {@link Objective}. Nabla's training loop, as
 * {@code ./nabla train} runs it.
 *
 * <p>The training set is standardised with statistics from one streaming pass over it, applied to
 * each batch as the {@link DataLoader}'s workers assemble it, so a set larger than the heap (a
 * mapped {@code .npy} file) trains without being copied. Each step runs inside a {@link Scope}, so
 * a step's activations and gradients are released when it ends. After every epoch the trainer
 * evaluates on the validation set if there is one ({@link ValidationSplit}, or a separate set),
 * else on the test set if there is one (if not, it says so and the test columns stay empty); with
 * a validation set the test set is evaluated once, after the last epoch.
 *
 * <p>Everything else happens in {@link TrainingListener}s, the trainer's own first: the progress
 * bar and epoch line ({@link ProgressReporter}), a guard against non-finite weights,
 * {@link EarlyStopping}, the {@code plateau} schedule ({@link PlateauSchedule}), the
 * {@link Checkpointer} and the {@link MetricsWriter} ({@code metrics.csv}, {@code metrics.json},
 * {@code curves.png}); then the user's ({@link #listener}). A run resumed from its folder continues
 * exactly: shuffling depends only on (seed, epoch), and the optimizer, scheduler, early-stopping
 * and dropout generator state come back from the checkpoint.
 */
public final class Trainer {

    private final TrainConfig config;
    /** The data; on resume relabelled to the run's saved class mapping ({@link TrainingData#relabelledTo}). */
    private TrainingData data;
    private final Device device;
    private final Path runDir;
    private final boolean progress;
    private final PrintWriter out;
    private int stopAfter = Integer.MAX_VALUE;
    private boolean stopOnNonFinite = true;
    private DataParallel parallel = DataParallel.SINGLE;
    private int workers = 1;
    private final List<TrainingListener> listeners = new ArrayList<>();
    /** Holds the {@code --val} set as its test set (so that it is relabelled with the data on resume). */
    private Optional<TrainingData> validationSource = Optional.empty();
    private boolean summary;

    /**
     * @param config   what to train
     * @param data     the (unnormalised) data; the trainer standardises it with training statistics.
     *                 The caller keeps it open while the trainer runs, and closes it.
     * @param device   where to train
     * @param runDir   the run folder (created if missing)
     * @param progress show a progress bar on stderr
     * @param out      where epoch summaries go
     */
    public Trainer(TrainConfig config, TrainingData data, Device device, Path runDir, boolean progress,
                   PrintWriter out) {
        this.config = config;
        this.data = data.limitTrain(config.limit());
        this.device = device;
        this.runDir = runDir;
        this.progress = progress;
        this.out = out;
    }

    /**
     * Trains as one rank of a data-parallel group (see {@link DataParallel}): this rank takes its
     * share of every global batch, gradients and metrics are reduced over the ranks, and only the
     * primary rank locks and writes the run folder (the others read it only to {@link #resume()}).
     * The caller gives the other ranks an output that goes nowhere. Returns this.
     */
    public Trainer parallel(DataParallel group) {
        this.parallel = java.util.Objects.requireNonNull(group, "group");
        return this;
    }


    /** Trains on a {@link Split}'s arrays (see the main constructor). */
    public Trainer(TrainConfig config, Split split, Device device, Path runDir, boolean progress, PrintWriter out) {
        this(config, TrainingData.of(split), device, runDir, progress, out);
    }

    /**
     * Threads that assemble batches ahead of training ({@code --workers}; default 1, 0 assembles
     * them between steps). Changes speed only: the batches are the same. Returns this.
     */
    public Trainer workers(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("workers must be 0 or more, got " + count);
        }
        this.workers = count;
        return this;
    }

    /**
     * Adds a listener, called after the trainer's own (see {@link TrainingListener}). Returns this.
     */
    public Trainer listener(TrainingListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * The validation set that the config's {@code val} names ({@code --val}), as the test set of
     * {@code source} (what {@link dev.nabla.data.DataSources#load} returns for the training data
     * and that set, so its labels are numbered as the training set's). The caller closes it.
     * Returns this.
     */
    public Trainer validation(TrainingData source) {
        if (source.test().isEmpty()) {
            throw new IllegalArgumentException("validation: " + source + " holds no second set to validate on");
        }
        this.validationSource = Optional.of(source);
        return this;
    }

    /** Prints a {@link ModelSummary} of the model before training. Returns this. */
    public Trainer summary(boolean print) {
        this.summary = print;
        return this;
    }

    /**
     * The outcome of {@link #fit()}: every epoch's record (including resumed ones) and the final test
     * accuracy (NaN without a test set): the last epoch's, or with a validation set the one
     * evaluation of the test set at the end (with early stopping, of the best epoch's weights).
     */
    public record Result(List<EpochRecord> epochs, double testAccuracy, Path runDir, Map<String, Double> testMetrics) {

        /** The final test figure named {@code name} ({@link Task#metrics()}); NaN without a test set. */
        public double testMetric(String name) {
            return testMetrics.getOrDefault(name, Double.NaN);
        }
    }

    /**
     * Ends this invocation after epoch {@code epoch} even if the config asks for more, as an
     * interruption would: the checkpoint is then resumable to the full run. Returns this.
     */
    public Trainer stopAfter(int epoch) {
        this.stopAfter = epoch;
        return this;
    }

    /**
     * What to do when a training step's loss is NaN or infinite: stop with {@link DivergedException}
     * (the default; the last checkpoint, saved before the divergence, is kept), or keep training as
     * PyTorch does. Returns this.
     */
    public Trainer stopOnNonFiniteLoss(boolean stop) {
        this.stopOnNonFinite = stop;
        return this;
    }

    /** Training stopped because the loss became NaN or infinite. */
    public static final class DivergedException extends IllegalStateException {
        DivergedException(String message) {
            super(message);
        }
    }

    /**
     * Trains from scratch. The run folder is locked for the run's life ({@link RunLock}); one that
     * already holds a checkpoint is refused (continue it with {@link #resume()}).
     */
    public Result fit() throws IOException {
        try (RunLock lock = parallel.isPrimary() ? RunLock.acquire(runDir) : null) {
            // Checked under the lock: two runs racing for one new folder cannot both pass.
            for (String name : List.of(Checkpoint.STATE_FILE, "state.prev.json")) {
                if (parallel.isPrimary() && Files.exists(runDir.resolve(name))) {
                    throw new IllegalStateException(runDir + " already holds a run (" + name + "); choose another"
                            + " folder, delete this one, or continue it with --resume " + runDir);
                }
            }
            removeTempFiles();
            return run(Optional.empty());
        }
    }

    /** Continues the run saved in {@code runDir} up to {@code config.epochs()}, holding its {@link RunLock}. */
    public Result resume() throws IOException {
        try (RunLock lock = parallel.isPrimary() ? RunLock.acquire(runDir) : null) {
            removeTempFiles();
            return run(Optional.of(Checkpoint.load(runDir)));
        }
    }

    /**
     * An upper bound of one checkpoint's size: the weights plus up to two optimizer states per
     * parameter (Adam's moments), F32; headers and metrics are small beside them.
     */
    static long checkpointBytes(long parameters) {
        return 3 * 4 * parameters;
    }

    /**
     * Refuses to start (or resume) a run whose checkpoints cannot fit: a save writes the new files
     * beside the old ones before replacing them, so twice the checkpoint must be free. Said before
     * the first epoch, not after it, when the first save fails.
     */
    static void requireFreeSpace(Path dir, long checkpointBytes, long usableBytes) throws IOException {
        long needed = 2 * checkpointBytes;
        if (usableBytes < needed) {
            throw new IOException(String.format(Locale.ROOT, "not enough free space in %s for this run's checkpoints:"
                    + " a save needs about %.1f MB (the model and optimizer state, written beside the previous"
                    + " save), %.1f MB are free; free some space or choose another --out", dir, needed / 1e6,
                    usableBytes / 1e6));
        }
    }

    /**
     * Writes and removes a small file the way a save does (temporary file, rename), so that a
     * read-only folder fails now, not after the first epoch.
     */
    static void requireWritable(Path dir) throws IOException {
        Path probe = dir.resolve(".nabla-write-check");
        try {
            dev.nabla.io.AtomicFiles.writeString(probe, "");
            Files.delete(probe);
        } catch (dev.nabla.io.AtomicFiles.WriteException e) {
            throw new IOException("the run folder " + dir + " is not writable (" + e.reason() + "), so no checkpoint"
                    + " could be saved; choose another --out", e);
        }
    }

    /** Temp files of a save that was killed (SIGKILL, power loss) are garbage once the folder is ours. */
    private void removeTempFiles() throws IOException {
        if (!parallel.isPrimary()) {
            return; // the folder is rank 0's
        }
        List<String> removed = dev.nabla.io.AtomicFiles.removeTempFiles(runDir);
        if (!removed.isEmpty()) {
            out.printf(Locale.ROOT, "removed %d temporary file%s left by an interrupted save in %s: %s%n",
                    removed.size(), removed.size() == 1 ? "" : "s", runDir, String.join(", ", removed));
            out.flush();
        }
    }

    private Result run(Optional<Checkpoint.Contents> checkpoint) throws IOException {
        if (parallel.isPrimary()) {
            Files.createDirectories(runDir);
        }
        // A resumed run keeps its class mapping: output i stays the class it was trained as, even if
        // the data file now lacks a class or its names sort differently.
        if (checkpoint.isPresent()) {
            Optional<List<String>> saved = classNames(checkpoint.get().state());
            if (saved.isPresent()) {
                try {
                    data = data.relabelledTo(saved.get());
                    validationSource = validationSource.map(v -> v.relabelledTo(saved.get()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("resume: " + e.getMessage() + ", saved in " + runDir.resolve(
                            Checkpoint.STATE_FILE), e);
                }
            }
        }
        Dataset train = data.train();
        Task task = config.taskKind();
        if (task == Task.CLASSIFICATION && train.targetKind() != Dataset.TargetKind.CLASS_INDEX) {
            throw new IllegalArgumentException("the training targets (" + train.source() + ") are real values ("
                    + train.targetWidth() + " per row); a classification run needs integer class indices (save"
                    + " them as integers, e.g. y.astype(np.int64)), or train it with --task regression or"
                    + " --task multilabel");
        }
        if (task != Task.CLASSIFICATION && train.targetKind() != Dataset.TargetKind.VALUES) {
            throw new IllegalArgumentException("the training targets (" + train.source() + ") are class indices; a "
                    + task.cliName() + " run needs real-valued targets (load the data for the task:"
                    + " DataSources.load(..., Dataset.TargetKind.VALUES))");
        }
        if (task == Task.MULTILABEL) {
            dev.nabla.data.MultiLabelTargets.check(train);
            if (data.test().isPresent()) {
                dev.nabla.data.MultiLabelTargets.check(data.test().get());
            }
        }
        Optional<Dataset> validation = Optional.empty();
        if (config.valSplit() > 0) {
            ValidationSplit split = ValidationSplit.of(train, config.valSplit(), config.seed());
            train = split.train();
            validation = Optional.of(split.validation());
        } else if (!config.val().isEmpty()) {
            validation = Optional.of(validationSource.orElseThrow(() -> new IllegalArgumentException("the config"
                    + " names the validation set " + config.val() + " but the trainer was given none"
                    + " (Trainer.validation)")).test().orElseThrow());
        }
        // A resumed run keeps the normalisation it was trained with, even if the data changed.
        // Statistics come from the rows that train: never from the validation rows.
        Standardizer standardizer = checkpoint.isPresent() ? standardizer(checkpoint.get().state())
                : Standardizer.fit(train, Standardizer.Scope.GLOBAL);
        // Regression targets too, so that the loss and the learning rate do not depend on their units.
        Standardizer targetScale = task != Task.REGRESSION ? null : checkpoint.isPresent()
                ? targetStandardizer(checkpoint.get().state()).orElseThrow(() -> new IllegalArgumentException(
                "resume: " + runDir.resolve(Checkpoint.STATE_FILE) + " has no " + TARGET_NORMALIZATION))
                : Standardizer.fitTargets(train);
        Objective objective = Objective.of(config, train, targetScale);

        Module model = buildModel(config, data.features(), outputs(task, data), device);
        model.train();
        Optimizer optimizer = buildOptimizer(config, model.parameters());
        if (parallel.isPrimary()) {
            requireWritable(runDir);
            requireFreeSpace(runDir, checkpointBytes(model.parameterCount()),
                    Files.getFileStore(runDir).getUsableSpace());
        }
        DataLoader.Builder loading = DataLoader.builder(train).batchSize(config.batchSize()).shuffle(true)
                .seed(config.seed()).device(device).workers(workers).normalize(standardizer);
        if (targetScale != null) {
            loading.normalizeTargets(targetScale);
        }
        DataLoader loader = loading.build();
        int stepsPerEpoch = Math.ceilDiv(loader.batches(), config.accumulate());
        Optional<LrScheduler> scheduler = buildScheduler(config, optimizer, stepsPerEpoch);

        List<EpochRecord> history = new ArrayList<>();
        TrainingContext context = new TrainingContext(config, model, optimizer, scheduler, standardizer, data,
                validation.isPresent(), runDir, device, parallel.isPrimary(), history, data.name() + " "
                + architecture() + " on " + device, objective);
        EarlyStopping earlyStopping = null;
        ProgressReporter reporter = new ProgressReporter(out, progress, loader.samplesPerEpoch());
        List<TrainingListener> all = new ArrayList<>();
        all.add(reporter);
        all.add(nonFiniteGuard(loader.batches()));
        if (config.earlyStop() > 0) {
            earlyStopping = new EarlyStopping(config.earlyStop(), config.monitorKind(), out);
            all.add(earlyStopping);
            context.states.add(earlyStopping);
        }
        if (config.schedule().equals("plateau")) {
            // --monitor decides what it follows, and so its mode; without a validation set, the training loss.
            Optional<Monitor> followed = validation.isPresent() ? Optional.of(config.monitorKind()) : Optional.empty();
            PlateauSchedule plateau = new PlateauSchedule(new ReduceLROnPlateau(optimizer,
                    followed.map(Monitor::maximize).orElse(false), config.plateauFactor(), config.plateauPatience()),
                    followed, out);
            all.add(plateau);
            context.states.add(plateau);
        }
        if (config.precision().equals("fp16")) {
            // F16's narrow exponent range needs dynamic loss scaling (PyTorch's defaults); its
            // state is part of the checkpoint, so a resumed run continues with the same scale.
            dev.nabla.amp.GradScaler scaler = new dev.nabla.amp.GradScaler();
            context.scaler = scaler;
            context.states.add(new TrainingContext.CheckpointState() {
                @Override
                public String key() {
                    return "grad_scaler";
                }

                @Override
                public Object save() {
                    return scaler.stateDict();
                }

                @Override
                @SuppressWarnings("unchecked")
                public void restore(Object saved) {
                    scaler.loadStateDict((java.util.Map<String, ?>) saved);
                }
            });
        }
        all.add(new Checkpointer());
        all.add(new MetricsWriter());
        all.addAll(listeners);

        int startEpoch = 0;
        if (checkpoint.isPresent()) {
            checkSameRun(checkpoint.get().state());
            startEpoch = restore(checkpoint.get(), model, optimizer, scheduler);
            for (TrainingContext.CheckpointState part : context.states) {
                Object saved = checkpoint.get().state().get(part.key());
                if (saved != null) {
                    part.restore(saved);
                }
            }
            if (earlyStopping != null) {
                earlyStopping.loadBestWeights(runDir, startEpoch);
            }
            history.addAll(history(checkpoint.get().state()));
            out.printf(Locale.ROOT, "resuming %s after epoch %d of %d%n", runDir, startEpoch, config.epochs());
        }
        // Every rank starts from rank 0's weights (a resumed run loaded the same ones everywhere).
        parallel.synchronize(model.parameters());
        out.printf(Locale.ROOT, "%s on %s (%s): %s, %,d parameters%s%n", data.name(), device,
                device.info().name(), architecture(), model.parameterCount(),
                parallel.worldSize() > 1 ? "; " + parallel.describe() : "");
        // What the open device runs (its GEMM path: cuBLAS, CLBlast or Nabla's kernel, and why).
        out.printf(Locale.ROOT, "  %s: %s%n", device.id(), device.info().description());
        out.printf(Locale.ROOT, "  precision %s%n", config.precisionDescription());
        if (summary) {
            out.print(ModelSummary.of(model, data.features(), config.batchSize()));
        }
        if (validation.isPresent()) {
            out.printf(Locale.ROOT, "validation: %,d rows (%s); the %,d training rows are standardised on their own"
                    + " statistics; per-epoch metrics%s use it, the test set is evaluated once at the end%n",
                    validation.get().size(), config.valSplit() > 0 ? String.format(Locale.ROOT,
                    "%.3g of the training set, held out with seed %d", config.valSplit(), config.seed())
                    : config.val(), train.size(), config.earlyStop() > 0 ? " and early stopping (on "
                    + config.monitor() + ")" : "");
        }
        if (data.test().isEmpty()) {
            out.println(validation.isPresent()
                    ? "no test set was given: the run is measured on the validation set only (--test names one)"
                    : "no test set was given: test loss and accuracy are not measured (--test names one)");
        }
        out.flush();

        try (loader; reporter) {
            for (TrainingListener listener : all) {
                listener.onTrainStart(context);
            }
            for (int epoch = startEpoch; epoch < Math.min(config.epochs(), stopAfter) && !context.stopRequested();
                    epoch++) {
                for (TrainingListener listener : all) {
                    listener.onEpochStart(context, epoch + 1);
                }
                EpochRecord record = trainEpoch(context, all, scheduler, loader, epoch, validation);
                history.add(record);
                for (TrainingListener listener : all) {
                    listener.onEpochEnd(context, record);
                }
            }
            context.stopReason().ifPresent(reason -> out.printf(Locale.ROOT, "stopped: %s%n", reason));
            if (earlyStopping != null) {
                earlyStopping.restoreBest(model, history.isEmpty() ? 0 : history.get(history.size() - 1).epoch());
            }
            if (validation.isPresent() && data.test().isPresent() && !history.isEmpty()) {
                Evaluation.Result test = evaluate(model, data.test().get(), standardizer, objective);
                context.finalTest(test);
                out.printf(Locale.ROOT, "test (once, after training%s): %s%n", earlyStopping != null
                        && earlyStopping.bestEpoch() > 0 ? ", with the weights of epoch " + earlyStopping.bestEpoch()
                        : "", ProgressReporter.figures(task, test.loss(), test::metric));
            }
            out.flush();
            for (TrainingListener listener : all) {
                listener.onTrainEnd(context);
            }
        }
        double finalAccuracy = validation.isPresent()
                ? context.finalTest().map(Evaluation.Result::accuracy).orElse(Double.NaN)
                : history.isEmpty() ? Double.NaN : history.get(history.size() - 1).testAccuracy();
        return new Result(history, finalAccuracy, runDir, finalTestMetrics(context));
    }

    /**
     * Stops the run when an epoch ends with non-finite weights (or test loss): the last step's update
     * went bad, and the checkpointer after it must never save them over a good checkpoint.
     */
    private TrainingListener nonFiniteGuard(int batches) {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingContext context, EpochRecord record) {
                double check = !context.hasValidation() && data.test().isPresent() ? record.testLoss()
                        : context.hasValidation() ? record.valLoss() : parameterSum(context.model());
                if (stopOnNonFinite && !Double.isFinite(check)) {
                    throw diverged(record.epoch(), batches, check, record.trainLoss(), batches);
                }
            }
        };
    }

    /**
     * The sum of every weight: non-finite exactly when a weight is (weights are nowhere near
     * overflowing a double), which is how a run without a test set sees the last step's update go bad.
     */
    private static double parameterSum(Module model) {
        double sum = 0;
        try (var ignored = NoGrad.open(); Scope scope = Scope.open()) {
            for (Tensor p : model.parameters()) {
                sum += p.sum().item();
            }
        }
        return sum;
    }

    /**
     * One epoch: {@code accumulate} micro-batches per optimizer step, each one's mean loss weighted
     * by its share of the step's rows, so that the step's gradient is the mean over all of them,
     * as one batch of those rows would give; then the evaluation of the validation set, or else of
     * the test set.
     */
    private EpochRecord trainEpoch(TrainingContext context, List<TrainingListener> listeners,
                                   Optional<LrScheduler> scheduler, DataLoader loader, int epoch,
                                   Optional<Dataset> validation) {
        Module model = context.model();
        Optimizer optimizer = context.optimizer();
        model.train();
        long started = System.nanoTime();
        double lossSum = 0;
        double correct = 0;
        int seen = 0;
        int batchNo = 0;
        double lastFinite = Double.NaN;
        int lastFiniteBatch = 0;
        int accumulate = config.accumulate();
        int batches = loader.batches();
        int steps = Math.ceilDiv(batches, accumulate);
        int stepNo = 0;
        boolean classification = config.taskKind() == Task.CLASSIFICATION;
        double stepLossSum = 0;
        int stepRows = 0;
        Iterator<DataLoader.Batch> iterator = loader.epoch(epoch);
        while (iterator.hasNext()) {
            try (DataLoader.Batch batch = iterator.next(); Scope step = Scope.open()) {
                int size = batch.size();
                int groupStart = (batchNo / accumulate) * accumulate;
                int groupEnd = Math.min(groupStart + accumulate, batches);
                boolean firstOfGroup = batchNo == groupStart;
                boolean lastOfGroup = batchNo == groupEnd - 1;
                // This rank's rows of the global batch (all of them in a single process).
                // TODO(issue 14): take the share from DataLoader's rank split once it can
                // split each global batch in order, so that a rank loads only its own rows.
                int from = parallel.shardStart(size);
                int to = parallel.shardEnd(size);
                boolean sharded = parallel.worldSize() > 1;
                Tensor features = sharded ? batch.features().slice(from, to).contiguous() : batch.features();
                // class indices, or real values (standardised for regression)
                Tensor labels = sharded ? batch.targets().slice(from, to).contiguous() : batch.targets();
                if (firstOfGroup) {
                    optimizer.zeroGrad();
                }
                Tensor logits = null;
                Tensor loss = null;
                if (to > from) {
                    // --precision bf16|fp16: the forward pass and loss under autocast (matmuls in
                    // 16-bit, losses and norms in F32); backward and the update stay F32.
                    try (var autocast = config.autocastType().map(dev.nabla.amp.Autocast::open).orElse(null)) {
                        logits = model.forward(features);
                        loss = context.objective.loss(logits, labels);
                    }
                    // NOTE: with one micro-batch per step the loss is used as it is (a weight of
                    // exactly 1), so results do not change with the accumulation code path.
                    Tensor weighted = accumulate == 1 ? loss
                            : loss.mul((float) ((double) size / groupRows(loader, groupStart, groupEnd)));
                    (context.scaler == null ? weighted : context.scaler.scale(weighted)).backward();
                }
                double batchLoss = Double.NaN;
                // With --accumulate every micro-batch is reduced (as PyTorch's DDP without no_sync):
                // the gradient so far is the same on every rank and the shares' weights sum to 1, so
                // it passes through unchanged (to float rounding) and the new micro-batch is added.
                if (sharded) {
                    batchLoss = parallel.reduceGradients(model.parameters(), loss == null ? 0 : loss.item(),
                            to - from, size);
                }
                double lr = optimizer.lr();
                if (lastOfGroup) {
                    if (context.scaler != null && config.clipNorm() > 0) {
                        context.scaler.unscale(optimizer);   // clip the true gradients, as PyTorch's recipe
                    }
                    if (config.clipNorm() > 0) {
                        GradClip.clipGradNorm(model.parameters(), config.clipNorm());
                    }
                    if (context.scaler != null) {
                        context.scaler.step(optimizer);     // skipped when a gradient overflowed
                        context.scaler.update();
                    } else {
                        optimizer.step();
                    }
                    scheduler.ifPresent(LrScheduler::step);
                }
                if (!sharded) {
                    // NOTE: item() waits for the device; on GPUs the step is queued and this is the sync point.
                    batchLoss = loss.item();
                }
                batchNo++;
                if (!Double.isFinite(batchLoss) && stopOnNonFinite) {
                    throw diverged(epoch + 1, batchNo, batchLoss, lastFinite, lastFiniteBatch);
                }
                if (Double.isFinite(batchLoss)) {
                    lastFinite = batchLoss;
                    lastFiniteBatch = batchNo;
                }
                lossSum += batchLoss * (double) size;
                stepLossSum += batchLoss * (double) size;
                stepRows += size;
                if (logits != null && classification) {
                    try (var ignored = NoGrad.open()) {
                        correct += logits.argmax(1).eq(labels).sum().item();
                    }
                }
                seen += size;
                if (lastOfGroup) {
                    stepNo++;
                    TrainingListener.StepInfo info = new TrainingListener.StepInfo(epoch + 1, stepNo, steps,
                            optimizer.stepCount(), stepLossSum / stepRows, lr, stepRows, seen, lossSum / seen);
                    for (TrainingListener listener : listeners) {
                        listener.onStepEnd(context, info);
                    }
                    stepLossSum = 0;
                    stepRows = 0;
                }
            }
        }
        // Each rank counted its own rows' right answers; the loss sum is the global one already.
        correct = parallel.sum(new double[] {correct})[0];
        double trainSeconds = (System.nanoTime() - started) / 1e9;
        Optional<Evaluation.Result> val = validation.map(v -> evaluate(model, v, context.standardizer,
                context.objective));
        Optional<Evaluation.Result> test = validation.isPresent() ? Optional.empty()
                : data.test().map(t -> evaluate(model, t, context.standardizer, context.objective));
        double seconds = (System.nanoTime() - started) / 1e9;
        Task task = config.taskKind();
        Map<String, Double> metrics = new java.util.LinkedHashMap<>();
        if (task != Task.CLASSIFICATION) {
            for (String name : task.metrics()) {
                metrics.put("test_" + name, test.map(r -> r.metric(name)).orElse(Double.NaN));
                metrics.put("val_" + name, val.map(r -> r.metric(name)).orElse(Double.NaN));
            }
        }
        return new EpochRecord(epoch + 1, lossSum / seen, classification ? correct / seen : Double.NaN,
                test.map(Evaluation.Result::loss).orElse(Double.NaN),
                test.map(Evaluation.Result::accuracy).orElse(Double.NaN), seconds, seen / trainSeconds,
                val.map(Evaluation.Result::loss).orElse(Double.NaN),
                val.map(Evaluation.Result::accuracy).orElse(Double.NaN), task, metrics);
    }

    /** Rows in micro-batches {@code [groupStart, groupEnd)}: full batches, but the epoch's last may be short. */
    private static int groupRows(DataLoader loader, int groupStart, int groupEnd) {
        long rows = 0;
        for (int b = groupStart; b < groupEnd; b++) {
            rows += Math.min(loader.batchSize(), loader.samplesPerEpoch() - (long) b * loader.batchSize());
        }
        return (int) rows;
    }

    /**
     * The set's loss and the task's figures; with several ranks each evaluates its share and the
     * ranks exchange their totals (loss sums, counts, regression moments, multi-label counts),
     * which every rank combines in rank order into the same figures.
     */
    private Evaluation.Result evaluate(Module model, Dataset test, Standardizer standardizer, Objective objective) {
        if (parallel.worldSize() == 1) {
            return Evaluation.evaluate(model, test, standardizer, objective, device, workers);
        }
        int n = test.size();
        int from = parallel.shardStart(n);
        int to = parallel.shardEnd(n);
        int outputs = outputs(config.taskKind(), data);
        double[] mine = to > from ? Evaluation.totals(model, test.rows(from, to - from), standardizer, objective,
                device, workers) : Evaluation.emptyTotals(objective, outputs);
        // An all-gather as a sum: each rank fills its own slot of a zeroed array.
        int width = mine.length;
        double[] slots = new double[width * parallel.worldSize()];
        System.arraycopy(mine, 0, slots, width * parallel.rank(), width);
        double[] all = parallel.sum(slots);
        List<double[]> perRank = new ArrayList<>();
        for (int r = 0; r < parallel.worldSize(); r++) {
            perRank.add(java.util.Arrays.copyOfRange(all, r * width, (r + 1) * width));
        }
        return Evaluation.combine(objective, outputs, perRank);
    }

    private DivergedException diverged(int epoch, int step, double loss, double lastFinite, int lastFiniteStep) {
        java.util.OptionalInt saved = Checkpoint.lastCompleteEpoch(runDir);
        String kept = saved.isPresent()
                ? runDir + " keeps the checkpoint of epoch " + saved.getAsInt() + " (the diverged weights were not saved)"
                : "nothing was saved (no epoch had completed)";
        return new DivergedException(String.format(Locale.ROOT, "training diverged: the loss is %s at epoch %d,"
                        + " step %d (%s); %s. Lower --lr (now %s)%s, or run with NABLA_JAVA_OPTS=-Dnabla.anomaly=true to"
                        + " find the op that first made a NaN; --on-nan continue keeps training regardless, as PyTorch"
                        + " does", Double.isNaN(loss) ? "NaN" : loss > 0 ? "+inf" : "-inf", epoch, step,
                Double.isNaN(lastFinite) ? "no finite loss in this epoch"
                        : String.format(Locale.ROOT, "last finite loss %.4f at step %d", lastFinite, lastFiniteStep),
                kept, config.lr(), config.clipNorm() > 0 ? ", lower --clip-norm (now " + config.clipNorm() + ")"
                        : ", clip gradients with --clip-norm 1.0"));
    }

    // ---- building blocks named by the config ----------------------------------------------

    /**
     * The model {@code config} describes, initialised from its seed: an {@link Mlp}, or a
     * {@link ResMlp} with the config's dropout inside its blocks.
     */
    public static Module buildModel(TrainConfig config, int features, int classes, Device device) {
        return switch (config.arch()) {
            case "mlp" -> Mlp.of(features, config.hidden(), classes, config.activation(), config.dropout(), device,
                    config.seed());
            case "resmlp" -> ResMlp.of(features, config.width(), config.blocks(), classes, config.norm(),
                    config.dropout(), device, config.seed());
            default -> throw new IllegalArgumentException("unknown architecture " + config.arch());
        };
    }

    static Optimizer buildOptimizer(TrainConfig config, List<Tensor> parameters) {
        return switch (config.optimizer()) {
            case "sgd" -> new SGD(parameters, config.lr(), config.momentum(), 0f, config.weightDecay(), false);
            case "adam" -> new Adam(parameters, config.lr(), 0.9f, 0.999f, 1e-8f, config.weightDecay());
            case "adamw" -> new AdamW(parameters, config.lr(), 0.9f, 0.999f, 1e-8f, config.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer " + config.optimizer());
        };
    }

    /**
     * The per-step schedule: schedules step once per optimizer step, so their horizon is counted in
     * steps. Empty for {@code plateau}, which steps once per epoch on the monitored loss (see
     * {@link PlateauSchedule}).
     */
    static Optional<LrScheduler> buildScheduler(TrainConfig config, Optimizer optimizer, int stepsPerEpoch) {
        int totalSteps = stepsPerEpoch * config.epochs();
        return Optional.ofNullable(switch (config.schedule()) {
            case "constant" -> new StepLR(optimizer, Integer.MAX_VALUE, 1f);
            case "cosine" -> new CosineAnnealingLR(optimizer, totalSteps, 0f);
            // decay by 10x at one third and two thirds of the run
            case "step" -> new StepLR(optimizer, Math.max(1, totalSteps / 3), 0.1f);
            case "warmup-cosine" -> new LinearWarmup(optimizer, stepsPerEpoch,
                    new CosineAnnealingLR(optimizer, Math.max(1, totalSteps - stepsPerEpoch), 0f));
            case "one-cycle" -> new OneCycleLR(optimizer, totalSteps);
            case "plateau" -> null;
            default -> throw new IllegalArgumentException("unknown schedule " + config.schedule());
        });
    }

    /**
     * The model's output width: a classifier's classes, a regression's target columns (1 for a 1-D
     * target), a multi-label run's labels.
     */
    static int outputs(Task task, TrainingData data) {
        return task == Task.CLASSIFICATION ? data.classes() : data.train().targetWidth();
    }

    /** The test figures the run ends with: the end-of-run evaluation, else the last epoch's; empty without. */
    private static Map<String, Double> finalTestMetrics(TrainingContext context) {
        if (context.finalTest().isPresent()) {
            return context.finalTest().get().metrics();
        }
        if (context.history().isEmpty() || context.hasValidation()) {
            return Map.of();
        }
        EpochRecord last = context.history().get(context.history().size() - 1);
        Map<String, Double> metrics = new java.util.LinkedHashMap<>();
        for (String name : context.config().taskKind().metrics()) {
            double value = last.value("test_" + name);
            if (!Double.isNaN(value)) {
                metrics.put(name, value);
            }
        }
        return metrics;
    }

    private String architecture() {
        return layers(config, data.features(), outputs(config.taskKind(), data))
                .append(config.dropout() > 0 ? String.format(Locale.ROOT, " dropout %.2f", config.dropout()) : "")
                .append(", ").append(config.optimizer()).append(" lr ").append(config.lr())
                .append(", ").append(config.schedule()).append(", batch ").append(config.batchSize())
                .append(config.accumulate() > 1 ? " x " + config.accumulate() + " accumulated" : "").toString();
    }

    /** {@code 784-1024-512-10 relu}, or {@code resmlp 784-1024x4-10 layer norm}. */
    private static StringBuilder layers(TrainConfig config, int features, int classes) {
        if (config.arch().equals("resmlp")) {
            return new StringBuilder("resmlp ").append(features).append('-').append(config.width()).append('x')
                    .append(config.blocks()).append('-').append(classes).append(' ').append(config.norm())
                    .append(" norm");
        }
        StringBuilder text = new StringBuilder().append(features);
        for (int width : config.hidden()) {
            text.append('-').append(width);
        }
        return text.append('-').append(classes).append(' ').append(config.activation());
    }

    // ---- checkpoints -----------------------------------------------------------------------

    /** Loads model, optimizer, scheduler and dropout state; returns the number of completed epochs. */
    private int restore(Checkpoint.Contents contents, Module model, Optimizer optimizer,
                        Optional<LrScheduler> scheduler) {
        Map<String, Object> state = contents.state();
        Map<String, float[]> modelArrays = new HashMap<>();
        contents.model().forEach((name, array) -> modelArrays.put(name, array.floats()));
        model.loadStateDictArrays(modelArrays);
        Map<String, float[]> optimizerArrays = new HashMap<>();
        contents.optimizer().forEach((name, array) -> optimizerArrays.put(name, array.floats()));
        optimizer.loadState(optimizerArrays, ((Number) state.get("optimizer_step_count")).longValue());
        optimizer.setLr(((Number) state.get("optimizer_lr")).floatValue());
        // A per-epoch schedule (plateau) has no step counter: the saved rate above is its state.
        scheduler.ifPresent(s -> s.setLastEpoch(((Number) state.get("scheduler_last_epoch")).intValue()));
        @SuppressWarnings("unchecked")
        Map<String, Object> rng = (Map<String, Object>) state.get("rng");
        @SuppressWarnings("unchecked")
        Map<String, Object> calls = (Map<String, Object>) rng.get("dropout_calls");
        for (Map.Entry<String, Module> entry : model.namedModules().entrySet()) {
            if (entry.getValue() instanceof Dropout d && calls.get(entry.getKey()) instanceof Number n) {
                d.setCalls(n.longValue());
            }
        }
        return contents.epoch();
    }

    /** Refuses to continue a checkpoint with settings other than its own (only the epoch total may change). */
    private void checkSameRun(Map<String, Object> state) {
        @SuppressWarnings("unchecked")
        TrainConfig saved = TrainConfig.fromMap((Map<String, Object>) state.get("config"));
        if (!saved.withEpochs(config.epochs()).equals(config)) {
            throw new IllegalArgumentException("resume: the checkpoint in " + runDir + " was trained with "
                    + saved.toMap() + ", not " + config.toMap() + "; only the epoch total may change");
        }
        int features = ((Number) state.get("features")).intValue();
        int classes = ((Number) state.get("classes")).intValue();
        if (features != data.features() || classes != data.classes()) {
            throw new IllegalArgumentException("resume: the checkpoint in " + runDir + " has " + features
                    + " features and " + classes + " classes, the data " + data.features() + " and "
                    + data.classes());
        }
        int outputs = savedOutputs(state);
        if (outputs != outputs(config.taskKind(), data)) {
            throw new IllegalArgumentException("resume: the checkpoint in " + runDir + " has " + outputs
                    + " outputs, the data's targets need " + outputs(config.taskKind(), data));
        }
    }

    /** The epoch records saved in a checkpoint (NaN written as null comes back as NaN). */
    static List<EpochRecord> history(Map<String, Object> state) {
        List<EpochRecord> records = new ArrayList<>();
        Object saved = state.get("history");
        @SuppressWarnings("unchecked")
        Task task = TrainConfig.fromMap((Map<String, Object>) state.get("config")).taskKind();
        if (saved instanceof List<?> list) {
            for (Object item : list) {
                records.add(EpochRecord.fromMap((Map<?, ?>) item, task));
            }
        }
        return records;
    }

    /** The key of the regression targets' standardisation in {@code state.json}. */
    public static final String TARGET_NORMALIZATION = "target_normalization";

    /**
     * The model's output width saved in a checkpoint: {@code outputs}, written by regression and
     * multi-label runs, else the classes.
     */
    static int savedOutputs(Map<String, Object> state) {
        Object outputs = state.get("outputs");
        return ((Number) (outputs != null ? outputs : state.get("classes"))).intValue();
    }

    /** The class weights saved in a checkpoint's state ({@code --class-weights}); empty without. */
    public static Optional<float[]> classWeights(Map<String, Object> state) {
        Object saved = state.get(Objective.CLASS_WEIGHTS);
        return saved == null ? Optional.empty() : Optional.of(toFloats(saved));
    }

    /** The regression targets' standardizer saved in a checkpoint's state; empty for the other tasks. */
    public static Optional<Standardizer> targetStandardizer(Map<String, Object> state) {
        if (!(state.get(TARGET_NORMALIZATION) instanceof Map<?, ?> saved)) {
            return Optional.empty();
        }
        float[] mean = toFloats(saved.get("mean"));
        return Optional.of(Standardizer.of(mean, toFloats(saved.get("std")), mean.length));
    }

    /** The key of the label → index mapping in {@code state.json}: a list, entry i names output i. */
    public static final String CLASS_NAMES = "class_names";

    /**
     * The label → index mapping saved in a checkpoint's state (entry i names output i); empty for
     * checkpoints written before it was saved.
     */
    public static Optional<List<String>> classNames(Map<String, Object> state) {
        if (!(state.get(CLASS_NAMES) instanceof List<?> names)) {
            return Optional.empty();
        }
        return Optional.of(names.stream().map(String::valueOf).toList());
    }

    /** Rebuilds the standardiser saved in a checkpoint's state. */
    public static Standardizer standardizer(Map<String, Object> state) {
        @SuppressWarnings("unchecked")
        Map<String, Object> normalization = (Map<String, Object>) state.get("normalization");
        float[] mean = toFloats(normalization.get("mean"));
        float[] std = toFloats(normalization.get("std"));
        int features = ((Number) state.get("features")).intValue();
        return Standardizer.of(mean, std, features);
    }

    private static List<Float> toList(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    private static float[] toFloats(Object list) {
        List<?> values = (List<?>) list;
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }

    /** Loads a model and its config from a run folder, for {@code nabla eval}. */
    public static Module loadModel(Checkpoint.Contents contents, Device device) {
        return loadModel(contents, device, "the checkpoint");
    }

    /**
     * Loads a model with the architecture saved in {@code contents}' state and the weights of
     * {@code contents.model()}, which come from {@code weightsSource} (a file name, for messages):
     * a missing or extra tensor, or one of another shape or dtype, is an error naming that source,
     * each tensor, and the shape the run's model expects.
     */
    public static Module loadModel(Checkpoint.Contents contents, Device device, String weightsSource) {
        Map<String, Object> state = contents.state();
        @SuppressWarnings("unchecked")
        TrainConfig config = TrainConfig.fromMap((Map<String, Object>) state.get("config"));
        int features = ((Number) state.get("features")).intValue();
        int classes = savedOutputs(state);
        Module model = buildModel(config, features, classes, device);
        Map<String, Tensor> expected = model.stateDict();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Tensor> entry : expected.entrySet()) {
            NamedArray found = contents.model().get(entry.getKey());
            int[] shape = entry.getValue().shape();
            if (found == null) {
                problems.add("tensor '" + entry.getKey() + "' " + java.util.Arrays.toString(shape) + " is missing");
            } else if (!java.util.Arrays.equals(found.shape(), shape)) {
                problems.add("tensor '" + entry.getKey() + "' has shape " + java.util.Arrays.toString(found.shape())
                        + ", expected " + java.util.Arrays.toString(shape));
            } else if (found.dtype() != entry.getValue().dtype() && !(found.dtype().isHalf()
                    && entry.getValue().dtype() == dev.nabla.DType.F32)) {
                // BF16/F16 weights widen into the F32 model (exactly), as load_state_dict's copy_;
                // integer data is not weights, and there is nothing to round it to.
                problems.add("tensor '" + entry.getKey() + "' is " + found.dtype() + ", which does not convert to the"
                        + " model's " + entry.getValue().dtype() + " (BF16, F16 and F32 weights load into an F32 model)");
            }
        }
        for (String name : contents.model().keySet()) {
            if (!expected.containsKey(name)) {
                problems.add("tensor '" + name + "' is not in the model");
            }
        }
        if (!problems.isEmpty()) {
            String layers = config.arch().equals("mlp") ? layers(config, features, classes).toString()
                    .replace(" " + config.activation(), "") : layers(config, features, classes).toString();
            throw new IllegalArgumentException(weightsSource + " does not fit the run's " + layers + " model: "
                    + String.join("; ", problems));
        }
        Map<String, float[]> arrays = new HashMap<>();
        for (Map.Entry<String, NamedArray> entry : contents.model().entrySet()) {
            NamedArray array = entry.getValue();
            arrays.put(entry.getKey(), array.dtype().isHalf() ? widened(array) : array.floats());
        }
        model.loadStateDictArrays(arrays);
        return model.eval();
    }

    /** A BF16 or F16 array's values as floats, exactly (every 16-bit value is an F32 value). */
    private static float[] widened(NamedArray array) {
        short[] bits = array.bits();
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = dev.nabla.backend.HalfPrecision.toFloat(array.dtype(), bits[i]);
        }
        return values;
    }
}
