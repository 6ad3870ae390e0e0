package dev.nabla.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.DType;
import dev.nabla.backend.Storage;
import dev.nabla.backend.reference.HeapStorage;
import java.util.SplittableRandom;

/** Random inputs and tolerant comparisons shared by the CPU backend tests. */
final class Fixtures {

    private Fixtures() {
    }

    static HeapStorage floats(float... values) {
        HeapStorage storage = new HeapStorage(DType.F32, values.length);
        System.arraycopy(values, 0, storage.floats(), 0, values.length);
        return storage;
    }

    static HeapStorage ints(int... values) {
        HeapStorage storage = new HeapStorage(DType.I32, values.length);
        System.arraycopy(values, 0, storage.ints(), 0, values.length);
        return storage;
    }

    static HeapStorage zeros(int numel) {
        return new HeapStorage(DType.F32, numel);
    }

    /** Uniform in [-scale, scale). */
    static float[] uniform(SplittableRandom random, int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    static HeapStorage randomStorage(SplittableRandom random, int n, double scale) {
        return floats(uniform(random, n, scale));
    }

    static float[] values(Storage storage) {
        return HeapStorage.floats(storage);
    }

    /**
     * Asserts {@code |expected − actual| <= absolute + relative·|expected|} element-wise over the
     * first {@code count} elements; NaN must meet NaN and infinities must match exactly.
     */
    static void assertClose(String what, float[] expected, float[] actual, int count, double absolute,
                            double relative) {
        for (int i = 0; i < count; i++) {
            float e = expected[i];
            float a = actual[i];
            if (Float.isNaN(e) || Float.isNaN(a) || Float.isInfinite(e) || Float.isInfinite(a)) {
                if (Float.compare(e, a) != 0 && !(Float.isNaN(e) && Float.isNaN(a))) {
                    fail(what + ": element " + i + " expected " + e + " but was " + a);
                }
                continue;
            }
            if (Math.abs(e - a) > absolute + relative * Math.abs(e)) {
                fail(what + ": element " + i + " expected " + e + " but was " + a + " (difference "
                        + Math.abs(e - a) + ")");
            }
        }
    }

    static void assertClose(String what, Storage expected, Storage actual, double absolute, double relative) {
        float[] e = values(expected);
        assertClose(what, e, values(actual), e.length, absolute, relative);
    }
}
