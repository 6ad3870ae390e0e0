package dev.nabla.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nabla.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes a run's metrics in two forms, each replaced atomically after every epoch so that an
 * interrupted run still leaves consistent files:
 *
 * <ul>
 *   <li>{@code metrics.csv}: a header and one row per epoch, for spreadsheets and pandas;
 *   <li>{@code metrics.json}: {@code config}, {@code backend}, {@code device}, {@code epochs} (one
 *       object per epoch, snake_case keys), the final {@code test_accuracy}, then any extra fields.
 * </ul>
 *
 * <p>The columns are the task's ({@link EpochRecord#fields(Task)}): a classification run's as
 * they always were; a regression run's test and validation RMSE, MAE and R², a multi-label run's
 * label accuracy, exact match and micro-F1, whose final test figures {@code metrics.json} also
 * holds as {@code test_r2}, {@code test_micro_f1}... ({@code test_accuracy} is null for them).
 *
 * <p>Values that were not measured ({@code NaN}) become an empty CSV field and JSON {@code null}
 * (JSON has no NaN). Config values are reduced to JSON types: numbers, booleans and strings as
 * they are, maps and collections recursively, {@link Optional} to its value or null, anything else
 * (paths, enums, durations) to its {@code toString()}, so the file reads the way the flags were
 * typed. {@link #readJson} reads the file back, which {@code --resume} uses to continue the
 * history.
 */
public final class MetricsWriter implements TrainingListener {

    public static final String CSV_FILE = "metrics.csv";
    public static final String JSON_FILE = "metrics.json";
    static final String CSV_HEADER = String.join(",", EpochRecord.FIELDS);
    private static final Set<String> RESERVED = Set.of("config", "backend", "device", "epochs", "test_accuracy");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** metrics.json read back. {@code testAccuracy} is NaN when there were no epochs. */
    public record RunMetrics(Map<String, Object> config, String backend, String device, List<EpochRecord> epochs,
            double testAccuracy, Map<String, Object> extra) {}

    /**
     * The trainer's metrics writer as a listener: after each epoch (and once more at the end of a
     * run with a validation set, for the final test accuracy) rewrites {@value #CSV_FILE},
     * {@value #JSON_FILE} and {@code curves.png} in the run folder; only on the primary rank.
     */
    public MetricsWriter() {}

    @Override
    public void onEpochEnd(TrainingContext context, EpochRecord record) throws IOException {
        if (context.isPrimary()) {
            writeRun(context);
        }
    }

    @Override
    public void onTrainEnd(TrainingContext context) throws IOException {
        if (context.isPrimary() && context.finalTest().isPresent() && !context.history().isEmpty()) {
            writeRun(context);
        }
    }

    private static void writeRun(TrainingContext context) throws IOException {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("dataset", context.data.toString());
        extra.put("parameters", context.model().parameterCount());
        double finalTest = context.finalTest().map(Evaluation.Result::accuracy).orElse(Double.NaN);
        if (context.finalTest().isPresent()) {
            extra.put("test_loss", context.finalTest().get().loss());
        }
        Task task = context.config().taskKind();
        if (task != Task.CLASSIFICATION) {
            List<EpochRecord> history = context.history();
            for (String name : task.metrics()) {
                double value = context.finalTest().map(r -> r.metric(name)).orElse(history.isEmpty()
                        || context.hasValidation() ? Double.NaN : history.get(history.size() - 1).value("test_" + name));
                extra.put("test_" + name, value);
            }
        }
        Path runDir = context.runDir();
        var device = context.device();
        List<EpochRecord> epochs = context.history();
        writeCsv(runDir.resolve(CSV_FILE), epochs);
        writeJson(runDir.resolve(JSON_FILE), context.config().toMap(), device.info().backend(), device.id() + " "
                + device.info().name(), epochs, extra, context.hasValidation() ? finalTest
                : lastTestAccuracy(epochs));
        CurvesPlot.write(runDir.resolve("curves.png"), epochs, context.title, context.objective.lossLabel());
    }

    private static double lastTestAccuracy(List<EpochRecord> epochs) {
        return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).testAccuracy();
    }

    /** Writes {@value #CSV_FILE} and {@value #JSON_FILE} into {@code runDir}. */
    public static void write(Path runDir, Map<String, ?> config, String backend, String device,
            List<EpochRecord> epochs, Map<String, ?> extra) throws IOException {
        writeCsv(runDir.resolve(CSV_FILE), epochs);
        writeJson(runDir.resolve(JSON_FILE), config, backend, device, epochs, extra);
    }

    /** Writes the records' columns ({@link EpochRecord#fields}, by the first record's task), one row each. */
    public static void writeCsv(Path file, List<EpochRecord> epochs) throws IOException {
        Task task = epochs.isEmpty() ? Task.CLASSIFICATION : epochs.get(0).task();
        if (task != Task.CLASSIFICATION) {
            List<String> fields = EpochRecord.fields(task);
            StringBuilder sb = new StringBuilder(String.join(",", fields)).append('\n');
            for (EpochRecord e : epochs) {
                sb.append(e.epoch());
                for (String field : fields.subList(1, fields.size())) {
                    sb.append(',').append(csv(e.value(field)));
                }
                sb.append('\n');
            }
            AtomicFiles.writeString(file, sb.toString());
            return;
        }
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (EpochRecord e : epochs) {
            sb.append(e.epoch()).append(',').append(csv(e.trainLoss())).append(',').append(csv(e.trainAccuracy()))
                    .append(',').append(csv(e.testLoss())).append(',').append(csv(e.testAccuracy())).append(',')
                    .append(csv(e.seconds())).append(',').append(csv(e.samplesPerSecond())).append(',')
                    .append(csv(e.valLoss())).append(',').append(csv(e.valAccuracy())).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    /**
     * Writes {@code metrics.json}; its {@code test_accuracy} is the last epoch's.
     *
     * @throws IllegalArgumentException if {@code extra} uses one of the fixed keys
     */
    public static void writeJson(Path file, Map<String, ?> config, String backend, String device,
            List<EpochRecord> epochs, Map<String, ?> extra) throws IOException {
        writeJson(file, config, backend, device, epochs, extra, lastTestAccuracy(epochs));
    }

    /**
     * Writes {@code metrics.json} with {@code testAccuracy} as its final {@code test_accuracy} (NaN:
     * null): the end-of-run evaluation of a run with a validation set.
     */
    public static void writeJson(Path file, Map<String, ?> config, String backend, String device,
            List<EpochRecord> epochs, Map<String, ?> extra, double testAccuracy) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("config", plain(config));
        root.put("backend", backend);
        root.put("device", device);
        List<Object> rows = new ArrayList<>();
        for (EpochRecord e : epochs) {
            rows.add(plain(e.toMap())); // NaN (not measured) becomes null
        }
        root.put("epochs", rows);
        root.put("test_accuracy", num(testAccuracy));
        for (var e : extra.entrySet()) {
            if (RESERVED.contains(e.getKey())) {
                throw new IllegalArgumentException("extra field '" + e.getKey() + "' would overwrite a fixed field of "
                        + JSON_FILE);
            }
            root.put(e.getKey(), plain(e.getValue()));
        }
        AtomicFiles.write(file, JSON.writeValueAsBytes(root));
    }

    /** Reads a {@code metrics.json} written by {@link #writeJson}. */
    public static RunMetrics readJson(Path file) throws IOException {
        Map<String, Object> root;
        try {
            root = JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": not a valid " + JSON_FILE + ": " + e.getOriginalMessage(), e);
        }
        List<EpochRecord> epochs = new ArrayList<>();
        Object rows = root.get("epochs");
        if (!(rows instanceof List<?> list)) {
            throw new IOException(file + ": no \"epochs\" array");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> config = root.get("config") instanceof Map<?, ?> c ? (Map<String, Object>) c : Map.of();
        Task task;
        try {
            task = config.get("task") instanceof String name ? Task.parse(name) : Task.CLASSIFICATION;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("epoch") instanceof Number)) {
                throw new IOException(file + ": an element of \"epochs\" has no epoch number: " + o);
            }
            epochs.add(EpochRecord.fromMap(m, task));
        }
        Map<String, Object> extra = new LinkedHashMap<>(root);
        RESERVED.forEach(extra::remove);
        return new RunMetrics(config, (String) root.get("backend"), (String) root.get("device"), epochs,
                dbl(root.get("test_accuracy")), extra);
    }

    /** The header of files written before the validation columns existed; still read. */
    private static final String CSV_HEADER_WITHOUT_VALIDATION = String.join(",", EpochRecord.FIELDS.subList(0, 7));

    /** Reads a {@code metrics.csv} written by {@link #writeCsv} (or by a version without validation columns). */
    public static List<EpochRecord> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (Task task : Task.values()) {
            if (task != Task.CLASSIFICATION && !lines.isEmpty()
                    && lines.get(0).equals(String.join(",", EpochRecord.fields(task)))) {
                return readTaskCsv(file, lines, task);
            }
        }
        boolean old = !lines.isEmpty() && lines.get(0).equals(CSV_HEADER_WITHOUT_VALIDATION);
        int fields = old ? 7 : EpochRecord.FIELDS.size();
        if (lines.isEmpty() || !(old || lines.get(0).equals(CSV_HEADER))) {
            throw new IOException(file + ": not a Nabla " + CSV_FILE + " (header should be " + CSV_HEADER + ")");
        }
        List<EpochRecord> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split(",", -1);
            try {
                if (f.length != fields) {
                    throw new NumberFormatException(f.length + " fields, expected " + fields);
                }
                out.add(new EpochRecord(Integer.parseInt(f[0]), parse(f[1]), parse(f[2]), parse(f[3]), parse(f[4]),
                        parse(f[5]), parse(f[6]), old ? Double.NaN : parse(f[7]), old ? Double.NaN : parse(f[8])));
            } catch (NumberFormatException e) {
                throw new IOException(file + ": line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static List<EpochRecord> readTaskCsv(Path file, List<String> lines, Task task) throws IOException {
        List<String> fields = EpochRecord.fields(task);
        List<EpochRecord> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split(",", -1);
            try {
                if (f.length != fields.size()) {
                    throw new NumberFormatException(f.length + " fields, expected " + fields.size());
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("epoch", Integer.parseInt(f[0]));
                for (int k = 1; k < f.length; k++) {
                    row.put(fields.get(k), parse(f[k]));
                }
                out.add(EpochRecord.fromMap(row, task));
            } catch (NumberFormatException e) {
                throw new IOException(file + ": line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    // Double.toString is the shortest string that reads back as the same double.
    private static String csv(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    private static double parse(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static Double num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static double dbl(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Reduces a value to what JSON can hold; see the class comment. */
    static Object plain(Object v) {
        return switch (v) {
            case null -> null;
            case Double d -> num(d);
            // Via its shortest decimal form: 1e-3f is written 0.001, not 0.0010000000474974513.
            case Float f -> Float.isFinite(f) ? num(Double.parseDouble(Float.toString(f))) : null;
            case float[] a -> {
                List<Object> out = new java.util.ArrayList<>();
                for (float x : a) {
                    out.add(plain(x));
                }
                yield out;
            }
            case boolean[] a -> {
                List<Object> out = new java.util.ArrayList<>();
                for (boolean x : a) {
                    out.add(x);
                }
                yield out;
            }
            case Number n -> n;
            case Boolean b -> b;
            case String s -> s;
            case Optional<?> o -> plain(o.orElse(null));
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
                yield out;
            }
            case Collection<?> c -> c.stream().map(MetricsWriter::plain).toList(); // toList keeps nulls
            case int[] a -> java.util.Arrays.stream(a).boxed().toList();
            case long[] a -> java.util.Arrays.stream(a).boxed().toList();
            case double[] a -> java.util.Arrays.stream(a).mapToObj(MetricsWriter::num).toList();
            case Object[] a -> plain(java.util.Arrays.asList(a));
            default -> v.toString();
        };
    }
}
