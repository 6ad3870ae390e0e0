package dev.nabla.bench;

import dev.nabla.bench.Workload.Elementwise;
import dev.nabla.bench.Workload.Matmul;
import dev.nabla.bench.Workload.MlpStep;
import dev.nabla.bench.Workload.OptimizerUpdate;
import dev.nabla.bench.Workload.Reduce;
import dev.nabla.bench.Workload.CrossEntropy;
import dev.nabla.DType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The workload sets {@code nabla bench} runs, built from its options, and the parsing of those
 * options. Every error is an {@link IllegalArgumentException} whose message names the option.
 */
public final class Workloads {

    /** Workload families in the order they run; {@code all} is every one of them. */
    public static final List<String> KINDS =
            List.of("matmul", "elementwise", "reduce", "cross-entropy", "optimizer", "mlp-step");

    /** Square GEMM sizes run when neither {@code --size} nor {@code --mnk} is given. */
    public static final List<Integer> DEFAULT_SIZES = List.of(256, 512, 1024, 2048, 4096);

    /** The MLP whose layer shapes the default matmul set includes, and the default training step. */
    public static final MlpStep DEFAULT_MLP = new MlpStep(784, List.of(1024, 1024), 10, 256, "adam", 1e-3f);

    /** The second default training step (a smaller MLP at batch 128). */
    public static final MlpStep SMALL_MLP = new MlpStep(784, List.of(512, 256), 10, 128, "adam", 1e-3f);

    private Workloads() {
    }

    /**
     * What the user asked for. Null fields mean "not given": the defaults apply.
     *
     * @param kinds     workload families ({@link #parseKinds})
     * @param sizes     square matmul sizes ({@code --size})
     * @param mnk       one explicit matmul shape ({@code --mnk M,N,K})
     * @param trans     transposition for {@code --size}/{@code --mnk}: NN, NT, TN or TT
     * @param hidden    hidden layer widths for mlp-step ({@code --hidden})
     * @param batch     batch size for mlp-step and the MLP matmul shapes ({@code --batch})
     * @param optimizer optimizer for mlp-step and the optimizer workload
     * @param elements  {@code ROWS,COLS} for element-wise and reduction workloads
     * @param logits    {@code ROWS,CLASSES} for cross-entropy
     * @param dtype     {@code --dtype}: F32, or BF16/F16 for matmul, elementwise and mlp-step
     *                  ({@link #DTYPE_KINDS}); null means F32
     */
    public record Options(List<String> kinds, List<Integer> sizes, int[] mnk, String trans, List<Integer> hidden,
                          Integer batch, String optimizer, int[] elements, int[] logits, DType dtype) {

        /** F32 workloads. */
        public Options(List<String> kinds, List<Integer> sizes, int[] mnk, String trans, List<Integer> hidden,
                       Integer batch, String optimizer, int[] elements, int[] logits) {
            this(kinds, sizes, mnk, trans, hidden, batch, optimizer, elements, logits, null);
        }
    }

    /** The families {@code --dtype bf16|f16} runs; the others are F32 workloads only. */
    public static final List<String> DTYPE_KINDS = List.of("matmul", "elementwise", "mlp-step");

    /** The workloads {@code options} describe, in run order. */
    public static List<Workload> build(Options options) {
        DType dtype = options.dtype() == null ? DType.F32 : options.dtype();
        List<String> kinds = options.kinds() == null ? KINDS : options.kinds();
        if (dtype != DType.F32) {
            if (kinds.equals(KINDS)) {
                kinds = DTYPE_KINDS; // "all" in 16 bits: the families that have a 16-bit form
            }
            for (String kind : kinds) {
                if (!DTYPE_KINDS.contains(kind)) {
                    throw new IllegalArgumentException("--dtype " + dtypeName(dtype) + ": workload '" + kind
                            + "' runs in F32 only; 16-bit workloads: " + String.join(", ", DTYPE_KINDS));
                }
            }
        }
        if (options.sizes() != null && options.mnk() != null) {
            throw new IllegalArgumentException("--size and --mnk exclude each other: give one");
        }
        boolean[] trans = parseTrans(options.trans() == null ? "NN" : options.trans());
        String optimizer = options.optimizer() == null ? "adam" : options.optimizer();
        int[] elements = options.elements() == null ? new int[] {1024, 4096} : options.elements();
        int[] logits = options.logits() == null ? new int[] {4096, 1000} : options.logits();
        List<MlpStep> mlps = new ArrayList<>();
        if (options.hidden() == null && options.batch() == null) {
            mlps.add(withOptimizer(DEFAULT_MLP, optimizer, dtype));
            mlps.add(withOptimizer(SMALL_MLP, optimizer, dtype));
        } else {
            List<Integer> hidden = options.hidden() == null ? DEFAULT_MLP.hidden() : options.hidden();
            int batch = options.batch() == null ? DEFAULT_MLP.batch() : options.batch();
            mlps.add(new MlpStep(DEFAULT_MLP.inputs(), hidden, DEFAULT_MLP.classes(), batch, optimizer, 1e-3f, dtype));
        }

        List<Workload> result = new ArrayList<>();
        for (String kind : kinds) {
            switch (kind) {
                case "matmul" -> {
                    if (options.mnk() != null) {
                        int[] s = options.mnk();
                        result.add(new Matmul(s[0], s[1], s[2], trans[0], trans[1], "", dtype));
                    } else if (options.sizes() != null) {
                        for (int size : options.sizes()) {
                            result.add(new Matmul(size, size, size, trans[0], trans[1], "", dtype));
                        }
                    } else {
                        for (int size : DEFAULT_SIZES) {
                            result.add(new Matmul(size, size, size, false, false, "", dtype));
                        }
                        for (Matmul shape : mlpShapes(mlps.get(0))) {
                            result.add(new Matmul(shape.m(), shape.n(), shape.k(), shape.transA(), shape.transB(),
                                    shape.role(), dtype));
                        }
                    }
                }
                case "elementwise" -> {
                    for (Elementwise.Op op : Elementwise.Op.values()) {
                        result.add(new Elementwise(op, elements[0], elements[1], dtype));
                    }
                }
                case "reduce" -> {
                    result.add(new Reduce(0, elements[0], elements[1]));
                    result.add(new Reduce(1, elements[0], elements[1]));
                }
                case "cross-entropy" -> result.add(new CrossEntropy(logits[0], logits[1]));
                case "optimizer" -> {
                    // As many parameters as the first training step's model has.
                    MlpStep mlp = mlps.get(0);
                    result.add(new OptimizerUpdate(optimizer, parameterCount(mlp.widths())));
                }
                case "mlp-step" -> result.addAll(mlps);
                default -> throw new IllegalArgumentException("unknown workload '" + kind + "'");
            }
        }
        return result;
    }

