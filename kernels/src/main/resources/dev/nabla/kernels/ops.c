/*
 * Device code every family shares: strided layouts and the scalar definition of every op.
 *
 * These functions mirror the scalar definitions in dev.nabla.backend (UnaryOp.apply,
 * BinaryOp.apply, ReduceOp.combine, Activation.apply); the conformance suite holds them to it.
 * Op codes (UNARY_EXP, ACTIVATION_RELU...) are generated from the Java enums by KernelSource.
 */

/*
 * 16-bit floats as raw bits: conversions to and from the F32 bit pattern with integer operations
 * only (dev.nabla.backend.HalfPrecision's algorithms), shared by the casts (elementwise.c) and the
 * 16-bit GEMM loads (gemm.c).
 */
/* F32 bits to BF16 bits: round to nearest even; any NaN becomes 0xFFFF, as PyTorch writes it. */
DEVICE_FN uint nabla_f32_to_bf16(uint bits) {
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
        return 0xFFFFu;
    }
    return (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
}

/* F32 bits to F16 bits: round to nearest even, overflow to Inf, subnormals, NaN to sign | 0x7E00. */
DEVICE_FN uint nabla_f32_to_f16(uint bits) {
    uint sign = (bits >> 16) & 0x8000u;
    uint magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) {
        return sign | 0x7E00u;
    }
    if (magnitude >= 0x477FF000u) {
        return sign | 0x7C00u;
    }
    if (magnitude >= 0x38800000u) {
        uint rebiased = magnitude - 0x38000000u;
        return sign | ((rebiased + 0xFFFu + ((rebiased >> 13) & 1u)) >> 13);
    }
    if (magnitude <= 0x33000000u) {
        return sign;
    }
    uint exponent = magnitude >> 23;
    uint mantissa = (magnitude & 0x7FFFFFu) | 0x800000u;
    uint shift = 126u - exponent;
    uint result = mantissa >> shift;
    uint remainder = mantissa & ((1u << shift) - 1u);
    uint halfway = 1u << (shift - 1u);
    if (remainder > halfway || (remainder == halfway && (result & 1u) != 0u)) {
        result++;
    }
    return sign | result;
}

/* BF16 bits to F32 bits: the upper half, exactly (a NaN keeps its payload). */
DEVICE_FN uint nabla_bf16_to_f32(uint bits16) {
    return (bits16 & 0xFFFFu) << 16;
}

/* F16 bits to F32 bits, exactly; a NaN gets the quiet bit and keeps its payload. */
DEVICE_FN uint nabla_f16_to_f32(uint bits16) {
    /* NOTE: not named "half": that is a type in OpenCL C. */
    uint sign = (bits16 & 0x8000u) << 16;
    int exponent = (int) ((bits16 >> 10) & 0x1Fu);
    uint mantissa = bits16 & 0x3FFu;
    if (exponent == 0x1F) {
        return mantissa == 0u ? (sign | 0x7F800000u) : (sign | 0x7FC00000u | (mantissa << 13));
    }
    if (exponent == 0) {
        if (mantissa == 0u) {
            return sign;
        }
        exponent = 1;
        while ((mantissa & 0x400u) == 0u) {
            mantissa <<= 1;
            exponent--;
        }
        mantissa &= 0x3FFu;
    }
    return sign | ((uint) (exponent + 112) << 23) | (mantissa << 13);
}

/*
 * How a kernel reads a tensor: element (i0, i1, ...) is at offset + i0*strides[0] + ... .
 * Passed by value (all ints, so host and device agree on the layout without padding rules).
 * A stride of 0 broadcasts. The host coalesces axes first, so rank rarely exceeds 3.
 */
typedef struct {
    int shape[NABLA_MAX_DIMS];
    int strides[NABLA_MAX_DIMS];
    int rank;
    int offset;
    int contiguous; /* nonzero: element i is at offset + i, no index arithmetic needed */
} StridedLayout;

/* Storage index of the element with flat row-major index i. */
DEVICE_FN int strided_index(StridedLayout layout, int i) {
    if (layout.contiguous) {
        return layout.offset + i;
    }
    /* A loop of constant trip count unrolls fully, so the struct's arrays are indexed by constants
       and stay in registers (a loop to rank would index them dynamically, through local memory). */
    int index = layout.offset;
    for (int axis = NABLA_MAX_DIMS - 1; axis >= 0; axis--) {
        if (axis < layout.rank) {
            int d = layout.shape[axis];
            index += (i % d) * layout.strides[axis];
            i /= d;
        }
    }
    return index;
}

#define NABLA_INV_SQRT2 0.70710678118654752f
#define NABLA_INV_SQRT_2PI 0.39894228040143268f

/* NOTE: stable form: exp is only taken of a non-positive number, so it cannot overflow. */
DEVICE_FN float nabla_sigmoid(float x) {
    if (x >= 0.0f) {
        return 1.0f / (1.0f + expf(-x));
    }
    float e = expf(x);
    return e / (1.0f + e);
}

