package dev.nabla.examples;

import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.data.DataLoader;
import dev.nabla.data.DatasetLocator;
import dev.nabla.data.ImageDataset;
import dev.nabla.data.Split;
import dev.nabla.data.Standardizer;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Losses;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import dev.nabla.train.Evaluation;
import java.io.IOException;
import java.util.Iterator;
import java.util.Optional;

/**
 * The README's "Training in Java" example, kept compiling and running by {@code QuickstartTest}
 * (which also checks that the README shows exactly the lines between the markers). Run it as a
 * source file against a bundle's jars: {@code ./nabla bundle /tmp/nabla}, then
 * {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "/tmp/nabla/lib/*"
 * cli/src/test/java/dev/nabla/examples/Quickstart.java}.
 */
public final class Quickstart {

    private Quickstart() {
    }

    // README:start
    public static void main(String[] args) throws IOException {
        Device device = Device.auto();                  // cuda:0, opencl:0 or cpu:0, whichever is best here
        Split data = DatasetLocator.standard().load(ImageDataset.fromName("fashion-mnist"), Optional.empty());
        data = Standardizer.standardize(data, Standardizer.Scope.GLOBAL);
        double accuracy = train(data, device, 5);
        System.out.printf("test accuracy %.4f%n", accuracy);
    }

    static double train(Split data, Device device, int epochs) {
        Generator.manualSeed(42);                       // as torch.manual_seed: same run, same numbers
        int features = data.features();
        Sequential model = new Sequential(
                new Linear(features, 512, device), new ReLU(), new Dropout(0.2f),
                new Linear(512, data.classes(), device));
        Adam optimizer = new Adam(model, 1e-3f);
        try (DataLoader loader = new DataLoader(data.trainFeatures(), data.trainLabels(), features,
                128, true, false, 42, device)) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                model.train();
                for (Iterator<DataLoader.Batch> it = loader.epoch(epoch); it.hasNext(); ) {
                    // Everything a step creates is freed when its scope closes; parameters,
                    // gradients and optimizer state are kept.
                    try (DataLoader.Batch batch = it.next(); Scope step = Scope.open()) {
                        Tensor logits = model.forward(batch.features());
                        Tensor loss = Losses.crossEntropy(logits, batch.labels());
                        optimizer.zeroGrad();
                        loss.backward();
                        optimizer.step();
                    }
                }
                Evaluation.Result test = Evaluation.evaluate(model, data.testFeatures(), data.testLabels(),
                        features, device);
                System.out.printf("epoch %d: test loss %.4f, accuracy %.4f%n", epoch + 1, test.loss(), test.accuracy());
            }
        }
        return Evaluation.evaluate(model, data.testFeatures(), data.testLabels(), features, device).accuracy();
    }
    // README:end
}
