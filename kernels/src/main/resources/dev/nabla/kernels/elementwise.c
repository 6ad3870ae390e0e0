/*
 * Element-wise family: unary and binary ops over strided (broadcast) layouts, where, copies,
 * casts and fills. One work-item per output element; the output is always contiguous.
 *
 * The unary and binary kernels are instantiated per op from the lists KernelSource generates
 * (NABLA_UNARY_KERNELS, NABLA_BINARY_KERNELS): each passes its op code as a constant, so after
 * inlining a kernel holds only its own arithmetic.
 *
 * Output aliasing: dst may be the storage of an input read contiguously at offset 0; each
 * work-item reads element i before it writes element i, so that is safe.
 */

#define UNARY_KERNEL(name, op)                                                               \
    KERNEL void name(GLOBAL const float* src, StridedLayout src_layout, GLOBAL float* dst,  \
                     int n, float param) {                                                   \
        int i = GLOBAL_ID(0);                                                                \
        if (i < n) {                                                                         \
            dst[i] = unary_apply(op, src[strided_index(src_layout, i)], param);             \
        }                                                                                    \
    }
NABLA_UNARY_KERNELS(UNARY_KERNEL)

#define BINARY_KERNEL(name, op)                                                              \
    KERNEL void name(GLOBAL const float* a, StridedLayout a_layout,                          \
                     GLOBAL const float* b, StridedLayout b_layout, GLOBAL float* dst, int n) { \
        int i = GLOBAL_ID(0);                                                                \
        if (i < n) {                                                                         \
            dst[i] = binary_apply(op, a[strided_index(a_layout, i)], b[strided_index(b_layout, i)]); \
        }                                                                                    \
    }
NABLA_BINARY_KERNELS(BINARY_KERNEL)

KERNEL void where_f32(GLOBAL const float* cond, StridedLayout cond_layout,
                      GLOBAL const float* a, StridedLayout a_layout,
                      GLOBAL const float* b, StridedLayout b_layout, GLOBAL float* dst, int n) {
    int i = GLOBAL_ID(0);
    if (i < n) {
        dst[i] = cond[strided_index(cond_layout, i)] != 0.0f ? a[strided_index(a_layout, i)]
                                                             : b[strided_index(b_layout, i)];
    }
}

/* Gathers a strided layout into contiguous dst, and scatters between two layouts (copyInto). */
#define COPY_KERNELS(type, copy_name, copy_into_name)                                        \
    KERNEL void copy_name(GLOBAL const type* src, StridedLayout src_layout, GLOBAL type* dst, int n) { \
        int i = GLOBAL_ID(0);                                                                \
        if (i < n) {                                                                         \
            dst[i] = src[strided_index(src_layout, i)];                                      \
        }                                                                                    \
    }                                                                                        \
    KERNEL void copy_into_name(GLOBAL const type* src, StridedLayout src_layout,             \
                               GLOBAL type* dst, StridedLayout dst_layout, int n) {          \
        int i = GLOBAL_ID(0);                                                                \
        if (i < n) {                                                                         \
            dst[strided_index(dst_layout, i)] = src[strided_index(src_layout, i)];           \
        }                                                                                    \
    }
COPY_KERNELS(float, copy_f32, copy_into_f32)
COPY_KERNELS(int, copy_i32, copy_into_i32)
/* BF16 and F16 are moved as raw 16-bit patterns: a copy never rounds or quiets a NaN. */
COPY_KERNELS(ushort, copy_bf16, copy_into_bf16)
COPY_KERNELS(ushort, copy_f16, copy_into_f16)

KERNEL void fill_f32(GLOBAL float* dst, float value, int n) {
    int i = GLOBAL_ID(0);
    if (i < n) {
        dst[i] = value;
    }
}

KERNEL void fill_i32(GLOBAL int* dst, int value, int n) {
    int i = GLOBAL_ID(0);
    if (i < n) {
        dst[i] = value;
    }
}

/* 16-bit fills take the pattern, rounded on the host by HalfPrecision (the same rule as the casts). */
#define FILL_16_KERNEL(name)                                                                 \
    KERNEL void name(GLOBAL ushort* dst, int bits, int n) {                                  \
        int i = GLOBAL_ID(0);                                                                \
        if (i < n) {                                                                         \
            dst[i] = (ushort) bits;                                                          \
        }                                                                                    \
    }
