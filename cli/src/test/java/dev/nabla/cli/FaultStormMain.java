package dev.nabla.cli;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.backend.NativeSignals;
import dev.nabla.opencl.OpenClProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link SignalHandlersTest}: Java threads that take {@code SIGSEGV}s the JVM
 * handles itself, in the same process as OpenCL program builds.
 *
 * <p>Each round opens the OpenCL device through a new provider (PoCL builds Nabla's kernels, and
 * its LLVM installs its signal handlers, see {@code NativeSignals}), then requests 20 global
 * safepoints while two threads spin in compiled loops and a third runs the CPU backend's small-n
 * GEMM (the fc3 forward shape, 256x1024 times 1024x10, where the crash was first seen): at a
 * safepoint every thread in compiled code faults on its poll page at about the same moment. With
 * LLVM's handlers in place the first fault resets {@code SIGSEGV} to its default action and the
 * second kills the process (exit status 139, no hs_err file). That needs two faults within a few
 * microseconds, which a loaded machine can miss, so each round also checks the deterministic
 * part: once the device has opened, the JVM's own handlers are installed (exit status 3 if not).
 *
 * <p>Arguments: the number of rounds, and {@code during-builds} (the threads run while the device
 * opens too) or {@code between-builds} (they start after it has opened).
 */
final class FaultStormMain {

    private FaultStormMain() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        boolean duringBuilds = args[1].equals("during-builds");
        Device cpu = Device.of("cpu");
        Tensor input = Tensor.randn(cpu, 1, 0, 256, 1024).keep();
        Tensor weight = Tensor.randn(cpu, 2, 0, 10, 1024).keep();
        AtomicLong iterations = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        long[] jvmHandlers = handlers();
        List<Thread> workers = duringBuilds ? startWorkers(input, weight, stop, iterations) : List.of();
        for (int round = 1; round <= rounds; round++) {
            new OpenClProvider().open(0);
            checkHandlers(jvmHandlers, round);
            if (!duringBuilds) {
                workers = startWorkers(input, weight, stop, iterations);
            }
            for (int i = 0; i < 20; i++) {
                Thread.sleep(2);
                System.gc(); // a global safepoint: every thread in compiled code faults on its poll
            }
            if (!duringBuilds) {
                stopWorkers(workers, stop);
            }
            System.out.println("round " + round + " survived");
        }
        stopWorkers(workers, stop);
        System.out.println("survived " + rounds + " rounds, " + iterations.get() + " worker iterations");
    }

    /** The signals HotSpot turns into control flow: SIGILL, SIGBUS, SIGFPE, SIGSEGV. */
    private static final int[] SIGNALS = {4, 7, 8, 11};
    private static final String[] NAMES = {"SIGILL", "SIGBUS", "SIGFPE", "SIGSEGV"};

    private static long[] handlers() {
        long[] addresses = new long[SIGNALS.length];
        for (int i = 0; i < SIGNALS.length; i++) {
            addresses[i] = NativeSignals.handlerAddress(SIGNALS[i]);
        }
        return addresses;
    }

    /**
     * Deterministic half of the test: once the device has opened, the JVM's handlers are back
     * (the crash itself needs two faults within microseconds, which a loaded machine may miss).
     */
    private static void checkHandlers(long[] jvmHandlers, int round) {
        long[] now = handlers();
        for (int i = 0; i < SIGNALS.length; i++) {
            if (now[i] != jvmHandlers[i]) {
                System.out.printf("handlers replaced: after opening opencl:0 (round %d) the handler of %s is 0x%x, "
                        + "not the JVM's 0x%x%n", round, NAMES[i], now[i], jvmHandlers[i]);
                System.exit(3);
            }
        }
    }

    private static List<Thread> startWorkers(Tensor input, Tensor weight, AtomicBoolean stop, AtomicLong iterations) {
        stop.set(false);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            workers.add(Thread.ofPlatform().daemon().name("spinner-" + i).start(() -> {
                long count = 0;
                while (!stop.get()) {
                    count++;
                }
                iterations.addAndGet(count);
            }));
        }
        workers.add(Thread.ofPlatform().daemon().name("small-n-gemm").start(() -> {
            long count = 0;
            while (!stop.get()) {
                try (Scope scope = Scope.open()) {
                    input.matmul(weight.t());
                }
                count++;
            }
            iterations.addAndGet(count);
        }));
        return workers;
    }

    private static void stopWorkers(List<Thread> workers, AtomicBoolean stop) throws InterruptedException {
        stop.set(true);
        for (Thread worker : workers) {
            worker.join();
        }
    }
}
