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
 */
public record TrainConfig(String dataset, String dataDir, int limit, int[] hidden, String activation, float dropout,
                          String optimizer, float lr, float momentum, float weightDecay, String schedule, int epochs,
                          int batchSize, long seed, float clipNorm, String test) {

    /** The schedules {@link Trainer} understands. */
    public static final List<String> SCHEDULES = List.of("constant", "cosine", "step", "warmup-cosine");
    /** The optimizers {@link Trainer} understands. */
    public static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");

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
        for (int width : hidden) {
            require("hidden", width >= 1, "hidden layer widths must be positive, got " + Arrays.toString(hidden));
        }
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
        return new TrainConfig(dataset, dataDir, limit, hidden, activation, dropout, optimizer, lr, momentum,
                weightDecay, schedule, newEpochs, batchSize, seed, clipNorm, test);
    }

    /** A copy that finds the dataset in another folder (for {@code --resume --data DIR}). */
    public TrainConfig withDataDir(String newDataDir) {
        return new TrainConfig(dataset, newDataDir, limit, hidden, activation, dropout, optimizer, lr, momentum,
                weightDecay, schedule, epochs, batchSize, seed, clipNorm, test);
    }

    /** A copy with a test set ({@code --test}; empty for none). */
    public TrainConfig withTest(String newTest) {
        return new TrainConfig(dataset, dataDir, limit, hidden, activation, dropout, optimizer, lr, momentum,
                weightDecay, schedule, epochs, batchSize, seed, clipNorm, newTest);
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
                    map.get("test") == null ? "" : (String) map.get("test"));
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("training config is missing a field or has one of the wrong type: "
                    + map, e);
        }
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
