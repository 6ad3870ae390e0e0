package dev.nabla.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NCCL binding against a stand-in library with NCCL 2's C signatures
 * ({@code src/test/c/fake_nccl.c}, compiled here with gcc), as {@code ForeignCublasTest} tests
 * cuBLAS's: symbols, the 128-byte unique id passed by value after travelling over the bootstrap
 * communicator, {@code size_t} counts, dtype and op codes, the stream, and NCCL's error text. The
 * "device" pointers are host addresses, which the stand-in reads and writes as if every rank held
 * the same buffer. The real run waits for a multi-GPU machine (docs/gpu.md).
 */
@SuppressWarnings("restricted")
class NcclBindingTest {

    private static final long STREAM = 0x5eed;

    @TempDir
    static Path folder;

    private static Nccl nccl;
    private static MethodHandle lastCall;
    private static MethodHandle commState;

    @BeforeAll
    static void compileTheStandIn() throws Exception {
        Path source = Path.of("src/test/c/fake_nccl.c");
        Assumptions.assumeTrue(Files.isRegularFile(source), "no " + source.toAbsolutePath());
        // NOTE: not named libnccl.so.2, so that it is never mistaken for a real NCCL.
        Path library = folder.resolve("libnabla_fake_nccl.so");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O1", "-o", library.toString(), source.toString())
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("gcc is not installed: " + e.getMessage());
            return;
        }
        String output = new String(gcc.getInputStream().readAllBytes());
        assertEquals(0, gcc.waitFor(), output);
        nccl = new Nccl(library);
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        lastCall = Linker.nativeLinker().downcallHandle(lookup.find("nabla_fake_nccl_last").orElseThrow(),
                FunctionDescriptor.ofVoid(ADDRESS));
        commState = Linker.nativeLinker().downcallHandle(lookup.find("nabla_fake_nccl_comm").orElseThrow(),
                FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    }

    /** NCCL reads device pointers: a CPU device is refused before any NCCL call, naming the device and the way out. */
    @Test
    void collectivesOnADeviceWithoutPointersAreRefusedByName() {
        dev.nabla.Device cpu = dev.nabla.Device.cpu();
        assertEquals(false, NcclCollectives.canReduceOn(cpu));
        var e = assertThrows(IllegalArgumentException.class,
                () -> NcclCollectives.create(nccl, new SingleProcessCommunicator(), cpu));
        assertEquals("NCCL on rank 0: " + cpu + " is not a CUDA device (its memory has no device pointer NCCL can "
                + "read); NCCL reduces CUDA tensors, use the MPI engine (--dist-backend mpi) on this device",
                e.getMessage());
    }

    @Test
    void versionCodesReadAsNcclPrintsThem() {
        assertEquals("2.27.3", nccl.version());
        assertEquals("2.8.4", Nccl.versionText(2804));    // before 2.9: major·1000 + minor·100 + patch
        assertEquals("2.19.3", Nccl.versionText(21903));
    }

    /** Rank 0 makes the id and broadcasts it; ncclCommInitRank gets those 128 bytes by value. */
    @Test
    void rankZeroSendsItsUniqueIdOverTheBootstrap() throws Throwable {
        RecordingBootstrap bootstrap = new RecordingBootstrap(0, 2, null);
        try (NcclCommunicator comm = NcclCommunicator.create(nccl, bootstrap)) {
            byte[] expected = new byte[128];
            for (int i = 0; i < 128; i++) {
                expected[i] = (byte) (i * 7 + 3); // what the stand-in's ncclGetUniqueId writes
            }
            assertArrayEquals(expected, bootstrap.broadcasts.get(0), "the bootstrap carried the id");
            assertArrayEquals(expected, initialised(0, 2), "ncclCommInitRank got the id, rank and size");
            assertEquals(2, comm.size());
        }
    }

    /** Another rank does not make an id: it takes the one the bootstrap delivers. */
    @Test
    void otherRanksUseTheIdTheyReceive() throws Throwable {
        byte[] delivered = new byte[128];
        for (int i = 0; i < 128; i++) {
            delivered[i] = (byte) (255 - i);
        }
        try (NcclCommunicator comm = NcclCommunicator.create(nccl, new RecordingBootstrap(2, 3, delivered))) {
            assertArrayEquals(delivered, initialised(2, 3));
            assertEquals(2, comm.rank());
        }
    }

