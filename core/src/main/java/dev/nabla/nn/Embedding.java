package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * A lookup table of {@code numEmbeddings} vectors of size {@code embeddingDim}, as
 * {@code torch.nn.Embedding}: {@code forward(indices)} maps an I32 tensor of any shape to that
 * shape plus {@code [embeddingDim]}. The weight starts as N(0, 1), as PyTorch's; its gradient adds
 * each looked-up row's gradient back at its index (repeats accumulate).
 *
 * <p>NOTE: {@link Tensor#indexSelect} copies one row per index and its backward adds one row per
 * index: fine for the categorical columns of tabular data (a few per row), slow for long token
 * sequences on a GPU, where a gather kernel would be one launch.
 */
public final class Embedding extends Module {

    private final int numEmbeddings;
    private final int embeddingDim;

    /** On the default device, seeded from {@link dev.nabla.Generator}. */
    public Embedding(int numEmbeddings, int embeddingDim) {
        this(numEmbeddings, embeddingDim, Device.getDefault(), dev.nabla.Generator.nextSeed());
    }

    public Embedding(int numEmbeddings, int embeddingDim, Device device, long seed) {
        if (numEmbeddings <= 0 || embeddingDim <= 0) {
            throw new IllegalArgumentException("Embedding: num_embeddings and embedding_dim must be positive, got "
                    + numEmbeddings + " and " + embeddingDim);
        }
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        registerParameter("weight", Tensor.randn(device, seed, 0, numEmbeddings, embeddingDim));
    }

    @Override
    public Tensor forward(Tensor indices) {
        if (indices.dtype() != DType.I32) {
            throw new IllegalArgumentException("Embedding: indices must be I32 (int32), got " + indices.dtype()
                    + " of shape " + Arrays.toString(indices.shape()));
        }
        int[] shape = Arrays.copyOf(indices.shape(), indices.rank() + 1);
        shape[indices.rank()] = embeddingDim;
        return parameter("weight").indexSelect(0, indices.reshape(-1)).reshape(shape);
    }

    public int numEmbeddings() {
        return numEmbeddings;
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim;
    }
}
