package dev.nabla.data;

/**
 * Grayscale images as stored in an IDX file: {@code count} images of {@code rows × cols} unsigned
 * bytes, row-major, image after image.
 *
 * <p>Pixels stay bytes (a quarter of the memory of floats: 47 MB rather than 188 MB for the
 * Fashion-MNIST training set) until {@link #toFloats} converts them. The array is shared, not
 * copied.
 */
public record ImageSet(int count, int rows, int cols, byte[] pixels) {

    public ImageSet {
        if (count < 0 || rows < 0 || cols < 0 || (long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes, expected " + count + "×"
                    + rows + "×" + cols);
        }
    }

    /** Pixels per image, the feature count of a flattened image. */
    public int pixelsPerImage() {
        return rows * cols;
    }

    /** Unsigned pixel value {@code 0..255} of image {@code i} at {@code (r, c)}. */
    public int pixel(int i, int r, int c) {
        return pixels[(i * rows + r) * cols + c] & 0xff;
    }

    /** All images as floats in {@code [0, 1]} (value / 255, as torchvision's ToTensor), row-major. */
    public float[] toFloats() {
        return toFloats(count);
    }

    /** The first {@code n} images as floats in {@code [0, 1]}, row-major {@code n × rows·cols}. */
    public float[] toFloats(int n) {
        if (n < 0 || n > count) {
            throw new IllegalArgumentException("asked for " + n + " images, the set has " + count);
        }
        float[] out = new float[n * pixelsPerImage()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (pixels[i] & 0xff) / 255f;
        }
        return out;
    }
}
