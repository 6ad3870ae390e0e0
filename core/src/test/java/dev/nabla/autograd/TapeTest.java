package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Tensor;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The seams between {@link Tensor} and the engine: only Tensor may grant the engine its access,
 * storage stays out of the public API, and the cross-entropy rule's tensor op is checked and
 * gives the gradient autograd gives.
 */
class TapeTest {

    @Test
    void onlyTensorMayGrantTheEngineAccess() {
        Tensor.zeros(1).close(); // Tensor has granted its access by now
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tape.grant(null));
        assertTrue(e.getMessage().contains("TapeTest"), e.getMessage());
    }

    @Test
    void storageIsNotPublic() throws NoSuchMethodException {
        assertFalse(Modifier.isPublic(Tensor.class.getDeclaredMethod("storage").getModifiers()));
    }

    @Test
    void crossEntropyBackwardIsTheGradientAutogradComputes() {
        Tensor logits = Tensor.of(new float[] {1f, -2f, 0.5f, 3f, 0f, -1f}, 2, 3).requiresGrad();
        Tensor loss = logits.crossEntropy(Tensor.of(new int[] {2, 0}));
        loss.backward();
        Node.CrossEntropy node = (Node.CrossEntropy) loss.gradFn().orElseThrow();
        // d mean / d row loss = 1 / rows
        Tensor direct = logits.crossEntropyBackward(node.labels(), node.rowStats(), Tensor.full(0.5f, 2));
        assertArrayEquals(logits.grad().orElseThrow().toFloatArray(), direct.toFloatArray());
    }

    @Test
    void crossEntropyBackwardChecksItsShapes() {
        Tensor logits = Tensor.zeros(2, 3);
        Tensor labels = Tensor.of(new int[] {0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> logits.crossEntropyBackward(labels, Tensor.zeros(2, 2), Tensor.zeros(3)));
        assertTrue(e.getMessage().startsWith("crossEntropyBackward: "), e.getMessage());
        assertArrayEquals(new int[] {2, 3}, logits.shape());
    }
}
