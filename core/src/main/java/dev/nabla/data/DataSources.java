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

    /**
     * Loads {@code dataset}, and {@code test} if it is not empty.
     *
     * @param dataset {@code fashion-mnist}, {@code mnist}, {@code csv:PATH} or {@code npy:X.npy,Y.npy}
     * @param test    empty, or {@code csv:PATH} / {@code npy:X.npy,Y.npy}
     * @param dataDir where to look for an IDX data set (empty: the standard places)
     */
    public static TrainingData load(String dataset, String test, Optional<Path> dataDir) throws IOException {
        if (!test.isEmpty() && !isFileSpec(dataset)) {
            throw new IllegalArgumentException(dataset + " comes with its own test set; a separate test set applies"
                    + " to csv: and npy: data only");
        }
        if (dataset.startsWith("npy:") || dataset.startsWith("csv:")) {
            checkFileSpec(dataset);
            Dataset train = null;
            try {
                train = open(dataset);
                if (test.isEmpty()) {
                    if (dataset.startsWith("csv:")) {
                        CsvData csv = (CsvData) train;
                        return TrainingData.of(csv.split(0.2, 0));
                    }
                    return TrainingData.of("npy", train.source(), train, Optional.empty());
                }
                checkFileSpec(test);
                Dataset testSet = open(test);
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
        return DatasetLocator.standard().open(ImageDataset.fromName(dataset), dataDir);
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

    private static Dataset open(String spec) throws IOException {
        if (spec.startsWith("csv:")) {
            return CsvReader.read(Path.of(spec.substring(4)));
        }
        List<Path> paths = npyPaths(spec);
        NpyDataset mapped = NpyDataset.open(paths.get(0), paths.get(1));
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
