package dev.nabla.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.data.Dataset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskTest {

    @Test
    void namesTargetsAndLosses() {
        assertEquals(Task.REGRESSION, Task.parse("Regression"));
        assertEquals(Task.MULTILABEL, Task.parse("multi-label"));
        assertEquals(Dataset.TargetKind.CLASS_INDEX, Task.CLASSIFICATION.targets());
        assertEquals(Dataset.TargetKind.VALUES, Task.MULTILABEL.targets());
        assertEquals(List.of("mse", "huber"), Task.REGRESSION.losses());
        assertEquals("huber", Task.REGRESSION.loss("HUBER"));
        var task = assertThrows(IllegalArgumentException.class, () -> Task.parse("ranking"));
        assertEquals("unknown task 'ranking'; valid: classification, regression, multilabel", task.getMessage());
        var loss = assertThrows(IllegalArgumentException.class, () -> Task.CLASSIFICATION.loss("mse"));
        assertEquals("loss 'mse' does not fit a classification task; valid: cross-entropy", loss.getMessage());
    }
}
