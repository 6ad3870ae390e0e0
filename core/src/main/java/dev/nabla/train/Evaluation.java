package dev.nabla.train;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.Losses;
import dev.nabla.nn.Module;

/** Mean loss and accuracy of a classifier on a labelled set, in eval mode and without a graph. */
public final class Evaluation {

    /** Samples per forward pass: large, since no activations are kept for backward. */
    public static final int BATCH = 1000;

    private Evaluation() {
    }

    /** Mean cross-entropy and accuracy in [0, 1]. */
    public record Result(double loss, double accuracy, int samples) {
    }

    /**
     * {@link Result} with the confusion matrix: {@code confusion[t][p]} counts the samples of class
     * {@code t} predicted as {@code p}.
     */
    public record Detailed(Result result, long[][] confusion) {

        /** Samples of class {@code c}. */
        public long support(int c) {
            long n = 0;
            for (long count : confusion[c]) {
                n += count;
            }
            return n;
        }

        /** The fraction of class {@code c}'s samples predicted as {@code c} (recall); NaN without samples. */
        public double accuracy(int c) {
            long n = support(c);
            return n == 0 ? Double.NaN : (double) confusion[c][c] / n;
        }
    }

    /** Evaluates {@code model} on row-major {@code features} ({@code n × featureCount}) and labels. */
    public static Result evaluate(Module model, float[] features, int[] labels, int featureCount, Device device) {
        return run(model, features, labels, featureCount, device, null);
    }

    /** As {@link #evaluate}, also counting which class each sample of each class was predicted as. */
    public static Detailed evaluateDetailed(Module model, float[] features, int[] labels, int featureCount,
                                            int classes, Device device) {
        long[][] confusion = new long[classes][classes];
        Result result = run(model, features, labels, featureCount, device, confusion);
        return new Detailed(result, confusion);
    }

    private static Result run(Module model, float[] features, int[] labels, int featureCount, Device device,
                              long[][] confusion) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0;
        int n = labels.length;
        try (var ignored = NoGrad.open()) {
            for (int start = 0; start < n; start += BATCH) {
                int size = Math.min(BATCH, n - start);
                try (Scope scope = Scope.open()) {
                    float[] x = java.util.Arrays.copyOfRange(features, start * featureCount, (start + size) * featureCount);
                    int[] y = java.util.Arrays.copyOfRange(labels, start, start + size);
                    Tensor labelsTensor = Tensor.of(device, y, size);
                    Tensor logits = model.forward(Tensor.of(device, x, size, featureCount));
                    lossSum += Losses.crossEntropy(logits, labelsTensor).item() * (double) size;
                    Tensor predicted = logits.argmax(1);
                    correct += (long) predicted.eq(labelsTensor).sum().item();
                    if (confusion != null) {
                        int[] p = predicted.toIntArray();
                        for (int i = 0; i < size; i++) {
                            confusion[y[i]][p[i]]++;
                        }
                    }
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new Result(n == 0 ? Double.NaN : lossSum / n, n == 0 ? Double.NaN : (double) correct / n, n);
    }
}
