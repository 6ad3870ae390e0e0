package dev.nabla.kernels;

import dev.nabla.DType;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one place kernel names come from: {@code <group>_<op>_<dtype>}, e.g. {@code unary_exp_f32},
 * {@code gemm_nt_f32}, {@code cast_f32_i32}. The same string names the OpenCL kernel and the
 * {@code extern "C"} CUDA entry point.
 *
 * <p>Kernels instantiated per enum constant (unary, binary, reductions, GEMM transpositions) get
 * their names in the source from lists {@link KernelSource} generates from these methods; the
 * others are spelled out in the family sources, and tests check every name in {@link #all()} is
 * an entry point of the compiled program in both dialects.
 */
public final class KernelNames {

    public static final String WHERE = name("where", DType.F32);
    public static final String ARGMAX_ROWS = name("argmax_rows", DType.F32);
    public static final String ARGMAX_COLUMNS = name("argmax_columns", DType.F32);
    public static final String SOFTMAX_ROWS = name("softmax_rows", DType.F32);
    public static final String SOFTMAX_COLUMNS = name("softmax_columns", DType.F32);
    public static final String CROSS_ENTROPY_FORWARD = name("cross_entropy_forward", DType.F32);
    public static final String CROSS_ENTROPY_BACKWARD = name("cross_entropy_backward", DType.F32);
    public static final String SGD = name("sgd", DType.F32);
    public static final String ADAM = name("adam", DType.F32);
    public static final String PHILOX_UNIFORM = name("philox", "uniform", DType.F32);
    public static final String PHILOX_NORMAL = name("philox", "normal", DType.F32);
    public static final String GATHER = name("gather", DType.F32);
    public static final String ONE_HOT = name("one_hot", DType.F32);

    private KernelNames() {
    }

    /** {@code f32}, {@code i32}, {@code bf16} or {@code f16}. */
    public static String suffix(DType dtype) {
        return switch (dtype) {
            case F32 -> "f32";
            case I32 -> "i32";
            case BF16 -> "bf16";
            case F16 -> "f16";
        };
    }

    /** {@code <group>_<op>_<dtype>}. */
    public static String name(String group, String op, DType dtype) {
        return group + "_" + op + "_" + suffix(dtype);
    }

    /** {@code <group>_<dtype>}, for groups with a single op. */
    public static String name(String group, DType dtype) {
        return group + "_" + suffix(dtype);
    }

    public static String unary(UnaryOp op) {
        return name("unary", lower(op), DType.F32);
    }

    public static String binary(BinaryOp op) {
        return name("binary", lower(op), DType.F32);
    }

    /** Reduction of adjacent elements ({@code inner == 1}): a work-group per output. */
    public static String reduceRows(ReduceOp op) {
        return name("reduce_rows", lower(op), DType.F32);
    }

    /** Reduction along a strided axis ({@code inner > 1}): a work-item per output. */
    public static String reduceColumns(ReduceOp op) {
        return name("reduce_columns", lower(op), DType.F32);
    }

    /** {@code gemm_nn_f32}, {@code gemm_nt_f32}, {@code gemm_tn_f32} or {@code gemm_tt_f32}. */
    public static String gemm(boolean transA, boolean transB) {
        return gemm(transA, transB, DType.F32);
    }

    /** The GEMM kernel for A and B of {@code operands} (F32, BF16 or F16), e.g. {@code gemm_nt_bf16}; C is F32. */
    public static String gemm(boolean transA, boolean transB, DType operands) {
        return name("gemm", (transA ? "t" : "n") + (transB ? "t" : "n"), operands);
    }

    /** The operand types the GEMM kernels are instantiated for. */
    public static final java.util.List<DType> GEMM_OPERANDS = java.util.List.of(DType.F32, DType.BF16, DType.F16);

    public static String copy(DType dtype) {
        return name("copy", dtype);
    }

    public static String copyInto(DType dtype) {
        return name("copy_into", dtype);
    }

    public static String fill(DType dtype) {
        return name("fill", dtype);
    }

    /** {@code cast_f32_i32} converts F32 to I32; there is one kernel for every pair of distinct dtypes. */
    public static String cast(DType from, DType to) {
        return name("cast", suffix(from), to);
    }

    /** Every kernel the assembled source defines, in a stable order. */
    public static List<String> all() {
        List<String> names = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            names.add(unary(op));
        }
        for (BinaryOp op : BinaryOp.values()) {
            names.add(binary(op));
        }
        names.add(WHERE);
        for (DType dtype : DType.values()) {
            names.add(copy(dtype));
            names.add(copyInto(dtype));
            names.add(fill(dtype));
        }
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                if (from != to) {
                    names.add(cast(from, to));
                }
            }
        }
        for (ReduceOp op : ReduceOp.values()) {
            names.add(reduceRows(op));
            names.add(reduceColumns(op));
        }
        names.add(ARGMAX_ROWS);
        names.add(ARGMAX_COLUMNS);
        names.add(SOFTMAX_ROWS);
        names.add(SOFTMAX_COLUMNS);
        names.add(CROSS_ENTROPY_FORWARD);
        names.add(CROSS_ENTROPY_BACKWARD);
        for (DType operands : GEMM_OPERANDS) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    names.add(gemm(transA, transB, operands));
                }
            }
        }
        names.add(SGD);
        names.add(ADAM);
        names.add(PHILOX_UNIFORM);
        names.add(PHILOX_NORMAL);
        names.add(GATHER);
        names.add(ONE_HOT);
        return List.copyOf(names);
    }

    private static String lower(Enum<?> op) {
        return op.name().toLowerCase(Locale.ROOT);
    }
}
