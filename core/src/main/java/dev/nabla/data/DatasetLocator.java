package dev.nabla.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds and loads Fashion-MNIST or MNIST from the usual places, in this order:
 *
 * <ol>
 *   <li>{@code --data DIR}, given explicitly: {@code DIR} itself, then {@code DIR/<dataset>}.
 *       When given, it is the <em>only</em> place searched: a typo in an explicit path should be an
 *       error, not a silent fall-back to another copy of the data;
 *   <li>{@code $NABLA_DATA}, then {@code $NABLA_DATA/<dataset>};
 *   <li>{@code ~/.cache/nabla/<dataset>};
 *   <li>{@code /usr/share/datasets/<dataset>}, where the Debian package {@code dataset-fashion-mnist}
 *       installs the four {@code .gz} files.
 * </ol>
 *
 * <p>A folder qualifies when it holds all four files, each raw or gzipped (raw is preferred when
 * both exist: it is what someone who unpacked them meant to be used, and faster to read). If no
 * folder qualifies, a {@link DatasetNotFoundException} lists every place and what it lacked, and
 * how to get the data.
 */
public final class DatasetLocator {

    /** Environment variable naming a data folder. */
    public static final String ENV = "NABLA_DATA";
    /** Where the Debian dataset packages install. */
    public static final Path SYSTEM_ROOT = Path.of("/usr/share/datasets");

    private final Map<String, String> env;
    private final Path home;
    private final Path systemRoot;

    /** A locator over this process's environment, home directory and {@link #SYSTEM_ROOT}. */
    public static DatasetLocator standard() {
        return new DatasetLocator(System.getenv(), Path.of(System.getProperty("user.home")), SYSTEM_ROOT);
    }

    /** A locator over the given environment and roots; for tests and unusual installs. */
    public DatasetLocator(Map<String, String> env, Path home, Path systemRoot) {
        this.env = Map.copyOf(env);
        this.home = home;
        this.systemRoot = systemRoot;
    }

    /** The four files of a dataset found in {@code dir}. */
    public record DatasetFiles(ImageDataset dataset, Path dir, Path trainImages, Path trainLabels, Path testImages,
            Path testLabels) {}

    /** A place to look and why it is on the list (shown in the not-found message). */
    public record Candidate(Path dir, String origin) {}

    /** The folders searched for {@code dataset}, in order. */
    public List<Candidate> candidates(ImageDataset dataset, Optional<Path> explicit) {
        List<Candidate> out = new ArrayList<>();
        String sub = dataset.dirName();
        if (explicit.isPresent()) {
            Path dir = explicit.get();
            // NOTE: DIR/<dataset> first: MNIST and Fashion-MNIST share file names, so a bare DIR
            // holding one must not answer for the other kept in its subfolder.
            out.add(new Candidate(dir.resolve(sub), "--data"));
            out.add(new Candidate(dir, "--data"));
            return out;
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path dir = Path.of(fromEnv);
            out.add(new Candidate(dir.resolve(sub), "$" + ENV));
            out.add(new Candidate(dir, "$" + ENV));
        }
        out.add(new Candidate(home.resolve(".cache").resolve("nabla").resolve(sub), "user cache"));
        out.add(new Candidate(systemRoot.resolve(sub), "system datasets"));
        return out;
    }

    /** Finds the folder holding {@code dataset}; throws listing every place looked if none does. */
    public DatasetFiles locate(ImageDataset dataset, Optional<Path> explicit) throws DatasetNotFoundException {
        List<String> report = new ArrayList<>();
        String fromEnv = env.get(ENV);
        if (explicit.isEmpty() && fromEnv != null && !fromEnv.isBlank() && !Files.isDirectory(Path.of(fromEnv))) {
            // NOTE: like a wrong --data, a wrong $NABLA_DATA is an error rather than a silent
            // fallback to the other folders: the user meant that one.
            boolean exists = Files.exists(Path.of(fromEnv));
            String problem = exists ? "not a directory" : "does not exist";
            report.add(fromEnv + " ($" + ENV + "): " + problem);
            throw new DatasetNotFoundException("$" + ENV + " is " + fromEnv + ", which " + (exists ? "is " : "")
                    + problem + "; fix it, or unset it to search the default folders", report);
        }
        for (Candidate c : candidates(dataset, explicit)) {
            Path dir = c.dir();
            if (!Files.isDirectory(dir)) {
                report.add(dir + " (" + c.origin() + "): " + (Files.exists(dir) ? "not a directory" : "does not exist"));
                continue;
            }
            List<String> missing = new ArrayList<>();
            Path[] found = new Path[4];
            String[] names = {ImageDataset.TRAIN_IMAGES, ImageDataset.TRAIN_LABELS, ImageDataset.TEST_IMAGES,
                ImageDataset.TEST_LABELS};
            for (int i = 0; i < 4; i++) {
                found[i] = find(dir, names[i]);
                if (found[i] == null) {
                    missing.add(names[i] + "[.gz]");
                }
            }
            if (missing.isEmpty()) {
                return new DatasetFiles(dataset, dir, found[0], found[1], found[2], found[3]);
            }
            report.add(dir + " (" + c.origin() + "): missing " + String.join(", ", missing));
        }
        if (explicit.isEmpty() && (env.get(ENV) == null || env.get(ENV).isBlank())) {
            report.add("$" + ENV + ": not set");
        }
        throw new DatasetNotFoundException(notFoundMessage(dataset, explicit, report), report);
    }

