package dev.nabla.data;

/**
 * An IDX image set with its labels (MNIST, Fashion-MNIST): the pixels stay bytes, a quarter of the
 * memory of floats, and each read scales them to {@code [0, 1]} (value / 255, as torchvision's
 * {@code ToTensor} and {@link ImageSet#toFloats}).
 */
public final class IdxDataset implements Dataset {

    private final String source;
    private final ImageSet images;
    private final int[] labels;
    private final int classes;

    /**
     * @param source  where the files came from, for messages
     * @param images  the images
     * @param labels  one class index per image, each in {@code 0 .. classes-1}
     * @param classes number of classes
     */
    public IdxDataset(String source, ImageSet images, int[] labels, int classes) {
        if (images.count() != labels.length) {
            throw new IllegalArgumentException("IdxDataset (" + source + "): " + images.count() + " images but "
                    + labels.length + " labels");
        }
        if (images.pixelsPerImage() <= 0) {
            throw new IllegalArgumentException("IdxDataset (" + source + "): images of " + images.rows() + "x"
                    + images.cols() + " pixels have no features");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("IdxDataset (" + source + "): label " + i + " is " + labels[i]
                        + ", outside the classes 0.." + (classes - 1));
            }
        }
        this.source = source;
        this.images = images;
        this.labels = labels;
        this.classes = classes;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int featureCount() {
        return images.pixelsPerImage();
    }

    @Override
    public TargetKind targetKind() {
        return TargetKind.CLASS_INDEX;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void readFeatures(int row, float[] dst, int offset) {
        readRows(row, 1, dst, offset);
    }

    @Override
    public void readRows(int first, int count, float[] dst, int offset) {
        if (first < 0 || count < 0 || first + count > labels.length) {
            throw new IndexOutOfBoundsException("rows " + first + ".." + (first + count - 1) + " of " + labels.length
                    + " (" + source + ")");
        }
        byte[] pixels = images.pixels();
        int start = first * featureCount();
        int n = count * featureCount();
        for (int i = 0; i < n; i++) {
            dst[offset + i] = (pixels[start + i] & 0xff) / 255f;
        }
    }

    @Override
    public int label(int row) {
        return labels[row];
    }
}
