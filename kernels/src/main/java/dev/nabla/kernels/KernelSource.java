package dev.nabla.kernels;

import dev.nabla.DType;
import dev.nabla.backend.Activation;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Assembles kernel source for one dialect: the dialect's prelude, a header generated here (launch
 * geometry, op codes and the per-op kernel lists, all from Java constants and enums), the shared
 * {@code ops.c}, then the family files.
 *
 * <p>Launch geometry is fixed at compile time: 1-D kernels run in work-groups of
 * {@link #BLOCK_SIZE}; GEMM in {@link #GEMM_THREADS}² work-groups, each computing a
 * {@link #GEMM_TILE}² block of C. Backends size their launches from these same constants.
 */
public final class KernelSource {

    /** Work-group size of every 1-D kernel; a power of two (the tree reductions need one). */
    public static final int BLOCK_SIZE = 256;
    /** Most axes a {@link dev.nabla.backend.Layout} may have after {@link StridedLayouts#coalesce}. */
    public static final int MAX_DIMS = 8;
    /** Rows and columns of C one GEMM work-group computes. */
    public static final int GEMM_TILE = 64;
    /** Depth of the A and B slices a GEMM work-group stages in local memory per step. */
    public static final int GEMM_TILE_K = 16;
    /** GEMM work-groups are GEMM_THREADS × GEMM_THREADS work-items. */
    public static final int GEMM_THREADS = 16;
    /** Each GEMM work-item computes a GEMM_PER_THREAD × GEMM_PER_THREAD register block. */
    public static final int GEMM_PER_THREAD = GEMM_TILE / GEMM_THREADS;

    private KernelSource() {
    }

    /** The complete source of every family for {@code dialect}. */
    public static String assemble(Dialect dialect) {
        return assemble(dialect, EnumSet.allOf(KernelFamily.class));
    }

    /** The source of the given families for {@code dialect} (prelude, header and ops.c included). */
    public static String assemble(Dialect dialect, Set<KernelFamily> families) {
        StringBuilder source = new StringBuilder();
        source.append("/* Nabla kernels, ").append(dialect.name().toLowerCase(Locale.ROOT))
                .append(" dialect, assembled by dev.nabla.kernels.KernelSource. */\n");
        appendResource(source, dialect.prelude());
        source.append(generatedHeader());
        appendResource(source, "ops.c");
        for (KernelFamily family : KernelFamily.values()) {
            if (families.contains(family)) {
                appendResource(source, family.file());
            }
        }
        return source.toString();
    }

    /**
     * Constants, op codes and X-macro kernel lists, generated from the Java side so that kernel
     * names and op numbering have one source of truth. Each list entry carries the kernel's full
     * name from {@link KernelNames}.
     */
    static String generatedHeader() {
        StringBuilder h = new StringBuilder("\n/* ---- generated from Java constants and op enums ---- */\n");
        define(h, "NABLA_BLOCK", BLOCK_SIZE);
        define(h, "NABLA_MAX_DIMS", MAX_DIMS);
        define(h, "GEMM_TILE", GEMM_TILE);
        define(h, "GEMM_TILE_K", GEMM_TILE_K);
        define(h, "GEMM_THREADS", GEMM_THREADS);
        define(h, "GEMM_PER_THREAD", GEMM_PER_THREAD);
        for (UnaryOp op : UnaryOp.values()) {
            define(h, "UNARY_" + op.name(), op.ordinal());
        }
        for (BinaryOp op : BinaryOp.values()) {
            define(h, "BINARY_" + op.name(), op.ordinal());
        }
        for (ReduceOp op : ReduceOp.values()) {
            define(h, "REDUCE_" + op.name(), op.ordinal());
        }
        for (Activation activation : Activation.values()) {
            define(h, "ACTIVATION_" + activation.name(), activation.ordinal());
        }
        h.append("#define NABLA_UNARY_KERNELS(X)");
        for (UnaryOp op : UnaryOp.values()) {
            h.append(" X(").append(KernelNames.unary(op)).append(", UNARY_").append(op.name()).append(')');
        }
        h.append("\n#define NABLA_BINARY_KERNELS(X)");
        for (BinaryOp op : BinaryOp.values()) {
            h.append(" X(").append(KernelNames.binary(op)).append(", BINARY_").append(op.name()).append(')');
        }
        h.append("\n#define NABLA_REDUCE_KERNELS(X)");
        for (ReduceOp op : ReduceOp.values()) {
            h.append(" X(").append(KernelNames.reduceRows(op)).append(", ").append(KernelNames.reduceColumns(op))
                    .append(", REDUCE_").append(op.name()).append(')');
        }
        for (DType operands : KernelNames.GEMM_OPERANDS) {
            h.append(operands == DType.F32 ? "\n#define NABLA_GEMM_KERNELS(X)"
                    : "\n#define NABLA_GEMM_" + operands.name() + "_KERNELS(X)");
            for (int transA = 0; transA < 2; transA++) {
                for (int transB = 0; transB < 2; transB++) {
                    h.append(" X(").append(KernelNames.gemm(transA == 1, transB == 1, operands)).append(", ")
                            .append(transA).append(", ").append(transB).append(')');
                }
            }
        }
        h.append("\n/* ---- end of generated header ---- */\n");
        return h.toString();
    }

    private static void define(StringBuilder h, String name, int value) {
        h.append("#define ").append(name).append(' ').append(value).append('\n');
    }

    private static void appendResource(StringBuilder source, String name) {
        try (InputStream in = KernelSource.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + name + " is missing from the nabla-kernels jar");
            }
            source.append("\n/* ---- ").append(name).append(" ---- */\n");
            source.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + name, e);
        }
    }
}
