package dev.nabla.cli;

import dev.nabla.Device;
import dev.nabla.data.TrainingData;
import dev.nabla.data.Standardizer;
import dev.nabla.io.Safetensors;
import dev.nabla.nn.Module;
import dev.nabla.train.Checkpoint;
import dev.nabla.train.Evaluation;
import dev.nabla.train.TrainConfig;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nabla eval RUN_DIR}: reloads a run's checkpoint and reports test loss and accuracy. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Reload the checkpoint in RUN_DIR and print its test loss and accuracy.")
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run folder written by 'nabla train'.")
    Path runDir;

    @Mixin
    DeviceOption backend;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder holding the dataset files, if not where"
            + " training found them.")
    Path data;

    @Option(names = "--weights", paramLabel = "FILE", description = "Evaluate these weights instead of the run's"
            + " checkpoint: any safetensors file with the run's parameter names and shapes (e.g. written by"
            + " PyTorch's safetensors.torch.save_file); checked for structure, and for Nabla's checksum if it has one.")
    Path weights;

    @Override
    public Integer call() throws IOException {
        Checkpoint.Contents checkpoint;
        if (weights != null) {
            // The run's configuration and normalization, someone else's weights.
            Checkpoint.Contents state = Checkpoint.loadState(runDir);
            Safetensors.Loaded loaded = Safetensors.read(weights, Safetensors.Verify.IF_PRESENT);
            checkpoint = new Checkpoint.Contents(state.epoch(), loaded.tensors(), Map.of(), state.state());
        } else {
            checkpoint = Checkpoint.load(runDir, false);   // weights and state only
        }
        @SuppressWarnings("unchecked")
        TrainConfig config = TrainConfig.fromMap((Map<String, Object>) checkpoint.state().get("config"));
        Device device = backend.open();
        Standardizer standardizer = Trainer.standardizer(checkpoint.state());
        Module model = Trainer.loadModel(checkpoint, device);
        Evaluation.Result result;
        try (TrainingData sets = TrainCommand.loadDataset(data != null ? config.withDataDir(data.toString())
                : config)) {
            if (sets.test().isEmpty()) {
                throw new IllegalArgumentException(runDir + " was trained on " + config.dataset() + " without a test"
                        + " set, so there is nothing to evaluate on");
            }
            result = Evaluation.evaluate(model, sets.test().get(), standardizer, device, 1);
        }
        String what = weights != null ? runDir + " with " + weights : runDir + " epoch " + checkpoint.epoch();
        spec.commandLine().getOut().printf(Locale.ROOT, "%s on %s: test loss %.4f, test accuracy %.4f"
                        + " (%d samples)%n", what, device, result.loss(), result.accuracy(), result.samples());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
