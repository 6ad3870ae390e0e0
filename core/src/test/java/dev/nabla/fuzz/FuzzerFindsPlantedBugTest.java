package dev.nabla.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import dev.nabla.TestDevices;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.Layout;
import dev.nabla.backend.Storage;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.reference.ReferenceBackend;
import dev.nabla.fuzz.Fuzzer.FuzzFailure;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The proof that the fuzz property can fail: the reference backend with a bug planted in it is
 * found within the default number of tries, and the failure shrinks to a minimal program.
 */
class FuzzerFindsPlantedBugTest {

    /** The planted bugs, each a wrapper around the reference backend. */
    private interface Bug {
        /** Called instead of the wrapped method when it returns true. */
        boolean intercept(Backend real, String method, Object[] args);
    }

    private static Device planted(String label, Bug bug) {
        Backend real = new ReferenceBackend();
        Backend proxy = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (self, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "equals" -> self == args[0];
                            case "hashCode" -> System.identityHashCode(self);
                            default -> label;
                        };
                    }
                    if (bug.intercept(real, method.getName(), args)) {
                        return null;
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return TestDevices.over(Device.reference(), proxy, label);
    }

    private static FuzzFailure fuzz(Device device) {
        FuzzSettings settings = new FuzzSettings(FuzzSettings.DEFAULT_SEED, BackendFuzzProperties.DEFAULT_TRIES, 0);
        return assertThrows(FuzzFailure.class, () -> Fuzzer.run("planted bug", settings,
                c -> BackendFuzzProperties.agree(device, Device.reference(), c)));
    }

    private static boolean contiguous(Layout layout) {
        return Arrays.equals(layout.strides(), Layout.contiguousStrides(layout.shape()));
    }

    /**
     * A unary kernel that ignores strides (reads a view as if it were row-major), the classic bug
     * of a new backend: only transposed or permuted inputs show it.
     */
    @Test
    void aUnaryKernelThatIgnoresStridesIsFoundAndShrunk() {
        Device device = planted("ignores strides in unary", (real, method, args) -> {
            if (method.equals("unary") && !contiguous((Layout) args[3])) {
                Layout view = (Layout) args[3];
                real.unary((UnaryOp) args[0], (float) args[1], (Storage) args[2],
                        new Layout(view.shape(), Layout.contiguousStrides(view.shape()), view.offset()), (Storage) args[4]);
                return true;
            }
            return false;
        });
        FuzzFailure failure = fuzz(device);
        Program program = Gen.program(Choices.replay(failure.shrunkChoices()));
        String message = failure.getMessage();
        assertEquals("forward value", failure.kind(), message);
        assertTrue(program.operationCount() <= 2, "shrunk to at most a view and a unary op:\n" + message);
        assertTrue(program.leaves().size() == 1 && program.leaves().getFirst().shape().length == 2,
                "shrunk to one 2-D leaf:\n" + message);
        assertTrue(program.leaves().getFirst().shape()[0] == 2 && program.leaves().getFirst().shape()[1] == 2,
                "shrunk to the smallest shape a transposition changes, [2, 2]:\n" + message);
        assertReportIsComplete(failure, program);
    }

    /** A binary kernel that adds 1 to its result when an operand has a size-1 axis (a broadcast). */
    @Test
    void aBinaryKernelWrongForSizeOneAxesIsFoundAndShrunk() {
        Device device = planted("wrong for size-1 axes in binary", (real, method, args) -> {
            if (method.equals("binary") && args[0] == BinaryOp.ADD
                    && Arrays.stream(((Layout) args[2]).shape()).anyMatch(size -> size == 1)) {
                Layout out = Layout.contiguous(((Layout) args[2]).shape());
                real.binary(BinaryOp.ADD, (Storage) args[1], (Layout) args[2], (Storage) args[3], (Layout) args[4],
                        (Storage) args[5]);
                real.unary(UnaryOp.ADD_SCALAR, 1f, (Storage) args[5], out, (Storage) args[5]);
                return true;
            }
            return false;
        });
        FuzzFailure failure = fuzz(device);
        Program program = Gen.program(Choices.replay(failure.shrunkChoices()));
        String message = failure.getMessage();
        assertTrue(program.operationCount() == 1, "shrunk to one op:\n" + message);
        assertTrue(program.leaves().stream().allMatch(leaf -> leaf.shape().length <= 2), "rank <= 2:\n" + message);
        assertReportIsComplete(failure, program);
    }

    private static void assertReportIsComplete(FuzzFailure failure, Program program) {
        String message = failure.getMessage();
        assertTrue(message.contains("seed " + failure.seed()), message);
        assertTrue(message.contains("-Dnabla.fuzz.seed=" + failure.seed() + " -Dnabla.fuzz.tries=1"), message);
        assertTrue(message.contains(program.toString()), "the shrunk program as code:\n" + message);
        assertTrue(message.contains("expected") && message.contains("actual"), message);
        assertTrue(message.contains("shapes on the reference: t0 ["), message);
    }
}
