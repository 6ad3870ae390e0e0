/**
 * Getting training data to the device. A {@link dev.nabla.data.Dataset} gives random access to
 * rows (features as floats, a class index or real values as target): {@link
 * dev.nabla.data.InMemoryDataset} over Java arrays, {@link dev.nabla.data.IdxDataset} for
 * MNIST-format images ({@link dev.nabla.data.IdxReader}, found by {@link
 * dev.nabla.data.DatasetLocator}), {@link dev.nabla.data.CsvData} ({@link dev.nabla.data.CsvReader})
 * and {@link dev.nabla.data.NpyDataset}, NumPy files mapped into memory so that a set larger than
 * the heap trains. {@link dev.nabla.data.TrainingData} pairs a training set with an optional test
 * set; {@link dev.nabla.data.DataSources} builds it from the CLI's names, reading targets as the
 * task needs them (class indices, or real values for regression and multi-label), and
 * {@link dev.nabla.data.Friedman1} generates the {@code friedman1} regression set.
 * {@link dev.nabla.data.Standardizer} fits mean/std on the training set in one streaming pass (of
 * features, or of regression targets, which it also un-standardises for reports), and
 * {@link dev.nabla.data.DataLoader} turns a data set into device batches with worker threads, in
 * an order fixed by (seed, epoch) whatever the number of workers.
 *
 * <p>Data sets are independent of tensors and devices; only the loader copies to a device. Their
 * reads are thread-safe (the loader's workers read concurrently). Problems with a file are
 * reported as {@link dev.nabla.data.DataFormatException} naming the file (and line and column for
 * text, row and feature for arrays), and a missing dataset as
 * {@link dev.nabla.data.DatasetNotFoundException} listing where it looked and how to get it,
 * because the first thing a newcomer runs should fail, if at all, with a message that says what
 * to do, and before training starts rather than an hour into it.
 */
package dev.nabla.data;
