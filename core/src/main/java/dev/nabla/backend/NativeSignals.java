package dev.nabla.backend;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Keeps native libraries from taking the JVM's signal handlers.
 *
 * <p>HotSpot turns some hardware faults into ordinary control flow: a {@code SIGSEGV} at an
 * implicit null check, a safepoint poll or a stack bang is handled by the JVM's own handler and
 * the thread goes on. A native library that installs its own handler for {@code SIGSEGV} (and
 * friends) breaks that. Measured with PoCL 3.1 (Debian 12): its first {@code clGetDeviceIDs} and
 * its program builds call LLVM's {@code llvm::sys::RemoveFileOnSignal}, which installs LLVM's
 * handlers for {@code SIGSEGV}, {@code SIGBUS}, {@code SIGILL}, {@code SIGFPE}, {@code SIGINT},
 * {@code SIGTERM}, {@code SIGQUIT}, {@code SIGUSR2} and more, with {@code SA_RESETHAND} (once, and
 * again after one of them has fired). The next
 * Java fault then enters LLVM's handler, which deletes PoCL's temporary files and puts the JVM's
 * handler back; until it has, the signal's disposition is the default one, so a second thread
 * faulting at the same moment (both CPU pool threads reaching the same implicit null check) kills
 * the process with no {@code hs_err} file. The full story is in {@code docs/design-decisions.md}.
 *
 * <p>Two defences, both used:
 * <ul>
 *   <li>{@code libjsig.so}, HotSpot's signal-chaining library, preloaded by every launcher Nabla
 *       ships ({@code ./nabla}, a bundle's {@code nabla}, the test and benchmark JVMs). It makes a
 *       native library's {@code sigaction} a registration of a handler to chain to, so the JVM
 *       keeps its own. {@link #chainingLoaded()} says whether this JVM has it.</li>
 *   <li>{@link #preserving}: backends wrap the native calls that may install handlers (device
 *       discovery, context creation, kernel builds); afterwards every handler such a call replaced
 *       is put back. Without {@code libjsig.so} this narrows the danger to the call itself (a Java
 *       thread that faults while PoCL is inside it can still meet LLVM's handler); with it, it finds
 *       nothing to do.</li>
 * </ul>
 *
 * <p>Only on Linux on x86-64 and AArch64, where glibc's {@code struct sigaction} and the signal
 * numbers are known; elsewhere {@link #preserving} just runs the action.
 */
public final class NativeSignals {

    private static final System.Logger LOG = System.getLogger("dev.nabla.NativeSignals");

    /** Linux signal numbers (x86-64 and AArch64 share them); index = number. */
    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    };
    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;
    /**
     * NOTE: glibc's struct sigaction is 152 bytes on x86-64 and AArch64 (handler, 128-byte mask,
     * flags, restorer); the buffer is larger so that the kernel never writes past it, and zeroed so
     * that the unused tail compares equal.
     */
    private static final long SIGACTION_BYTES = 256;

    /**
     * {@code -Dnabla.signals.preserve=false} turns the guard off: only to reproduce the crash it
     * prevents (see {@code SignalChainingTest}).
     */
    private static final boolean ENABLED = !"false".equals(System.getProperty("nabla.signals.preserve"));
    private static final MethodHandle SIGACTION = findSigaction().orElse(null);
    /** One guard at a time, so that two guards never restore each other's stale snapshot. */
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final List<String> RESTORED = new ArrayList<>();

    private NativeSignals() {
    }

    private static Optional<MethodHandle> findSigaction() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.equals("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return Optional.empty();
        }
        try {
            Linker linker = Linker.nativeLinker();
            // NOTE: the default lookup resolves libc's own sigaction, not libjsig's interposed one,
            // so a restore here never registers the JVM's handler as a handler to chain to.
            return linker.defaultLookup().find("sigaction").map(address -> linker.downcallHandle(address,
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)));
        } catch (RuntimeException | LinkageError e) {
            // e.g. --enable-native-access missing under a module layer that enforces it
            LOG.log(System.Logger.Level.DEBUG, "sigaction not available through java.lang.foreign: " + e);
            return Optional.empty();
        }
    }

    /** True where {@link #preserving} can read and restore handlers (Linux x86-64 and AArch64). */
    public static boolean canRestore() {
        return SIGACTION != null;
    }

    /**
     * True if HotSpot's signal-chaining library is loaded into this process (preloaded with
     * {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}, as Nabla's launchers do).
     */
    public static boolean chainingLoaded() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return false;
        }
        try (var lines = Files.lines(maps)) {
            return lines.anyMatch(line -> line.endsWith("/libjsig.so"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /**
     * This JVM's {@code $JAVA_HOME/lib/libjsig.so}, on Linux where the JDK has it: what to put in
     * {@code LD_PRELOAD} for a JVM this one starts (JMH's forks inherit the environment).
     */
    public static Optional<Path> chainingLibrary() {
        if (!System.getProperty("os.name", "").equalsIgnoreCase("linux")) {
            return Optional.empty();
        }
        Path library = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        return Files.isRegularFile(library) ? Optional.of(library) : Optional.empty();
    }

    /** One line on how this JVM is protected, for {@code nabla devices} and error reports. */
    public static String describe() {
        if (chainingLoaded()) {
            return "signal chaining: libjsig.so preloaded (native libraries chain to the JVM's signal handlers)";
        }
        String text = "signal chaining: off (libjsig.so not preloaded; see the README's troubleshooting)";
        if (!canRestore()) {
            return text + "; handlers replaced by native libraries cannot be put back on this platform";
        }
        synchronized (RESTORED) {
            return RESTORED.isEmpty() ? text + "; handlers replaced by a GPU library are put back after each call"
                    : text + "; put back the JVM's handlers after " + String.join(", ", RESTORED);
        }
    }

    /** {@link #preserving(String, Supplier)} for an action without a result. */
    public static void preserving(String what, Runnable action) {
        preserving(what, () -> {
            action.run();
            return null;
        });
    }

    /**
     * Runs {@code action} (a native call into a GPU or OpenCL library), then puts back every signal
     * handler that it replaced, so the JVM keeps handling its own faults. A handler installed for a
     * signal that had none before (default disposition) is left alone: nothing of the JVM's was
     * there.
     *
     * @param what names the call in the debug log, e.g. "OpenCL device discovery"
     */
    public static <T> T preserving(String what, Supplier<T> action) {
        if (SIGACTION == null || !ENABLED) {
            return action.get();
        }
        LOCK.lock();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] before = snapshot(arena);
            try {
                return action.get();
            } finally {
                restore(what, before, snapshot(arena));
            }
        } finally {
            LOCK.unlock();
        }
    }

    private static MemorySegment[] snapshot(Arena arena) {
        MemorySegment[] handlers = new MemorySegment[NAMES.length];
        for (int signal = 1; signal < NAMES.length; signal++) {
            if (signal == SIGKILL || signal == SIGSTOP) {
                continue;
            }
            MemorySegment current = arena.allocate(SIGACTION_BYTES, 16);
            if (call(signal, MemorySegment.NULL, current) == 0) {
                handlers[signal] = current;
            }
        }
        return handlers;
    }

    private static void restore(String what, MemorySegment[] before, MemorySegment[] after) {
        List<String> replaced = new ArrayList<>();
        for (int signal = 1; signal < NAMES.length; signal++) {
            if (before[signal] == null || after[signal] == null || before[signal].mismatch(after[signal]) < 0) {
                continue;
            }
            // The first field is the handler (a union of sa_handler and sa_sigaction); 0 is SIG_DFL.
            if (before[signal].get(JAVA_LONG, 0) == 0) {
                continue;
            }
            if (call(signal, before[signal], MemorySegment.NULL) == 0) {
                replaced.add(NAMES[signal]);
            }
        }
        if (!replaced.isEmpty()) {
            synchronized (RESTORED) {
                if (!RESTORED.contains(what)) {
                    RESTORED.add(what);
                }
            }
            LOG.log(System.Logger.Level.DEBUG, what + " replaced the JVM's handlers for " + String.join(", ", replaced)
                    + "; put them back");
        }
    }

    private static int call(int signal, MemorySegment action, MemorySegment old) {
        try {
            return (int) SIGACTION.invokeExact(signal, action, old);
        } catch (Throwable e) {
            throw new IllegalStateException("sigaction(" + NAMES[signal] + ") failed", e);
        }
    }

    /**
     * The handler address installed for {@code signal} now (0 for the default disposition), or -1
     * where it cannot be read. For tests and diagnostics.
     */
    public static long handlerAddress(int signal) {
        if (SIGACTION == null || signal <= 0 || signal >= NAMES.length) {
            return -1;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment current = arena.allocate(SIGACTION_BYTES, 16);
            return call(signal, MemorySegment.NULL, current) == 0 ? current.get(JAVA_LONG, 0) : -1;
        }
    }
}
