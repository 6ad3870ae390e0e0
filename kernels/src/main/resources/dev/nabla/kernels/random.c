/*
 * Random family: Philox4x32-10 (Salmon et al., SC'11), bit for bit as dev.nabla.backend.Philox
 * defines it, so one seed gives the same uniforms on every backend.
 *
 * Element i of stream (seed, offset) is word i % 4 of the block for counter
 * (lo32(i/4), hi32(i/4), lo32(offset), hi32(offset)) and key (lo32(seed), hi32(seed)).
 * One work-item per block of four elements.
 */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
/* 2^-24: a 24-bit integer times this is exact in float. */
#define PHILOX_TWO_POW_MINUS_24 5.9604644775390625e-8f

typedef struct {
    uint word[4];
} PhiloxBlock;

DEVICE_FN PhiloxBlock philox_block(uint seed_lo, uint seed_hi, uint offset_lo, uint offset_hi,
                                   uint block_lo, uint block_hi) {
    uint c0 = block_lo;
    uint c1 = block_hi;
    uint c2 = offset_lo;
    uint c3 = offset_hi;
    uint k0 = seed_lo;
    uint k1 = seed_hi;
    for (int step = 0; step < 10; step++) {
        uint hi0 = UMUL_HI(PHILOX_M0, c0);
        uint lo0 = PHILOX_M0 * c0;
        uint hi1 = UMUL_HI(PHILOX_M1, c2);
        uint lo1 = PHILOX_M1 * c2;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    PhiloxBlock result;
    result.word[0] = c0;
    result.word[1] = c1;
    result.word[2] = c2;
    result.word[3] = c3;
    return result;
}

/* A uniform float in [0, 1): the top 24 bits scaled by 2^-24, exact. */
DEVICE_FN float philox_uniform(uint word) {
    return (float) (word >> 8) * PHILOX_TWO_POW_MINUS_24;
}

KERNEL void philox_uniform_f32(GLOBAL float* dst, int n, uint seed_lo, uint seed_hi,
                               uint offset_lo, uint offset_hi) {
    int block = GLOBAL_ID(0);
    if (block * 4 >= n) {
        return;
    }
    PhiloxBlock words = philox_block(seed_lo, seed_hi, offset_lo, offset_hi, (uint) block, 0u);
    for (int w = 0; w < 4 && block * 4 + w < n; w++) {
        dst[block * 4 + w] = philox_uniform(words.word[w]);
    }
}

/*
 * Box–Muller on word pairs (0, 1) and (2, 3): r = sqrt(−2 ln u1), u1 = ((w >> 8) + 1)·2^-24 in
 * (0, 1], so the log is finite; then r·cos(2π u2) and r·sin(2π u2). NOTE: cospi/sinpi take the
 * exact argument 2·u2, which avoids rounding 2π·u2 in float; results agree with the double-precision
 * host definition to the precision of the device's log and sqrt.
 */
KERNEL void philox_normal_f32(GLOBAL float* dst, int n, uint seed_lo, uint seed_hi,
                              uint offset_lo, uint offset_hi) {
    int block = GLOBAL_ID(0);
    if (block * 4 >= n) {
        return;
    }
    PhiloxBlock words = philox_block(seed_lo, seed_hi, offset_lo, offset_hi, (uint) block, 0u);
    float normals[4];
    for (int pair = 0; pair < 2; pair++) {
        float u1 = (float) ((words.word[2 * pair] >> 8) + 1u) * PHILOX_TWO_POW_MINUS_24;
        float u2 = philox_uniform(words.word[2 * pair + 1]);
        float r = sqrtf(-2.0f * logf(u1));
        normals[2 * pair] = r * cospif(2.0f * u2);
        normals[2 * pair + 1] = r * sinpif(2.0f * u2);
    }
    for (int w = 0; w < 4 && block * 4 + w < n; w++) {
        dst[block * 4 + w] = normals[w];
    }
}
