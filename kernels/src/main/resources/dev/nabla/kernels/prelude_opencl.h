/*
 * OpenCL C 1.2 prelude: maps Nabla's kernel dialect onto OpenCL.
 *
 * Kernels are written with KERNEL, GLOBAL, SHARED, SHARED_PARAM, BARRIER(), GLOBAL_ID(d),
 * LOCAL_ID(d), GROUP_ID(d), LOCAL_SIZE(d), DEVICE_FN and the C99 float math names (expf, logf...),
 * so that one source compiles as OpenCL C here and as CUDA C with prelude_cuda.h.
 */
#define KERNEL __kernel
#define GLOBAL __global
/* A __local array declared at kernel scope (OpenCL allows them nowhere else). */
#define SHARED __local
/* A pointer parameter of a device function that receives a SHARED array. */
#define SHARED_PARAM __local
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define GLOBAL_ID(d) ((int) get_global_id(d))
#define LOCAL_ID(d) ((int) get_local_id(d))
#define GROUP_ID(d) ((int) get_group_id(d))
#define LOCAL_SIZE(d) ((int) get_local_size(d))
/* Plain C99 "inline" may leave an undefined symbol when the compiler declines to inline; static does not. */
#define DEVICE_FN static inline

#define NABLA_NAN NAN
#define NABLA_INFINITY INFINITY
#define UMUL_HI(a, b) mul_hi((uint) (a), (uint) (b))
/* Reinterpret a float's bits as uint and back (the 16-bit casts are integer code). */
#define FLOAT_AS_UINT(x) as_uint(x)
#define UINT_AS_FLOAT(x) as_float(x)

/* The C99 single-precision names, which OpenCL spells as overloads without the f suffix. */
#define expf exp
#define logf log
#define sqrtf sqrt
#define fabsf fabs
#define tanhf tanh
#define erfcf erfc
#define log1pf log1p
#define expm1f expm1
#define powf pow
#define fmaxf fmax
#define fminf fmin
#define sinpif sinpi
#define cospif cospi
