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
import dev.nabla.metrics.MultiLabelMetrics;
import dev.nabla.metrics.RegressionMetrics;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mean loss and the task's figures of a model on a set, in eval mode and without a graph:
 * accuracy for a classifier; RMSE, MAE and R² in the targets' own units for regression
 * ({@link RegressionMetrics}); label accuracy, exact match and micro-/macro-F1 for multi-label
 * ({@link MultiLabelMetrics}).
 */
public final class Evaluation {

    /** Samples per forward pass: large, since no activations are kept for backward. */
    public static final int BATCH = 1000;

    private Evaluation() {
    }

    /**
     * Mean loss and accuracy in [0, 1] (NaN unless classification), and the task's figures by
     * {@link Task#metrics()} name ({@code accuracy}; {@code rmse}, {@code mae}, {@code r2};
     * {@code label_accuracy}, {@code exact_match}, {@code micro_f1}, {@code macro_f1}).
     */
    public record Result(double loss, double accuracy, int samples, Map<String, Double> metrics) {

        public Result {
            metrics = Map.copyOf(metrics);
        }

        /** A classifier's result. */
        public Result(double loss, double accuracy, int samples) {
            this(loss, accuracy, samples, Map.of("accuracy", accuracy));
        }

        /** The figure named {@code name}; NaN if this result has none. */
        public double metric(String name) {
            return metrics.getOrDefault(name, Double.NaN);
        }
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

    /** Evaluates {@code model} on row-major {@code features} ({@code n × featureCount}) and labels, as they are. */
    public static Result evaluate(Module model, float[] features, int[] labels, int featureCount, Device device) {
        int classes = 1;
        for (int label : labels) {
            classes = Math.max(classes, label + 1);
        }
        return evaluate(model, InMemoryDataset.ofClasses("memory", features, featureCount, labels, classes), null,
                device, 0);
    }

    /** As {@link #evaluate(Module, float[], int[], int, Device)}, also counting which class each sample was predicted as. */
    public static Detailed evaluateDetailed(Module model, float[] features, int[] labels, int featureCount,
                                            int classes, Device device) {
        return evaluateDetailed(model, InMemoryDataset.ofClasses("memory", features, featureCount, labels, classes),
                null, device, 0, classes);
    }

    /**
     * Evaluates {@code model} on every row of {@code data}, standardised by {@code normalizer}
     * (null: as they are), read by {@code workers} loader threads.
     */
    public static Result evaluate(Module model, Dataset data, Standardizer normalizer, Device device, int workers) {
        return run(model, data, normalizer, device, workers, null);
    }

    /** As {@link #evaluate(Module, Dataset, Standardizer, Device, int)}, with the {@code classes × classes} confusion matrix. */
    public static Detailed evaluateDetailed(Module model, Dataset data, Standardizer normalizer, Device device,
                                            int workers, int classes) {
        long[][] confusion = new long[classes][classes];
        Result result = run(model, data, normalizer, device, workers, confusion);
        return new Detailed(result, confusion);
    }

    /**
     * Evaluates {@code model} on every row of {@code data} with {@code objective}'s loss and its
     * task's figures; features standardised by {@code normalizer} (null: as they are), regression
     * targets by the objective's target standardizer (the figures are in the original units).
     */
    public static Result evaluate(Module model, Dataset data, Standardizer normalizer, Objective objective,
                                  Device device, int workers) {
        return run(model, data, normalizer, device, workers, null, objective);
    }

    /** As {@link #evaluateDetailed(Module, Dataset, Standardizer, Device, int, int)}, with a classification run's own loss. */
    public static Detailed evaluateDetailed(Module model, Dataset data, Standardizer normalizer, Objective objective,
                                            Device device, int workers, int classes) {
        long[][] confusion = new long[classes][classes];
        Result result = run(model, data, normalizer, device, workers, confusion, objective);
        return new Detailed(result, confusion);
    }

    private static Result run(Module model, Dataset data, Standardizer normalizer, Device device, int workers,
                              long[][] confusion) {
        return run(model, data, normalizer, device, workers, confusion, null);
    }

    /** With a null objective: plain cross-entropy and accuracy, as before tasks existed. */
    private static Result run(Module model, Dataset data, Standardizer normalizer, Device device, int workers,
                              long[][] confusion, Objective objective) {
        return tally(model, data, normalizer, device, workers, confusion, objective).result();
    }

    /**
     * What one pass counted, before it is turned into figures: the loss sum and right answers
     * (classification), the rows, and the task's accumulator (regression or multi-label).
     */
    private record Tally(Task task, double lossSum, long correct, long rows, RegressionMetrics regression,
                         MultiLabelMetrics multiLabel) {

        /** {@code [loss sum, correct, rows, the accumulator's totals...]}, for ranks to exchange. */
        double[] totals() {
            double[] extra = regression != null ? regression.totals() : multiLabel != null ? multiLabel.totals()
                    : new double[0];
            double[] all = new double[3 + extra.length];
            all[0] = lossSum;
            all[1] = correct;
            all[2] = rows;
            System.arraycopy(extra, 0, all, 3, extra.length);
            return all;
        }

        Result result() {
            long n = rows;
            double loss = n == 0 ? Double.NaN : lossSum / n;
            Map<String, Double> metrics = new LinkedHashMap<>();
            if (regression != null && n > 0) {
                RegressionMetrics.Result r = regression.result();
                metrics.put("rmse", r.rmse());
                metrics.put("mae", r.mae());
                metrics.put("r2", r.r2());
            } else if (multiLabel != null && n > 0) {
                MultiLabelMetrics.Result r = multiLabel.result();
                metrics.put("label_accuracy", r.labelAccuracy());
                metrics.put("exact_match", r.exactMatch());
                metrics.put("micro_f1", r.microF1());
                metrics.put("macro_f1", r.macroF1());
            }
            if (task != Task.CLASSIFICATION) {
                for (String name : task.metrics()) {
                    metrics.putIfAbsent(name, Double.NaN);
                }
                return new Result(loss, Double.NaN, (int) n, metrics);
            }
            return new Result(loss, n == 0 ? Double.NaN : (double) correct / n, (int) n);
        }
    }

