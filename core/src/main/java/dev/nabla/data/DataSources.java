package dev.nabla.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Turns the CLI's data-set names into {@link TrainingData}: {@code fashion-mnist} and
 * {@code mnist} (IDX files found by {@link DatasetLocator}, with their own test sets),
 * {@code csv:PATH} (a CSV file, 20 % held out as the test set unless a test set is named) and
 * {@code npy:FEATURES.npy,TARGETS.npy} ({@link NpyDataset}, no test set unless one is named).
 * A test set, when named, is {@code csv:PATH} or {@code npy:FEATURES.npy,TARGETS.npy}.
 * {@code friedman1} is a generated regression set with its own test set ({@link Friedman1}).
 *
 * <p>The targets are read as the task needs them ({@link Dataset.TargetKind}): class indices for
 * classification; real values for regression and multi-label, where a CSV label column must hold
 * numbers (never class names) and integer {@code .npy} targets count as values.
 */
public final class DataSources {

    private DataSources() {
    }

    /** Whether {@code spec} names files ({@code csv:}, {@code npy:}) rather than a known data set. */
    public static boolean isFileSpec(String spec) {
        return spec.startsWith("csv:") || spec.startsWith("npy:");
    }

    /**
     * Checks the form of a {@code csv:} or {@code npy:} spec without opening anything, for a
     * usage error before the device starts.
     *
     * @throws IllegalArgumentException saying what is wrong and what it should look like
     */
    public static void checkFileSpec(String spec) {
        if (spec.startsWith("csv:")) {
            if (spec.substring(4).isBlank()) {
                throw new IllegalArgumentException("the path after 'csv:' is empty; name the file, e.g."
                        + " csv:data/points.csv");
            }
        } else if (spec.startsWith("npy:")) {
            npyPaths(spec);
        } else {
            throw new IllegalArgumentException("'" + spec + "' is not csv:PATH or npy:FEATURES.npy,TARGETS.npy");
        }
    }

