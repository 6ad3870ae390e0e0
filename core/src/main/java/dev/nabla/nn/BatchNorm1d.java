package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.amp.Autocast;
import dev.nabla.autograd.NoGrad;
import java.util.Arrays;

/**
 * Batch normalization over the batch axis of {@code [N, C]} (or {@code [N, C, L]}) inputs, as
 * {@code torch.nn.BatchNorm1d(C)}: in training, {@code y = (x − μ_B) / √(σ²_B + eps) · γ + β} with
 * the batch mean and biased variance per channel, and the running statistics updated as
 * {@code r ← (1 − momentum) r + momentum · s} (the running variance from the unbiased one); in
 * evaluation, the running statistics instead. The state dict uses PyTorch's names: {@code weight},
 * {@code bias}, {@code running_mean}, {@code running_var}, {@code num_batches_tracked}.
 *
 * <p>NOTE: {@code num_batches_tracked} is an F32 scalar here (PyTorch's is int64): Nabla's
 * checkpoints hold F32 tensors, and F32 counts exactly to 2²⁴ batches. It is counted on the
 * device, so a training step never waits to read it.
 */
public final class BatchNorm1d extends Module {

    private final int features;
    private final float eps;
    private final float momentum;

    /** eps 1e-5, momentum 0.1, learnable γ and β, on the default device. */
    public BatchNorm1d(int features) {
        this(features, 1e-5f, 0.1f, Device.getDefault());
    }

    public BatchNorm1d(int features, Device device) {
        this(features, 1e-5f, 0.1f, device);
    }

    public BatchNorm1d(int features, float eps, float momentum, Device device) {
        if (features <= 0) {
            throw new IllegalArgumentException("BatchNorm1d: num_features must be positive, got " + features);
        }
        if (!(eps > 0f)) {
            throw new IllegalArgumentException("BatchNorm1d: eps must be positive, got " + eps);
        }
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("BatchNorm1d: momentum must be in [0, 1], got " + momentum);
        }
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        registerParameter("weight", Tensor.ones(device, features));
        registerParameter("bias", Tensor.zeros(device, features));
        registerBuffer("running_mean", Tensor.zeros(device, features));
        registerBuffer("running_var", Tensor.ones(device, features));
        registerBuffer("num_batches_tracked", Tensor.zeros(device));
    }

    @Override
    public Tensor forward(Tensor input) {
        // on autocast's F32 list: a 16-bit input is normalised in F32 inside a region
        Tensor x = Autocast.fullPrecision(input);
        if ((x.rank() != 2 && x.rank() != 3) || x.size(1) != features) {
            throw new IllegalArgumentException("BatchNorm1d: expected input of shape [N, " + features + "] or [N, "
                    + features + ", L], got " + Arrays.toString(x.shape()));
        }
        if (x.dtype() != DType.F32) {
            throw new IllegalArgumentException("BatchNorm1d: input must be F32, got " + x.dtype());
        }
        int[] axes = x.rank() == 2 ? new int[] {0} : new int[] {0, 2};
        // per-channel vectors [C] broadcast as [C] (2-D input) or [C, 1] (3-D input)
        int[] channelShape = x.rank() == 2 ? new int[] {features} : new int[] {features, 1};
        Tensor weight = parameter("weight").reshape(channelShape);
        Tensor bias = parameter("bias").reshape(channelShape);
        if (!isTraining()) {
            Tensor mean = buffer("running_mean").reshape(channelShape);
            Tensor variance = buffer("running_var").reshape(channelShape);
            return x.sub(mean).div(variance.add(eps).sqrt()).mul(weight).add(bias);
        }
        long count = x.numel() / features;
        if (count <= 1) {
            throw new IllegalArgumentException("BatchNorm1d: expected more than 1 value per channel when training, got"
                    + " input of shape " + Arrays.toString(x.shape()) + " (use eval() for single samples)");
        }
        Tensor mean = x.mean(axes, true);
        Tensor centered = x.sub(mean);
        Tensor variance = centered.square().mean(axes, true);
        Tensor y = centered.div(variance.add(eps).sqrt()).mul(weight).add(bias);
        try (NoGrad ignored = NoGrad.open()) {
            updateRunning("running_mean", mean.detach().reshape(features), 1f);
            // the running variance is the unbiased one, as PyTorch's
            updateRunning("running_var", variance.detach().reshape(features), (float) count / (count - 1));
            Tensor batches = buffer("num_batches_tracked");
            batches.copyFrom(batches.add(1f));
        }
        return y;
    }

    /** {@code r ← (1 − momentum) r + momentum · scale · s}, in place. */
    private void updateRunning(String name, Tensor statistic, float scale) {
        Tensor running = buffer(name);
        running.copyFrom(running.mul(1f - momentum).add(statistic.mul(momentum * scale)));
    }

    public int features() {
        return features;
    }

    @Override
    protected String extraRepr() {
        return features + ", eps=" + LayerNorm.pythonFloat(eps) + ", momentum=" + LayerNorm.pythonFloat(momentum)
                + ", affine=True, track_running_stats=True";
    }
}
