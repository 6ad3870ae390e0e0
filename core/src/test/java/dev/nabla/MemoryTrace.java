package dev.nabla;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Storage;
import dev.nabla.backend.reference.ReferenceBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A device whose allocator records, for every live block, where it was allocated, and keeps the
 * set of live blocks at the highest point: which tensors make up a step's peak, not just how many
 * bytes it is. For tests and for the memory analysis in docs/benchmarks.md (issue 13).
 *
 * <p>{@link #reference()} runs on a reference backend of its own, so the figures count this
 * device's tensors alone, the backend's own temporaries included; {@link #of(Device)} wraps
 * another device's backend from outside (its counters start at zero when the trace is made, and
 * blocks the backend allocates for itself are not seen). Not thread-safe beyond what the tests need: frees from
 * the cleaner thread are counted under a lock.
 */
public final class MemoryTrace {

    /** One live block: its dtype, its bytes and where it was allocated. */
    public record Block(String dtype, long bytes, String site) {
    }

    private final Device device;
    private final Map<Storage, Block> live = new IdentityHashMap<>();
    private long inUse;
    private long peak;
    private List<Block> atPeak = List.of();
    private int siteDepth = 8;

    /** On a reference backend of its own, whose internal allocations (temporaries of composites) are seen too. */
    private MemoryTrace() {
        Backend tracing = new ReferenceBackend() {
            @Override
            public Storage allocate(dev.nabla.DType dtype, long numel) {
                return allocated(super.allocate(dtype, numel));
            }

            @Override
            public void free(Storage storage) {
                freed(storage);
                super.free(storage);
            }
        };
        this.device = Device.decorated(Device.reference(), tracing, "traced");
    }

    private MemoryTrace(Device base, Backend target) {
        InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
            case "equals" -> args != null && args.length == 1 && proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            case "toString" -> target + " (traced)";
            case "allocate" -> allocated((Storage) invoke(target, method, args));
            case "free" -> {
                freed((Storage) args[0]);
                yield invoke(target, method, args);
            }
            default -> invoke(target, method, args);
        };
        Backend tracing = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, handler);
        this.device = Device.decorated(base, tracing, "traced");
    }

    /** A traced device on a fresh reference backend. */
    public static MemoryTrace reference() {
        return new MemoryTrace();
    }

    /** A traced device in front of {@code base}'s backend. */
    public static MemoryTrace of(Device base) {
        return new MemoryTrace(base, base.backend());
    }

    /** Create the tensors to trace on this device. */
    public Device device() {
        return device;
    }

    /** How many stack frames (inside dev.nabla, outside the allocator) name an allocation site. */
    public MemoryTrace siteDepth(int frames) {
        this.siteDepth = frames;
        return this;
    }

    private static Object invoke(Backend target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private synchronized Storage allocated(Storage storage) {
        Block block = new Block(storage.dtype().toString(), storage.byteSize(), site());
        live.put(storage, block);
        inUse += block.bytes();
        if (inUse > peak) {
            peak = inUse;
            atPeak = new ArrayList<>(live.values());
        }
        return storage;
    }

    private synchronized void freed(Storage storage) {
        Block block = live.remove(storage);
        if (block != null) {
            inUse -= block.bytes();
        }
    }

    private String site() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> f.getClassName().startsWith("dev.nabla.") && !f.getClassName().startsWith("dev.nabla.MemoryTrace")
                        && !f.getClassName().equals("dev.nabla.StorageHandle"))
                .limit(siteDepth)
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName()
                        + ":" + f.getLineNumber())
                .collect(Collectors.joining(" < ")));
    }

    /** Bytes live now. */
    public synchronized long bytesInUse() {
        return inUse;
    }

    /** The highest {@link #bytesInUse()} since the trace was made or last {@link #resetPeak() reset}. */
    public synchronized long peakBytes() {
        return peak;
    }

    /** Starts a new peak from what is live now. */
    public synchronized void resetPeak() {
        peak = inUse;
        atPeak = new ArrayList<>(live.values());
    }

    /** The blocks live at the peak. */
    public synchronized List<Block> blocksAtPeak() {
        return List.copyOf(atPeak);
    }

    /** The blocks live now. */
    public synchronized List<Block> liveBlocks() {
        return List.copyOf(live.values());
    }

    /** The blocks at the peak grouped by dtype and site, largest first, one line each, with a total. */
    public synchronized String peakReport() {
        Map<String, long[]> groups = new LinkedHashMap<>();
        for (Block b : atPeak) {
            long[] g = groups.computeIfAbsent(b.dtype() + " " + b.site(), k -> new long[2]);
            g[0] += b.bytes();
            g[1]++;
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "peak %,d B in %d blocks%n", peak, atPeak.size()));
        groups.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed())
                .forEach(e -> out.append(String.format(Locale.ROOT, "%,14d B %3d x %s%n", e.getValue()[0],
                        e.getValue()[1], e.getKey())));
        return out.toString();
    }
}
