package dev.nabla.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.cuda.CudaLibrarySearch;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * NCCL ({@code libnccl.so.2}) through {@code java.lang.foreign}, for collectives between CUDA
 * devices. The functions bound, with the C signatures of NCCL 2's {@code nccl.h}:
 * <pre>
 * ncclResult_t ncclGetVersion(int *version);
 * ncclResult_t ncclGetUniqueId(ncclUniqueId *uniqueId);
 * ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank);
 * ncclResult_t ncclAllReduce(const void *sendbuff, void *recvbuff, size_t count, ncclDataType_t datatype,
 *                            ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream);
 * ncclResult_t ncclBroadcast(const void *sendbuff, void *recvbuff, size_t count, ncclDataType_t datatype,
 *                            int root, ncclComm_t comm, cudaStream_t stream);
 * ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *asyncError);
 * ncclResult_t ncclCommDestroy(ncclComm_t comm);
 * ncclResult_t ncclCommAbort(ncclComm_t comm);
 * const char *ncclGetErrorString(ncclResult_t result);
 * </pre>
 * {@code ncclUniqueId} is a struct of 128 bytes passed <i>by value</i> to
 * {@code ncclCommInitRank} (a struct layout here, so the linker passes it as the C ABI says);
 * handles, streams and device pointers are addresses; the enums are {@code int}.
 */
@SuppressWarnings("restricted") // binding native code is this class's job; the JVM runs with --enable-native-access
public final class Nccl {

    /** NCCL 2's soname. */
    public static final String SONAME = "libnccl.so.2";
    /** Names the library file or its folder, before the usual search. */
    public static final String OVERRIDE_VARIABLE = "NABLA_NCCL";
    /** Where PyTorch's pip wheels keep it ({@code nvidia-nccl-cu12}/{@code -cu13}). */
    static final List<String> PIP_FOLDERS = List.of("nvidia/nccl/lib");

    static final int UNIQUE_ID_BYTES = 128;
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE).withName("internal"));

    // ncclDataType_t
    static final int NCCL_INT32 = 2;
    static final int NCCL_FLOAT32 = 7;
    // ncclRedOp_t
    static final int NCCL_SUM = 0;
    static final int NCCL_AVG = 4;
    static final int NCCL_SUCCESS = 0;
    /** ncclInProgress: a non-blocking communicator's call is still under way. */
    static final int NCCL_IN_PROGRESS = 7;

    final Path path;
    final MethodHandle getVersion;
    final MethodHandle getUniqueId;
    final MethodHandle commInitRank;
    final MethodHandle allReduce;
    final MethodHandle broadcast;
    final MethodHandle commGetAsyncError;
    final MethodHandle commDestroy;
    final MethodHandle commAbort;
    final MethodHandle getErrorString;

    /**
     * Binds the library at {@code path}.
     *
     * @throws IllegalArgumentException if the loader refuses it or a symbol is missing
     */
    public Nccl(Path path) {
        this.path = path;
        SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
        Linker linker = Linker.nativeLinker();
        getVersion = bind(linker, lookup, "ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getUniqueId = bind(linker, lookup, "ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commInitRank = bind(linker, lookup, "ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                UNIQUE_ID, JAVA_INT));
        allReduce = bind(linker, lookup, "ncclAllReduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        broadcast = bind(linker, lookup, "ncclBroadcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        commGetAsyncError = bind(linker, lookup, "ncclCommGetAsyncError", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS));
        commDestroy = bind(linker, lookup, "ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commAbort = bind(linker, lookup, "ncclCommAbort", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getErrorString = bind(linker, lookup, "ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /** The installed NCCL found by the same search as cuBLAS, or empty. */
    public static Optional<Path> find() {
        return CudaLibrarySearch.find(SONAME, OVERRIDE_VARIABLE, PIP_FOLDERS);
    }

    /** Why NCCL is not usable here, naming where it was looked for; empty if it loads. */
    public static Optional<String> unavailableReason() {
        Optional<Path> path = find();
        if (path.isEmpty()) {
            return Optional.of(SONAME + " not found (looked in $" + OVERRIDE_VARIABLE + ", LD_LIBRARY_PATH,"
                    + " /usr/local/cuda/lib64, the loader cache and Python's nvidia/nccl/lib; PyTorch's CUDA wheels"
                    + " bring it, or NVIDIA's libnccl2 package)");
        }
        try {
            new Nccl(path.get());
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(path.get() + " cannot be used: " + e.getMessage());
        }
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name).orElseThrow(
                () -> new IllegalArgumentException("the library has no symbol " + name));
        return linker.downcallHandle(symbol, descriptor);
    }

    /** "2.27.3" from {@code ncclGetVersion}'s code (major·10000 + minor·100 + patch since 2.9). */
    public String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(JAVA_INT);
            check("ncclGetVersion", -1, (int) getVersion.invokeExact(code));
            return versionText(code.get(JAVA_INT, 0));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("ncclGetVersion could not be called: " + e, e);
        }
    }

    /** The version code as text; codes below 2900 use the old scheme (major·1000 + minor·100 + patch). */
    static String versionText(int code) {
        if (code < 2900) {
            return code / 1000 + "." + code % 1000 / 100 + "." + code % 100;
        }
        return code / 10000 + "." + code % 10000 / 100 + "." + code % 100;
    }

    /** The library's file, for messages. */
    public Path path() {
        return path;
    }

    /** NCCL's text for a result code. */
    String errorText(int result) {
        try {
            MemorySegment text = (MemorySegment) getErrorString.invokeExact(result);
            return text.equals(MemorySegment.NULL) ? "result " + result
                    : text.reinterpret(1024).getString(0, java.nio.charset.StandardCharsets.UTF_8);
        } catch (Throwable e) {
            return "result " + result;
        }
    }

    /** Throws naming {@code call}, the rank and NCCL's text unless {@code result} is ncclSuccess. */
    void check(String call, int rank, int result) {
        if (result != NCCL_SUCCESS) {
            throw new IllegalStateException(call + " failed" + (rank >= 0 ? " on rank " + rank : "") + ": "
                    + errorText(result) + " (ncclResult_t " + result + ")");
        }
    }
}