    private static List<Path> npyPaths(String spec) {
        String[] parts = spec.substring(4).split(",", -1);
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new IllegalArgumentException("'" + spec + "': expected npy:FEATURES.npy,TARGETS.npy, two files"
                    + " separated by one comma (a path that holds a comma cannot be named here; link or rename it)");
        }
        return List.of(Path.of(parts[0].strip()), Path.of(parts[1].strip()));
    }

    /** Whether {@code name} is a data set generated in memory ({@code friedman1}) rather than read. */
    public static boolean isGenerated(String name) {
        return name.equalsIgnoreCase(Friedman1.NAME);
    }

    /**
     * Loads {@code dataset}, and {@code test} if it is not empty, with targets as their files say
     * (a CSV label column as classes; {@code .npy} targets by dtype).
     *
     * @param dataset {@code fashion-mnist}, {@code mnist}, {@code friedman1}, {@code csv:PATH} or
     *                {@code npy:X.npy,Y.npy}
     * @param test    empty, or {@code csv:PATH} / {@code npy:X.npy,Y.npy}
     * @param dataDir where to look for an IDX data set (empty: the standard places)
     */
    public static TrainingData load(String dataset, String test, Optional<Path> dataDir) throws IOException {
        return load(dataset, test, dataDir, null);
    }

    /**
     * Loads {@code dataset} (and {@code test}) with the targets a task trains on: {@code targets}
     * {@link Dataset.TargetKind#CLASS_INDEX} for classification, {@link Dataset.TargetKind#VALUES}
     * for regression and multi-label, or null to go by the files. A data set whose targets cannot
     * be that kind is refused here, before training, naming it.
     */
    public static TrainingData load(String dataset, String test, Optional<Path> dataDir, Dataset.TargetKind targets)
            throws IOException {
        if (!test.isEmpty() && !isFileSpec(dataset)) {
            throw new IllegalArgumentException(dataset + " comes with its own test set; a separate test set applies"
                    + " to csv: and npy: data only");
        }
        if (isGenerated(dataset)) {
            if (targets == Dataset.TargetKind.CLASS_INDEX) {
                throw new IllegalArgumentException(Friedman1.NAME + " is a regression data set (real-valued targets);"
                        + " train it as a regression task");
            }
            return Friedman1.trainingData();
        }
        if (dataset.startsWith("npy:") || dataset.startsWith("csv:")) {
            checkFileSpec(dataset);
            Dataset train = null;
            try {
                train = open(dataset, targets);
                if (test.isEmpty()) {
                    if (train instanceof CsvData csv) {
                        return TrainingData.of(csv.split(0.2, 0));
                    }
                    if (dataset.startsWith("csv:")) {
                        return holdOut("csv", train, 0.2, 0);
                    }
                    return TrainingData.of("npy", train.source(), train, Optional.empty());
                }
                checkFileSpec(test);
                Dataset testSet = open(test, targets);
                if (train instanceof CsvData trainCsv && testSet instanceof CsvData testCsv) {
                    testSet = sameClassNumbers(trainCsv, testCsv);
                }
                try {
                    return TrainingData.of(dataset.substring(0, 3), train.source() + "; test " + testSet.source(),
                            train, Optional.of(testSet));
                } catch (RuntimeException e) {
                    testSet.close();
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                if (train != null) {
                    train.close();
                }
                throw e;
            }
        }
        if (targets == Dataset.TargetKind.VALUES) {
            ImageDataset.fromName(dataset); // an unknown name is reported as such first
            throw new IllegalArgumentException(dataset + " has class labels; a regression or multi-label task needs"
                    + " real-valued targets: csv:PATH, npy:FEATURES.npy,TARGETS.npy or " + Friedman1.NAME);
        }
        return DatasetLocator.standard().open(ImageDataset.fromName(dataset), dataDir);
    }

    /**
     * {@code fraction} of an in-memory set's rows held out as its test set, chosen by the shuffle
     * a CSV classification split uses ({@link CsvData#shuffledOrder}); for real-valued targets.
     */
    private static TrainingData holdOut(String name, Dataset data, double fraction, long seed) {
        int n = data.size();
        int test = (int) Math.round(n * fraction);
        if (test == 0 || test == n) {
            throw new IllegalArgumentException(data.source() + ": " + n + " rows are too few to hold out " + fraction
                    + " as a test set");
        }
        int[] order = CsvData.shuffledOrder(n, seed);
        Dataset trainSet = copyRows(data, order, 0, n - test, data.source() + " (train)");
        Dataset testSet = copyRows(data, order, n - test, n, data.source() + " (test)");
        return TrainingData.of(name, data.source(), trainSet, Optional.of(testSet));
    }

    private static Dataset copyRows(Dataset data, int[] order, int from, int to, String source) {
        int features = data.featureCount();
        int width = data.targetWidth();
        float[] x = new float[Math.multiplyExact(to - from, features)];
        float[] y = new float[Math.multiplyExact(to - from, width)];
        for (int k = from; k < to; k++) {
            data.readFeatures(order[k], x, (k - from) * features);
            data.readTargets(order[k], y, (k - from) * width);
        }
        return InMemoryDataset.ofValues(source, x, features, y, width);
    }

    /**
     * The test CSV with its class names numbered as the training CSV numbers them: each file
     * numbers its own names in sorted order, so a test file that lacks a class would otherwise
     * shift every later one.
     */
    private static Dataset sameClassNumbers(CsvData train, CsvData test) throws DataFormatException {
        if (train.classNames().isEmpty() && test.classNames().isEmpty()) {
            return test;
        }
        if (train.classNames().isEmpty() || test.classNames().isEmpty()) {
            throw new DataFormatException(Path.of(test.source()), "its labels are " + (test.classNames().isEmpty()
                    ? "class indices" : "class names") + " but those of the training file " + train.source()
                    + " are " + (train.classNames().isEmpty() ? "class indices" : "class names"));
        }
        int[] labels = new int[test.rows()];
        for (int i = 0; i < labels.length; i++) {
            String name = test.classNames().get(test.labels()[i]);
            labels[i] = train.classNames().indexOf(name);
            if (labels[i] < 0) {
                throw new DataFormatException(Path.of(test.source()), "data row " + (i + 1) + " has the class '"
                        + name + "', which the training file " + train.source() + " does not have (its classes: "
                        + String.join(", ", train.classNames()) + ")");
            }
        }
        return InMemoryDataset.ofClasses(test.source(), test.features(), test.featureCount(), labels,
                train.classes());
    }

    /**
     * The file of {@code csv:PATH}. A leading {@code ~/} is the home folder: the shell does not
     * expand it after {@code csv:}. A missing file is named with the absolute path looked at, since
     * a relative one depends on the folder the command ran in.
     */
    public static Path csvFile(String path) throws IOException {
        Path file = path.equals("~") || path.startsWith("~/")
                ? Path.of(System.getProperty("user.home")).resolve(path.substring(Math.min(2, path.length())))
                : Path.of(path);
        if (!java.nio.file.Files.exists(file)) {
            Path absolute = file.toAbsolutePath().normalize();
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "--dataset csv:" + path
                    + " names no file" + (absolute.toString().equals(path) ? "" : "; looked for " + absolute)
                    + (java.nio.file.Files.isDirectory(absolute.getParent() == null ? absolute : absolute.getParent())
                    ? "" : ", whose folder does not exist either"));
        }
        return file;
    }

    private static Dataset open(String spec, Dataset.TargetKind targets) throws IOException {
        if (spec.startsWith("csv:")) {
            Path file = csvFile(spec.substring(4));
            return targets == Dataset.TargetKind.VALUES ? CsvReader.readValues(file) : CsvReader.read(file);
        }
        List<Path> paths = npyPaths(spec);
        NpyDataset mapped = NpyDataset.open(paths.get(0), paths.get(1), targets);
        if (!Boolean.getBoolean(IN_MEMORY_PROPERTY)) {
            return mapped;
        }
        try (mapped) {
            return InMemoryDataset.copyOf(mapped);
        }
    }

    /**
     * {@code -Dnabla.npy.inMemory=true} reads {@code npy:} features into the heap instead of
     * mapping them (as {@code np.load} without {@code mmap_mode}): for measuring what mapping
     * costs against the same rows in memory; it needs a heap as large as the data.
     */
    public static final String IN_MEMORY_PROPERTY = "nabla.npy.inMemory";
}
