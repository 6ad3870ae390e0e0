package dev.nabla.autograd;

import dev.nabla.Tensor;
import dev.nabla.amp.Autocast;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The autograd engine: records which {@link Node} produced a tensor, and runs backward passes
 * over the recorded graph in reverse topological order, accumulating leaf gradients or capturing
 * the gradients of chosen inputs. Anomaly checks happen here as ops are recorded.
 *
 * <p>{@link Tensor} validates its arguments and calls in; the graph lives in the tensors themselves
 * (each non-leaf knows its node, each node its inputs), so there is no global tape to clear.
 */
public final class Tape {

    private static volatile TensorAccess access;

    private Tape() {
    }

    /**
     * The few things the engine does to a tensor that its public API does not offer. {@link Tensor}
     * hands over the only instance ({@link #grant}) when it is initialized; the engine keeps
     * tensor internals out of the public API this way while living in its own package.
     */
    public interface TensorAccess {

        /** Makes {@code out} the output of {@code node}: it requires grad and has a grad_fn. */
        void attach(Tensor out, Node node);

        /** Whether {@code t} is dense and the only open tensor on a storage exactly its size. */
        boolean ownsItsStorage(Tensor t);

        /** Throws, naming {@code op}, if {@code t} is closed. */
        void requireOpen(String op, Tensor t);

        /**
         * {@code a @ b} of two 16-bit matrices, rounded to their dtype and returned widened to F32,
         * outside the graph (see {@link Backward}'s use for autocast weight gradients).
         */
        Tensor roundedProductInF32(Tensor a, Tensor b);
    }

    /** The grant, for the backward rules of this package. */
    static TensorAccess access() {
        return access;
    }

    /** Called once, by {@link Tensor}'s static initializer; any other caller is refused. */
    public static void grant(TensorAccess tensorAccess) {
        Class<?> caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass();
        if (caller != Tensor.class || access != null) {
            throw new IllegalStateException("Tape.grant is for dev.nabla.Tensor alone, once; called by " + caller);
        }
        access = tensorAccess;
    }

