/**
 * Evaluation metrics accumulated over batches, for the tasks beyond classification accuracy:
 * {@link dev.nabla.metrics.RegressionMetrics} (RMSE, MAE, R²) and
 * {@link dev.nabla.metrics.MultiLabelMetrics} (per-label accuracy, exact match, micro- and
 * macro-F1 at a 0.5 probability threshold).
 *
 * <p>Invariants: metrics are computed on the host in double precision from values a caller copies
 * off the device once per batch, so they agree on every backend and do not depend on how the rows
 * were split into batches (beyond the last bits of a double); each accumulator can
 * {@code merge} another's totals, so data-parallel ranks can combine theirs. Definitions follow
 * scikit-learn's ({@code r2_score}, {@code mean_absolute_error}, {@code root_mean_squared_error},
 * {@code f1_score(average="micro")}), named in each class, so the numbers can be checked against it.
 * Regression values are in the targets' original units: a model trained on standardised targets
 * has its predictions and targets un-standardised first ({@link dev.nabla.data.Standardizer#invertInPlace}).
 */
package dev.nabla.metrics;
