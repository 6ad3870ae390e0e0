package dev.nabla.backend;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeSignals#preserving} puts back a handler that native code replaced, and leaves alone
 * one installed where there was none. The "native code" here is this test calling libc's
 * {@code sigaction} itself, on signals the JVM does not need while the test runs.
 */
class NativeSignalsTest {

    private static final int SIGQUIT = 3;  // the JVM's thread-dump handler
    private static final int SIGURG = 23;  // no handler in a JVM: default disposition
    private static final long SIG_IGN = 1;

    @BeforeEach
    void linuxOnly() {
        assumeTrue(NativeSignals.canRestore(), "signal handlers can be read and restored only on Linux x86-64 and "
                + "AArch64; this is " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }

    /** Installs {@code handler} (SIG_DFL 0, SIG_IGN 1) the way a native library would, bypassing the guard. */
    private static void setHandler(int signal, long handler) {
        Linker linker = Linker.nativeLinker();
        MethodHandle sigaction = linker.downcallHandle(linker.defaultLookup().find("sigaction").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(256, 16); // empty mask, no flags
            action.set(JAVA_LONG, 0, handler);
            assertEquals(0, (int) sigaction.invokeExact(signal, action, MemorySegment.NULL));
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    private static void ignore(int signal) {
        setHandler(signal, SIG_IGN);
    }

    @Test
    void aReplacedJvmHandlerIsPutBack() {
        long jvmHandler = NativeSignals.handlerAddress(SIGQUIT);
        assertNotEquals(0, jvmHandler, "the JVM handles SIGQUIT (thread dumps)");
        String result = NativeSignals.preserving("a library that takes SIGQUIT", () -> {
            ignore(SIGQUIT);
            assertEquals(SIG_IGN, NativeSignals.handlerAddress(SIGQUIT));
            return "done";
        });
        assertEquals("done", result);
        assertEquals(jvmHandler, NativeSignals.handlerAddress(SIGQUIT));
        assertTrue(NativeSignals.describe().contains("a library that takes SIGQUIT")
                || NativeSignals.chainingLoaded(), NativeSignals.describe());
    }

    @Test
    void theHandlerIsPutBackWhenTheCallThrows() {
        long jvmHandler = NativeSignals.handlerAddress(SIGQUIT);
        assertThrows(IllegalStateException.class, () -> NativeSignals.preserving("a failing library call", () -> {
            ignore(SIGQUIT);
            throw new IllegalStateException("driver error");
        }));
        assertEquals(jvmHandler, NativeSignals.handlerAddress(SIGQUIT));
    }

    @Test
    void aHandlerWhereThereWasNoneIsLeftAlone() {
        assumeTrue(NativeSignals.handlerAddress(SIGURG) == 0, "SIGURG already has a handler in this JVM");
        try {
            NativeSignals.preserving("a library that handles SIGURG", () -> ignore(SIGURG));
            assertEquals(SIG_IGN, NativeSignals.handlerAddress(SIGURG));
        } finally {
            setHandler(SIGURG, 0);
        }
    }
}
