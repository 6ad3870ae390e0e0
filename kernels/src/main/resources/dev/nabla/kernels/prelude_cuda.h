/*
 * CUDA C prelude: maps Nabla's kernel dialect onto CUDA (nvcc or NVRTC).
 *
 * Kernels are written with KERNEL, GLOBAL, SHARED, SHARED_PARAM, BARRIER(), GLOBAL_ID(d),
 * LOCAL_ID(d), GROUP_ID(d), LOCAL_SIZE(d), DEVICE_FN and the C99 float math names (expf, logf...),
 * which CUDA provides as device functions.
 */
/* extern "C": the entry point keeps its plain name, the same string the OpenCL backend looks up. */
#define KERNEL extern "C" __global__
#define GLOBAL
#define SHARED __shared__
#define SHARED_PARAM
#define BARRIER() __syncthreads()
#define DEVICE_FN static __device__ __forceinline__

typedef unsigned int uint;
typedef unsigned short ushort;

DEVICE_FN int nabla_pick(int d, unsigned int x, unsigned int y, unsigned int z) {
    return (int) (d == 0 ? x : d == 1 ? y : z);
}
#define LOCAL_ID(d) nabla_pick((d), threadIdx.x, threadIdx.y, threadIdx.z)
#define GROUP_ID(d) nabla_pick((d), blockIdx.x, blockIdx.y, blockIdx.z)
#define LOCAL_SIZE(d) nabla_pick((d), blockDim.x, blockDim.y, blockDim.z)
#define GLOBAL_ID(d) (GROUP_ID(d) * LOCAL_SIZE(d) + LOCAL_ID(d))

#define NABLA_NAN __int_as_float(0x7fc00000)
#define NABLA_INFINITY __int_as_float(0x7f800000)
#define UMUL_HI(a, b) __umulhi((a), (b))
/* Reinterpret a float's bits as uint and back (the 16-bit casts are integer code). */
#define FLOAT_AS_UINT(x) __float_as_uint(x)
#define UINT_AS_FLOAT(x) __uint_as_float(x)
