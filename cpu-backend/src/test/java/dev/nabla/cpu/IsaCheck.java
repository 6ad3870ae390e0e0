package dev.nabla.cpu;

import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.Storage;
import dev.nabla.backend.reference.HeapStorage;
import dev.nabla.backend.reference.ReferenceBackend;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Losses;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What {@link IsaForkTest} runs in a JVM started with {@code -XX:UseAVX=N} (and {@code -XX:-UseFMA}):
 * checks that the backend saw the ISA it was started for, a handful of GEMM shapes in every
 * transposition and every kernel shape against the reference, the fused cross-entropy, and a short
 * training run whose losses must follow the reference backend's. Prints one line per check and
 * exits with status 1 on the first failure. Arguments: expected lanes, expected FMA (true/false),
 * expected kernel shape.
 */
public final class IsaCheck {

    private IsaCheck() {
    }

    public static void main(String[] args) {
        try {
            run(Integer.parseInt(args[0]), Boolean.parseBoolean(args[1]), KernelShape.valueOf(args[2]));
            System.out.println("ok");
        } catch (AssertionError | RuntimeException e) {
            System.out.println("FAILED: " + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    static void run(int lanes, boolean fma, KernelShape shape) {
        System.out.println(CpuBackend.kernelSummary());
        expect(CpuFeatures.SPECIES.length() == lanes, "lanes " + CpuFeatures.SPECIES.length() + ", expected " + lanes);
        expect(CpuFeatures.FMA == fma, "FMA " + CpuFeatures.FMA + ", expected " + fma);
        expect(Gemm.SHAPE == shape, "kernel " + Gemm.SHAPE + ", expected " + shape);

        ReferenceBackend reference = new ReferenceBackend();
        SplittableRandom random = new SplittableRandom(19);
        int[][] shapes = {{1, 33, 17}, {13, 10, 300}, {37, 45, 29}, {70, 129, 600}, {256, 96, 130}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean transA = (t & 1) != 0;
                boolean transB = (t & 2) != 0;
                gemm(reference, random, s[0], s[1], s[2], transA, transB);
            }
        }
        System.out.println("gemm: " + shapes.length + " shapes x 4 transpositions x " + KernelShape.values().length
                + " kernel shapes and the row and dot paths agree with the reference");

        crossEntropy(reference, random);
        System.out.println("cross-entropy: agrees with the reference");

        double[] cpuLosses = train(Device.of("cpu"));
        double[] referenceLosses = train(Device.of("reference"));
        for (int step = 0; step < cpuLosses.length; step++) {
            double difference = Math.abs(cpuLosses[step] - referenceLosses[step]);
            expect(difference <= 1e-3 * Math.max(1, Math.abs(referenceLosses[step])),
                    "training step " + step + ": loss " + cpuLosses[step] + " on cpu, " + referenceLosses[step]
                            + " on reference");
        }
        expect(cpuLosses[cpuLosses.length - 1] < 0.5 * cpuLosses[0],
                "training did not learn: loss " + cpuLosses[0] + " -> " + cpuLosses[cpuLosses.length - 1]);
        System.out.printf("training: loss %.4f -> %.4f in %d steps, as on the reference backend%n", cpuLosses[0],
                cpuLosses[cpuLosses.length - 1], cpuLosses.length);
    }

    private static void gemm(ReferenceBackend reference, SplittableRandom random, int m, int n, int k,
                             boolean transA, boolean transB) {
        Storage a = Fixtures.randomStorage(random, m * k, 1);
        Storage b = Fixtures.randomStorage(random, k * n, 1);
        Optional<Storage> bias = Optional.of(Fixtures.randomStorage(random, n, 1));
        HeapStorage expected = Fixtures.zeros(m * n);
        reference.gemm(spec(transA, transB, m, n, k, a, b, expected, bias));
        float[] first = null;
        for (KernelShape kernel : KernelShape.values()) {
            Gemm.shape = kernel;
            try {
                HeapStorage actual = Fixtures.zeros(m * n);
                Gemm.gemm(spec(transA, transB, m, n, k, a, b, actual, bias), Gemm.Path.PACKED);
                String what = kernel + " " + m + "x" + n + "x" + k + (transA ? " Aᵀ" : "") + (transB ? " Bᵀ" : "");
                Fixtures.assertClose(what, expected, actual, 4e-6 * (k + 1), 1e-5);
                // Same blocking, same order of additions: every kernel shape gives the same bits.
                if (first == null) {
                    first = actual.floats();
                } else {
                    expect(java.util.Arrays.equals(first, actual.floats()), what + " differs from "
                            + KernelShape.values()[0] + " in the last bits");
                }
            } finally {
                Gemm.shape = Gemm.SHAPE;
            }
        }
        for (Gemm.Path path : new Gemm.Path[] {Gemm.Path.ROWS, Gemm.Path.DOTS}) {
            HeapStorage actual = Fixtures.zeros(m * n);
            Gemm.gemm(spec(transA, transB, m, n, k, a, b, actual, bias), path);
            Fixtures.assertClose(path + " " + m + "x" + n + "x" + k, expected, actual, 4e-6 * (k + 1), 1e-5);
        }
    }

    private static GemmSpec spec(boolean transA, boolean transB, int m, int n, int k, Storage a, Storage b,
                                 Storage c, Optional<Storage> bias) {
        return new GemmSpec(transA, transB, m, n, k, a, 0, transA ? m : k, b, 0, transB ? k : n, c, bias,
                Activation.RELU);
    }

    private static void crossEntropy(ReferenceBackend reference, SplittableRandom random) {
        CpuBackend cpu = new CpuBackend();
        int rows = 67;
        int classes = 37;
        HeapStorage logits = Fixtures.randomStorage(random, rows * classes, 20);
        int[] labelValues = new int[rows];
        for (int i = 0; i < rows; i++) {
            labelValues[i] = random.nextInt(classes);
        }
        HeapStorage labels = Fixtures.ints(labelValues);
        HeapStorage expected = Fixtures.zeros(rows);
        HeapStorage expectedStats = Fixtures.zeros(2 * rows);
        HeapStorage actual = Fixtures.zeros(rows);
        HeapStorage actualStats = Fixtures.zeros(2 * rows);
        reference.crossEntropyForward(logits, labels, rows, classes, expected, expectedStats);
        cpu.crossEntropyForward(logits, labels, rows, classes, actual, actualStats);
        Fixtures.assertClose("cross-entropy loss", expected, actual, 1e-6, 1e-6);
        HeapStorage gradLoss = Fixtures.randomStorage(random, rows, 1);
        HeapStorage expectedGrad = Fixtures.zeros(rows * classes);
        HeapStorage actualGrad = Fixtures.zeros(rows * classes);
        reference.crossEntropyBackward(logits, labels, expectedStats, gradLoss, rows, classes, expectedGrad);
        cpu.crossEntropyBackward(logits, labels, actualStats, gradLoss, rows, classes, actualGrad);
        Fixtures.assertClose("cross-entropy gradient", expectedGrad, actualGrad, 1e-6, 1e-5);
    }

    /** Losses of 25 Adam steps of a 20-64-3 MLP on three separable clusters (batch 96), same seeds. */
    private static double[] train(Device device) {
        SplittableRandom random = new SplittableRandom(5);
        int samples = 96;
        int features = 20;
        float[] x = new float[samples * features];
        int[] y = new int[samples];
        for (int i = 0; i < samples; i++) {
            y[i] = i % 3;
            for (int f = 0; f < features; f++) {
                x[i * features + f] = (float) (random.nextGaussian() * 0.5 + (f % 3 == y[i] ? 1.5 : 0));
            }
        }
        Sequential model = new Sequential(new Linear(features, 64, device, 1), new ReLU(),
                new Linear(64, 3, device, 2));
        Adam optimizer = new Adam(model, 1e-2f);
        double[] losses = new double[25];
        try (Tensor inputs = Tensor.of(device, x, samples, features); Tensor labels = Tensor.of(device, y, samples)) {
            for (int step = 0; step < losses.length; step++) {
                try (Scope scope = Scope.open()) {
                    Tensor loss = Losses.crossEntropy(model.forward(inputs), labels);
                    optimizer.zeroGrad();
                    loss.backward();
                    optimizer.step();
                    losses[step] = loss.item();
                }
            }
        }
        return losses;
    }

    private static void expect(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