    @Test
    void allReducePassesCountTypeOpAndStream() throws Throwable {
        try (NcclCommunicator comm = NcclCommunicator.create(nccl, new RecordingBootstrap(0, 3, null));
             Arena arena = Arena.ofConfined()) {
            float[] values = {1.5f, -2f, 0.25f, 7f, 9f};
            MemorySegment floats = arena.allocateFrom(JAVA_FLOAT, values);
            comm.allReduce(floats.address(), ElementType.F32, 5, Reduction.SUM, STREAM);
            assertArrayEquals(new float[] {4.5f, -6f, 0.75f, 21f, 27f}, floats.toArray(JAVA_FLOAT), "3 ranks' sum");
            long[] last = last();
            assertEquals(floats.address(), last[0], "in place: send is the buffer");
            assertEquals(floats.address(), last[1], "in place: receive is the buffer");
            assertEquals(5, last[2], "count");
            assertEquals(Nccl.NCCL_FLOAT32, last[3], "ncclFloat32");
            assertEquals(Nccl.NCCL_SUM, last[4], "ncclSum");
            assertEquals(STREAM, last[6], "the backend's stream");

            MemorySegment ints = arena.allocateFrom(JAVA_INT, 7, -9, 11);
            comm.allReduce(ints.address(), ElementType.I32, 3, Reduction.AVERAGE, STREAM);
            assertArrayEquals(new int[] {7, -9, 11}, ints.toArray(JAVA_INT), "the average of equal buffers");
            last = last();
            assertEquals(Nccl.NCCL_INT32, last[3], "ncclInt32");
            assertEquals(Nccl.NCCL_AVG, last[4], "ncclAvg");

            // size_t, not int: a count past 2^31 reaches NCCL whole (nothing is read: the stand-in checks first).
            assertThrows(IllegalStateException.class, () -> comm.allReduce(0, ElementType.F32, 3L << 31,
                    Reduction.SUM, STREAM));
            assertEquals(3L << 31, last()[2]);
        }
    }

    @Test
    void broadcastPassesTheRoot() throws Throwable {
        try (NcclCommunicator comm = NcclCommunicator.create(nccl, new RecordingBootstrap(1, 2, new byte[128]));
             Arena arena = Arena.ofConfined()) {
            MemorySegment floats = arena.allocate(JAVA_FLOAT, 3);
            comm.broadcast(floats.address(), ElementType.F32, 3, 0, STREAM);
            assertArrayEquals(new float[] {100, 101, 102}, floats.toArray(JAVA_FLOAT), "the root's data arrived");
            assertEquals(0, last()[4], "root");
            assertThrows(IllegalArgumentException.class, () -> comm.broadcast(floats.address(), ElementType.F32, 3, 2,
                    STREAM));
        }
    }

    @Test
    void ncclErrorsNameTheCallRankAndText() throws Throwable {
        try (NcclCommunicator comm = NcclCommunicator.create(nccl, new RecordingBootstrap(0, 2, null))) {
            var e = assertThrows(IllegalStateException.class, () -> comm.allReduce(0, ElementType.F32, 4,
                    Reduction.SUM, STREAM));
            assertEquals("ncclAllReduce failed on rank 0: invalid argument (ncclResult_t 4)", e.getMessage());
            comm.checkAsyncError();
            comm.abort();
            var closed = assertThrows(IllegalStateException.class, () -> comm.allReduce(0, ElementType.F32, 0,
                    Reduction.SUM, STREAM));
            assertEquals("ncclAllReduce on rank 0: the NCCL communicator is closed", closed.getMessage());
        }
    }

    private static long[] last() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, 8);
            lastCall.invokeExact(out);
            return out.toArray(JAVA_LONG);
        }
    }

    /** The unique id the stand-in's communicator was created with, after checking its rank and size. */
    private static byte[] initialised(int rank, int size) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rankSize = arena.allocate(JAVA_INT, 2);
            MemorySegment id = arena.allocate(128);
            commState.invokeExact(rankSize, id);
            assertEquals(rank, rankSize.getAtIndex(JAVA_INT, 0), "rank");
            assertEquals(size, rankSize.getAtIndex(JAVA_INT, 1), "nranks");
            return id.toArray(JAVA_BYTE);
        }
    }

    /** A bootstrap group seen from one rank: records what it broadcasts, delivers a fixed payload to non-roots. */
    private static final class RecordingBootstrap implements Communicator {
        final int rank;
        final int size;
        final byte[] delivered;
        final List<byte[]> broadcasts = new ArrayList<>();

        RecordingBootstrap(int rank, int size, byte[] delivered) {
            this.rank = rank;
            this.size = size;
            this.delivered = delivered;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void allReduce(MemorySegment buffer, ElementType type, long count, Reduction reduction) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void broadcast(MemorySegment buffer, ElementType type, long count, int root) {
            assertEquals(ElementType.I32, type);
            assertEquals(32, count, "128 bytes as 32 ints");
            if (rank == root) {
                broadcasts.add(buffer.asSlice(0, 128).toArray(JAVA_BYTE));
            } else {
                MemorySegment.copy(MemorySegment.ofArray(delivered), 0, buffer, 0, 128);
            }
        }

        @Override
        public void barrier() {
        }

        @Override
        public String describe() {
            return "recording bootstrap";
        }

        @Override
        public void abort(int exitCode) {
        }

        @Override
        public void close() {
        }
    }
}
