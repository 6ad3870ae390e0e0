package dev.nabla.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that defines a training run, as the CLI flags spell it. Stored in
 * {@code metrics.json} and {@code state.json} so that {@code --resume} and {@code nabla eval} rebuild
 * the same model and data pipeline.
 *
 * @param dataset      {@code fashion-mnist}, {@code mnist} or {@code csv:PATH}
 * @param dataDir      folder holding the dataset files, or empty to search the standard places
 * @param limit        use only the first {@code limit} training samples; 0 for all
 * @param hidden       hidden layer widths
 * @param activation   {@code relu}, {@code gelu}, {@code tanh} or {@code sigmoid}
 * @param dropout      dropout probability after each hidden activation (0 disables)
 * @param optimizer    {@code sgd}, {@code adam} or {@code adamw}
 * @param lr           initial learning rate
 * @param momentum     SGD momentum (ignored by Adam/AdamW)
 * @param weightDecay  L2 penalty (SGD, Adam) or decoupled decay (AdamW)
 * @param schedule     {@code constant}, {@code cosine}, {@code step} or {@code warmup-cosine}
 * @param epochs       total epochs of the run
 * @param batchSize    training samples per step
 * @param seed         seeds initialisation, shuffling and dropout
 * @param clipNorm     clip gradients to this global L2 norm; 0 disables
 * @param test         the test set of a {@code csv:} or {@code npy:} dataset ({@code csv:PATH},
 *                     {@code npy:X.npy,Y.npy}), or empty: none for {@code npy:}, 20 % held out for
 *                     {@code csv:}; IDX data sets bring their own
 * @param arch         {@code mlp} ({@link dev.nabla.nn.Mlp}, sized by {@code hidden}) or {@code resmlp}
 *                     ({@link dev.nabla.nn.ResMlp}, sized by {@code blocks}, {@code width}, {@code norm})
 * @param blocks       residual blocks of a {@code resmlp}
 * @param width        the width of a {@code resmlp}
 * @param norm         the normalisation in a {@code resmlp}'s blocks: {@code layer}, {@code batch}, {@code none}
 * @param valSplit     fraction of the training rows held out (seeded) as the validation set; 0 for none
 * @param val          a separate validation set ({@code csv:PATH}, {@code npy:X.npy,Y.npy}), or empty
 * @param earlyStop    stop after this many epochs without a better {@code monitor} figure, restoring
 *                     the best epoch's weights; 0 disables
 * @param accumulate   micro-batches of {@code batchSize} per optimizer step
 * @param plateauPatience epochs without improvement before {@code plateau} lowers the rate
 * @param plateauFactor   what {@code plateau} multiplies the rate by
 * @param task         {@code classification}, {@code regression} or {@code multilabel} ({@link Task})
 * @param loss         the task's loss: {@code cross-entropy}; {@code mse} or {@code huber};
 *                     {@code bce} (empty: the task's default, its first)
 * @param huberDelta   where the Huber loss turns from quadratic to linear (in standardised target
 *                     units); 1 unless the loss is {@code huber}
 * @param labelSmoothing cross-entropy label smoothing ε in [0, 1); 0 unless classification
 * @param classWeights cross-entropy class weights: empty (equal), {@code balanced} (from the
 *                     training rows' class counts) or {@code W1,W2,...} (one per class)
 * @param posWeight    multi-label: the weight of each label's positive term ({@code W1,W2,...}, one
 *                     per label, PyTorch's {@code pos_weight}), or empty for none
 * @param precision    {@code fp32}, or {@code bf16}/{@code fp16}: the forward pass under
 *                     {@link dev.nabla.amp.Autocast} with F32 master weights ({@code fp16} with a
 *                     {@link dev.nabla.amp.GradScaler})
 * @param monitor      the validation figure that early stopping, {@code best.safetensors} and the
 *                     {@code plateau} schedule follow ({@link Monitor}): {@code val_loss} (default),
 *                     {@code val_acc}, {@code val_r2}, ...; stored canonical ({@code val_accuracy}
 *                     becomes {@code val_acc})
 */
public record TrainConfig(String dataset, String dataDir, int limit, int[] hidden, String activation, float dropout,
                          String optimizer, float lr, float momentum, float weightDecay, String schedule, int epochs,
                          int batchSize, long seed, float clipNorm, String test, String arch, int blocks, int width,
                          String norm, float valSplit, String val, int earlyStop, int accumulate, int plateauPatience,
                          float plateauFactor, String task, String loss, float huberDelta, float labelSmoothing,
                          String classWeights, String posWeight, String precision, String monitor) {

    /** A config that monitors the validation loss (the default, and what runs before {@code --monitor} used). */
    public TrainConfig(String dataset, String dataDir, int limit, int[] hidden, String activation, float dropout,
                       String optimizer, float lr, float momentum, float weightDecay, String schedule, int epochs,
                       int batchSize, long seed, float clipNorm, String test, String arch, int blocks, int width,
                       String norm, float valSplit, String val, int earlyStop, int accumulate, int plateauPatience,
                       float plateauFactor, String task, String loss, float huberDelta, float labelSmoothing,
                       String classWeights, String posWeight, String precision) {
        this(dataset, dataDir, limit, hidden, activation, dropout, optimizer, lr, momentum, weightDecay, schedule,
                epochs, batchSize, seed, clipNorm, test, arch, blocks, width, norm, valSplit, val, earlyStop,
                accumulate, plateauPatience, plateauFactor, task, loss, huberDelta, labelSmoothing, classWeights,
                posWeight, precision, Monitor.DEFAULT);
    }

    /** The precisions {@link Trainer} trains in. */
    public static final List<String> PRECISIONS = List.of("fp32", "bf16", "fp16");

    /** A config in FP32 (the setting's default, and what runs before it existed used). */
    public TrainConfig(String dataset, String dataDir, int limit, int[] hidden, String activation, float dropout,
                       String optimizer, float lr, float momentum, float weightDecay, String schedule, int epochs,
                       int batchSize, long seed, float clipNorm, String test, String arch, int blocks, int width,
                       String norm, float valSplit, String val, int earlyStop, int accumulate, int plateauPatience,
                       float plateauFactor, String task, String loss, float huberDelta, float labelSmoothing,
                       String classWeights, String posWeight) {
        this(dataset, dataDir, limit, hidden, activation, dropout, optimizer, lr, momentum, weightDecay, schedule,
                epochs, batchSize, seed, clipNorm, test, arch, blocks, width, norm, valSplit, val, earlyStop,
                accumulate, plateauPatience, plateauFactor, task, loss, huberDelta, labelSmoothing, classWeights,
                posWeight, "fp32");
    }

    /** The schedules {@link Trainer} understands. */
    public static final List<String> SCHEDULES = List.of("constant", "cosine", "step", "warmup-cosine", "plateau",
            "one-cycle");
    /** The optimizers {@link Trainer} understands. */
    public static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");
    /** The architectures {@link Trainer#buildModel} builds. */
    public static final List<String> ARCHITECTURES = List.of("mlp", "resmlp");

    /** Defaults of the settings added after the first checkpoints were written (what an older run used). */
    static final String DEFAULT_ARCH = "mlp";
    static final int DEFAULT_BLOCKS = 4;
    static final int DEFAULT_WIDTH = 1024;
    static final String DEFAULT_NORM = "layer";
    /** PyTorch's {@code ReduceLROnPlateau} defaults. */
    static final int DEFAULT_PLATEAU_PATIENCE = 10;
    static final float DEFAULT_PLATEAU_FACTOR = 0.1f;
    /** {@code torch.nn.HuberLoss}'s default delta. */
    static final float DEFAULT_HUBER_DELTA = 1f;
    /** The class-weights value that derives them from the class counts. */
    public static final String BALANCED = "balanced";

    /** A config of a classification run with the given settings (the tasks' settings at their defaults). */
    public TrainConfig(String dataset, String dataDir, int limit, int[] hidden, String activation, float dropout,
                       String optimizer, float lr, float momentum, float weightDecay, String schedule, int epochs,
                       int batchSize, long seed, float clipNorm, String test, String arch, int blocks, int width,
                       String norm, float valSplit, String val, int earlyStop, int accumulate, int plateauPatience,
                       float plateauFactor) {
        this(dataset, dataDir, limit, hidden, activation, dropout, optimizer, lr, momentum, weightDecay, schedule,
                epochs, batchSize, seed, clipNorm, test, arch, blocks, width, norm, valSplit, val, earlyStop,
                accumulate, plateauPatience, plateauFactor, Task.CLASSIFICATION.cliName(), "", DEFAULT_HUBER_DELTA,
                0f, "", "");
    }

    /** A config with a test set and the defaults of every later setting: an MLP, no validation set. */
    public TrainConfig(String dataset, String dataDir, int limit, int[] hidden, String activation, float dropout,
                       String optimizer, float lr, float momentum, float weightDecay, String schedule, int epochs,
                       int batchSize, long seed, float clipNorm, String test) {
        this(dataset, dataDir, limit, hidden, activation, dropout, optimizer, lr, momentum, weightDecay, schedule,
                epochs, batchSize, seed, clipNorm, test, DEFAULT_ARCH, DEFAULT_BLOCKS, DEFAULT_WIDTH, DEFAULT_NORM, 0f,
                "", 0, 1, DEFAULT_PLATEAU_PATIENCE, DEFAULT_PLATEAU_FACTOR);
    }

    /** A config without a separate test set. */
    public TrainConfig(String dataset, String dataDir, int limit, int[] hidden, String activation, float dropout,
                       String optimizer, float lr, float momentum, float weightDecay, String schedule, int epochs,
                       int batchSize, long seed, float clipNorm) {
        this(dataset, dataDir, limit, hidden, activation, dropout, optimizer, lr, momentum, weightDecay, schedule,
                epochs, batchSize, seed, clipNorm, "");
    }

    public TrainConfig {
        hidden = hidden.clone();
        test = test == null ? "" : test;
        val = val == null ? "" : val;
        arch = arch.toLowerCase(Locale.ROOT);
        norm = norm.toLowerCase(Locale.ROOT);
        optimizer = optimizer.toLowerCase(Locale.ROOT);
        schedule = schedule.toLowerCase(Locale.ROOT);
        activation = activation.toLowerCase(Locale.ROOT);
        require("epochs", epochs >= 1, "epochs must be at least 1, got " + epochs);
        require("batch_size", batchSize >= 1, "batch size must be at least 1, got " + batchSize);
        require("lr", lr > 0 && Float.isFinite(lr), "learning rate must be positive, got " + lr);
        require("dropout", dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
        require("weight_decay", weightDecay >= 0, "weight decay must be non-negative, got " + weightDecay);
        require("momentum", momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        require("limit", limit >= 0, "limit must be non-negative, got " + limit);
        require("clip_norm", clipNorm >= 0, "clip norm must be non-negative, got " + clipNorm);
        require("optimizer", OPTIMIZERS.contains(optimizer), "unknown optimizer '" + optimizer + "'; choose one of " + OPTIMIZERS);
        require("activation", dev.nabla.nn.Mlp.ACTIVATIONS.contains(activation), "unknown activation '" + activation
                + "'; choose one of " + dev.nabla.nn.Mlp.ACTIVATIONS);
        require("schedule", SCHEDULES.contains(schedule), "unknown schedule '" + schedule + "'; choose one of " + SCHEDULES);
        for (int w : hidden) {
            require("hidden", w >= 1, "hidden layer widths must be positive, got " + Arrays.toString(hidden));
        }
        require("arch", ARCHITECTURES.contains(arch), "unknown architecture '" + arch + "'; choose one of "
                + ARCHITECTURES);
        require("blocks", blocks >= 1, "blocks must be at least 1, got " + blocks);
        require("width", width >= 1, "width must be at least 1, got " + width);
        require("norm", dev.nabla.nn.ResMlp.NORMS.contains(norm), "unknown norm '" + norm + "'; choose one of "
                + dev.nabla.nn.ResMlp.NORMS);
        require("val_split", valSplit >= 0 && valSplit < 1, "validation split must be in [0, 1), got " + valSplit);
        require("val_split", valSplit == 0 || val.isEmpty(), "a validation split (" + valSplit + ") and a"
                + " validation set (" + val + ") are both given; choose one");
        require("early_stop", earlyStop >= 0, "early-stopping patience must be 0 (off) or more, got " + earlyStop);
        require("early_stop", earlyStop == 0 || valSplit > 0 || !val.isEmpty(), "early stopping (patience "
                + earlyStop + ") monitors a validation figure, and there is no validation set: add --val-split"
                + " 0.1 or --val SPEC (stopping on the test set would make its accuracy meaningless)");
        require("accumulate", accumulate >= 1, "accumulate must be at least 1 micro-batch per step, got "
                + accumulate);
        require("momentum", !(schedule.equals("one-cycle") && optimizer.equals("sgd") && momentum == 0f),
                "the one-cycle schedule cycles the momentum between 0.95 and 0.85 (as PyTorch's OneCycleLR), and"
                + " --optimizer sgd --momentum 0 has none; drop --momentum 0 (it is then cycled), or choose another"
                + " --schedule");
        require("plateau_patience", plateauPatience >= 0, "plateau patience must be 0 or more, got "
                + plateauPatience);
        require("plateau_factor", plateauFactor > 0 && plateauFactor < 1, "plateau factor must be in (0, 1), got "
                + plateauFactor);
        Task kind = parseTask(task);
        task = kind.cliName();
        try {
            loss = loss == null || loss.isBlank() ? kind.losses().get(0) : kind.loss(loss);
        } catch (IllegalArgumentException e) {
            throw new InvalidSetting("loss", e.getMessage());
        }
        require("huber_delta", huberDelta > 0 && Float.isFinite(huberDelta), "the Huber delta must be positive and"
                + " finite, got " + huberDelta);
        require("huber_delta", huberDelta == DEFAULT_HUBER_DELTA || loss.equals("huber"), "the Huber delta ("
                + huberDelta + ") sets the huber loss, and this run's loss is " + loss + "; add --loss huber");
        require("label_smoothing", labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1), got "
                + labelSmoothing);
        require("label_smoothing", labelSmoothing == 0 || kind == Task.CLASSIFICATION, "label smoothing applies to"
                + " classification (cross-entropy), and this run's task is " + task);
        classWeights = classWeights == null ? "" : classWeights.strip().toLowerCase(Locale.ROOT);
        require("class_weights", classWeights.isEmpty() || kind == Task.CLASSIFICATION, "class weights apply to"
                + " classification (cross-entropy), and this run's task is " + task);
        if (!classWeights.isEmpty() && !classWeights.equals(BALANCED)) {
            parseWeights("class_weights", "class weight", classWeights);
        }
        posWeight = posWeight == null ? "" : posWeight.strip();
        require("pos_weight", posWeight.isEmpty() || kind == Task.MULTILABEL, "positive weights apply to"
                + " multi-label runs (binary cross-entropy), and this run's task is " + task);
        if (!posWeight.isEmpty()) {
            parseWeights("pos_weight", "positive weight", posWeight);
        }
        precision = precision == null ? "fp32" : precision.strip().toLowerCase(Locale.ROOT);
        require("precision", PRECISIONS.contains(precision), "unknown precision '" + precision + "'; choose one of "
                + PRECISIONS);
        try {
            monitor = Monitor.parse(monitor, kind).name();
        } catch (IllegalArgumentException e) {
            throw new InvalidSetting("monitor", e.getMessage());
        }
        require("monitor", monitor.equals(Monitor.DEFAULT) || valSplit > 0 || !val.isEmpty(), "monitoring " + monitor
                + " needs a validation set, and there is none: add --val-split 0.1 or --val SPEC (the test set never"
                + " chooses an epoch)");
    }

    /** The validation figure that early stopping, the best weights and the plateau schedule follow. */
    public Monitor monitorKind() {
        return Monitor.parse(monitor, taskKind());
    }

    /**
     * The precision as the run's header names it: {@code fp32}, {@code bf16 (autocast, F32 master
     * weights)}, or {@code fp16 (autocast, F32 master weights, dynamic loss scaling)}.
     */
    public String precisionDescription() {
        return switch (precision) {
            case "bf16" -> "bf16 (autocast, F32 master weights)";
            case "fp16" -> "fp16 (autocast, F32 master weights, dynamic loss scaling)";
            default -> precision;
        };
    }

    /** The 16-bit type of the forward pass, or empty for {@code fp32}. */
    public java.util.Optional<dev.nabla.DType> autocastType() {
        return switch (precision) {
            case "bf16" -> java.util.Optional.of(dev.nabla.DType.BF16);
            case "fp16" -> java.util.Optional.of(dev.nabla.DType.F16);
            default -> java.util.Optional.empty();
        };
    }

    private static Task parseTask(String task) {
        try {
            return Task.parse(task == null || task.isBlank() ? Task.CLASSIFICATION.cliName() : task);
        } catch (IllegalArgumentException e) {
            throw new InvalidSetting("task", e.getMessage());
        }
    }

    /** {@code W1,W2,...}: finite, non-negative, not all zero; any other text is refused naming the entry. */
    private static float[] parseWeights(String setting, String what, String text) {
        String[] parts = text.split(",", -1);
        float[] weights = new float[parts.length];
        boolean anyPositive = false;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            float w;
            try {
                w = Float.parseFloat(part);
            } catch (NumberFormatException e) {
                throw new InvalidSetting(setting, what + " " + (i + 1) + " of '" + text + "' is '" + part
                        + "', not a number; give one number per " + (setting.equals("class_weights")
                        ? "class, W1,W2,..., or " + BALANCED : "label, W1,W2,..."));
            }
            require(setting, w >= 0 && Float.isFinite(w), what + " " + (i + 1) + " of '" + text + "' is "
                    + part + "; " + what + "s must be finite and non-negative");
            anyPositive |= w > 0;
            weights[i] = w;
        }
        require(setting, anyPositive || setting.equals("pos_weight"), "every " + what + " of '" + text
                + "' is 0; at least one class must count");
        return weights;
    }

    /** The multi-label positive weights ({@code pos_weight}), or empty for none. */
    public java.util.Optional<float[]> positiveWeights() {
        return posWeight.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(parseWeights("pos_weight", "positive weight", posWeight));
    }

    /** The task this run learns. */
    public Task taskKind() {
        return Task.valueOf(task.toUpperCase(Locale.ROOT));
    }

    /** Whether {@code classWeights} is {@code balanced}. */
    public boolean balancedClassWeights() {
        return classWeights.equals(BALANCED);
    }

    /** The explicit class weights ({@code W1,W2,...}), or empty for equal or balanced weights. */
    public java.util.Optional<float[]> explicitClassWeights() {
        return classWeights.isEmpty() || balancedClassWeights() ? java.util.Optional.empty()
                : java.util.Optional.of(parseWeights("class_weights", "class weight", classWeights));
    }

    /** Whether the run holds out a validation set ({@code valSplit} or {@code val}). */
    public boolean hasValidation() {
        return valSplit > 0 || !val.isEmpty();
    }

    /**
     * A setting out of range or unknown; {@link #setting()} is its key in {@link #toMap()}
     * ({@code batch_size}), so a front end can name its own option for it.
     */
    public static final class InvalidSetting extends IllegalArgumentException {
        private final String setting;

        InvalidSetting(String setting, String message) {
            super(message);
            this.setting = setting;
        }

        public String setting() {
            return setting;
        }
    }

    private static void require(String setting, boolean condition, String message) {
        if (!condition) {
            throw new InvalidSetting(setting, message);
        }
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** A copy with another epoch count (for {@code --resume --epochs N}). */
    public TrainConfig withEpochs(int newEpochs) {
        return with("epochs", newEpochs);
    }

    /** A copy that finds the dataset in another folder (for {@code --resume --data DIR}). */
    public TrainConfig withDataDir(String newDataDir) {
        return with("data_dir", newDataDir);
    }

    /** A copy with a test set ({@code --test}; empty for none). */
    public TrainConfig withTest(String newTest) {
        return with("test", newTest == null ? "" : newTest);
    }

    /** A copy with a residual MLP ({@code --arch resmlp --blocks N --width W --norm NAME}). */
    public TrainConfig withResMlp(int newBlocks, int newWidth, String newNorm) {
        return with("arch", "resmlp").with("blocks", newBlocks).with("width", newWidth).with("norm", newNorm);
    }

    /** A copy with a validation split ({@code --val-split}) or set ({@code --val}); 0 and empty for none. */
    public TrainConfig withValidation(float newValSplit, String newVal) {
        return with("val_split", newValSplit).with("val", newVal == null ? "" : newVal);
    }

    /** A copy with early stopping after {@code patience} epochs without improvement (0: off). */
    public TrainConfig withEarlyStop(int patience) {
        return with("early_stop", patience);
    }

    /** A copy that monitors another validation figure ({@code --monitor}; {@link Monitor}). */
    public TrainConfig withMonitor(String newMonitor) {
        return with("monitor", newMonitor);
    }

    /** A copy with {@code k} micro-batches per optimizer step. */
    public TrainConfig withAccumulate(int k) {
        return with("accumulate", k);
    }

    /** A copy with another schedule and the {@code plateau} schedule's settings. */
    public TrainConfig withSchedule(String newSchedule, int patience, float factor) {
        return with("schedule", newSchedule).with("plateau_patience", patience).with("plateau_factor", factor);
    }

    /** A copy with one setting changed, by its {@link #toMap()} key; validated as any config. */
    public TrainConfig with(String key, Object value) {
        Map<String, Object> map = toMap();
        if (!map.containsKey(key)) {
            throw new IllegalArgumentException("TrainConfig has no setting '" + key + "'; settings: " + map.keySet());
        }
        map.put(key, value);
        return fromMap(map);
    }

    /** The config as JSON-ready values, snake_case keys. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("dataset", dataset);
        map.put("data_dir", dataDir);
        map.put("limit", limit);
        map.put("hidden", Arrays.stream(hidden).boxed().toList());
        map.put("activation", activation);
        map.put("dropout", dropout);
        map.put("optimizer", optimizer);
        map.put("lr", lr);
        map.put("momentum", momentum);
        map.put("weight_decay", weightDecay);
        map.put("schedule", schedule);
        map.put("epochs", epochs);
        map.put("batch_size", batchSize);
        map.put("seed", seed);
        map.put("clip_norm", clipNorm);
        map.put("test", test);
        map.put("arch", arch);
        map.put("blocks", blocks);
        map.put("width", width);
        map.put("norm", norm);
        map.put("val_split", valSplit);
        map.put("val", val);
        map.put("early_stop", earlyStop);
        map.put("accumulate", accumulate);
        map.put("plateau_patience", plateauPatience);
        map.put("plateau_factor", plateauFactor);
        map.put("task", task);
        map.put("loss", loss);
        map.put("huber_delta", huberDelta);
        map.put("label_smoothing", labelSmoothing);
        map.put("class_weights", classWeights);
        map.put("pos_weight", posWeight);
        map.put("precision", precision);
        map.put("monitor", monitor);
        return map;
    }

    /** Reads {@link #toMap()}'s output back (from parsed JSON). */
    public static TrainConfig fromMap(Map<String, Object> map) {
        try {
            List<?> hidden = (List<?>) map.get("hidden");
            return new TrainConfig(
                    (String) map.get("dataset"),
                    map.get("data_dir") == null ? "" : (String) map.get("data_dir"),
                    number(map, "limit").intValue(),
                    hidden.stream().mapToInt(v -> ((Number) v).intValue()).toArray(),
                    (String) map.get("activation"),
                    number(map, "dropout").floatValue(),
                    (String) map.get("optimizer"),
                    number(map, "lr").floatValue(),
                    number(map, "momentum").floatValue(),
                    number(map, "weight_decay").floatValue(),
                    (String) map.get("schedule"),
                    number(map, "epochs").intValue(),
                    number(map, "batch_size").intValue(),
                    number(map, "seed").longValue(),
                    number(map, "clip_norm").floatValue(),
                    // absent from checkpoints written before test sets could be named
                    map.get("test") == null ? "" : (String) map.get("test"),
                    // the rest are absent from checkpoints written before they existed: an MLP run
                    map.get("arch") == null ? DEFAULT_ARCH : (String) map.get("arch"),
                    optional(map, "blocks", DEFAULT_BLOCKS).intValue(),
                    optional(map, "width", DEFAULT_WIDTH).intValue(),
                    map.get("norm") == null ? DEFAULT_NORM : (String) map.get("norm"),
                    optional(map, "val_split", 0f).floatValue(),
                    map.get("val") == null ? "" : (String) map.get("val"),
                    optional(map, "early_stop", 0).intValue(),
                    optional(map, "accumulate", 1).intValue(),
                    optional(map, "plateau_patience", DEFAULT_PLATEAU_PATIENCE).intValue(),
                    optional(map, "plateau_factor", DEFAULT_PLATEAU_FACTOR).floatValue(),
                    map.get("task") == null ? Task.CLASSIFICATION.cliName() : (String) map.get("task"),
                    map.get("loss") == null ? "" : (String) map.get("loss"),
                    optional(map, "huber_delta", DEFAULT_HUBER_DELTA).floatValue(),
                    optional(map, "label_smoothing", 0f).floatValue(),
                    map.get("class_weights") == null ? "" : (String) map.get("class_weights"),
                    map.get("pos_weight") == null ? "" : (String) map.get("pos_weight"),
                    map.get("precision") == null ? "fp32" : (String) map.get("precision"),
                    map.get("monitor") == null ? Monitor.DEFAULT : (String) map.get("monitor"));
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("training config is missing a field or has one of the wrong type: "
                    + map, e);
        }
    }

    private static Number optional(Map<String, Object> map, String key, Number absent) {
        return map.get(key) == null ? absent : number(map, key);
    }

    private static Number number(Map<String, Object> map, String key) {
        Object value = map.get(key);
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("training config: '" + key + "' should be a number, got " + value);
        }
        return n;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TrainConfig that && toMap().equals(that.toMap());
    }

    @Override
    public int hashCode() {
        return toMap().hashCode();
    }

    @Override
    public String toString() {
        return "TrainConfig" + toMap();
    }
}
