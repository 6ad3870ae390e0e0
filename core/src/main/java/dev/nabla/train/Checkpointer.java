package dev.nabla.train;

import dev.nabla.Scope;
import dev.nabla.data.Standardizer;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Module;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainer's checkpointer as a listener: after every epoch, on the primary rank, saves the
 * {@link Checkpoint} that {@code --resume} continues from: weights, optimizer state, and in
 * {@code state.json} the config, data shape and class names, optimizer and scheduler position,
 * dropout generator positions, normalisation, the epoch history, and the state of every
 * {@link TrainingContext.CheckpointState} (early stopping, plateau schedule).
 *
 * <p>It runs after the listeners that change such state at the end of an epoch, so the saved
 * state is the one the next epoch starts from.
 */
final class Checkpointer implements TrainingListener {

    @Override
    public void onEpochEnd(TrainingContext context, EpochRecord record) throws IOException {
        if (context.isPrimary()) {
            save(context, record.epoch());
        }
    }

    private static void save(TrainingContext context, int epoch) throws IOException {
        Module model = context.model();
        Standardizer standardizer = context.standardizer;
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("config", context.config().toMap());
        state.put("features", context.data.features());
        state.put("classes", context.data.classes());
        Task task = context.config().taskKind();
        if (task != Task.CLASSIFICATION) {
            state.put("outputs", Trainer.outputs(task, context.data));
        }
        state.put(Trainer.CLASS_NAMES, context.data.labelNames());
        state.put("dataset", context.data.name());
        state.put("optimizer_step_count", context.optimizer().stepCount());
        state.put("optimizer_lr", context.optimizer().lr());
        state.put("scheduler_last_epoch", context.stepScheduler.map(s -> s.lastEpoch()).orElse(0L));
        Map<String, Object> dropout = new LinkedHashMap<>();
        for (Map.Entry<String, Module> entry : model.namedModules().entrySet()) {
            if (entry.getValue() instanceof Dropout d) {
                dropout.put(entry.getKey(), d.calls());
            }
        }
        state.put("rng", Map.of("seed", context.config().seed(), "dropout_calls", dropout));
        state.put("normalization", Map.of("scope", standardizer.scope().name(),
                "mean", toList(standardizer.mean()), "std", toList(standardizer.std())));
        context.objective.classWeights().ifPresent(w -> state.put(Objective.CLASS_WEIGHTS, toList(w)));
        context.objective.targetScale().ifPresent(targets -> state.put(Trainer.TARGET_NORMALIZATION, Map.of(
                "mean", toList(targets.mean()), "std", toList(targets.std()))));
        state.put("history", context.history().stream().map(EpochRecord::toMap).toList());
        for (TrainingContext.CheckpointState part : context.states) {
            state.put(part.key(), part.save());
        }
        // A scope: stateTensors() creates small tensors (Adam's per-parameter step) to save.
        try (Scope scope = Scope.open()) {
            Checkpoint.save(context.runDir(), epoch, model.stateDict(), context.optimizer().stateTensors(), state);
        }
    }

    private static List<Float> toList(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }
}