    /** How deep this thread is in backward passes: anomaly mode checks rules there, not the ops they run. */
    private static final ThreadLocal<int[]> BACKWARD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * Attaches {@code node} to {@code out} when grad mode is on and an input requires grad; returns
     * {@code out}. In anomaly mode every forward op's output is checked, recorded or not (a NaN
     * made under {@code NoGrad} in evaluation is as wrong as one in training); inside a backward
     * pass the rules' results are checked instead, by {@link #propagate}, so the error names the
     * forward op whose rule produced the value.
     */
    public static Tensor record(Tensor out, Node node, Tensor... inputs) {
        if (GradMode.isEnabled()) {
            for (Tensor input : inputs) {
                if (input.isRequiresGrad()) {
                    access.attach(out, node);
                    break;
                }
            }
        }
        if (Anomaly.isEnabled() && BACKWARD_DEPTH.get()[0] == 0) {
            Anomaly.check(out, node);
        }
        return out;
    }

    /**
     * Backpropagates {@code seed} from {@code output}, accumulating into the {@code grad} of every
     * leaf that requires it. The caller has checked the seed against the output.
     */
    public static void backward(Tensor output, Tensor seed) {
        backward(output, seed, false);
    }

    /**
     * As {@link #backward(Tensor, Tensor)}; with {@code createGraph} the backward rules record
     * nodes, so the gradients it leaves are themselves differentiable (PyTorch's
     * {@code create_graph=True}).
     */
    public static void backward(Tensor output, Tensor seed, boolean createGraph) {
        run(output, seed, null, createGraph);
    }

    /**
     * The gradients of {@code output}, seeded with {@code seed}, with respect to each of
     * {@code inputs} (all requiring grad), without touching any tensor's {@code grad}. An input
     * the output does not depend on gets zeros.
     */
    public static Tensor[] gradients(Tensor output, Tensor seed, Tensor... inputs) {
        return gradients(output, seed, false, inputs);
    }

    /** As {@link #gradients(Tensor, Tensor, Tensor...)}; {@code createGraph} as in {@link #backward(Tensor, Tensor, boolean)}. */
    public static Tensor[] gradients(Tensor output, Tensor seed, boolean createGraph, Tensor... inputs) {
        Map<Tensor, Tensor> captured = new IdentityHashMap<>();
        for (Tensor input : inputs) {
            captured.put(input, null);
        }
        run(output, seed, captured, createGraph);
        Tensor[] result = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor g = captured.get(inputs[i]);
            result[i] = g != null ? g : inputs[i].zerosLike();
        }
        return result;
    }

    /**
     * Propagates {@code seed} from {@code output} through the graph in reverse topological order.
     * With {@code capture == null} gradients accumulate into the leaves' {@code grad}; otherwise
     * only the gradients of the tensors in {@code capture} are recorded there, and nothing else
     * changes.
     */
    private static void run(Tensor output, Tensor seed, Map<Tensor, Tensor> capture, boolean createGraph) {
        // Autocast off: each backward rule runs in the dtypes its forward op saw (torch's rule too).
        try (var noAutocast = Autocast.disabled()) {
            runRules(output, seed, capture, createGraph);
        }
    }

    private static void runRules(Tensor output, Tensor seed, Map<Tensor, Tensor> capture, boolean createGraph) {
        if (createGraph) {
            GradMode.enabledFor(() -> {
                propagate(output, seed, capture);
                return null;
            });
        } else {
            try (var ignored = NoGrad.open()) {
                propagate(output, seed, capture);
            }
        }
    }

    /**
     * The pass itself, in whatever grad mode the caller set: off for a plain backward (no graph, no
     * extra memory), on for a differentiable one, where every rule's tensor ops record nodes.
     */
    private static void propagate(Tensor output, Tensor seed, Map<Tensor, Tensor> capture) {
        int[] depth = BACKWARD_DEPTH.get();
        depth[0]++;
        try {
            propagateRules(output, seed, capture);
        } finally {
            depth[0]--;
        }
    }

    private static void propagateRules(Tensor output, Tensor seed, Map<Tensor, Tensor> capture) {
        List<Tensor> order = topologicalOrder(output);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        // A plain backward frees each intermediate gradient as soon as nothing in this pass needs it
        // (as PyTorch's engine drops its buffers): without this every gradient of the step stays
        // alive until the step's Scope closes, 2 of the 3 MB above the resident state of a small
        // F32 MLP step and the 16-bit weight gradients of an autocast one (docs/benchmarks.md, issue 13).
        // A differentiable backward keeps them: the gradients it returns are built from them.
        GradientRefs refs = GradMode.isEnabled() ? null : new GradientRefs(seed);
        grads.put(output, seed);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor node = order.get(i);
            Tensor g = grads.remove(node);
            if (g == null) {
                continue;
            }
            if (refs != null) {
                refs.release(g);
            }
            if (capture != null && capture.containsKey(node)) {
                // Complete here: every consumer of node comes later in the order.
                capture.put(node, distinct(g));
            }
            Node gradFn = node.gradFn().orElse(null);
            if (gradFn == null) {
                if (capture == null) {
                    boolean adopted = accumulate(node, g, seed, grads);
                    if (refs != null && adopted) {
                        refs.keep(g);
                    }
                }
                if (refs != null) {
                    refs.closeIfUnused(g);
                }
                continue;
            }
            List<Tensor> inputs = gradFn.inputs();
            Tensor[] inputGrads = Backward.gradients(gradFn, g);
            if (Anomaly.isEnabled()) {
                for (int k = 0; k < inputGrads.length; k++) {
                    if (inputGrads[k] != null) {
                        Anomaly.checkGradient(inputGrads[k], gradFn, k);
                    }
                }
            }
            for (int k = 0; k < inputs.size(); k++) {
                Tensor input = inputs.get(k);
                Tensor ig = inputGrads[k];
                if (ig == null || !input.isRequiresGrad()) {
                    continue;
                }
                Tensor previous = grads.get(input);
                Tensor sum = previous == null ? ig : previous.add(ig);
                grads.put(input, sum);
                if (refs != null) {
                    refs.hold(sum);
                    if (previous != null) {
                        refs.release(previous);
                        refs.closeIfUnused(previous);
                    }
                }
            }
            if (refs != null) {
                // Gradients a rule made that no input took (an input not requiring grad, or summed
                // into another), then g itself; views of g in what was handed on keep its storage.
                for (Tensor ig : inputGrads) {
                    if (ig != null) {
                        refs.closeIfUnused(ig);
                    }
                }
                refs.closeIfUnused(g);
            }
        }
    }

    /**
     * How many entries of the pending-gradient map hold each gradient tensor (one tensor can be
     * handed to several inputs, as {@code add}'s rule does), and which must never be closed here:
     * the caller's seed and the gradients adopted as a leaf's {@code grad}.
     */
    private static final class GradientRefs {
        private final Map<Tensor, int[]> held = new IdentityHashMap<>();
        private final Map<Tensor, Boolean> kept = new IdentityHashMap<>();

        GradientRefs(Tensor seed) {
            kept.put(seed, Boolean.TRUE);
        }

        void hold(Tensor g) {
            held.computeIfAbsent(g, t -> new int[1])[0]++;
        }

        void release(Tensor g) {
            int[] count = held.get(g);
            if (count != null && --count[0] == 0) {
                held.remove(g);
            }
        }

        void keep(Tensor g) {
            kept.put(g, Boolean.TRUE);
        }

        void closeIfUnused(Tensor g) {
            if (!held.containsKey(g) && !kept.containsKey(g) && !g.isClosed()) {
                g.close();
            }
        }
    }

    /**
     * Adds {@code g} into {@code leaf}'s gradient. The first gradient is adopted as it is when
     * nothing else can see it (saves a copy per parameter per step); otherwise the stored gradient
     * is a fresh dense copy, because {@code g} may be the caller's seed, a view shared with other
     * gradients of the same pass, or the same tensor handed to several inputs (as {@code add}'s
     * backward does). True when {@code g} itself became the gradient.
     */
    private static boolean accumulate(Tensor leaf, Tensor g, Tensor seed, Map<Tensor, Tensor> pending) {
        Tensor grad = leaf.grad().orElse(null);
        if (grad == null && adoptable(leaf, g, seed, pending)) {
            leaf.setGrad(g);
            return true;
        }
        // setGrad keeps the new gradient and closes the one it replaces.
        leaf.setGrad(grad == null ? distinct(g) : grad.add(g));
        return false;
    }

    /**
     * A tensor of its own with {@code g}'s values: a copy, or in a differentiable backward (where
     * {@code g} carries a graph) {@code g · 1}, recorded, so the result stays differentiable.
     */
    private static Tensor distinct(Tensor g) {
        return g.isRequiresGrad() ? g.mul(1f) : g.copy();
    }

    /**
     * Whether {@code g} can become {@code leaf}'s gradient without a copy: produced inside this
     * backward pass (not the seed), the only tensor on its storage, dense and exactly as large as
     * its storage, not waiting to be handed to another tensor ({@code pending} is an identity map,
     * so {@code containsValue} compares references), and of the leaf's shape, dtype and device.
     */
    private static boolean adoptable(Tensor leaf, Tensor g, Tensor seed, Map<Tensor, Tensor> pending) {
        return g != seed && !g.isRequiresGrad() && access.ownsItsStorage(g) && g.dtype() == leaf.dtype()
                && g.device().equals(leaf.device()) && java.util.Arrays.equals(g.shape(), leaf.shape())
                && !pending.containsValue(g);
    }

    /** Depth-first post-order of the graph below {@code output} (inputs before outputs). */
    private static List<Tensor> topologicalOrder(Tensor output) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        // Iterative DFS: deep graphs (long chains) must not overflow the Java stack.
        ArrayList<Object[]> stack = new ArrayList<>();
        stack.add(new Object[] {output, 0});
        visited.put(output, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.get(stack.size() - 1);
            Tensor t = (Tensor) frame[0];
            int next = (int) frame[1];
            Node gradFn = t.gradFn().orElse(null);
            List<Tensor> inputs = gradFn == null ? List.of() : gradFn.inputs();
            if (next < inputs.size()) {
                frame[1] = next + 1;
                Tensor input = inputs.get(next);
                if (input.isRequiresGrad() && visited.put(input, Boolean.TRUE) == null) {
                    if (!Autocast.isReleasedCast(input)) { // the rules that read it cast it again
                        access.requireOpen("backward (an input of " + gradFn.opName() + ")", input);
                    }
                    stack.add(new Object[] {input, 0});
                }
            } else {
                stack.remove(stack.size() - 1);
                order.add(t);
            }
        }
        return order;
    }
}
