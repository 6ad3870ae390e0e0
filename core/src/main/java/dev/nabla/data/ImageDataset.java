package dev.nabla.data;

/**
 * The IDX image datasets Nabla knows where to find: the four files of each have the same names,
 * only the folder and the place to download them differ.
 */
public enum ImageDataset {
    /** Zalando's Fashion-MNIST: 60,000 + 10,000 28×28 clothing images in 10 classes. */
    FASHION_MNIST("fashion-mnist", "Fashion-MNIST", "dataset-fashion-mnist",
            "https://github.com/zalandoresearch/fashion-mnist (folder data/fashion)"),
    /** LeCun's handwritten digits: 60,000 + 10,000 28×28 images in 10 classes. */
    MNIST("mnist", "MNIST", null,
            "https://ossci-datasets.s3.amazonaws.com/mnist/ (the mirror torchvision uses; originally"
                    + " http://yann.lecun.com/exdb/mnist/)");

    /** The four file names, without the optional {@code .gz}. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private final String dirName;
    private final String displayName;
    private final String debianPackage;
    private final String downloadFrom;

    ImageDataset(String dirName, String displayName, String debianPackage, String downloadFrom) {
        this.dirName = dirName;
        this.displayName = displayName;
        this.debianPackage = debianPackage;
        this.downloadFrom = downloadFrom;
    }

    /** Folder name under the search roots, also the CLI's {@code --dataset} value. */
    public String dirName() {
        return dirName;
    }

    public String displayName() {
        return displayName;
    }

    /** Number of classes (both datasets have ten). */
    public int classes() {
        return 10;
    }

    /** Human-readable class names, indexed by label, for evaluation reports. */
    public java.util.List<String> classNames() {
        return switch (this) {
            case FASHION_MNIST -> java.util.List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                    "Shirt", "Sneaker", "Bag", "Ankle boot");
            case MNIST -> java.util.List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        };
    }

    /** The Debian/Ubuntu package that installs it under {@code /usr/share/datasets}, or null. */
    public String debianPackage() {
        return debianPackage;
    }

    /** Where to download the four {@code .gz} files by hand. */
    public String downloadFrom() {
        return downloadFrom;
    }

    /** Parses a CLI name such as {@code fashion-mnist} or {@code mnist}, case-insensitively. */
    public static ImageDataset fromName(String name) {
        for (ImageDataset d : values()) {
            if (d.dirName.equalsIgnoreCase(name) || d.name().equalsIgnoreCase(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + name + "' (known: fashion-mnist, mnist)");
    }
}
