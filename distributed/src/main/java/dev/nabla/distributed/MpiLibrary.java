package dev.nabla.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Open MPI's {@code libmpi.so.40} through {@code java.lang.foreign} (Debian ships no
 * {@code mpi.jar}). The functions bound, with the C signatures of Open MPI 4.1's {@code mpi.h}:
 * <pre>
 * int MPI_Init_thread(int *argc, char ***argv, int required, int *provided);
 * int MPI_Initialized(int *flag);            int MPI_Finalized(int *flag);
 * int MPI_Finalize(void);                    int MPI_Abort(MPI_Comm comm, int errorcode);
 * int MPI_Comm_rank(MPI_Comm comm, int *rank);  int MPI_Comm_size(MPI_Comm comm, int *size);
 * int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm);
 * int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler);
 * int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
 * int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm);
 * int MPI_Barrier(MPI_Comm comm);
 * int MPI_Isend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
 * int MPI_Irecv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Request *request);
 * int MPI_Test(MPI_Request *request, int *flag, MPI_Status *status);
 * int MPI_Get_library_version(char *version, int *resultlen);
 * int MPI_Error_string(int errorcode, char *string, int *resultlen);
 * </pre>
 * Open MPI's handles ({@code MPI_Comm}, {@code MPI_Datatype}, {@code MPI_Op},
 * {@code MPI_Errhandler}, {@code MPI_Request}) are pointers, and its predefined ones are the
 * addresses of global symbols: {@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world},
 * {@code MPI_FLOAT} {@code &ompi_mpi_float}, {@code MPI_INT} {@code &ompi_mpi_int},
 * {@code MPI_SUM} {@code &ompi_mpi_op_sum}, {@code MPI_ERRORS_RETURN}
 * {@code &ompi_mpi_errors_return}. {@code MPI_IN_PLACE} is {@code (void *) 1} and
 * {@code MPI_STATUS_IGNORE} {@code NULL}. Other MPI implementations (MPICH: integer handles) have
 * another ABI and are refused by the symbol check.
 */
@SuppressWarnings("restricted") // binding native code is this class's job; the JVM runs with --enable-native-access
final class MpiLibrary {

    /** The soname Open MPI 3.x–4.x gives its C library (Debian's {@code libopenmpi3}). */
    static final String SONAME = "libmpi.so.40";
    /** Names the library file or its folder, before the loader's own search. */
    static final String OVERRIDE_VARIABLE = "NABLA_MPI";

