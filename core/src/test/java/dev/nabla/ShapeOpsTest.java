package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/** cat, stack, permute, unsqueeze/squeeze, batched matmul and index_select: values, gradients, errors. */
class ShapeOpsTest {

    private static Tensor range(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return Tensor.of(v, shape);
    }

    private static Tensor values(long seed, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return Tensor.of(dev.nabla.conformance.BackendConformanceTest.values(seed, n, -1f, 1f), shape);
    }

    @Test
    void catJoinsAlongAnyAxis() {
        Tensor a = range(2, 3);
        Tensor b = range(1, 3).add(100f);
        assertArrayEquals(new int[] {3, 3}, Tensor.cat(List.of(a, b), 0).shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 100, 101, 102}, Tensor.cat(List.of(a, b), 0).toFloatArray());
        Tensor c = range(2, 1).add(50f);
        // along the last axis, with a negative axis, and a transposed (strided) input
        assertArrayEquals(new float[] {0, 1, 2, 50, 0, 3, 4, 5, 51, 1},
                Tensor.cat(List.of(a, c, range(1, 2).t()), -1).toFloatArray());
        // an empty part is allowed, as in PyTorch
        assertArrayEquals(a.toFloatArray(), Tensor.cat(List.of(a, Tensor.zeros(0, 3)), 0).toFloatArray());
    }

    @Test
    void catRefusesMismatchedShapesByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(List.of(range(2, 3), range(2, 4)), 0));
        assertEquals("cat: sizes must match except along axis 0, but tensor 1 has shape [2, 4] and tensor 0 [2, 3]",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.cat(List.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.cat(List.of(range(2), Tensor.of(new int[] {1}, 1)), 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.cat(List.of(range(2)), 1));
    }

    @Test
    void stackAddsAnAxis() {
        Tensor a = range(2, 2);
        Tensor b = range(2, 2).add(1f).mul(-1f);
        Tensor s0 = Tensor.stack(List.of(a, b), 0);
        Tensor s2 = Tensor.stack(List.of(a, b), 2);
        assertArrayEquals(new int[] {2, 2, 2}, s0.shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, -1, -2, -3, -4}, s0.toFloatArray());
        assertArrayEquals(new float[] {0, -1, 1, -2, 2, -3, 3, -4}, s2.toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Tensor.stack(List.of(a, range(4)), 0));
    }

    @Test
    void permuteIsAViewThatReordersAxes() {
        Tensor x = range(2, 3, 4);
        Tensor p = x.permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        float[] got = p.toFloatArray();
        float[] all = x.toFloatArray();
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 3; k++) {
                    assertEquals(all[j * 12 + k * 4 + i], got[i * 6 + j * 3 + k]);
                }
            }
        }
        assertArrayEquals(all, p.permute(1, 2, 0).toFloatArray(), "the inverse permutation restores it");
        assertThrows(IllegalArgumentException.class, () -> x.permute(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> x.permute(0, 1));
    }

    @Test
    void unsqueezeAndSqueeze() {
        Tensor x = range(2, 3);
        assertArrayEquals(new int[] {1, 2, 3}, x.unsqueeze(0).shape());
        assertArrayEquals(new int[] {2, 3, 1}, x.unsqueeze(-1).shape());
        assertArrayEquals(new int[] {2, 1, 3}, x.unsqueeze(1).shape());
        assertArrayEquals(x.toFloatArray(), x.unsqueeze(1).toFloatArray());
        assertArrayEquals(new int[] {2, 3}, x.unsqueeze(1).squeeze(1).shape());
        assertArrayEquals(new int[] {2, 3}, x.squeeze(0).shape(), "a non-1 axis is left alone, as PyTorch");
        assertArrayEquals(new int[] {3}, range(1, 3, 1).squeeze().shape());
        // on a transposed view
        assertArrayEquals(x.t().toFloatArray(), x.t().unsqueeze(0).toFloatArray());
        assertThrows(IndexOutOfBoundsException.class, () -> x.unsqueeze(3));
    }

    @Test
    void batchedMatmulMatchesPerBatchProducts() {
        Tensor a = values(1, 3, 4, 5);
        Tensor b = values(2, 3, 5, 2);
        Tensor c = a.matmul(b);
        assertArrayEquals(new int[] {3, 4, 2}, c.shape());
        for (int i = 0; i < 3; i++) {
            float[] want = a.slice(0, i, i + 1).reshape(4, 5).matmul(b.slice(0, i, i + 1).reshape(5, 2)).toFloatArray();
            float[] got = c.slice(0, i, i + 1).reshape(8).toFloatArray();
            assertArrayEquals(want, got, 1e-6f, "batch " + i);
        }
        // a shared right operand, broadcast batch axes, a vector on either side
        Tensor w = values(3, 5, 2);
        assertArrayEquals(new int[] {3, 4, 2}, a.matmul(w).shape());
        assertArrayEquals(a.slice(0, 1, 2).reshape(4, 5).matmul(w).toFloatArray(),
                a.matmul(w).slice(0, 1, 2).reshape(8).toFloatArray(), 1e-6f);
        assertArrayEquals(new int[] {2, 3, 4, 2}, values(4, 2, 1, 4, 5).matmul(values(5, 3, 5, 2)).shape());
        assertArrayEquals(new int[] {3, 4}, a.matmul(values(6, 5)).shape());
        assertArrayEquals(new int[] {3, 2}, values(7, 5).matmul(b).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> a.matmul(values(8, 3, 4, 2)));
        assertTrue(e.getMessage().contains("inner dimensions 5 and 4 differ"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.matmul(values(9, 2, 5, 2)), "batch 3 vs 2");
    }

    @Test
    void indexSelectPicksAndRepeats() {
        Tensor x = range(4, 3);
        Tensor rows = x.indexSelect(0, Tensor.of(new int[] {3, 0, 3}, 3));
        assertArrayEquals(new float[] {9, 10, 11, 0, 1, 2, 9, 10, 11}, rows.toFloatArray());
        Tensor cols = x.indexSelect(1, Tensor.of(new int[] {2, 2}, 2));
        assertArrayEquals(new float[] {2, 2, 5, 5, 8, 8, 11, 11}, cols.toFloatArray());
        // an infinity in an unselected row stays out of the result
        Tensor withInf = Tensor.of(new float[] {1, Float.POSITIVE_INFINITY, 3, 4}, 2, 2);
        assertArrayEquals(new float[] {3, 4}, withInf.indexSelect(0, Tensor.of(new int[] {1}, 1)).toFloatArray());
        var e = assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(0, Tensor.of(new int[] {0, 4}, 2)));
        assertEquals("index_select: index[1] = 4 is out of range for axis 0 of size 4 (shape [4, 3])", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, Tensor.of(new float[] {0}, 1)));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        GradCheck.check(in -> Tensor.cat(List.of(in.get(0), in.get(1).square()), 1), values(10, 2, 3), values(11, 2, 2))
                .assertPassed();
        GradCheck.check(in -> Tensor.stack(List.of(in.get(0), in.get(1)), 1).mul(in.get(0).unsqueeze(1)),
                values(12, 3, 2), values(13, 3, 2)).assertPassed();
        GradCheck.check(in -> in.get(0).permute(1, 2, 0).square(), values(14, 2, 3, 2)).assertPassed();
        GradCheck.check(in -> in.get(0).unsqueeze(0).squeeze().exp(), values(15, 3)).assertPassed();
        GradCheck.check(in -> in.get(0).matmul(in.get(1)), values(16, 2, 3, 4), values(17, 2, 4, 2)).assertPassed();
        GradCheck.check(in -> in.get(0).matmul(in.get(1)), values(18, 2, 3, 4), values(19, 4, 2)).assertPassed();
        // repeated indices accumulate their gradients
        GradCheck.check(in -> in.get(0).indexSelect(0, Tensor.of(new int[] {2, 0, 2, 2}, 4)).square(), values(20, 3, 2))
                .assertPassed();
        GradCheck.check(in -> in.get(0).indexSelect(1, Tensor.of(new int[] {1, 1, 0}, 3)).mul(in.get(1)),
                values(21, 2, 2), values(22, 2, 3)).assertPassed();
    }

    @Test
    void secondDerivativesThroughTheNewRules() {
        GradCheck.gradgradcheck(in -> in.get(0).indexSelect(0, Tensor.of(new int[] {1, 1, 0}, 3)).square(),
                values(23, 2, 3)).assertPassed();
        GradCheck.gradgradcheck(in -> Tensor.cat(List.of(in.get(0), in.get(1)), 0).square().permute(1, 0),
                values(24, 2, 2), values(25, 1, 2)).assertPassed();
    }

    @Test
    void scatterAddMatchesPyTorch() {
        // torch.arange(12.).reshape(3, 4).scatter_add(dim, idx, src) with
        // src = [[1, 2, 3, 4], [10, 20, 30, 40]] (its last column lies outside both indices: ignored)
        Tensor self = range(3, 4);
        Tensor src = Tensor.of(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, 2, 4);
        // dim 1, idx [[2, 0, 1], [2, 2, 0]]: row 0 += (2 at 0, 3 at 1, 1 at 2); row 1: 10 + 20 at 2, 30 at 0
        assertArrayEquals(new float[] {2, 4, 3, 3, 34, 5, 36, 7, 8, 9, 10, 11},
                self.scatterAdd(1, Tensor.of(new int[] {2, 0, 1, 2, 2, 0}, 2, 3), src).toFloatArray());
        // dim 0, idx [[2, 0, 2], [0, 0, 1]]
        assertArrayEquals(new float[] {10, 23, 2, 3, 4, 5, 36, 7, 9, 9, 13, 11},
                self.scatterAdd(0, Tensor.of(new int[] {2, 0, 2, 0, 0, 1}, 2, 3), src).toFloatArray());
        // out of place
        assertArrayEquals(range(3, 4).toFloatArray(), self.toFloatArray());
        // an empty index adds nothing
        assertArrayEquals(self.toFloatArray(), self.scatterAdd(0, Tensor.of(new int[0], 0, 3), src).toFloatArray());
    }

    @Test
    void scatterAddSendsInfinityOnlyToItsTarget() {
        Tensor src = Tensor.of(new float[] {Float.POSITIVE_INFINITY, 1f, Float.NaN}, 1, 3);
        float[] out = Tensor.zeros(1, 4).scatterAdd(1, Tensor.of(new int[] {3, 0, 1}, 1, 3), src).toFloatArray();
        assertEquals(1f, out[0]);
        assertTrue(Float.isNaN(out[1]));
        assertEquals(0f, out[2]);
        assertEquals(Float.POSITIVE_INFINITY, out[3]);
    }

    @Test
    void scatterAddGradientsMatchFiniteDifferences() {
        Tensor index = Tensor.of(new int[] {1, 0, 1, 1, 2, 2, 0, 0, 1, 2, 1, 0}, 2, 3, 2);
        // every axis of a rank-3 tensor (self one larger there than the index), with repeated
        // indices; src larger than the index on axis 2, so its last column gets a zero gradient
        for (int axis = 0; axis < 3; axis++) {
            int[] selfShape = {2, 3, 2};
            selfShape[axis] = 3;
            int scatterAxis = axis;
            GradCheck.check(in -> in.get(0).scatterAdd(scatterAxis, index, in.get(1)).square(),
                    values(30 + axis, selfShape), values(40 + axis, 2, 3, 3)).assertPassed();
        }
        GradCheck.gradgradcheck(in -> in.get(0).scatterAdd(1, Tensor.of(new int[] {1, 1, 0, 2}, 2, 2), in.get(1))
                .square(), values(50, 2, 3), values(51, 2, 2)).assertPassed();
    }

    @Test
    void scatterAddRefusesBadArgumentsByName() {
        Tensor self = range(3, 4);
        Tensor src = range(2, 4);
        var range = assertThrows(IndexOutOfBoundsException.class,
                () -> self.scatterAdd(1, Tensor.of(new int[] {0, 4}, 1, 2), src));
        assertEquals("scatter_add: index value 4 at flat position 1 of index shape [1, 2] is out of range for axis 1"
                + " of size 4 (self shape [3, 4])", range.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> self.scatterAdd(0, Tensor.of(new int[] {-1}, 1, 1), src));
        var larger = assertThrows(IllegalArgumentException.class,
                () -> self.scatterAdd(0, Tensor.of(new int[] {0, 0, 0}, 3, 1), src));
        assertEquals("scatter_add: index shape [3, 1] is larger than src shape [2, 4] on axis 0 (scatter axis 0);"
                + " index may be no larger than src on any axis, nor than self off the scatter axis", larger.getMessage());
        var offAxis = assertThrows(IllegalArgumentException.class,
                () -> range(1, 4).scatterAdd(1, Tensor.of(new int[] {0, 0}, 2, 1), src));
        assertTrue(offAxis.getMessage().contains("larger than self shape [1, 4] on axis 0"), offAxis.getMessage());
        var rank = assertThrows(IllegalArgumentException.class,
                () -> self.scatterAdd(0, Tensor.of(new int[] {0}, 1), src));
        assertEquals("scatter_add: self, index and src must have one rank, got shapes [3, 4], [1] and [2, 4]",
                rank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> self.scatterAdd(0, Tensor.of(new float[] {0}, 1, 1), src));
        assertThrows(IndexOutOfBoundsException.class, () -> self.scatterAdd(2, Tensor.of(new int[] {0}, 1, 1), src));
    }

    @Test
    void scatterAddInSeveralChunksAgreesWithALoop() {
        // 2049 entries × 2048 targets per row pass the 2²² elements of one chunk: one row per chunk
        int rows = 3;
        int size = 2048;
        int entries = 2049;
        int[] index = new int[rows * entries];
        float[] src = dev.nabla.conformance.BackendConformanceTest.values(60, rows * entries, -1f, 1f);
        float[] expected = new float[rows * size];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < entries; k++) {
                int p = r * entries + k;
                index[p] = (k * 7 + r * 13) % size;
                expected[r * size + index[p]] += src[p];
            }
        }
        Tensor source = Tensor.of(src, rows, entries).requiresGrad();
        Tensor out = Tensor.zeros(rows, size).scatterAdd(1, Tensor.of(index, rows, entries), source);
        assertArrayEquals(expected, out.toFloatArray(), 1e-5f);
        // weights w: d Σ(w · out) / d src[r, k] = w[r, index[r, k]]
        float[] weights = dev.nabla.conformance.BackendConformanceTest.values(61, rows * size, -1f, 1f);
        out.mul(Tensor.of(weights, rows, size)).sum().backward();
        float[] grad = source.grad().orElseThrow().toFloatArray();
        for (int p = 0; p < grad.length; p++) {
            assertEquals(weights[(p / entries) * size + index[p]], grad[p], 0f, "src gradient at " + p);
        }
    }
}
