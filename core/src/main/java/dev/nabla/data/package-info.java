/**
 * Getting training data into plain arrays: {@link dev.nabla.data.IdxReader} for MNIST-format files,
 * {@link dev.nabla.data.DatasetLocator} to find Fashion-MNIST or MNIST on this machine,
 * {@link dev.nabla.data.CsvReader} for tabular data, and {@link dev.nabla.data.Standardizer} for
 * mean/std normalization fitted on the training set.
 *
 * <p>Results are row-major {@code float[]} features and {@code int[]} labels
 * ({@link dev.nabla.data.Split}), independent of tensors and devices: the data loader copies
 * batches to whichever device trains. Problems with a file are reported as
 * {@link dev.nabla.data.DataFormatException} naming the file (and line and column for text), and a
 * missing dataset as {@link dev.nabla.data.DatasetNotFoundException} listing where it looked and
 * how to get it, because the first thing a newcomer runs should fail, if at all, with a message
 * that says what to do.
 */
package dev.nabla.data;
