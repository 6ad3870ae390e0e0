package dev.nabla.train;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.data.DataLoader;
import dev.nabla.data.Dataset;
import dev.nabla.data.InMemoryDataset;
import dev.nabla.data.Standardizer;
import dev.nabla.nn.Losses;
import dev.nabla.nn.Module;
import java.util.Iterator;

/** Mean loss and accuracy of a classifier on a labelled set, in eval mode and without a graph. */
public final class Evaluation {

    /** Samples per forward pass: large, since no activations are kept for backward. */
    public static final int BATCH = 1000;

    private Evaluation() {
    }

    /** Mean cross-entropy and accuracy in [0, 1]. */
    public record Result(double loss, double accuracy, int samples) {
    }

    /** Evaluates {@code model} on row-major {@code features} ({@code n × featureCount}) and labels, as they are. */
    public static Result evaluate(Module model, float[] features, int[] labels, int featureCount, Device device) {
        int classes = 1;
        for (int label : labels) {
            classes = Math.max(classes, label + 1);
        }
        return evaluate(model, InMemoryDataset.ofClasses("memory", features, featureCount, labels, classes), null,
                device, 0);
    }

    /**
     * Evaluates {@code model} on every row of {@code data}, standardised by {@code normalizer}
     * (null: as they are), read by {@code workers} loader threads.
     */
    public static Result evaluate(Module model, Dataset data, Standardizer normalizer, Device device, int workers) {
        if (data.targetKind() != Dataset.TargetKind.CLASS_INDEX) {
            throw new IllegalArgumentException("Evaluation: " + data.source() + " holds real-valued targets; accuracy"
                    + " and cross-entropy need class indices");
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0;
        int n = data.size();
        DataLoader.Builder settings = DataLoader.builder(data).batchSize(BATCH).device(device).workers(workers);
        if (normalizer != null) {
            settings.normalize(normalizer);
        }
        try (var ignored = NoGrad.open(); DataLoader loader = settings.build()) {
            for (Iterator<DataLoader.Batch> batches = loader.epoch(0); batches.hasNext(); ) {
                try (DataLoader.Batch batch = batches.next(); Scope scope = Scope.open()) {
                    Tensor logits = model.forward(batch.features());
                    lossSum += Losses.crossEntropy(logits, batch.labels()).item() * (double) batch.size();
                    correct += (long) logits.argmax(1).eq(batch.labels()).sum().item();
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new Result(n == 0 ? Double.NaN : lossSum / n, n == 0 ? Double.NaN : (double) correct / n, n);
    }
}
