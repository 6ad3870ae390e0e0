package dev.nabla.nn;

import dev.nabla.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Residual MLPs for classification and regression: {@code Linear(inputs, width)}, then
 * {@code blocks} × {@link Residual}{@code (norm → Linear(width, width) → ReLU → Linear(width, width))},
 * then {@code norm → ReLU → Linear(width, outputs)}: the pre-norm residual MLP of Gorishniy et al.
 * (2021), "Revisiting Deep Learning Models for Tabular Data". With a dropout probability, each block
 * is {@code norm → Linear → ReLU → Dropout → Linear → Dropout} as in that paper (the two dropouts
 * are the paper's hidden and residual dropout, here one probability). Every layer is seeded from
 * one model seed as {@link Mlp} does; the dropouts draw from seeds of their own, so a model with
 * dropout has the same initial weights as one without.
 */
public final class ResMlp {

    /** The normalizations {@link #of} accepts. */
    public static final List<String> NORMS = List.of("layer", "batch", "none");

    /** Where the dropouts' seed indices start: far from the layers' (0, 1, 2, ...). */
    private static final long DROPOUT_SEEDS = 1L << 20;

    private ResMlp() {
    }

    /**
     * @param norm {@code layer} ({@link LayerNorm}), {@code batch} ({@link BatchNorm1d}) or {@code none}
     * @throws IllegalArgumentException for non-positive sizes, a negative block count or an unknown norm
     */
    public static Sequential of(int inputs, int width, int blocks, int outputs, String norm, Device device, long seed) {
        return of(inputs, width, blocks, outputs, norm, 0f, device, seed);
    }

    /**
     * A residual MLP with dropout {@code dropout} inside each block (0: none, the layers of
     * {@link #of(int, int, int, int, String, Device, long)}).
     *
     * @throws IllegalArgumentException as the other overload, and for a dropout outside [0, 1)
     */
    public static Sequential of(int inputs, int width, int blocks, int outputs, String norm, float dropout,
                                Device device, long seed) {
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("ResMlp: dropout must be in [0, 1), got " + dropout);
        }
        String name = norm.toLowerCase(Locale.ROOT).trim();
        if (!NORMS.contains(name)) {
            throw new IllegalArgumentException("ResMlp: unknown norm '" + norm + "'; valid: " + String.join(", ", NORMS));
        }
        if (inputs <= 0 || width <= 0 || outputs <= 0) {
            throw new IllegalArgumentException("ResMlp: inputs, width and outputs must be positive, got " + inputs + ", "
                    + width + " and " + outputs);
        }
        if (blocks < 0) {
            throw new IllegalArgumentException("ResMlp: blocks must be zero or more, got " + blocks);
        }
        List<Module> layers = new ArrayList<>();
        int[] next = {0};
        layers.add(new Linear(inputs, width, device, Init.deriveSeed(seed, next[0]++)));
        for (int b = 0; b < blocks; b++) {
            List<Module> block = new ArrayList<>();
            norm(name, width, device).ifPresent(block::add);
            block.add(new Linear(width, width, device, Init.deriveSeed(seed, next[0]++)));
            block.add(new ReLU());
            if (dropout > 0f) {
                block.add(new Dropout(dropout, Init.deriveSeed(seed, DROPOUT_SEEDS + 2L * b)));
            }
            block.add(new Linear(width, width, device, Init.deriveSeed(seed, next[0]++)));
            if (dropout > 0f) {
                block.add(new Dropout(dropout, Init.deriveSeed(seed, DROPOUT_SEEDS + 2L * b + 1)));
            }
            layers.add(new Residual(new Sequential(block)));
        }
        norm(name, width, device).ifPresent(layers::add);
        layers.add(new ReLU());
        layers.add(new Linear(width, outputs, device, Init.deriveSeed(seed, next[0]++)));
        return new Sequential(layers);
    }

    private static java.util.Optional<Module> norm(String name, int width, Device device) {
        return switch (name) {
            case "layer" -> java.util.Optional.of(new LayerNorm(width, device));
            case "batch" -> java.util.Optional.of(new BatchNorm1d(width, device));
            default -> java.util.Optional.empty();
        };
    }
}
