package dev.nabla.autograd;

/**
 * Whether operations on this thread record autograd nodes. Off inside {@link NoGrad}.
 */
public final class GradMode {

    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private GradMode() {
    }

    /** True unless a {@link NoGrad} block is open on this thread. */
    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    static void disable() {
        DISABLED_DEPTH.get()[0]++;
    }

    static void restore() {
        DISABLED_DEPTH.get()[0]--;
    }

    /**
     * Runs {@code body} with recording on even inside a {@link NoGrad} block, as function
     * transforms need (PyTorch's {@code torch.func.grad} ignores an outer {@code no_grad} too).
     */
    static <T> T enabledFor(java.util.function.Supplier<T> body) {
        int[] depth = DISABLED_DEPTH.get();
        int saved = depth[0];
        depth[0] = 0;
        try {
            return body.get();
        } finally {
            depth[0] = saved;
        }
    }
}
