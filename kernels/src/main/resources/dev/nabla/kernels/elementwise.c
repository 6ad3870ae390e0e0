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

/*
 * float to int truncates toward zero like Java's (int) cast: NaN gives 0 and out-of-range values
 * saturate. NOTE: a bare C cast of NaN or of a value beyond ±2^31 is undefined behaviour.
 */
KERNEL void cast_f32_i32(GLOBAL const float* src, GLOBAL int* dst, int n) {
    int i = GLOBAL_ID(0);
    if (i < n) {
        float x = src[i];
        int result;
        if (x != x) {
            result = 0;
        } else if (x >= 2147483647.0f) {
            result = 2147483647;
        } else if (x <= -2147483648.0f) {
            result = (int) 0x80000000;
        } else {
            result = (int) x;
        }
        dst[i] = result;
    }
}

KERNEL void cast_i32_f32(GLOBAL const int* src, GLOBAL float* dst, int n) {
    int i = GLOBAL_ID(0);
    if (i < n) {
        dst[i] = (float) src[i];
    }
}
