package dev.nabla;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Storage;
import java.lang.ref.Cleaner;

/**
 * Device storage shared by a tensor and its views, reference-counted: the block goes back to its
 * backend when the last tensor on it closes. Each tensor holds one {@link Lease}, which a
 * {@link Cleaner} also runs as a safety net for tensors nobody closed.
 */
final class StorageHandle {

    private static final Cleaner CLEANER = Cleaner.create();
    /** {@code -Dnabla.debugLeaks=true} or {@code NABLA_DEBUG_LEAKS=1}: log tensors the GC had to free. */
    private static final boolean DEBUG_LEAKS = Boolean.getBoolean("nabla.debugLeaks")
            || "1".equals(System.getenv("NABLA_DEBUG_LEAKS"));
    // The logger keeps the name it had when this code lived in Tensor, so existing logging configs still match.
    private static final System.Logger LEAKS = System.getLogger("dev.nabla.Tensor.leaks");

    private final Backend backend;
    private final Storage storage;
    private int references;

    StorageHandle(Backend backend, Storage storage) {
        this.backend = backend;
        this.storage = storage;
    }

    Storage storage() {
        return storage;
    }

    /**
     * Takes one reference for {@code owner}, given back by {@link Lease#close()} or, if the owner
     * becomes unreachable first, by the cleaner.
     */
    Lease lease(Object owner) {
        retain();
        return new Lease(this, owner);
    }

    private synchronized void retain() {
        references++;
    }

    /** True when exactly one open tensor refers to this storage. */
    synchronized boolean soleReference() {
        return references == 1;
    }

    private synchronized void release() {
        if (--references == 0) {
            backend.free(storage);
        }
    }

    /** One tensor's reference to a {@link StorageHandle}. */
    static final class Lease {
        private final Releaser releaser;
        private final Cleaner.Cleanable cleanable;

        private Lease(StorageHandle handle, Object owner) {
            this.releaser = new Releaser(handle, DEBUG_LEAKS ? new Throwable("allocation site") : null);
            // The releaser must not reach the owner, or the owner would never become unreachable.
            this.cleanable = CLEANER.register(owner, releaser);
        }

        /** Gives the reference back now; the cleaner then has nothing left to do. Call once. */
        void close() {
            releaser.closedExplicitly = true;
            cleanable.clean();
        }
    }

    /**
     * Runs once per lease, from {@link Lease#close()} or from the cleaner. In leak-debug mode the
     * latter is logged with the allocation site: on a GPU that memory was held far longer than needed.
     */
    private static final class Releaser implements Runnable {
        private final StorageHandle handle;
        private final Throwable allocationSite;
        private volatile boolean closedExplicitly;

        Releaser(StorageHandle handle, Throwable allocationSite) {
            this.handle = handle;
            this.allocationSite = allocationSite;
        }

        @Override
        public void run() {
            if (!closedExplicitly && allocationSite != null) {
                LEAKS.log(System.Logger.Level.WARNING, "tensor storage (" + handle.storage
                        + ") was freed by the garbage collector, not by close() or a Scope", allocationSite);
            }
            handle.release();
        }
    }
}
