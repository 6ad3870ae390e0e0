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
import dev.nabla.nn.Losses;
import dev.nabla.nn.Mlp;
import dev.nabla.nn.Module;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.CosineAnnealingLR;
import dev.nabla.optim.GradClip;
import dev.nabla.optim.LinearWarmup;
import dev.nabla.optim.LrScheduler;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Trains an MLP classifier on {@link TrainingData}: Nabla's training loop, as {@code ./nabla train}
 * runs it.
 *
 * <p>The training set is standardised with statistics from one streaming pass over it, applied to
 * each batch as the {@link DataLoader}'s workers assemble it, so a set larger than the heap (a
 * mapped {@code .npy} file) trains without being copied. Each step runs inside a {@link Scope}, so
 * a step's activations and gradients are released when it ends. After every epoch the trainer
 * evaluates on the test set if there is one (if not, it says so and the test columns stay empty),
 * prints one summary line, and rewrites the run folder: {@code metrics.csv}, {@code metrics.json}, the checkpoint
 * ({@link Checkpoint}) and {@code curves.png}. A run resumed from its folder continues exactly:
 * shuffling depends only on (seed, epoch), and the optimizer, scheduler and dropout generator
 * state come back from the checkpoint.
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
     * The outcome of {@link #fit()}: every epoch's record (including resumed ones) and the final test
     * accuracy (NaN without a test set).
     */
    public record Result(List<EpochRecord> epochs, double testAccuracy, Path runDir) {
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
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("resume: " + e.getMessage() + ", saved in " + runDir.resolve(
                            Checkpoint.STATE_FILE), e);
                }
            }
        }
        Dataset train = data.train();
        if (train.targetKind() != Dataset.TargetKind.CLASS_INDEX) {
            throw new IllegalArgumentException("the training targets (" + train.source() + ") are real values ("
                    + train.targetWidth() + " per row); nabla train trains classifiers, whose targets are integer"
                    + " class indices (save them as integers, e.g. y.astype(np.int64))");
        }
        // A resumed run keeps the normalisation it was trained with, even if the data changed.
        Standardizer standardizer = checkpoint.isPresent() ? standardizer(checkpoint.get().state())
                : Standardizer.fit(train, Standardizer.Scope.GLOBAL);

        Module model = buildModel(config, data.features(), data.classes(), device);
        model.train();
        Optimizer optimizer = buildOptimizer(config, model.parameters());
        if (parallel.isPrimary()) {
            requireWritable(runDir);
            requireFreeSpace(runDir, checkpointBytes(model.parameterCount()),
                    Files.getFileStore(runDir).getUsableSpace());
        }
        DataLoader loader = DataLoader.builder(train).batchSize(config.batchSize()).shuffle(true).seed(config.seed())
                .device(device).workers(workers).normalize(standardizer).build();
        LrScheduler scheduler = buildScheduler(config, optimizer, loader.batches());

        List<EpochRecord> history = new ArrayList<>();
        int startEpoch = 0;
        if (checkpoint.isPresent()) {
            checkSameRun(checkpoint.get().state());
            startEpoch = restore(checkpoint.get(), model, optimizer, scheduler);
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
        if (data.test().isEmpty()) {
            out.println("no test set was given: test loss and accuracy are not measured (--test names one)");
        }
        out.flush();

        try (loader) {
            for (int epoch = startEpoch; epoch < Math.min(config.epochs(), stopAfter); epoch++) {
                EpochRecord record = trainEpoch(model, optimizer, scheduler, loader, epoch, standardizer);
                history.add(record);
                String test = data.test().isPresent() ? String.format(Locale.ROOT, "test loss %.4f acc %.4f",
                        record.testLoss(), record.testAccuracy()) : "no test set";
                out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f acc %.4f | %s | %.1f s, %,.0f samples/s%n",
                        record.epoch(), config.epochs(), record.trainLoss(), record.trainAccuracy(), test,
                        record.seconds(), record.samplesPerSecond());
                out.flush();
                double check = data.test().isPresent() ? record.testLoss() : parameterSum(model);
                if (stopOnNonFinite && !Double.isFinite(check)) {
                    // The last step's update made the weights non-finite: never save them over a good checkpoint.
                    throw diverged(epoch + 1, loader.batches(), check, record.trainLoss(), loader.batches());
                }
                if (parallel.isPrimary()) {
                    save(model, optimizer, scheduler, standardizer, epoch + 1, history);
                }
            }
        }
        double finalAccuracy = history.isEmpty() ? Double.NaN : history.get(history.size() - 1).testAccuracy();
        return new Result(history, finalAccuracy, runDir);
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

    private EpochRecord trainEpoch(Module model, Optimizer optimizer, LrScheduler scheduler, DataLoader loader,
                                   int epoch, Standardizer standardizer) {
        model.train();
        long started = System.nanoTime();
        double lossSum = 0;
        double correct = 0;
        int seen = 0;
        int stepNo = 0;
        double lastFinite = Double.NaN;
        int lastFiniteStep = 0;
        ProgressBar bar = progress ? progressBar(epoch, loader.samplesPerEpoch()) : null;
        try {
            Iterator<DataLoader.Batch> batches = loader.epoch(epoch);
            while (batches.hasNext()) {
                try (DataLoader.Batch batch = batches.next(); Scope step = Scope.open()) {
                    int size = batch.size();
                    // This rank's rows of the global batch (all of them in a single process).
                    // TODO(issue 14): take the share from DataLoader's rank split once it can
                    // split each global batch in order, so that a rank loads only its own rows.
                    int from = parallel.shardStart(size);
                    int to = parallel.shardEnd(size);
                    boolean sharded = parallel.worldSize() > 1;
                    Tensor features = sharded ? batch.features().slice(from, to).contiguous() : batch.features();
                    Tensor labels = sharded ? batch.labels().slice(from, to).contiguous() : batch.labels();
                    optimizer.zeroGrad();
                    Tensor logits = null;
                    Tensor loss = null;
                    if (to > from) {
                        logits = model.forward(features);
                        loss = Losses.crossEntropy(logits, labels);
                        loss.backward();
                    }
                    double stepLoss = Double.NaN;
                    if (sharded) {
                        stepLoss = parallel.reduceGradients(model.parameters(), loss == null ? 0 : loss.item(),
                                to - from, size);
                    }
                    if (config.clipNorm() > 0) {
                        GradClip.clipGradNorm(model.parameters(), config.clipNorm());
                    }
                    optimizer.step();
                    scheduler.step();
                    if (!sharded) {
                        // NOTE: item() waits for the device; on GPUs the step is queued and this is the sync point.
                        stepLoss = loss.item();
                    }
                    stepNo++;
                    if (!Double.isFinite(stepLoss) && stopOnNonFinite) {
                        throw diverged(epoch + 1, stepNo, stepLoss, lastFinite, lastFiniteStep);
                    }
                    if (Double.isFinite(stepLoss)) {
                        lastFinite = stepLoss;
                        lastFiniteStep = stepNo;
                    }
                    lossSum += stepLoss * (double) size;
                    if (logits != null) {
                        try (var ignored = NoGrad.open()) {
                            correct += logits.argmax(1).eq(labels).sum().item();
                        }
                    }
                    seen += size;
                    if (bar != null) {
                        bar.stepBy(size);
                        bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", lossSum / seen));
                    }
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        // Each rank counted its own rows' right answers; the loss sum is the global one already.
        correct = parallel.sum(new double[] {correct})[0];
        double trainSeconds = (System.nanoTime() - started) / 1e9;
        Optional<Evaluation.Result> test = data.test().map(t -> evaluate(model, t, standardizer));
        double seconds = (System.nanoTime() - started) / 1e9;
        return new EpochRecord(epoch + 1, lossSum / seen, correct / seen, test.map(Evaluation.Result::loss)
                .orElse(Double.NaN), test.map(Evaluation.Result::accuracy).orElse(Double.NaN), seconds,
                seen / trainSeconds);
    }

    /** The test set's loss and accuracy; with several ranks each evaluates its share and the sums are reduced. */
    private Evaluation.Result evaluate(Module model, Dataset test, Standardizer standardizer) {
        if (parallel.worldSize() == 1) {
            return Evaluation.evaluate(model, test, standardizer, device, workers);
        }
        int n = test.size();
        int from = parallel.shardStart(n);
        int to = parallel.shardEnd(n);
        double[] mine = {0, 0};
        if (to > from) {
            Evaluation.Result share = Evaluation.evaluate(model, test.rows(from, to - from), standardizer, device,
                    workers);
            mine = new double[] {share.loss() * share.samples(), share.accuracy() * share.samples()};
        }
        double[] sums = parallel.sum(mine);
        return new Evaluation.Result(n == 0 ? Double.NaN : sums[0] / n, n == 0 ? Double.NaN : sums[1] / n, n);
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

    private ProgressBar progressBar(int epoch, int samples) {
        return new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, config.epochs()))
                .setInitialMax(samples)
                .setUnit(" samples", 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .clearDisplayOnFinish()
                .build();
    }

    // ---- building blocks named by the config ----------------------------------------------

    /** The model {@code config} describes, initialised from its seed. */
    public static Module buildModel(TrainConfig config, int features, int classes, Device device) {
        return Mlp.of(features, config.hidden(), classes, config.activation(), config.dropout(), device,
                config.seed());
    }

    static Optimizer buildOptimizer(TrainConfig config, List<Tensor> parameters) {
        return switch (config.optimizer()) {
            case "sgd" -> new SGD(parameters, config.lr(), config.momentum(), 0f, config.weightDecay(), false);
            case "adam" -> new Adam(parameters, config.lr(), 0.9f, 0.999f, 1e-8f, config.weightDecay());
            case "adamw" -> new AdamW(parameters, config.lr(), 0.9f, 0.999f, 1e-8f, config.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer " + config.optimizer());
        };
    }

    /** Schedules step once per batch, so their horizon is counted in steps. */
    static LrScheduler buildScheduler(TrainConfig config, Optimizer optimizer, int stepsPerEpoch) {
        int totalSteps = stepsPerEpoch * config.epochs();
        return switch (config.schedule()) {
            case "constant" -> new StepLR(optimizer, Integer.MAX_VALUE, 1f);
            case "cosine" -> new CosineAnnealingLR(optimizer, totalSteps, 0f);
            // decay by 10x at one third and two thirds of the run
            case "step" -> new StepLR(optimizer, Math.max(1, totalSteps / 3), 0.1f);
            case "warmup-cosine" -> new LinearWarmup(optimizer, stepsPerEpoch,
                    new CosineAnnealingLR(optimizer, Math.max(1, totalSteps - stepsPerEpoch), 0f));
            default -> throw new IllegalArgumentException("unknown schedule " + config.schedule());
        };
    }

    private String architecture() {
        StringBuilder text = new StringBuilder().append(data.features());
        for (int width : config.hidden()) {
            text.append('-').append(width);
        }
        return text.append('-').append(data.classes()).append(' ').append(config.activation())
                .append(config.dropout() > 0 ? String.format(Locale.ROOT, " dropout %.2f", config.dropout()) : "")
                .append(", ").append(config.optimizer()).append(" lr ").append(config.lr())
                .append(", ").append(config.schedule()).append(", batch ").append(config.batchSize()).toString();
    }

    // ---- checkpoints -----------------------------------------------------------------------

    private void save(Module model, Optimizer optimizer, LrScheduler scheduler, Standardizer standardizer, int epoch,
                      List<EpochRecord> history) throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("config", config.toMap());
        state.put("features", data.features());
        state.put("classes", data.classes());
        state.put(CLASS_NAMES, data.labelNames());
        state.put("dataset", data.name());
        state.put("optimizer_step_count", optimizer.stepCount());
        state.put("optimizer_lr", optimizer.lr());
        state.put("scheduler_last_epoch", scheduler.lastEpoch());
        Map<String, Object> dropout = new LinkedHashMap<>();
        for (Map.Entry<String, Module> entry : model.namedModules().entrySet()) {
            if (entry.getValue() instanceof Dropout d) {
                dropout.put(entry.getKey(), d.calls());
            }
        }
        state.put("rng", Map.of("seed", config.seed(), "dropout_calls", dropout));
        state.put("normalization", Map.of("scope", standardizer.scope().name(),
                "mean", toList(standardizer.mean()), "std", toList(standardizer.std())));
        state.put("history", history.stream().map(EpochRecord::toMap).toList());
        // A scope: stateTensors() creates small tensors (Adam's per-parameter step) to save.
        try (Scope scope = Scope.open()) {
            Checkpoint.save(runDir, epoch, model.stateDict(), optimizer.stateTensors(), state);
        }

        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("dataset", data.toString());
        extra.put("parameters", model.parameterCount());
        MetricsWriter.write(runDir, config.toMap(), device.info().backend(), device.id() + " " + device.info().name(),
                history, extra);
        CurvesPlot.write(runDir.resolve("curves.png"), history, data.name() + " " + architecture() + " on " + device);
    }

    /** Loads model, optimizer, scheduler and dropout state; returns the number of completed epochs. */
    private int restore(Checkpoint.Contents contents, Module model, Optimizer optimizer, LrScheduler scheduler) {
        Map<String, Object> state = contents.state();
        Map<String, float[]> modelArrays = new HashMap<>();
        contents.model().forEach((name, array) -> modelArrays.put(name, array.floats()));
        model.loadStateDictArrays(modelArrays);
        Map<String, float[]> optimizerArrays = new HashMap<>();
        contents.optimizer().forEach((name, array) -> optimizerArrays.put(name, array.floats()));
        optimizer.loadState(optimizerArrays, ((Number) state.get("optimizer_step_count")).longValue());
        optimizer.setLr(((Number) state.get("optimizer_lr")).floatValue());
        scheduler.setLastEpoch(((Number) state.get("scheduler_last_epoch")).intValue());
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
    }

    /** The epoch records saved in a checkpoint (NaN written as null comes back as NaN). */
    static List<EpochRecord> history(Map<String, Object> state) {
        List<EpochRecord> records = new ArrayList<>();
        Object saved = state.get("history");
        if (saved instanceof List<?> list) {
            for (Object item : list) {
                records.add(EpochRecord.fromMap((Map<?, ?>) item));
            }
        }
        return records;
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
        int classes = ((Number) state.get("classes")).intValue();
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
            } else if (found.dtype() != entry.getValue().dtype()) {
                problems.add("tensor '" + entry.getKey() + "' is " + found.dtype() + ", expected "
                        + entry.getValue().dtype());
            }
        }
        for (String name : contents.model().keySet()) {
            if (!expected.containsKey(name)) {
                problems.add("tensor '" + name + "' is not in the model");
            }
        }
        if (!problems.isEmpty()) {
            StringBuilder layers = new StringBuilder().append(features);
            for (int width : config.hidden()) {
                layers.append('-').append(width);
            }
            layers.append('-').append(classes);
            throw new IllegalArgumentException(weightsSource + " does not fit the run's " + layers + " model: "
                    + String.join("; ", problems));
        }
        Map<String, float[]> arrays = new HashMap<>();
        for (Map.Entry<String, NamedArray> entry : contents.model().entrySet()) {
            arrays.put(entry.getKey(), entry.getValue().floats());
        }
        model.loadStateDictArrays(arrays);
        return model.eval();
    }
}
