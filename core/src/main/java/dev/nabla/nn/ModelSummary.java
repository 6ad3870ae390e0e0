package dev.nabla.nn;

import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A table of a model's layers, as {@code torchinfo.summary(model, input_size=(batch, features))}
 * prints it: each module as a tree row with its child name and type, its output shape for a batch,
 * and the parameters it owns; then the total and trainable parameter counts and the parameters'
 * memory. {@code ./nabla train} prints it before training.
 *
 * <p>Output shapes are worked out from the layers, without running the model (so nothing is
 * allocated, and no dropout generator or BatchNorm statistic moves): a {@link Linear} changes the
 * last dimension, an {@link Embedding} appends one, a {@link Sequential} chains its layers, a
 * {@link Residual} keeps its input's shape, and the elementwise and normalisation layers keep theirs.
 * A module of another kind shows {@code ?}, and so does everything after it.
 */
public final class ModelSummary {

    /** Layers that return a tensor of their input's shape. */
    private static final Set<Class<? extends Module>> SHAPE_PRESERVING = Set.of(ReLU.class, GELU.class, Tanh.class,
            Sigmoid.class, SiLU.class, LeakyReLU.class, Dropout.class, LayerNorm.class, BatchNorm1d.class);

    /**
     * One row of the table.
     *
     * @param depth       0 for the model itself, 1 for its children, ...
     * @param name        the child name under its parent ({@code 0}, {@code block}); empty for the model
     * @param path        the dotted name that prefixes its parameters' state-dict keys
     * @param type        the module's class name
     * @param outputShape its output's shape for the batch, or null where unknown
     * @param parameters  the scalars of its own parameters (not its children's)
     */
    public record Row(int depth, String name, String path, String type, int[] outputShape, long parameters) {
    }

    private final List<Row> rows;
    private final long total;
    private final int[] inputShape;

    private ModelSummary(List<Row> rows, long total, int[] inputShape) {
        this.rows = List.copyOf(rows);
        this.total = total;
        this.inputShape = inputShape;
    }

    /** The summary of {@code model} for an input of {@code batch} rows of {@code features} values. */
    public static ModelSummary of(Module model, int features, int batch) {
        List<Row> rows = new ArrayList<>();
        int[] input = {batch, features};
        walk(model, 0, "", "", input, rows);
        return new ModelSummary(rows, model.parameterCount(), input);
    }

    /** Adds the rows of {@code module} and its descendants; returns its output shape (null: unknown). */
    private static int[] walk(Module module, int depth, String name, String path, int[] input, List<Row> rows) {
        int index = rows.size();
        rows.add(null); // the module's own row, once its output shape is known
        int[] output;
        Map<String, Module> children = module.namedChildren();
        if (module instanceof Sequential) {
            output = input;
            for (Map.Entry<String, Module> child : children.entrySet()) {
                output = walk(child.getValue(), depth + 1, child.getKey(), join(path, child.getKey()), output, rows);
            }
        } else if (module instanceof Residual) {
            int[] inner = input;
            for (Map.Entry<String, Module> child : children.entrySet()) {
                inner = walk(child.getValue(), depth + 1, child.getKey(), join(path, child.getKey()), inner, rows);
            }
            output = input; // x + block(x)
        } else {
            for (Map.Entry<String, Module> child : children.entrySet()) {
                walk(child.getValue(), depth + 1, child.getKey(), join(path, child.getKey()), null, rows);
            }
            output = leafShape(module, input);
        }
        rows.set(index, new Row(depth, name, path, module.getClass().getSimpleName(), output, ownParameters(module)));
        return output;
    }

    private static int[] leafShape(Module module, int[] input) {
        if (input == null) {
            return null;
        }
        if (module instanceof Linear linear) {
            int[] out = input.clone();
            out[out.length - 1] = linear.outFeatures();
            return out;
        }
        if (module instanceof Embedding embedding) {
            int[] out = Arrays.copyOf(input, input.length + 1);
            out[input.length] = embedding.embeddingDim();
            return out;
        }
        return SHAPE_PRESERVING.contains(module.getClass()) ? input : null;
    }

    private static long ownParameters(Module module) {
        long count = 0;
        for (Map.Entry<String, Tensor> entry : module.namedParameters().entrySet()) {
            if (entry.getKey().indexOf('.') < 0) {
                count += entry.getValue().numel();
            }
        }
        return count;
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** The rows, the model first, then depth first in registration order. */
    public List<Row> rows() {
        return rows;
    }

    /** All parameters' scalars. */
    public long totalParameters() {
        return total;
    }

    /** Parameters the optimizer updates: all of them (Nabla has no frozen parameters). */
    public long trainableParameters() {
        return total;
    }

    /** The parameters' memory in bytes (F32: 4 each). */
    public long parameterBytes() {
        return 4 * total;
    }

    /** The table, torchinfo's layout: {@code ├─0 Linear   [128, 1024]   803,840}. */
    @Override
    public String toString() {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            labels.add(label(i));
        }
        int width = Math.max("Layer (type)".length(), labels.stream().mapToInt(String::length).max().orElse(0)) + 3;
        String rule = "=".repeat(width + 40) + "\n";
        StringBuilder text = new StringBuilder(rule);
        text.append(String.format(Locale.ROOT, "%-" + width + "s%-25s%15s%n", "Layer (type)", "Output Shape",
                "Param #"));
        text.append(rule);
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            String shape = row.outputShape() == null ? "?" : Arrays.toString(row.outputShape());
            String params = row.parameters() == 0 ? "--" : String.format(Locale.ROOT, "%,d", row.parameters());
            text.append(String.format(Locale.ROOT, "%-" + width + "s%-25s%15s%n", labels.get(i), shape, params));
        }
        text.append(rule);
        text.append(String.format(Locale.ROOT, "Input shape: %s%n", Arrays.toString(inputShape)));
        text.append(String.format(Locale.ROOT, "Total params: %,d%n", totalParameters()));
        text.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainableParameters()));
        text.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", totalParameters()
                - trainableParameters()));
        text.append(String.format(Locale.ROOT, "Params size (MB): %.2f%n", parameterBytes() / 1e6));
        text.append(rule);
        return text.toString();
    }

    /** The tree prefix, child name and type of row {@code i}. */
    private String label(int i) {
        Row row = rows.get(i);
        if (row.depth() == 0) {
            return row.type();
        }
        StringBuilder prefix = new StringBuilder();
        // For each ancestor level, a bar if that ancestor has a later sibling.
        for (int level = 1; level < row.depth(); level++) {
            prefix.append(hasLaterSibling(ancestorAt(i, level)) ? "│ " : "  ");
        }
        prefix.append(hasLaterSibling(i) ? "├─" : "└─");
        return prefix + row.name() + " " + row.type();
    }

    private int ancestorAt(int i, int depth) {
        for (int j = i; j >= 0; j--) {
            if (rows.get(j).depth() == depth) {
                return j;
            }
        }
        return i;
    }

    private boolean hasLaterSibling(int i) {
        int depth = rows.get(i).depth();
        for (int j = i + 1; j < rows.size(); j++) {
            int d = rows.get(j).depth();
            if (d < depth) {
                return false;
            }
            if (d == depth) {
                return true;
            }
        }
        return false;
    }
}
