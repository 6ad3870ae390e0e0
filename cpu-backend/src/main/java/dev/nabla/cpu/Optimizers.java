package dev.nabla.cpu;

import dev.nabla.backend.OptimizerStep;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused optimizer updates: one pass over parameter, gradient and state, vectorized.
 *
 * <p>NOTE: every lane performs the same float operations in the same order as the scalar
 * reference ({@code mul} then {@code add}, never a fused multiply-add), so the CPU backends
 * update parameters bit for bit alike and a run can move between them.
 */
final class Optimizers {

    private static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();

    /**
     * Optimizer steps go parallel from this many parameters: at ≈ 30 flops per parameter, two
     * threads win 1.3-1.4× at 4K and 1.5-1.8× at 8K, whether or not the gradient was just written by
     * two threads (ThresholdProbe, 2026-11-21); at 2K they break even or lose.
     */
    static final long PARALLEL_THRESHOLD = 1 << 12;

    private Optimizers() {
    }

    /** {@code state1} is null for SGD without momentum, {@code state2} for SGD. */
    static void step(OptimizerStep step, float[] p, float[] g, float[] state1, float[] state2, int count) {
        CpuThreads.parallelRanges(count, CpuThreads.chunksFor(count, PARALLEL_THRESHOLD), LANES, (start, end) -> {
            switch (step) {
                case OptimizerStep.Sgd s -> sgd(s, p, g, state1, start, end);
                case OptimizerStep.Adam s -> adam(s, p, g, state1, state2, start, end);
            }
        });
    }

    private static void sgd(OptimizerStep.Sgd s, float[] p, float[] g, float[] buf, int start, int end) {
        float lr = s.lr();
        float decay = s.weightDecay();
        float momentum = s.momentum();
        float keep = 1f - s.dampening();
        int i = start;
        int bound = start + SPECIES.loopBound(end - start);
        for (; i < bound; i += LANES) {
            FloatVector pv = FloatVector.fromArray(SPECIES, p, i);
            FloatVector d = FloatVector.fromArray(SPECIES, g, i).add(pv.mul(decay));
            if (buf != null) {
                FloatVector b = s.firstStep() ? d : FloatVector.fromArray(SPECIES, buf, i).mul(momentum).add(d.mul(keep));
                b.intoArray(buf, i);
                d = s.nesterov() ? d.add(b.mul(momentum)) : b;
            }
            pv.sub(d.mul(lr)).intoArray(p, i);
        }
        for (; i < end; i++) {
            float d = g[i] + decay * p[i];
            if (buf != null) {
                buf[i] = s.firstStep() ? d : momentum * buf[i] + keep * d;
                d = s.nesterov() ? d + momentum * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }

    private static void adam(OptimizerStep.Adam s, float[] p, float[] g, float[] m, float[] v, int start, int end) {
        float lr = s.lr();
        float beta1 = s.beta1();
        float beta2 = s.beta2();
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        float correction1 = s.biasCorrection1();
        float correction2 = s.biasCorrection2();
        float eps = s.eps();
        float decay = s.weightDecay();
        float shrink = 1f - lr * decay;
        boolean decoupled = s.decoupled();
        // The loop is bound by its three divisions and a square root (≈ 2 cycles per parameter on
        // one core, in cache; memory would allow several times that). A bias correction that has
        // reached 1 (1 − 0.9^t rounds to 1f after ≈ 170 steps, 1 − 0.999^t after ≈ 17,000) needs
        // no division: x / 1f == x exactly, so the parameters stay bit for bit the reference's.
        boolean unit1 = correction1 == 1f;
        boolean unit2 = correction2 == 1f;
        int i = start;
        int bound = start + SPECIES.loopBound(end - start);
        for (; i < bound; i += LANES) {
            FloatVector pv = FloatVector.fromArray(SPECIES, p, i);
            FloatVector gv = FloatVector.fromArray(SPECIES, g, i);
            if (decoupled) {
                pv = pv.mul(shrink);
            } else {
                gv = gv.add(pv.mul(decay));
            }
            FloatVector mv = FloatVector.fromArray(SPECIES, m, i).mul(beta1).add(gv.mul(oneMinusBeta1));
            FloatVector vv = FloatVector.fromArray(SPECIES, v, i).mul(beta2).add(gv.mul(oneMinusBeta2).mul(gv));
            mv.intoArray(m, i);
            vv.intoArray(v, i);
            // x / 1 is x exactly: skipping the division keeps the result bit for bit (see adam()).
            FloatVector mHat = unit1 ? mv : mv.div(correction1);
            FloatVector vHat = unit2 ? vv : vv.div(correction2);
            pv.sub(mHat.mul(lr).div(vHat.sqrt().add(eps))).intoArray(p, i);
        }
        for (; i < end; i++) {
            float gi = g[i];
            if (decoupled) {
                p[i] *= shrink;
            } else {
                gi += decay * p[i];
            }
            m[i] = beta1 * m[i] + oneMinusBeta1 * gi;
            v[i] = beta2 * v[i] + oneMinusBeta2 * gi * gi;
            float mHat = m[i] / correction1;
            float vHat = v[i] / correction2;
            p[i] -= lr * mHat / ((float) Math.sqrt(vHat) + eps);
        }
    }
}