    static final int MPI_SUCCESS = 0;
    static final int MPI_THREAD_MULTIPLE = 3;
    static final int MAX_LIBRARY_VERSION_STRING = 256;
    static final int MAX_ERROR_STRING = 256;
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);

    final Path path;
    final MemorySegment commWorld;
    final MemorySegment typeFloat;
    final MemorySegment typeInt;
    final MemorySegment opSum;
    final MemorySegment errorsReturn;

    final MethodHandle initThread;
    final MethodHandle initialized;
    final MethodHandle finalized;
    final MethodHandle finalizeCall;
    final MethodHandle abort;
    final MethodHandle commRank;
    final MethodHandle commSize;
    final MethodHandle commDup;
    final MethodHandle commSetErrhandler;
    final MethodHandle allreduce;
    final MethodHandle bcast;
    final MethodHandle barrier;
    final MethodHandle isend;
    final MethodHandle irecv;
    final MethodHandle test;
    final MethodHandle libraryVersion;
    final MethodHandle errorString;

    private MpiLibrary(Path path, SymbolLookup lookup) {
        this.path = path;
        commWorld = symbol(lookup, "ompi_mpi_comm_world");
        typeFloat = symbol(lookup, "ompi_mpi_float");
        typeInt = symbol(lookup, "ompi_mpi_int");
        opSum = symbol(lookup, "ompi_mpi_op_sum");
        errorsReturn = symbol(lookup, "ompi_mpi_errors_return");
        Linker linker = Linker.nativeLinker();
        initThread = bind(linker, lookup, "MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS));
        initialized = bind(linker, lookup, "MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalized = bind(linker, lookup, "MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalizeCall = bind(linker, lookup, "MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        abort = bind(linker, lookup, "MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        commRank = bind(linker, lookup, "MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSize = bind(linker, lookup, "MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commDup = bind(linker, lookup, "MPI_Comm_dup", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSetErrhandler = bind(linker, lookup, "MPI_Comm_set_errhandler",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        allreduce = bind(linker, lookup, "MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS));
        bcast = bind(linker, lookup, "MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS));
        barrier = bind(linker, lookup, "MPI_Barrier", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        isend = bind(linker, lookup, "MPI_Isend", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS));
        irecv = bind(linker, lookup, "MPI_Irecv", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS));
        test = bind(linker, lookup, "MPI_Test", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        libraryVersion = bind(linker, lookup, "MPI_Get_library_version", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS));
        errorString = bind(linker, lookup, "MPI_Error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS));
    }

    /** The process's library, loaded on first use; a failure is remembered and thrown again with its reason. */
    static MpiLibrary load() {
        return Holder.LIBRARY.orElseThrow(() -> new MpiUnavailableException(Holder.FAILURE));
    }

    /** Why MPI cannot be used here, or empty if it can (the library loads and has Open MPI's symbols). */
    static Optional<String> unavailableReason() {
        return Holder.LIBRARY.isPresent() ? Optional.empty() : Optional.of(Holder.FAILURE);
    }

    /** Open MPI's library (or MPI) is missing or is not Open MPI's ABI. */
    static final class MpiUnavailableException extends IllegalStateException {
        MpiUnavailableException(String message) {
            super(message);
        }
    }

    private static final class Holder {
        static final Optional<MpiLibrary> LIBRARY;
        static final String FAILURE;

        static {
            Optional<MpiLibrary> loaded = Optional.empty();
            String failure = "";
            try {
                loaded = Optional.of(open());
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
            LIBRARY = loaded;
            FAILURE = failure;
        }
    }

    private static MpiLibrary open() {
        String override = System.getenv(OVERRIDE_VARIABLE);
        Path path;
        SymbolLookup lookup;
        if (override != null && !override.isBlank()) {
            path = Path.of(override.strip());
            if (Files.isDirectory(path)) {
                path = path.resolve(SONAME);
            }
            if (!Files.isRegularFile(path)) {
                throw new MpiUnavailableException(OVERRIDE_VARIABLE + "=" + override + " names no file (" + path + ")");
            }
            Path file = path;
            lookup = libraryLookup(file.toString(), () -> SymbolLookup.libraryLookup(file, Arena.global()));
        } else {
            lookup = libraryLookup(SONAME, () -> SymbolLookup.libraryLookup(SONAME, Arena.global()));
            path = mappedPath().orElse(Path.of(SONAME));
        }
        try {
            return new MpiLibrary(path, lookup);
        } catch (IllegalArgumentException e) {
            throw new MpiUnavailableException(path + " is not Open MPI 3.x/4.x (" + e.getMessage() + "); Nabla binds"
                    + " Open MPI's ABI: apt-get install openmpi-bin libopenmpi3");
        }
    }

    private static SymbolLookup libraryLookup(String what, java.util.function.Supplier<SymbolLookup> loader) {
        try {
            return loader.get();
        } catch (IllegalArgumentException e) {
            throw new MpiUnavailableException("Open MPI is not installed: " + what + " cannot be loaded (" + e.getMessage()
                    + "); apt-get install openmpi-bin libopenmpi3 (Debian/Ubuntu), or set " + OVERRIDE_VARIABLE
                    + " to the library");
        }
    }

    /** Where the loader found the library, from {@code /proc/self/maps}. */
    private static Optional<Path> mappedPath() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.contains("/" + SONAME)) {
                    return Optional.of(Path.of(line.substring(slash).strip()));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or unreadable: the soname alone names it
        }
        return Optional.empty();
    }

    private static MemorySegment symbol(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalArgumentException("no symbol " + name));
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return linker.downcallHandle(symbol(lookup, name), descriptor);
    }

    /** {@code MPI_Get_library_version}'s first line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...". */
    String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(MAX_LIBRARY_VERSION_STRING);
            MemorySegment length = arena.allocate(JAVA_INT);
            int status = (int) libraryVersion.invokeExact(text, length);
            if (status != MPI_SUCCESS) {
                return "unknown version (MPI_Get_library_version returned " + status + ")";
            }
            return text.getString(0, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
        } catch (Throwable e) {
            return "unknown version (" + e + ")";
        }
    }

    /** The short version, e.g. "Open MPI v4.1.4". */
    String shortVersion() {
        String full = version();
        int comma = full.indexOf(',');
        return comma > 0 ? full.substring(0, comma) : full;
    }

    /** {@code MPI_Error_string} of a return code. */
    String errorText(int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(MAX_ERROR_STRING);
            MemorySegment length = arena.allocate(JAVA_INT);
            int status = (int) errorString.invokeExact(code, text, length);
            return status == MPI_SUCCESS ? text.getString(0, StandardCharsets.UTF_8) : "MPI error " + code;
        } catch (Throwable e) {
            return "MPI error " + code;
        }
    }

    /** Throws naming {@code call}, this rank and MPI's own text unless {@code status} is {@code MPI_SUCCESS}. */
    void check(String call, int rank, int status) {
        if (status != MPI_SUCCESS) {
            throw new IllegalStateException(call + " failed on rank " + rank + ": " + errorText(status) + " (MPI error "
                    + status + ")");
        }
    }
}
