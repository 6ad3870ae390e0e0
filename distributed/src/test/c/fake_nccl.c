/*
 * A stand-in for libnccl.so.2 with NCCL 2's C signatures, for NcclBindingTest: it checks what the
 * java.lang.foreign binding passes (the 128-byte unique id by value, counts as size_t, dtype and op
 * codes, the stream) and acts on host memory as if every other rank held the same buffer, so the
 * results are checkable without a GPU. Written for this project; not NVIDIA's code.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct { char internal[128]; } ncclUniqueId;
typedef struct fake_comm { int nranks; int rank; ncclUniqueId id; int destroyed; int aborted; } *ncclComm_t;
typedef int ncclResult_t;

enum { ok = 0, invalid_argument = 4, invalid_usage = 5 };

static struct fake_comm the_comm;
/* The last collective: send, recv, count, dtype, op or root, comm, stream. */
static int64_t last[8];

ncclResult_t ncclGetVersion(int *version) {
    if (version == NULL) return invalid_argument;
    *version = 22703; /* 2.27.3 */
    return ok;
}

ncclResult_t ncclGetUniqueId(ncclUniqueId *id) {
    if (id == NULL) return invalid_argument;
    for (int i = 0; i < 128; i++) id->internal[i] = (char) (i * 7 + 3);
    return ok;
}

ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId id, int rank) {
    if (comm == NULL || nranks < 1 || rank < 0 || rank >= nranks) return invalid_argument;
    the_comm.nranks = nranks;
    the_comm.rank = rank;
    the_comm.id = id;
    the_comm.destroyed = 0;
    the_comm.aborted = 0;
    *comm = &the_comm;
    return ok;
}

/* ncclInt32 = 2, ncclFloat32 = 7; ncclSum = 0, ncclAvg = 4. */
ncclResult_t ncclAllReduce(const void *send, void *recv, size_t count, int dtype, int op, ncclComm_t comm,
                           void *stream) {
    last[0] = (int64_t) (intptr_t) send; last[1] = (int64_t) (intptr_t) recv; last[2] = (int64_t) count;
    last[3] = dtype; last[4] = op; last[5] = (int64_t) (intptr_t) comm; last[6] = (int64_t) (intptr_t) stream;
    if (comm != &the_comm || comm->destroyed) return invalid_usage;
    if (count > 0 && (send == NULL || recv == NULL)) return invalid_argument;
    if (op != 0 && op != 4) return invalid_argument;
    for (size_t i = 0; i < count; i++) {
        if (dtype == 7) {
            float v = ((const float *) send)[i] * comm->nranks;
            ((float *) recv)[i] = op == 4 ? v / comm->nranks : v;
        } else if (dtype == 2) {
            int32_t v = ((const int32_t *) send)[i] * comm->nranks;
            ((int32_t *) recv)[i] = op == 4 ? v / comm->nranks : v;
        } else {
            return invalid_argument;
        }
    }
    return ok;
}

/* A broadcast from `root`: this stand-in's root holds 100 + i (floats or ints). */
ncclResult_t ncclBroadcast(const void *send, void *recv, size_t count, int dtype, int root, ncclComm_t comm,
                           void *stream) {
    last[0] = (int64_t) (intptr_t) send; last[1] = (int64_t) (intptr_t) recv; last[2] = (int64_t) count;
    last[3] = dtype; last[4] = root; last[5] = (int64_t) (intptr_t) comm; last[6] = (int64_t) (intptr_t) stream;
    if (comm != &the_comm || comm->destroyed) return invalid_usage;
    if (root < 0 || root >= comm->nranks) return invalid_argument;
    if (comm->rank != root) {
        for (size_t i = 0; i < count; i++) {
            if (dtype == 7) ((float *) recv)[i] = 100.0f + (float) i;
            else if (dtype == 2) ((int32_t *) recv)[i] = 100 + (int32_t) i;
            else return invalid_argument;
        }
    }
    return ok;
}

ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *error) {
    if (comm != &the_comm || error == NULL) return invalid_argument;
    *error = comm->aborted ? 6 : 0; /* ncclRemoteError once aborted */
    return ok;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
    if (comm != &the_comm || comm->destroyed) return invalid_usage;
    comm->destroyed = 1;
    return ok;
}

ncclResult_t ncclCommAbort(ncclComm_t comm) {
    if (comm != &the_comm) return invalid_usage;
    comm->aborted = 1;
    comm->destroyed = 1;
    return ok;
}

const char *ncclGetErrorString(ncclResult_t result) {
    switch (result) {
        case 0: return "no error";
        case 4: return "invalid argument";
        case 5: return "invalid usage";
        case 6: return "remote process exited or there was a network error";
        default: return "unknown result code";
    }
}

/* For the test: the last collective's arguments, and the communicator's rank, size and unique id. */
void nabla_fake_nccl_last(int64_t *out) { memcpy(out, last, sizeof last); }
void nabla_fake_nccl_comm(int32_t *rank_size, char *id) {
    rank_size[0] = the_comm.rank;
    rank_size[1] = the_comm.nranks;
    memcpy(id, the_comm.id.internal, 128);
}
