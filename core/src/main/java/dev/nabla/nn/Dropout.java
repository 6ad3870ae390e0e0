package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * Zeroes each element with probability {@code p} during training and scales the survivors by
 * {@code 1/(1−p)}, as {@code torch.nn.Dropout}; the identity in evaluation mode.
 *
 * <p>Masks come from the Philox stream {@code (seed, calls)}, where {@link #calls()} counts the masks
 * drawn so far: the same seed gives the same sequence of masks on every backend, and a checkpoint
 * that saves {@link #calls()} and restores it with {@link #setCalls(long)} resumes the sequence
 * exactly.
 */
public final class Dropout extends Module {

    private final float p;
    private final long seed;
    private long calls;

    /**
     * Dropout with probability {@code p} in [0, 1], masks drawn from the next seed of
     * {@link dev.nabla.Generator} (as {@code torch.nn.Dropout(p)}): two layers made this way draw
     * different masks.
     */
    public Dropout(float p) {
        this(p, dev.nabla.Generator.nextSeed());
    }

    /**
     * Dropout with probability {@code p} in [0, 1], masks drawn from Philox key {@code seed}. Two
     * layers given the same seed draw the same masks.
     */
    public Dropout(float p, long seed) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("Dropout: probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
        this.seed = seed;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0f) {
            return x;
        }
        if (p == 1f) {
            return x.mul(0f);
        }
        float keep = 1f - p;
        Tensor uniform = Tensor.rand(x.device(), seed, calls++, x.shape());
        // NOTE: keep where u < 1 − p, as a Bernoulli(1 − p) draw; the mask is a constant for autograd.
        Tensor mask = uniform.lt(keep).mul(1f / keep);
        uniform.close();
        return x.mul(mask);
    }

    public float p() {
        return p;
    }

    public long seed() {
        return seed;
    }

    /** How many masks this layer has drawn: the Philox stream offset of the next one. */
    public long calls() {
        return calls;
    }

    /** Restores the mask counter saved from {@link #calls()}. */
    public void setCalls(long calls) {
        if (calls < 0) {
            throw new IllegalArgumentException("Dropout.setCalls: must be non-negative, got " + calls);
        }
        this.calls = calls;
    }

    @Override
    protected String extraRepr() {
        return "p=" + p + ", inplace=False";
    }
}