FILL_16_KERNEL(fill_bf16)
FILL_16_KERNEL(fill_f16)

/*
 * Casts between any two dtypes go through the F32 bit pattern, with integer operations only, so
 * both dialects give the bits of Java's HalfPrecision (and of PyTorch's CPU casts) whatever the
 * device's float modes (flush-to-zero, signalling NaN handling). The 16-bit conversions are in
 * ops.c (GEMM's 16-bit loads use them too); each is HalfPrecision's integer algorithm line for line.
 */

/*
 * F32 bits to int, truncating toward zero like Java's (int) cast: NaN gives 0 and out-of-range
 * values saturate. NOTE: a bare C cast of NaN or of a value beyond ±2^31 is undefined behaviour.
 */
DEVICE_FN int nabla_f32_to_i32(uint bits) {
    float x = UINT_AS_FLOAT(bits);
    if (x != x) {
        return 0;
    }
    if (x >= 2147483647.0f) {
        return 2147483647;
    }
    if (x <= -2147483648.0f) {
        return (int) 0x80000000;
    }
    return (int) x;
}

/* int to F32 bits: C's conversion rounds to nearest even, as Java's does. */
DEVICE_FN uint nabla_i32_to_f32(int x) {
    return FLOAT_AS_UINT((float) x);
}

#define NABLA_IDENTITY(x) (x)
#define NABLA_TO_USHORT_BF16(bits) ((ushort) nabla_f32_to_bf16(bits))
#define NABLA_TO_USHORT_F16(bits) ((ushort) nabla_f32_to_f16(bits))
/* From F16, PyTorch converts through its scalar c10::BFloat16, whose NaN is 0x7FC0. */
DEVICE_FN ushort nabla_f16_bits_to_bf16(uint bits) {
    return (bits & 0x7FFFFFFFu) > 0x7F800000u ? (ushort) 0x7FC0u : (ushort) nabla_f32_to_bf16(bits);
}

/* One kernel per (from, to) pair: read, widen to F32 bits, narrow to the destination. */
#define CAST_KERNEL(name, src_type, to_f32, dst_type, from_f32)                                \
    KERNEL void name(GLOBAL const src_type* src, GLOBAL dst_type* dst, int n) {               \
        int i = GLOBAL_ID(0);                                                                \
        if (i < n) {                                                                         \
            dst[i] = from_f32(to_f32(src[i]));                                               \
        }                                                                                    \
    }
CAST_KERNEL(cast_f32_i32, uint, NABLA_IDENTITY, int, nabla_f32_to_i32)
CAST_KERNEL(cast_f32_bf16, uint, NABLA_IDENTITY, ushort, NABLA_TO_USHORT_BF16)
CAST_KERNEL(cast_f32_f16, uint, NABLA_IDENTITY, ushort, NABLA_TO_USHORT_F16)
CAST_KERNEL(cast_i32_f32, int, nabla_i32_to_f32, uint, NABLA_IDENTITY)
CAST_KERNEL(cast_i32_bf16, int, nabla_i32_to_f32, ushort, NABLA_TO_USHORT_BF16)
CAST_KERNEL(cast_i32_f16, int, nabla_i32_to_f32, ushort, NABLA_TO_USHORT_F16)
CAST_KERNEL(cast_bf16_f32, ushort, nabla_bf16_to_f32, uint, NABLA_IDENTITY)
CAST_KERNEL(cast_bf16_i32, ushort, nabla_bf16_to_f32, int, nabla_f32_to_i32)
CAST_KERNEL(cast_bf16_f16, ushort, nabla_bf16_to_f32, ushort, NABLA_TO_USHORT_F16)
CAST_KERNEL(cast_f16_f32, ushort, nabla_f16_to_f32, uint, NABLA_IDENTITY)
CAST_KERNEL(cast_f16_i32, ushort, nabla_f16_to_f32, int, nabla_f32_to_i32)
CAST_KERNEL(cast_f16_bf16, ushort, nabla_f16_to_f32, ushort, nabla_f16_bits_to_bf16)
