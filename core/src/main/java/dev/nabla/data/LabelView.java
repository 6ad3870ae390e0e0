package dev.nabla.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * A classification set seen with other class names, or with its labels renumbered to a saved
 * mapping ({@link Dataset#relabelledTo}); everything else is the underlying set's.
 */
final class LabelView implements Dataset {

    private final Dataset data;
    private final List<String> names;
    /** Old class index → new one, or null when the labels are unchanged. */
    private final int[] remap;

    private LabelView(Dataset data, List<String> names, int[] remap) {
        this.data = data;
        this.names = List.copyOf(names);
        this.remap = remap;
    }

    static Dataset named(Dataset data, List<String> names) {
        if (data.targetKind() != TargetKind.CLASS_INDEX) {
            throw new IllegalArgumentException(data.source() + ": real-valued targets have no class names");
        }
        if (names.size() != data.classes() || new HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException(data.source() + ": " + data.classes() + " classes need as many distinct"
                    + " names, got " + names);
        }
        return names.equals(data.labelNames()) ? data : new LabelView(data, names, null);
    }

    static Dataset relabelled(Dataset data, List<String> savedNames) {
        return relabelled(data, data.labelNames(), savedNames);
    }

    /** {@code data}, whose labels are numbered as {@code current} names them, renumbered to {@code savedNames}. */
    static Dataset relabelled(Dataset data, List<String> current, List<String> savedNames) {
        if (savedNames.equals(current)) {
            return data;
        }
        Map<String, Integer> savedIndex = new HashMap<>();
        for (int i = 0; i < savedNames.size(); i++) {
            savedIndex.put(savedNames.get(i), i);
        }
        int[] remap = new int[current.size()];
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < current.size(); i++) {
            Integer to = savedIndex.get(current.get(i));
            remap[i] = to == null ? -1 : to;
            if (to == null) {
                unknown.add(current.get(i));
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(data.source() + " has class" + (unknown.size() == 1 ? " " : "es ")
                    + unknown + " that the run was not trained on (its classes, by output index: " + savedNames + ")");
        }
        return new LabelView(data, savedNames, remap);
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public int featureCount() {
        return data.featureCount();
    }

    @Override
    public TargetKind targetKind() {
        return data.targetKind();
    }

    @Override
    public int classes() {
        return names.size();
    }

    @Override
    public List<String> labelNames() {
        return names;
    }

    @Override
    public String source() {
        return data.source();
    }

    @Override
    public int targetWidth() {
        return data.targetWidth();
    }

    @Override
    public void readTargets(int row, float[] dst, int offset) {
        data.readTargets(row, dst, offset);
    }

    @Override
    public void readFeatures(int row, float[] dst, int offset) {
        data.readFeatures(row, dst, offset);
    }

    @Override
    public void readRows(int first, int count, float[] dst, int offset) {
        data.readRows(first, count, dst, offset);
    }

    @Override
    public int label(int row) {
        int label = data.label(row);
        return remap == null ? label : remap[label];
    }

    @Override
    public void fill(int[] rows, int from, int count, float[] features, int[] labels, float[] values) {
        data.fill(rows, from, count, features, labels, values);
        if (remap != null) {
            for (int i = 0; i < count; i++) {
                labels[i] = remap[labels[i]];
            }
        }
    }

    @Override
    public void close() {
        data.close();
    }
}