    /**
     * One rank's share of a data-parallel evaluation, as numbers the ranks sum: each rank evaluates
     * its rows with {@code objective} and exchanges these totals; {@link #combine} turns every
     * rank's into the whole set's {@link Result}.
     */
    static double[] totals(Module model, Dataset data, Standardizer normalizer, Objective objective, Device device,
                           int workers) {
        return tally(model, data, normalizer, device, workers, null, objective).totals();
    }

    /** The {@link #totals} of a rank whose share is empty: zeros, as long as the others'. */
    static double[] emptyTotals(Objective objective, int outputs) {
        Task task = objective.task();
        return new Tally(task, 0, 0, 0, task == Task.REGRESSION ? RegressionMetrics.of(outputs) : null,
                task == Task.MULTILABEL ? MultiLabelMetrics.of(outputs) : null).totals();
    }

    /**
     * The whole set's figures from every rank's {@link #totals}, in rank order: sums add, and the
     * regression moments merge pairwise (Chan et al.), so the figures are the single pass's up to
     * summation order. {@code outputs} is the model's output width (target columns, labels).
     */
    static Result combine(Objective objective, int outputs, List<double[]> perRank) {
        Task task = objective.task();
        double lossSum = 0;
        long correct = 0;
        long rows = 0;
        RegressionMetrics regression = task == Task.REGRESSION ? RegressionMetrics.of(outputs) : null;
        MultiLabelMetrics multiLabel = task == Task.MULTILABEL ? MultiLabelMetrics.of(outputs) : null;
        for (double[] totals : perRank) {
            lossSum += totals[0];
            correct += (long) totals[1];
            rows += (long) totals[2];
            double[] extra = java.util.Arrays.copyOfRange(totals, 3, totals.length);
            if (regression != null) {
                regression.merge(RegressionMetrics.fromTotals(outputs, extra));
            } else if (multiLabel != null) {
                multiLabel.merge(MultiLabelMetrics.fromTotals(outputs, multiLabel.threshold(), extra));
            }
        }
        return new Tally(task, lossSum, correct, rows, regression, multiLabel).result();
    }

    private static Tally tally(Module model, Dataset data, Standardizer normalizer, Device device, int workers,
                               long[][] confusion, Objective objective) {
        Task task = objective == null ? Task.CLASSIFICATION : objective.task();
        if (task == Task.CLASSIFICATION && data.targetKind() != Dataset.TargetKind.CLASS_INDEX) {
            throw new IllegalArgumentException("Evaluation: " + data.source() + " holds real-valued targets; accuracy"
                    + " and cross-entropy need class indices");
        }
        if (task != Task.CLASSIFICATION && data.targetKind() != Dataset.TargetKind.VALUES) {
            throw new IllegalArgumentException("Evaluation: " + data.source() + " holds class indices; a "
                    + task.cliName() + " model is evaluated on real-valued targets");
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0;
        int n = data.size();
        RegressionMetrics regression = null;
        MultiLabelMetrics multiLabel = null;
        DataLoader.Builder settings = DataLoader.builder(data).batchSize(BATCH).device(device).workers(workers);
        if (normalizer != null) {
            settings.normalize(normalizer);
        }
        if (task == Task.REGRESSION) {
            Standardizer targets = objective.targetScale().orElseThrow();
            settings.normalizeTargets(targets);
            regression = RegressionMetrics.inOriginalUnits(targets);
        } else if (task == Task.MULTILABEL) {
            multiLabel = MultiLabelMetrics.of(data.targetWidth());
        }
        try (var ignored = NoGrad.open(); DataLoader loader = settings.build()) {
            for (Iterator<DataLoader.Batch> batches = loader.epoch(0); batches.hasNext(); ) {
                try (DataLoader.Batch batch = batches.next(); Scope scope = Scope.open()) {
                    Tensor logits = model.forward(batch.features());
                    if (task != Task.CLASSIFICATION) {
                        lossSum += objective.loss(logits, batch.targets()).item() * (double) batch.size();
                        float[] outputs = logits.toFloatArray();
                        float[] targets = batch.targets().toFloatArray();
                        if (regression != null) {
                            regression.update(outputs, targets);
                        } else {
                            multiLabel.update(outputs, targets);
                        }
                        continue;
                    }
                    lossSum += (objective == null ? Losses.crossEntropy(logits, batch.labels())
                            : objective.loss(logits, batch.labels())).item() * (double) batch.size();
                    Tensor predicted = logits.argmax(1);
                    correct += (long) predicted.eq(batch.labels()).sum().item();
                    if (confusion != null) {
                        int[] p = predicted.toIntArray();
                        int[] y = batch.labels().toIntArray();
                        for (int i = 0; i < p.length; i++) {
                            confusion[y[i]][p[i]]++;
                        }
                    }
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new Tally(task, lossSum, correct, n, regression, multiLabel);
    }
}
