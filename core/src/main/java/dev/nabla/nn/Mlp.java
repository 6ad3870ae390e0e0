package dev.nabla.nn;

import dev.nabla.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds multilayer perceptrons for classification: {@code Linear → activation → [Dropout] → ... →
 * Linear}, with every layer seeded from one model seed.
 */
public final class Mlp {

    /** The activation names {@link #of} accepts. */
    public static final List<String> ACTIVATIONS = List.of("relu", "gelu", "tanh", "sigmoid");

    private Mlp() {
    }

    /**
     * A {@link Sequential} of {@code Linear(inputs, hidden[0])}, the activation, a {@link Dropout}
     * when {@code dropout > 0}, ..., and a final {@code Linear(hidden[last], classes)} producing
     * logits. Layer {@code i} (counting every child) draws from Philox key
     * {@code Init.deriveSeed(seed, i)}.
     *
     * @param activation one of {@code relu}, {@code gelu}, {@code tanh}, {@code sigmoid} (any case)
     * @throws IllegalArgumentException for non-positive sizes, a dropout outside [0, 1), or an
     *                                  unknown activation (the message lists the valid ones)
     */
    public static Sequential of(int inputs, int[] hidden, int classes, String activation, float dropout,
                                Device device, long seed) {
        String name = activation.toLowerCase(Locale.ROOT).trim();
        if (!ACTIVATIONS.contains(name)) {
            throw new IllegalArgumentException("Mlp: unknown activation '" + activation + "'; valid: "
                    + String.join(", ", ACTIVATIONS));
        }
        if (inputs <= 0 || classes <= 0) {
            throw new IllegalArgumentException("Mlp: inputs and classes must be positive, got " + inputs + " and "
                    + classes);
        }
        for (int h : hidden) {
            if (h <= 0) {
                throw new IllegalArgumentException("Mlp: hidden layer sizes must be positive, got "
                        + java.util.Arrays.toString(hidden));
            }
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("Mlp: dropout must be in [0, 1), got " + dropout);
        }
        List<Module> layers = new ArrayList<>();
        int width = inputs;
        for (int h : hidden) {
            layers.add(new Linear(width, h, device, Init.deriveSeed(seed, layers.size())));
            layers.add(activation(name));
            if (dropout > 0f) {
                layers.add(new Dropout(dropout, Init.deriveSeed(seed, layers.size())));
            }
            width = h;
        }
        layers.add(new Linear(width, classes, device, Init.deriveSeed(seed, layers.size())));
        return new Sequential(layers);
    }

    private static Module activation(String name) {
        return switch (name) {
            case "relu" -> new ReLU();
            case "gelu" -> new GELU();
            case "tanh" -> new Tanh();
            case "sigmoid" -> new Sigmoid();
            default -> throw new IllegalStateException(name);
        };
    }
}
