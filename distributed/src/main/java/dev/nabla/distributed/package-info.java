/**
 * Data-parallel training across processes, one process per device, on proven communication
 * engines bound with {@code java.lang.foreign}: Open MPI ({@code libmpi.so.40}) for host buffers on
 * any backend, NCCL ({@code libnccl.so.2}) for CUDA device buffers.
 *
 * <p>The pieces:
 * <ul>
 *   <li>{@link dev.nabla.distributed.Communicator}: all-reduce (sum, average) of F32 and I32
 *       buffers in place, broadcast, barrier; {@link dev.nabla.distributed.MpiCommunicator} and
 *       {@link dev.nabla.distributed.SingleProcessCommunicator} implement it.</li>
 *   <li>{@link dev.nabla.distributed.DistributedDataParallel}: core's
 *       {@link dev.nabla.train.DataParallel} over a communicator (rank 0's parameters broadcast at
 *       start, gradients averaged in flat buckets after backward).</li>
 *   <li>{@link dev.nabla.distributed.LaunchEnvironment}: the rank variables {@code mpirun}, Slurm
 *       and PMI launchers set; {@link dev.nabla.distributed.MpiLauncher} builds the {@code mpirun}
 *       command {@code nabla train --nproc N} runs.</li>
 *   <li>{@link dev.nabla.distributed.Nccl} and {@link dev.nabla.distributed.NcclCommunicator}: the
 *       NCCL binding for device buffers, its unique id sent over MPI.</li>
 * </ul>
 *
 * <p>Invariants: a collective never blocks forever. Each one runs on the communicator's own MPI
 * thread and the caller waits at most the configured timeout; past it the ranks that are still
 * alive find out which did not arrive (a roll call over point-to-point messages), each throws
 * {@link dev.nabla.distributed.CollectiveTimeoutException} naming them, and the job is aborted
 * ({@code MPI_Abort}) when the communicator closes, since a collective that never completed cannot
 * be finalized. Native buffers are explicit ({@link java.lang.foreign.Arena}s the communicator
 * owns), never finalized.
 */
package dev.nabla.distributed;