/* Φ(x) = 0.5 erfc(−x/√2). NOTE: erfc rather than 1 + erf, which cancels to nothing for x ≪ 0. */
DEVICE_FN float nabla_normal_cdf(float x) {
    return 0.5f * erfcf(-x * NABLA_INV_SQRT2);
}

/* GELU as PyTorch defines it by default: x Φ(x). */
DEVICE_FN float nabla_gelu(float x) {
    return x * nabla_normal_cdf(x);
}

/* d/dx GELU(x) = Φ(x) + x φ(x). */
DEVICE_FN float nabla_gelu_grad(float x) {
    return nabla_normal_cdf(x) + x * expf(-0.5f * x * x) * NABLA_INV_SQRT_2PI;
}

/* x^p with the integer-power cases exact, as UnaryOp.pow. */
DEVICE_FN float nabla_pow(float x, float p) {
    if (p == 2.0f) {
        return x * x;
    }
    if (p == 1.0f) {
        return x;
    }
    return powf(x, p);
}

DEVICE_FN float unary_apply(int op, float x, float p) {
    switch (op) {
        case UNARY_NEG: return -x;
        case UNARY_EXP: return expf(x);
        case UNARY_LOG: return logf(x);
        case UNARY_SQRT: return sqrtf(x);
        case UNARY_ABS: return fabsf(x);
        case UNARY_TANH: return tanhf(x);
        case UNARY_SIGMOID: return nabla_sigmoid(x);
        case UNARY_RELU: return x > 0.0f ? x : 0.0f;
        case UNARY_GELU: return nabla_gelu(x);
        case UNARY_SQUARE: return x * x;
        case UNARY_RECIPROCAL: return 1.0f / x;
        case UNARY_LOG1P: return log1pf(x);
        case UNARY_EXPM1: return expm1f(x);
        case UNARY_POW: return nabla_pow(x, p);
        case UNARY_MUL_SCALAR: return x * p;
        case UNARY_ADD_SCALAR: return x + p;
    }
    return NABLA_NAN; /* unreachable: KernelSource emits one kernel per UnaryOp, each handled above */
}

DEVICE_FN float binary_apply(int op, float a, float b) {
    switch (op) {
        case BINARY_ADD: return a + b;
        case BINARY_SUB: return a - b;
        case BINARY_MUL: return a * b;
        case BINARY_DIV: return a / b;
        /* NOTE: like torch.maximum, NaN in either input propagates (fmax would drop it). */
        case BINARY_MAXIMUM: return (a != a || b != b) ? NABLA_NAN : fmaxf(a, b);
        case BINARY_MINIMUM: return (a != a || b != b) ? NABLA_NAN : fminf(a, b);
        case BINARY_POW: return powf(a, b);
        case BINARY_EQ: return a == b ? 1.0f : 0.0f;
        case BINARY_NE: return a != b ? 1.0f : 0.0f;
        case BINARY_LT: return a < b ? 1.0f : 0.0f;
        case BINARY_LE: return a <= b ? 1.0f : 0.0f;
        case BINARY_GT: return a > b ? 1.0f : 0.0f;
        case BINARY_GE: return a >= b ? 1.0f : 0.0f;
        case BINARY_RELU_GRAD: return a > 0.0f ? b : 0.0f;
        case BINARY_GELU_GRAD: return b * nabla_gelu_grad(a);
    }
    return NABLA_NAN;
}

DEVICE_FN float reduce_identity(int op) {
    switch (op) {
        case REDUCE_MAX: return -NABLA_INFINITY;
        case REDUCE_MIN: return NABLA_INFINITY;
    }
    return 0.0f;
}

/* NOTE: NaN propagates through MAX and MIN from either side, so a tree reduction keeps it too. */
DEVICE_FN float reduce_combine(int op, float accumulator, float x) {
    switch (op) {
        case REDUCE_SUM: return accumulator + x;
        case REDUCE_MAX: return (x != x || x > accumulator) ? x : accumulator;
        case REDUCE_MIN: return (x != x || x < accumulator) ? x : accumulator;
    }
    return NABLA_NAN;
}

DEVICE_FN float activation_apply(int activation, float x) {
    switch (activation) {
        case ACTIVATION_RELU: return x > 0.0f ? x : 0.0f;
    }
    return x; /* ACTIVATION_NONE */
}

/*
 * Reduces one value per work-item over the whole work-group (NABLA_BLOCK items, a power of two);
 * every work-item receives the result. All work-items must call it (it holds barriers).
 * NOTE: a tree sums in a different order from a sequential loop: results differ in the last bits.
 */
DEVICE_FN float group_reduce(int op, SHARED_PARAM float* partial, float value) {
    int t = LOCAL_ID(0);
    partial[t] = value;
    BARRIER();
    for (int stride = NABLA_BLOCK / 2; stride > 0; stride >>= 1) {
        if (t < stride) {
            partial[t] = reduce_combine(op, partial[t], partial[t + stride]);
        }
        BARRIER();
    }
    float result = partial[0];
    BARRIER(); /* the caller may reuse partial at once */
    return result;
}
