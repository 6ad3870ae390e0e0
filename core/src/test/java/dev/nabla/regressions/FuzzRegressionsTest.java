package dev.nabla.regressions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.autograd.GradCheck;
import org.junit.jupiter.api.Test;

/** The shrunk cases of bugs the backend fuzzer found, pinned (issue 17). */
class FuzzRegressionsTest {

    private final Device device = Device.reference();

    /**
     * Found as {@code a1 [2]; a2 = leaf [4, 0].slice(0, 1, 3); a1.matmul(a2).backward()}: the
     * gradient of a slice is written into a slice of zeros, and zeros of shape [4, 0] have the
     * contiguous strides [0, 1], which {@code copyFrom} took for an expanded view and refused.
     */
    @Test
    void backwardThroughASliceOfAnEmptyTensor() {
        Tensor x = Tensor.of(device, new float[] {1f, 2f}).requiresGrad();
        Tensor stored = Tensor.zeros(device, 4, 0).requiresGrad();
        Tensor y = x.matmul(stored.slice(0, 1, 3));
        assertArrayEquals(new int[] {0}, y.shape());
        y.sum().backward();
        assertArrayEquals(new int[] {4, 0}, stored.grad().orElseThrow().shape());
        assertArrayEquals(new float[] {0f, 0f}, x.grad().orElseThrow().toFloatArray());
    }

    @Test
    void copyIntoASliceOfAnEmptyTensor() {
        Tensor destination = Tensor.zeros(device, 4, 0);
        destination.slice(0, 1, 3).copyFrom(Tensor.zeros(device, 2, 0));
        assertEquals(0, destination.numel());
    }

    /**
     * Found as {@code a1 [0, 0]; a1.gather(1, []).backward()}: the gather rule spreads the gradient
     * with {@code oneHot(index, 0 classes)}, which is refused; PyTorch gives a [0, 0] gradient.
     */
    @Test
    void backwardOfAGatherFromNoColumns() {
        Tensor x = Tensor.zeros(device, 0, 0).requiresGrad();
        Tensor y = x.gather(1, Tensor.of(device, new int[0]));
        assertArrayEquals(new int[] {0}, y.shape());
        y.backward(Tensor.zeros(device, 0));
        assertArrayEquals(new int[] {0, 0}, x.grad().orElseThrow().shape());
    }

    /**
     * Found as {@code GradCheck} of {@code a1 [] + a2 []}: the finite-difference side rebuilt a
     * rank-0 input with {@code Tensor.of(values, shape)}, which reads an empty shape as 1-D, so
     * the function saw a {@code [1]} tensor.
     */
    @Test
    void gradCheckKeepsARankZeroInputRankZero() {
        Tensor scalar = Tensor.scalar(device, 1.5f);
        GradCheck.check(t -> {
            if (t.get(0).rank() != 0) {
                throw new AssertionError("GradCheck passed a rank-" + t.get(0).rank() + " tensor for a scalar");
            }
            return t.get(0).square();
        }, scalar).assertPassed();
    }
}
