package dev.nabla.data;

import java.util.Locale;

/**
 * The check a multi-label task runs on its data before training: every row has one target per
 * label, each 0 or 1 (or a probability in between, which binary cross-entropy accepts as a soft
 * label). A class-index set or a value such as 2 or −1 (a class number or a ±1 encoding saved
 * where 0/1 was meant) is refused naming the row and label, since BCE would train on it silently.
 */
public final class MultiLabelTargets {

    private MultiLabelTargets() {
    }

    /**
     * @throws DataFormatException naming the source, row, label and value of the first target
     *         outside [0, 1], or saying the targets are class indices
     */
    public static void check(Dataset data) throws DataFormatException {
        if (data.targetKind() != Dataset.TargetKind.VALUES) {
            throw new DataFormatException(data.source(), "has class-index targets (one class per row); a multi-label"
                    + " task needs one 0/1 value per label per row, e.g. a (rows, labels) .npy array");
        }
        int width = data.targetWidth();
        float[] row = new float[width];
        for (int r = 0; r < data.size(); r++) {
            data.readTargets(r, row, 0);
            for (int l = 0; l < width; l++) {
                if (!(row[l] >= 0f && row[l] <= 1f)) {
                    throw new DataFormatException(data.source(), String.format(Locale.ROOT, "row %d, label %d is %s;"
                            + " multi-label targets must be 0 or 1 (or probabilities in between)", r, l, row[l]));
                }
            }
        }
    }
}