    private static Path find(Path dir, String name) {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    private String notFoundMessage(ImageDataset dataset, Optional<Path> explicit, List<String> report) {
        StringBuilder sb = new StringBuilder();
        sb.append(dataset.displayName()).append(" not found. Looked in:\n");
        for (String line : report) {
            sb.append("  ").append(line).append('\n');
        }
        sb.append("Each folder needs ").append(ImageDataset.TRAIN_IMAGES).append(", ").append(ImageDataset.TRAIN_LABELS)
                .append(", ").append(ImageDataset.TEST_IMAGES).append(" and ").append(ImageDataset.TEST_LABELS)
                .append(" (each raw or .gz).\nTo get it:\n");
        if (dataset.debianPackage() != null) {
            sb.append("  - on Debian/Ubuntu: sudo apt-get install ").append(dataset.debianPackage())
                    .append(" (installs into ").append(systemRoot.resolve(dataset.dirName())).append(")\n");
        }
        Path cache = home.resolve(".cache").resolve("nabla").resolve(dataset.dirName());
        sb.append("  - ").append(dataset.debianPackage() != null ? "or " : "").append("download the four .gz files from ")
                .append(dataset.downloadFrom()).append(" into ").append(cache);
        if (explicit.isPresent()) {
            sb.append(", or fix the --data path");
        } else {
            sb.append(", or into any folder named by --data DIR or $").append(ENV);
        }
        return sb.toString();
    }

    /** Locates and reads {@code dataset} into float arrays: pixels scaled to {@code [0, 1]}, 784 features. */
    public Split load(ImageDataset dataset, Optional<Path> explicit) throws IOException {
        Loaded l = read(dataset, explicit);
        return new Split(dataset.displayName(), l.files().dir().toString(), l.trainImages().pixelsPerImage(),
                dataset.classes(), l.trainImages().toFloats(), l.trainLabels(), l.testImages().toFloats(),
                l.testLabels());
    }

    /**
     * Locates and reads {@code dataset} as two {@link IdxDataset}s: the same rows as {@link #load},
     * with the pixels kept as bytes (a quarter of the memory) and scaled as each batch is read.
     */
    public TrainingData open(ImageDataset dataset, Optional<Path> explicit) throws IOException {
        Loaded l = read(dataset, explicit);
        DatasetFiles f = l.files();
        return TrainingData.of(dataset.displayName(), f.dir().toString(),
                new IdxDataset(f.trainImages().toString(), l.trainImages(), l.trainLabels(), dataset.classes()),
                Optional.of(new IdxDataset(f.testImages().toString(), l.testImages(), l.testLabels(),
                        dataset.classes())));
    }

    private record Loaded(DatasetFiles files, ImageSet trainImages, int[] trainLabels, ImageSet testImages,
            int[] testLabels) {}

    private Loaded read(ImageDataset dataset, Optional<Path> explicit) throws IOException {
        DatasetFiles f = locate(dataset, explicit);
        ImageSet trainImages = IdxReader.readImages(f.trainImages());
        int[] trainLabels = IdxReader.readLabels(f.trainLabels());
        ImageSet testImages = IdxReader.readImages(f.testImages());
        int[] testLabels = IdxReader.readLabels(f.testLabels());
        checkPair(f.trainImages(), trainImages, f.trainLabels(), trainLabels);
        checkPair(f.testImages(), testImages, f.testLabels(), testLabels);
        if (trainImages.rows() != testImages.rows() || trainImages.cols() != testImages.cols()) {
            throw new DataFormatException(f.testImages(), String.format(
                    "images are %dx%d but the training images (%s) are %dx%d", testImages.rows(), testImages.cols(),
                    f.trainImages(), trainImages.rows(), trainImages.cols()));
        }
        checkLabels(f.trainLabels(), trainLabels, dataset.classes());
        checkLabels(f.testLabels(), testLabels, dataset.classes());
        return new Loaded(f, trainImages, trainLabels, testImages, testLabels);
    }

    private static void checkPair(Path imagesFile, ImageSet images, Path labelsFile, int[] labels)
            throws DataFormatException {
        if (images.count() != labels.length) {
            throw new DataFormatException(labelsFile, String.format("has %d labels but %s has %d images",
                    labels.length, imagesFile, images.count()));
        }
    }

    private static void checkLabels(Path file, int[] labels, int classes) throws DataFormatException {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= classes) {
                throw new DataFormatException(file, String.format("label %d is %d, outside 0..%d", i, labels[i],
                        classes - 1));
            }
        }
    }
}
