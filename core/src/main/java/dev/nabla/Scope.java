package dev.nabla;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Frees every tensor created inside it, except those marked {@link Tensor#keep()}.
 *
 * <pre>{@code
 * try (Scope step = Scope.open()) {
 *     Tensor loss = Losses.crossEntropy(model.forward(x), y);
 *     loss.backward();
 *     optimizer.step();
 * } // activations, gradients of intermediates and the loss are released here
 * }</pre>
 *
 * <p>GPU memory is invisible to the garbage collector, so a training loop must release what each
 * step allocates; scopes make that the default. Scopes nest per thread; a tensor belongs to the
 * innermost scope open on the thread that created it. Parameters, optimizer state and leaf
 * gradients are kept automatically.
 */
public final class Scope implements AutoCloseable {

    private static final ThreadLocal<Deque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Tensor> owned = new ArrayList<>();
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private Scope() {
    }

    /** Opens a scope on the current thread; close it with try-with-resources. */
    public static Scope open() {
        Scope scope = new Scope();
        STACK.get().push(scope);
        return scope;
    }

    /** The innermost open scope of this thread, or null. */
    static Scope current() {
        return STACK.get().peek();
    }

    void register(Tensor tensor) {
        owned.add(tensor);
    }

    void release(Tensor tensor) {
        // Search from the end: a kept tensor is usually one of the most recent.
        for (int i = owned.size() - 1; i >= 0; i--) {
            if (owned.get(i) == tensor) {
                owned.remove(i);
                return;
            }
        }
    }

    /** Number of tensors this scope will free on close. */
    public int size() {
        return owned.size();
    }

    /** Closes every tensor created in this scope that was not kept. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("Scope.close: a scope must be closed on the thread that opened it ("
                    + thread.getName() + "), not " + Thread.currentThread().getName());
        }
        Deque<Scope> stack = STACK.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("Scope.close: scopes must be closed innermost first");
        }
        stack.pop();
        closed = true;
        for (Tensor tensor : owned) {
            tensor.closeFromScope();
        }
        owned.clear();
    }
}
