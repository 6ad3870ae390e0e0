package dev.nabla.cpu;

import dev.nabla.backend.Activation;
import dev.nabla.backend.GemmSpec;
import dev.nabla.backend.reference.HeapStorage;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Blocked, packed, multithreaded SGEMM in the BLIS style: {@code C = act(op(A)·op(B) + bias)}, C contiguous m×n.
 *
 * <p>Loop nest, outermost first: columns of C in blocks of {@link #NC}; depth in blocks of
 * {@link #KC}, for which a {@code KC × NC} slab of op(B) is packed into {@link #NR}-wide panels;
 * rows in blocks of {@link #MC}, for which an {@code MC × KC} slab of op(A) is packed into
 * {@link #MR}-tall panels; then {@code MR × NR} tiles of C, each computed by the micro-kernel
 * entirely in vector registers (broadcast one A element, FMA it into a row of accumulators). The
 * packing routines read op(A) and op(B) through their transposes, leading dimensions and offsets,
 * so the kernel only ever sees unit-stride panels; panels are zero-padded to full tiles.
 *
 * <p>Epilogue: the first depth block writes C without reading it, later blocks accumulate into it
 * (internally {@code betaNow} 0 then 1), and the last one adds the bias and applies the activation
 * as it writes C.
 * Tiles at the right or bottom edge are computed into a scratch tile and merged element by element.
 *
 * <p>Threads split the rows of C (or its columns when there are too few rows), each thread packing
 * what it needs, so threads never wait on each other; problems under {@link #SMALL_FLOPS} stay on
 * the calling thread. Tiny products and one- or two-row products skip packing altogether and take
 * a plain vectorized row-by-row path ({@link Path#ROWS}).
 */
final class Gemm {

    private static final VectorSpecies<Float> SPECIES = CpuFeatures.SPECIES;
    private static final int LANES = SPECIES.length();
    /** Eight floats: gathers one column of an 8-row A panel. */
    private static final VectorSpecies<Float> SPECIES_8 = FloatVector.SPECIES_256;
    /** Four floats: one column of a 4-row A panel. */
    private static final VectorSpecies<Float> SPECIES_4 = FloatVector.SPECIES_128;

    /** The micro-kernel shape of this JVM (rows × vectors), chosen from its vector registers. */
    static final KernelShape SHAPE = KernelShape.current();
    /** Rows of a micro-tile of {@link #SHAPE}: one broadcast A element per row and k step. */
    static final int MR = SHAPE.rows;
    /** Columns of a micro-tile of {@link #SHAPE}. */
    static final int NR = SHAPE.columns(LANES);

    /**
     * Below this many multiply-adds a GEMM is not worth waking another thread for: measured here,
     * 64³ (2^18) ran at 40 GFLOP/s on one thread and 20 on two; 96³ ran 55 on one and 90 on two.
     */
    static final long SMALL_FLOPS = 1L << 19;

    /** A thread's block of C with at least this many floats (8 MiB) is walked tile row by tile row. */
    static final long ROW_MAJOR_TILES = 1L << 21;

    /**
     * Below this many multiply-adds packing costs more than it saves: such calls take the unpacked
     * row path (32³ runs about twice as fast that way).
     */
    static final long TINY_FLOPS = 1L << 16;
    /**
     * At most this many rows of C take the row path whatever the size: packing would pad them to
     * MR rows and copy all of op(B) for a product that streams op(B) once anyway.
     */
    static final int ROWS_DIRECT = 2;
    /**
     * With transposed B and at most this many columns (a classifier layer: n = 10), C is built
     * from dot products of contiguous rows ({@link Job#runDots}) instead of padding op(B) to one
     * {@link #NR}-wide panel (3.2× the work for n = 10).
     */
    static final int DOTS_MAX_N = 16;
    /**
     * The dot path splits its rows between threads from this many multiply-adds (all of its calls,
     * in practice): its operand op(A) was usually just written in two halves by the previous
     * kernel. 128×10×256 in the small-MLP step: 16.8–17.9 µs on one thread, 8.8–10.6 on two.
     */
    static final long DOTS_SMALL_FLOPS = 1L << 16;

    /**
     * Block sizes of one call (see {@link KernelShape#blocking}); {@link #blocking} and
     * {@link #shape} are read once per call, so probes and tests can compare settings in one JVM.
     */
    record Blocking(int kc, int mc, int nc, long rowMajorTiles) {
    }

    /** The block sizes for {@link #SHAPE} and this machine's caches. */
    static final Blocking DEFAULT_BLOCKING = SHAPE.blocking(LANES, CpuFeatures.CURRENT.caches());

    static volatile Blocking blocking = DEFAULT_BLOCKING;
    static volatile KernelShape shape = SHAPE;
    /** Probes only: forces the row (true) or column (false) split between threads; null lets {@link #splitRows} choose. */
    static volatile Boolean splitOverride = null;
    static volatile boolean useDirectStores = !Boolean.getBoolean("nabla.gemm.viaTile");
    /** Whether a non-transposed op(A) is packed by 8×16 in-register transposes rather than 8-lane gathers. */
    static volatile boolean useTransposePackA = !Boolean.getBoolean("nabla.gemm.gatherPackA");

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[4][0]);

    /**
     * This thread's packing buffers, scratch tile and (for 16-bit operands) the block widened before
     * packing, grown to what {@code blocks} and {@code tile} need.
     */
    private static float[][] buffers(Blocking blocks, KernelShape tile, boolean halves) {
        float[][] buffers = BUFFERS.get();
        int mr = tile.rows;
        int nr = tile.columns(LANES);
        // Panels are padded to whole MR rows and NR columns, so round the block sizes up to those.
        int packedA = (blocks.mc() + mr - 1) / mr * mr * blocks.kc();
        int packedB = blocks.kc() * ((blocks.nc() + nr - 1) / nr * nr);
        int wide = halves ? blocks.kc() * Math.max(blocks.mc(), blocks.nc()) : 0;
        if (buffers[0].length < packedA || buffers[1].length < packedB || buffers[2].length < mr * nr
                || buffers[3].length < wide) {
            buffers = new float[][] {new float[Math.max(buffers[0].length, packedA)],
                    new float[Math.max(buffers[1].length, packedB)], new float[Math.max(buffers[2].length, mr * nr)],
                    new float[Math.max(buffers[3].length, wide)]};
            BUFFERS.set(buffers);
        }
        return buffers;
    }

    private Gemm() {
    }

    /** How a call is computed; tests force each one on every shape. */
    enum Path { AUTO, PACKED, ROWS, DOTS }

    static void gemm(GemmSpec spec) {
        gemm(spec, Path.AUTO);
    }

    static void gemm(GemmSpec spec, Path path) {
        int m = spec.m();
        int n = spec.n();
        if (m == 0 || n == 0) {
            return;
        }
        Job job = new Job(spec);
        if (spec.k() == 0) {
            job.biasOnly(m, n);
            return;
        }
        long work = (long) m * n * spec.k();
        int threads = work < SMALL_FLOPS ? 1 : CpuThreads.threads();
        Path taken = resolve(spec, path);
        if (taken != Path.PACKED && job.halves) {
            throw new IllegalArgumentException("gemm: 16-bit operands (" + spec.a().dtype() + ") take only the packed path, "
                    + "not " + (taken == Path.DOTS ? "the dot-product" : "the row") + " path (m=" + m + ", n=" + n
                    + ", k=" + spec.k() + "); widen them first");
        }
        if (taken == Path.DOTS) {
            // Pairs of rows of C per claim; each thread reads all of op(B), which is only n rows.
            int split = work < DOTS_SMALL_FLOPS ? 1 : CpuThreads.threads();
            CpuThreads.parallelRanges(m, split, 2, (start, end) -> job.runDots(start, end, n));
        } else if (taken == Path.ROWS) {
            // Threads take column ranges, so a single row (a matrix-vector product) still splits.
            CpuThreads.parallelRanges(n, threads, LANES, (start, end) -> job.runRows(0, m, start, end));
        } else if (threads == 1) {
            job.run(0, m, 0, n);
        } else if (splitOverride != null ? splitOverride : splitRows(spec, threads, job.mr, job.nr, job.blocks.nc())) {
            CpuThreads.parallelRanges(m, threads, job.mr, (start, end) -> job.run(start, end, 0, n));
        } else {
            CpuThreads.parallelRanges(n, threads, job.nr, (start, end) -> job.run(0, m, start, end));
        }
    }

    /**
     * Whether {@code spec} takes the packed path when left to choose, the only path that widens
     * 16-bit operands block by block as it packs them (the row and dot-product paths read op(A) and
     * op(B) in place, so 16-bit operands must be widened before those).
     */
    static boolean packs(GemmSpec spec) {
        return spec.m() > 0 && spec.n() > 0 && spec.k() > 0 && resolve(spec, Path.AUTO) == Path.PACKED;
    }

    /**
     * The path a product with k > 0 takes when {@code path} is asked for: ROWS for tiny and one- or
     * two-row products, DOTS for transposed B with few columns, else PACKED. A forced DOTS without
     * transposed B takes the row path.
     */
    private static Path resolve(GemmSpec spec, Path path) {
        long work = (long) spec.m() * spec.n() * spec.k();
        boolean rows = path == Path.ROWS || (path == Path.AUTO && (work < TINY_FLOPS || spec.m() <= ROWS_DIRECT));
        boolean dots = spec.transB() && (path == Path.DOTS || (path == Path.AUTO && !rows && spec.n() <= DOTS_MAX_N));
        if (dots) {
            return Path.DOTS;
        }
        return rows || path == Path.DOTS ? Path.ROWS : Path.PACKED;
    }

    /**
     * Whether threads take rows of C (each packing all of op(B)) rather than columns (each packing
     * all of op(A)). Packing is the only work threads duplicate, so pick the split that packs less
     * per thread, counting that op(A) is packed again for every {@code NC}-wide block of a thread's
     * columns and that a pack which transposes (non-transposed A into column panels, transposed B into
     * row panels) costs about twice a straight copy. A split needs at least two tiles per thread.
     * Measured 2026-12-06 (BlockingProbe, AVX2 and AVX-512, two threads): the columns won by 5-27 %
     * at the MLP layer shapes (256×1024×784 NN/NT, 256×784×1024 NN) where the old rule, which
     * ignored the repacking of A, chose rows; 1024³ and 2048³ within ±5 %.
     */
    private static boolean splitRows(GemmSpec spec, int threads, int mr, int nr, int nc) {
        long m = spec.m();
        long n = spec.n();
        long k = spec.k();
        boolean rowsPossible = m >= (long) threads * mr * 2;
        boolean columnsPossible = n >= (long) threads * nr * 2;
        if (rowsPossible != columnsPossible) {
            return rowsPossible || m >= n;
        }
        double weightA = spec.transA() ? 1 : 2;
        double weightB = spec.transB() ? 2 : 1;
        long rowsPerThread = (m + threads - 1) / threads;
        long columnsPerThread = (n + threads - 1) / threads;
        double packedByRows = weightA * rowsPerThread * k * ((n + nc - 1) / nc) + weightB * k * n;
        double packedByColumns = weightA * m * k * ((columnsPerThread + nc - 1) / nc) + weightB * k * columnsPerThread;
        return packedByRows < packedByColumns;
    }

    /**
     * The block size at most {@code limit} (a multiple of {@code align}) that splits {@code size}
     * into equal blocks: 784 = 4 × 196 rather than 3 × 256 + 16, whose thin last block would cost
     * a full pass over C for little work.
     */
    static int balanced(int size, int limit, int align) {
        int blocks = Math.max(1, (size + limit - 1) / limit);
        int block = (size + blocks - 1) / blocks;
        return Math.min(limit, (block + align - 1) / align * align);
    }

    /** One GEMM call's operands, unpacked from the spec once. */
    private static final class Job {
        final boolean transA;
        final boolean transB;
        final int k;
        final float[] a;
        /** A's elements when A is BF16 or F16 (then {@link #a} is null), widened block by block as packed. */
        final short[] aHalf;
        final int offsetA;
        final int lda;
        final float[] b;
        /** B's elements when B is BF16 or F16 (then {@link #b} is null). */
        final short[] bHalf;
        /** Whether 16-bit operands are BF16 (else F16). */
        final boolean bf16;
        /** Whether A or B is 16-bit. */
        final boolean halves;
        final int offsetB;
        final int ldb;
        final float[] c;
        /** C's row stride: C is contiguous m×n from offset 0. */
        final int ldc;
        final float[] bias;
        final Activation activation;
        /** Whether full tiles get the vector ReLU in {@link #storeTile}. */
        final boolean relu;
        /** Gather offsets of an 8-row A panel's column: {@code i·lda} for i < 8. */
        final int[] gatherA;
        final Blocking blocks = blocking;
        final KernelShape kernel = shape;
        /** Rows and columns of the micro-tile. */
        final int mr = kernel.rows;
        final int nr = kernel.columns(LANES);
        final boolean directStores = useDirectStores;
        /** 8-row A panels are packed by 8×16 transposes (16 lanes) or 8-lane gathers (8 or more lanes). */
        final boolean transposePackA = useTransposePackA && LANES == 16 && mr == 8;
        final boolean gatherPackA = mr == 8 && LANES >= 8;
        /**
         * B panels of transposed B are packed by LANES×LANES in-register transposes. Not with 4-lane
         * vectors: SSE has no variable lane permute, and its 4×4 transposes ran at 1.2-1.7 ns per float
         * against 0.4 for the scalar copy (TProbe under -XX:UseAVX=0, 2026-12-06).
         */
        final boolean transposePackB = TRANSPOSE_PACK && (LANES == 16 || LANES == 8);
        /** 4-row A panels of non-transposed A are packed by 4×8 in-register transposes (8 lanes or more). */
        final boolean transposePackA4 = TRANSPOSE_PACK && mr == 4 && Transposes.HAS8;
        /** Whether a column of a panel of transposed A (MR = 4 or 8 floats) is copied as one vector. */
        final boolean columnVectors = TRANSPOSE_PACK && mr <= LANES && (mr == 4 || mr == 8);

        Job(GemmSpec spec) {
            transA = spec.transA();
            transB = spec.transB();
            k = spec.k();
            boolean halfA = spec.a().dtype().isHalf();
            boolean halfB = spec.b().dtype().isHalf();
            a = halfA ? null : HeapStorage.floats(spec.a());
            aHalf = halfA ? HeapStorage.shorts(spec.a()) : null;
            offsetA = spec.offsetA();
            lda = spec.lda();
            b = halfB ? null : HeapStorage.floats(spec.b());
            bHalf = halfB ? HeapStorage.shorts(spec.b()) : null;
            halves = halfA || halfB;
            bf16 = (halfA ? spec.a() : spec.b()).dtype() == dev.nabla.DType.BF16;
            offsetB = spec.offsetB();
            ldb = spec.ldb();
            c = HeapStorage.floats(spec.c());
            ldc = spec.n();
            bias = spec.bias().map(HeapStorage::floats).orElse(null);
            activation = spec.activation();
            // Exhaustive on purpose: an activation added to the enum does not compile here until
            // the full-tile epilogue (storeTile) applies it too; the other paths call apply().
            relu = switch (activation) {
                case NONE -> false;
                case RELU -> true;
            };
            gatherA = new int[8];
            for (int i = 0; i < 8; i++) {
                gatherA[i] = i * lda;
            }
        }

        /** k == 0: op(A)·op(B) is empty, only the bias and activation terms remain. */
        void biasOnly(int m, int n) {
            for (int i = 0; i < m; i++) {
                int ci = i * ldc;
                for (int j = 0; j < n; j++) {
                    float value = 0f;
                    if (bias != null) {
                        value += bias[j];
                    }
                    c[ci + j] = activation.apply(value);
                }
            }
        }

        /**
         * The unpacked path for small or very flat products, block {@code [m0, m1) × [n0, n1)}:
         * each row of C is built directly from a row of op(A), as a sum of scaled rows of B
         * ({@code axpy}) or, for transposed B, as dot products with its contiguous rows.
         */
        void runRows(int m0, int m1, int n0, int n1) {
            int width = n1 - n0;
            float[] aRow = new float[k];
            float[] acc = new float[width];
            for (int i = m0; i < m1; i++) {
                if (!transA) {
                    System.arraycopy(a, offsetA + i * lda, aRow, 0, k);
                } else {
                    for (int p = 0; p < k; p++) {
                        aRow[p] = a[offsetA + p * lda + i];
                    }
                }
                if (!transB) {
                    java.util.Arrays.fill(acc, 0f);
                    for (int p = 0; p < k; p++) {
                        axpy(aRow[p], b, offsetB + p * ldb + n0, acc, width);
                    }
                } else {
                    for (int j = 0; j < width; j++) {
                        acc[j] = dot(aRow, b, offsetB + (n0 + j) * ldb, k);
                    }
                }
                int ci = i * ldc + n0;
                for (int j = 0; j < width; j++) {
                    float value = acc[j];
                    if (bias != null) {
                        value += bias[n0 + j];
                    }
                    c[ci + j] = activation.apply(value);
                }
            }
        }

        /**
         * Rows {@code [m0, m1)} of C for transposed B with few columns: every C element is a dot
         * product of a row of op(A) and a row of B, both contiguous along k. Two rows of A against
         * four rows of B at a time: 8 accumulators, 6 loads per 8 FMAs.
         */
        void runDots(int m0, int m1, int n) {
            float[] rowA0 = transA ? new float[k] : null;
            float[] rowA1 = transA ? new float[k] : null;
            float[] acc = new float[8];
            int i = m0;
            for (; i + 1 < m1; i += 2) {
                float[] a0 = a;
                float[] a1 = a;
                int base0 = offsetA + i * lda;
                int base1 = base0 + lda;
                if (transA) {
                    for (int p = 0; p < k; p++) {
                        rowA0[p] = a[offsetA + p * lda + i];
                        rowA1[p] = a[offsetA + p * lda + i + 1];
                    }
                    a0 = rowA0;
                    a1 = rowA1;
                    base0 = 0;
                    base1 = 0;
                }
                for (int j = 0; j < n; j += 4) {
                    // The last 1-3 columns go through the same 2×4 kernel with their last row of B
                    // repeated (results dropped): a one-accumulator dot product waits on each FMA's
                    // latency and cost twice the time of the 8 columns before it (n = 10).
                    int cols = Math.min(4, n - j);
                    int j0 = offsetB + j * ldb;
                    dots2x4(a0, base0, a1, base1, b, j0, ldb, cols, k, acc);
                    for (int q = 0; q < cols; q++) {
                        store(i, j + q, acc[q]);
                        store(i + 1, j + q, acc[4 + q]);
                    }
                }
            }
            if (i < m1) {
                float[] a0 = a;
                int base0 = offsetA + i * lda;
                if (transA) {
                    for (int p = 0; p < k; p++) {
                        rowA0[p] = a[offsetA + p * lda + i];
                    }
                    a0 = rowA0;
                    base0 = 0;
                }
                for (int j = 0; j < n; j++) {
                    store(i, j, dotAt(a0, base0, b, offsetB + j * ldb, k));
                }
            }
        }

        /** {@code C[i][j] = act(sum + bias[j])}. */
        private void store(int i, int j, float sum) {
            int ci = i * ldc + j;
            float value = sum;
            if (bias != null) {
                value += bias[j];
            }
            c[ci] = activation.apply(value);
        }

        /** Computes the block {@code [m0, m1) × [n0, n1)} of C on this thread alone. */
        void run(int m0, int m1, int n0, int n1) {
            float[][] buffers = buffers(blocks, kernel, halves);
            float[] packedB = buffers[1];
            boolean rowMajorTiles = rowMajorTiles(m1 - m0, n1 - n0);
            int depthBlock = balanced(k, blocks.kc(), 1);
            for (int jc = n0; jc < n1; jc += blocks.nc()) {
                int nc = Math.min(blocks.nc(), n1 - jc);
                for (int pc = 0; pc < k; pc += depthBlock) {
                    int kc = Math.min(depthBlock, k - pc);
                    packB(packedB, buffers[3], pc, kc, jc, nc);
                    computeBlock(m0, m1, jc, nc, pc, kc, packedB, buffers, rowMajorTiles);
                }
            }
        }

        /**
         * Tile order: down a column of tiles (the packed B panel stays in L1 while A panels stream
         * from L2) unless a thread's block of C is too large for L2/L3 to hold, then along rows of
         * tiles, so each row of C is written front to back and the hardware prefetcher streams it
         * (4096³: 220-232 -> 242-260 GFLOP/s on two threads).
         */
        private boolean rowMajorTiles(long rows, long columns) {
            return rows * columns >= blocks.rowMajorTiles();
        }

        /**
         * Rows {@code [m0, m1)} of C's columns {@code [jc, jc+nc)} for depth block {@code [pc, pc+kc)},
         * against op(B)'s block packed in {@code packedB}; op(A) is packed MC rows at a time into this
         * thread's {@code buffers}.
         */
        private void computeBlock(int m0, int m1, int jc, int nc, int pc, int kc, float[] packedB, float[][] buffers,
                                  boolean rowMajorTiles) {
            float[] packedA = buffers[0];
            float[] tile = buffers[2];
            boolean last = pc + kc == k;
            float betaNow = pc == 0 ? 0f : 1f;
            int rowBlock = balanced(m1 - m0, blocks.mc(), mr);
            for (int ic = m0; ic < m1; ic += rowBlock) {
                int mc = Math.min(rowBlock, m1 - ic);
                packA(packedA, buffers[3], ic, mc, pc, kc);
                if (rowMajorTiles) {
                    for (int ir = 0; ir < mc; ir += mr) {
                        for (int jr = 0; jr < nc; jr += nr) {
                            tile(ic, ir, mc, jc, jr, nc, kc, packedA, packedB, tile, betaNow, last);
                        }
                    }
                } else {
                    for (int jr = 0; jr < nc; jr += nr) {
                        for (int ir = 0; ir < mc; ir += mr) {
                            tile(ic, ir, mc, jc, jr, nc, kc, packedA, packedB, tile, betaNow, last);
                        }
                    }
                }
            }
        }

        /** One tile of C at block offsets (ir, jr): the micro-kernel, then the epilogue. */
        private void tile(int ic, int ir, int mc, int jc, int jr, int nc, int kc, float[] packedA, float[] packedB,
                          float[] tile, float betaNow, boolean last) {
            int rows = Math.min(mr, mc - ir);
            int cols = Math.min(nr, nc - jr);
            int row = ic + ir;
            int col = jc + jr;
            boolean full = rows == mr && cols == nr;
            if (full && directStores && !(last && (bias != null || activation != Activation.NONE))) {
                // Nothing to add or activate: the kernel writes (or adds into) C itself,
                // skipping the scratch tile's store and reload.
                MicroKernels.kernel(kernel, kc, packedA, ir * kc, packedB, jr * kc, c, row * ldc + col, ldc,
                        betaNow == 1f);
                return;
            }
            MicroKernels.kernel(kernel, kc, packedA, ir * kc, packedB, jr * kc, tile, 0, nr, false);
            if (full) {
                int ci = row * ldc + col;
                storeTile(tile, mr, nr, c, ci, ldc, betaNow, last ? bias : null, col, last && relu);
            } else {
                mergeEdge(tile, row, rows, col, cols, betaNow, last);
            }
        }

        /**
         * Packs op(B)[pc:pc+kc, jc:jc+nc] as NR-wide panels, each kc rows of NR floats, zero-padded.
         * A 16-bit B is first widened into {@code wide} (that block only, in B's own orientation,
         * so the same packing code reads it while it is hot in cache).
         */
        private void packB(float[] packed, float[] wide, int pc, int kc, int jc, int nc) {
            if (bHalf == null) {
                packB(packed, b, offsetB, ldb, pc, kc, jc, nc);
                return;
            }
            if (!transB) {
                for (int p = 0; p < kc; p++) {
                    Elementwise.widenInto(bf16, bHalf, offsetB + (pc + p) * ldb + jc, wide, p * nc, nc);
                }
                packB(packed, wide, 0, nc, 0, kc, 0, nc);
            } else {
                for (int j = 0; j < nc; j++) {
                    Elementwise.widenInto(bf16, bHalf, offsetB + (jc + j) * ldb + pc, wide, j * kc, kc);
                }
                packB(packed, wide, 0, kc, 0, kc, 0, nc);
            }
        }

        /** {@link #packB} from F32 elements {@code b}, op(B)'s offset {@code offsetB} and leading dimension {@code ldb}. */
        private void packB(float[] packed, float[] b, int offsetB, int ldb, int pc, int kc, int jc, int nc) {
            if (!transB) {
                // B(p, j) = b[offsetB + p*ldb + j]: walk B row by row, so its lines are read in
                // order (the prefetcher streams them), and deal each row out to the panels. Panel by
                // panel (down B's columns) was ×0.93 at 256×1024×784 on one AVX2 thread, the same at
                // 1024³, 2048³ and under AVX-512 (BlockingProbe, 2026-12-06).
                int full = nc / nr * nr;
                for (int p = 0; p < kc; p++) {
                    int src = offsetB + (pc + p) * ldb + jc;
                    int dst = p * nr;
                    for (int jr = 0; jr < full; jr += nr) {
                        for (int v = 0; v < nr; v += LANES) {
                            FloatVector.fromArray(SPECIES, b, src + jr + v).intoArray(packed, dst + jr * kc + v);
                        }
                    }
                    if (full < nc) {
                        System.arraycopy(b, src + full, packed, dst + full * kc, nc - full);
                        java.util.Arrays.fill(packed, dst + full * kc + nc - full, dst + full * kc + nr, 0f);
                    }
                }
                return;
            }
            for (int jr = 0; jr < nc; jr += nr) {
                int cols = Math.min(nr, nc - jr);
                int dst = jr * kc;
                if (cols == nr && transposePackB) {
                    // B(p, j) = b[offsetB + j*ldb + p]: LANES×LANES blocks transposed in registers,
                    // one per vector of the panel's width.
                    int src = offsetB + (jc + jr) * ldb + pc;
                    int p = 0;
                    for (; p + LANES <= kc; p += LANES) {
                        for (int v = 0; v < nr; v += LANES) {
                            transposeSquare(b, src + v * ldb + p, ldb, packed, dst + p * nr + v, nr);
                        }
                    }
                    for (; p < kc; p++) {
                        for (int jj = 0; jj < nr; jj++) {
                            packed[dst + p * nr + jj] = b[src + jj * ldb + p];
                        }
                    }
                } else {
                    // B(p, j) = b[offsetB + j*ldb + p]: columns of the panel are contiguous in B.
                    for (int jj = 0; jj < cols; jj++) {
                        int src = offsetB + (jc + jr + jj) * ldb + pc;
                        for (int p = 0; p < kc; p++) {
                            packed[dst + p * nr + jj] = b[src + p];
                        }
                    }
                    if (cols < nr) {
                        for (int p = 0; p < kc; p++) {
                            java.util.Arrays.fill(packed, dst + p * nr + cols, dst + (p + 1) * nr, 0f);
                        }
                    }
                }
            }
        }

        /**
         * Packs op(A)[ic:ic+mc, pc:pc+kc] as MR-tall panels, each kc columns of MR floats, zero-padded;
         * a 16-bit A is widened block by block first, as in {@link #packB}.
         */
        private void packA(float[] packed, float[] wide, int ic, int mc, int pc, int kc) {
            if (aHalf == null) {
                packA(packed, a, offsetA, lda, ic, mc, pc, kc);
                return;
            }
            if (!transA) {
                for (int i = 0; i < mc; i++) {
                    Elementwise.widenInto(bf16, aHalf, offsetA + (ic + i) * lda + pc, wide, i * kc, kc);
                }
                packA(packed, wide, 0, kc, 0, mc, 0, kc);
            } else {
                for (int p = 0; p < kc; p++) {
                    Elementwise.widenInto(bf16, aHalf, offsetA + (pc + p) * lda + ic, wide, p * mc, mc);
                }
                packA(packed, wide, 0, mc, 0, mc, 0, kc);
            }
        }

        /** {@link #packA} from F32 elements {@code a}, op(A)'s offset {@code offsetA} and leading dimension {@code lda}. */
        private void packA(float[] packed, float[] a, int offsetA, int lda, int ic, int mc, int pc, int kc) {
            int[] gather = gatherA;
            if (lda != this.lda && gatherPackA) {
                gather = new int[8];
                for (int i = 0; i < 8; i++) {
                    gather[i] = i * lda;
                }
            }
            for (int ir = 0; ir < mc; ir += mr) {
                int rows = Math.min(mr, mc - ir);
                int dst = ir * kc;
                if (!transA && rows == 8 && gatherPackA) {
                    // A(i, p) = a[offsetA + i*lda + p]: each column of the panel comes from 8
                    // rows, lda apart: 8×16 blocks transposed in registers, gathers for the rest.
                    int src = offsetA + (ic + ir) * lda + pc;
                    int p = 0;
                    if (transposePackA) {
                        // Sixteen columns at a time: 8 row loads, 24 lane permutations, 8 stores.
                        for (; p + 16 <= kc; p += 16) {
                            Transposes.transpose8x16(a, src + p, lda, packed, dst + p * 8);
                        }
                    }
                    for (; p < kc; p++) {
                        FloatVector.fromArray(SPECIES_8, a, src + p, gather, 0).intoArray(packed, dst + p * 8);
                    }
                } else if (!transA && rows == 4 && transposePackA4) {
                    // Four rows of A, lda apart: 4×8 blocks transposed in registers.
                    int src = offsetA + (ic + ir) * lda + pc;
                    int p = 0;
                    for (; p + 8 <= kc; p += 8) {
                        Transposes.pack4x8(a, src + p, lda, packed, dst + p * 4);
                    }
                    for (; p < kc; p++) {
                        for (int ii = 0; ii < 4; ii++) {
                            packed[dst + p * 4 + ii] = a[src + ii * lda + p];
                        }
                    }
                } else if (!transA) {
                    // A(i, p) = a[offsetA + i*lda + p]: each row of the panel is contiguous in A.
                    for (int ii = 0; ii < rows; ii++) {
                        int src = offsetA + (ic + ir + ii) * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            packed[dst + p * mr + ii] = a[src + p];
                        }
                    }
                } else if (rows == mr && columnVectors) {
                    // A(i, p) = a[offsetA + p*lda + i]: each column of the panel is MR contiguous
                    // floats of A, copied as one vector: ×1.04-1.10 against an arraycopy call per
                    // column at the MLP's TN shapes (BlockingProbe, AVX2 and AVX-512, 2026-12-06).
                    int src = offsetA + pc * lda + ic + ir;
                    if (mr == 4) {
                        for (int p = 0; p < kc; p++, src += lda) {
                            FloatVector.fromArray(SPECIES_4, a, src).intoArray(packed, dst + p * 4);
                        }
                    } else {
                        for (int p = 0; p < kc; p++, src += lda) {
                            FloatVector.fromArray(SPECIES_8, a, src).intoArray(packed, dst + p * 8);
                        }
                    }
                } else {
                    // A(i, p) = a[offsetA + p*lda + i]: each column of the panel is contiguous in A.
                    for (int p = 0; p < kc; p++) {
                        System.arraycopy(a, offsetA + (pc + p) * lda + ic + ir, packed, dst + p * mr, rows);
                    }
                }
                if (rows < mr) {
                    for (int p = 0; p < kc; p++) {
                        java.util.Arrays.fill(packed, dst + p * mr + rows, dst + (p + 1) * mr, 0f);
                    }
                }
            }
        }

        /** Writes the valid rows×cols corner of a scratch tile holding op(A)·op(B) into C. */
        private void mergeEdge(float[] tile, int row, int rows, int col, int cols, float betaNow, boolean last) {
            for (int r = 0; r < rows; r++) {
                int ci = (row + r) * ldc + col;
                for (int j = 0; j < cols; j++) {
                    float value = tile[r * nr + j];
                    if (betaNow != 0f) {
                        value += betaNow * c[ci + j];
                    }
                    if (last) {
                        if (bias != null) {
                            value += bias[col + j];
                        }
                        value = activation.apply(value);
                    }
                    c[ci + j] = value;
                }
            }
        }
    }

    static final boolean TRANSPOSE_PACK = !Boolean.getBoolean("nabla.gemm.scalarPack");

    /** The LANES×LANES transpose of this JVM's vectors. */
    private static void transposeSquare(float[] src, int from, int ld, float[] dst, int to, int dstLd) {
        switch (LANES) {
            case 16 -> Transposes.transpose16(src, from, ld, dst, to, dstLd);
            default -> Transposes.transpose8(src, from, ld, dst, to, dstLd);
        }
    }

    /** {@code acc[0, length) += scale · x[from, from + length)}. */
    private static void axpy(float scale, float[] x, int from, float[] acc, int length) {
        FloatVector factor = FloatVector.broadcast(SPECIES, scale);
        int bound = SPECIES.loopBound(length);
        int j = 0;
        for (; j < bound; j += LANES) {
            CpuFeatures.fma(factor, FloatVector.fromArray(SPECIES, x, from + j), FloatVector.fromArray(SPECIES, acc, j))
                    .intoArray(acc, j);
        }
        for (; j < length; j++) {
            acc[j] += scale * x[from + j];
        }
    }

    /** {@code Σ row[p] · x[from + p]} over {@code p < length}. */
    /**
     * Dot products of two rows of A ({@code a0} from {@code i0}, {@code a1} from {@code i1}) with
     * four rows of B ({@code b} from {@code j0}, {@code ldb} apart), all of length {@code k}, into
     * {@code out[0..3]} (row 0) and {@code out[4..7]} (row 1). Only the first {@code cols} rows of B
     * are read; the others repeat the last of them. One method, no vector crosses a call.
     */
    private static void dots2x4(float[] a0, int i0, float[] a1, int i1, float[] b, int j0, int ldb, int cols,
                                int k, float[] out) {
        FloatVector s00 = FloatVector.zero(SPECIES);
        FloatVector s01 = FloatVector.zero(SPECIES);
        FloatVector s02 = FloatVector.zero(SPECIES);
        FloatVector s03 = FloatVector.zero(SPECIES);
        FloatVector s10 = FloatVector.zero(SPECIES);
        FloatVector s11 = FloatVector.zero(SPECIES);
        FloatVector s12 = FloatVector.zero(SPECIES);
        FloatVector s13 = FloatVector.zero(SPECIES);
        // With fewer than 4 valid rows of B (cols), the missing ones repeat the last valid row.
        int j1 = j0 + Math.min(1, cols - 1) * ldb;
        int j2 = j0 + Math.min(2, cols - 1) * ldb;
        int j3 = j0 + Math.min(3, cols - 1) * ldb;
        int bound = SPECIES.loopBound(k);
        int p = 0;
        for (; p < bound; p += LANES) {
            FloatVector x0 = FloatVector.fromArray(SPECIES, a0, i0 + p);
            FloatVector x1 = FloatVector.fromArray(SPECIES, a1, i1 + p);
            FloatVector y0 = FloatVector.fromArray(SPECIES, b, j0 + p);
            FloatVector y1 = FloatVector.fromArray(SPECIES, b, j1 + p);
            FloatVector y2 = FloatVector.fromArray(SPECIES, b, j2 + p);
            FloatVector y3 = FloatVector.fromArray(SPECIES, b, j3 + p);
            s00 = CpuFeatures.fma(x0, y0, s00);
            s01 = CpuFeatures.fma(x0, y1, s01);
            s02 = CpuFeatures.fma(x0, y2, s02);
            s03 = CpuFeatures.fma(x0, y3, s03);
            s10 = CpuFeatures.fma(x1, y0, s10);
            s11 = CpuFeatures.fma(x1, y1, s11);
            s12 = CpuFeatures.fma(x1, y2, s12);
            s13 = CpuFeatures.fma(x1, y3, s13);
        }
        float r00 = Lanes.sum(s00);
        float r01 = Lanes.sum(s01);
        float r02 = Lanes.sum(s02);
        float r03 = Lanes.sum(s03);
        float r10 = Lanes.sum(s10);
        float r11 = Lanes.sum(s11);
        float r12 = Lanes.sum(s12);
        float r13 = Lanes.sum(s13);
        for (; p < k; p++) {
            float x0 = a0[i0 + p];
            float x1 = a1[i1 + p];
            r00 += x0 * b[j0 + p];
            r01 += x0 * b[j1 + p];
            r02 += x0 * b[j2 + p];
            r03 += x0 * b[j3 + p];
            r10 += x1 * b[j0 + p];
            r11 += x1 * b[j1 + p];
            r12 += x1 * b[j2 + p];
            r13 += x1 * b[j3 + p];
        }
        out[0] = r00;
        out[1] = r01;
        out[2] = r02;
        out[3] = r03;
        out[4] = r10;
        out[5] = r11;
        out[6] = r12;
        out[7] = r13;
    }

    /** Dot product of {@code length} elements of {@code row} from {@code start} and of {@code x} from {@code from}. */
    private static float dotAt(float[] row, int start, float[] x, int from, int length) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int bound = SPECIES.loopBound(length);
        int p = 0;
        for (; p < bound; p += LANES) {
            FloatVector y = FloatVector.fromArray(SPECIES, x, from + p);
            sum = CpuFeatures.fma(FloatVector.fromArray(SPECIES, row, start + p), y, sum);
        }
        float result = Lanes.sum(sum);
        for (; p < length; p++) {
            result += row[start + p] * x[from + p];
        }
        return result;
    }

    private static float dot(float[] row, float[] x, int from, int length) {
        FloatVector sum0 = FloatVector.zero(SPECIES);
        FloatVector sum1 = FloatVector.zero(SPECIES);
        int bound = SPECIES.loopBound(length);
        int p = 0;
        for (; p + LANES < bound; p += 2 * LANES) {
            sum0 = CpuFeatures.fma(FloatVector.fromArray(SPECIES, row, p), FloatVector.fromArray(SPECIES, x, from + p),
                    sum0);
            sum1 = CpuFeatures.fma(FloatVector.fromArray(SPECIES, row, p + LANES),
                    FloatVector.fromArray(SPECIES, x, from + p + LANES), sum1);
        }
        if (p < bound) {
            sum0 = CpuFeatures.fma(FloatVector.fromArray(SPECIES, row, p), FloatVector.fromArray(SPECIES, x, from + p),
                    sum0);
            p += LANES;
        }
        float sum = Lanes.sum(sum0.add(sum1));
        for (; p < length; p++) {
            sum += row[p] * x[from + p];
        }
        return sum;
    }

    /**
     * Writes a full {@code mr × nr} tile of op(A)·op(B) into C: {@code tile + beta·C (+ bias)}, then
     * ReLU if asked; {@code beta} is 0 for the first depth block (C is not read) and 1 after it.
     */
    private static void storeTile(float[] tile, int mr, int nr, float[] c, int ci, int ldc, float beta, float[] bias,
                                  int biasIndex, boolean relu) {
        for (int r = 0; r < mr; r++) {
            int row = ci + r * ldc;
            for (int j = 0; j < nr; j += LANES) {
                FloatVector v = FloatVector.fromArray(SPECIES, tile, r * nr + j);
                if (beta != 0f) {
                    // beta is 1 here: C + tile, the same rounding as the kernel's accumulating store.
                    v = FloatVector.fromArray(SPECIES, c, row + j).add(v);
                }
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(SPECIES, bias, biasIndex + j));
                }
                if (relu) {
                    v = Elementwise.relu(v);
                }
                v.intoArray(c, row + j);
            }
        }
    }
}