    private static MlpStep withOptimizer(MlpStep m, String optimizer, DType dtype) {
        return new MlpStep(m.inputs(), m.hidden(), m.classes(), m.batch(), optimizer, m.lr(), dtype);
    }

    /** {@code --dtype}'s value: f32, bf16 or f16 (any case; float32/bfloat16/float16 too); null is F32. */
    public static DType parseDtype(String spec) {
        if (spec == null) {
            return DType.F32;
        }
        String s = spec.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "f32", "fp32", "float32" -> DType.F32;
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "fp16", "float16", "half" -> DType.F16;
            default -> throw new IllegalArgumentException("--dtype: expected f32, bf16 or f16, got '" + spec + "'");
        };
    }

    private static String dtypeName(DType dtype) {
        return switch (dtype) {
            case BF16 -> "bf16";
            case F16 -> "f16";
            default -> dtype.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Weights and biases of an MLP with these layer widths. */
    public static int parameterCount(int[] widths) {
        long total = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            total += (long) widths[i] * widths[i + 1] + widths[i + 1];
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("MLP has too many parameters: " + total);
        }
        return (int) total;
    }

    /**
     * The GEMMs of one training step of {@code mlp}, for each layer {@code in → out} with weights
     * {@code [out, in]}: forward {@code Y = X·Wᵀ} (NT, {@code B×out×in}), input gradient
     * {@code dX = dY·W} (NN, {@code B×in×out}) and weight gradient {@code dW = dYᵀ·X} (TN,
     * {@code out×in×B}).
     */
    public static List<Matmul> mlpShapes(MlpStep mlp) {
        int[] w = mlp.widths();
        int b = mlp.batch();
        List<Matmul> result = new ArrayList<>();
        for (int i = 0; i + 1 < w.length; i++) {
            int in = w[i];
            int out = w[i + 1];
            String layer = "fc" + (i + 1);
            result.add(new Matmul(b, out, in, false, true, layer + ".fwd"));
            result.add(new Matmul(b, in, out, false, false, layer + ".dX"));
            result.add(new Matmul(out, in, b, true, false, layer + ".dW"));
        }
        return result;
    }

    // ---- option parsing -----------------------------------------------------------------

    /** {@code all}, or a comma-separated list of {@link #KINDS}; duplicates are dropped. */
    public static List<String> parseKinds(String spec) {
        Set<String> result = new LinkedHashSet<>();
        for (String part : split("--workload", spec)) {
            String name = part.toLowerCase(Locale.ROOT);
            if (name.equals("all")) {
                result.addAll(KINDS);
            } else if (name.equals("softmax-xent") || name.equals("xent") || name.equals("softmax")) {
                // the name before 2026-12 (and two short forms), kept so that scripts keep working
                result.add("cross-entropy");
            } else if (KINDS.contains(name)) {
                result.add(name);
            } else {
                throw new IllegalArgumentException("--workload: unknown workload '" + part + "'; valid: "
                        + String.join(", ", KINDS) + ", all");
            }
        }
        return List.copyOf(result);
    }

    /** Comma-separated positive integers, e.g. {@code --size 512,1024} or {@code --hidden 1024,1024}. */
    public static List<Integer> parsePositiveInts(String option, String spec) {
        List<Integer> result = new ArrayList<>();
        for (String part : split(option, spec)) {
            int value;
            try {
                value = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + part + "' is not a whole number (in '" + spec
                        + "')");
            }
            if (value <= 0) {
                throw new IllegalArgumentException(option + ": sizes must be positive, got " + value);
            }
            result.add(value);
        }
        return result;
    }

    /** Exactly {@code count} comma-separated positive integers, e.g. {@code --mnk 256,1024,784}. */
    public static int[] parseTuple(String option, String spec, int count, String form) {
        List<Integer> values = parsePositiveInts(option, spec);
        if (values.size() != count) {
            throw new IllegalArgumentException(option + ": expected " + form + " (" + count
                    + " comma-separated numbers), got '" + spec + "'");
        }
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code NN}, {@code NT}, {@code TN} or {@code TT} as {transA, transB}. */
    public static boolean[] parseTrans(String spec) {
        String s = spec.trim().toUpperCase(Locale.ROOT);
        if (!s.matches("[NT]{2}")) {
            throw new IllegalArgumentException("--trans: expected NN, NT, TN or TT (op(A), op(B)), got '" + spec
                    + "'");
        }
        return new boolean[] {s.charAt(0) == 'T', s.charAt(1) == 'T'};
    }

    private static List<String> split(String option, String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException(option + ": empty value");
        }
        List<String> parts = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                throw new IllegalArgumentException(option + ": empty item in '" + spec + "'");
            }
            parts.add(p);
        }
        return parts;
    }
}
