package dev.nabla.cpu;

/** Times the background warm-up's work when run in the foreground. Not a test. */
public final class WarmupProbe {
    private WarmupProbe() {
    }

    public static void run() {
        Warmup.run();
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        Warmup.run();
        System.out.printf("warm-up: %.0f ms%n", (System.nanoTime() - start) / 1e6);
    }
}
