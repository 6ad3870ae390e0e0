package dev.nabla.backend;

/**
 * Philox4x32-10, the counter-based generator of Salmon et al. (SC'11), as Nabla uses it on every
 * backend so that one seed gives the same numbers everywhere.
 *
 * <p>Element {@code i} of a stream reads word {@code i % 4} of the block for counter
 * {@code (lo32(i/4), hi32(i/4), lo32(offset), hi32(offset))} and key {@code (lo32(seed), hi32(seed))}.
 * A uniform float is the top 24 bits scaled by 2⁻²⁴, in [0, 1). Normals use Box–Muller on word
 * pairs (0,1) and (2,3) of a block: {@code r = sqrt(−2 ln u1)}, {@code u1 = (w0>>>8 + 1)·2⁻²⁴} in
 * (0, 1], giving {@code r·cos(2π u2)} and {@code r·sin(2π u2)}. Uniforms are bit-identical across
 * backends; normals agree to the precision of each device's log/sin/cos.
 */
public final class Philox {

    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final float TWO_POW_MINUS_24 = 1f / (1 << 24);

    private Philox() {
    }

    /** The four 32-bit words of block {@code block} of stream {@code (seed, offset)}, written to {@code out}. */
    public static void block(long seed, long offset, long block, int[] out) {
        int c0 = (int) block;
        int c1 = (int) (block >>> 32);
        int c2 = (int) offset;
        int c3 = (int) (offset >>> 32);
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** A uniform float in [0, 1) from one 32-bit word. */
    public static float uniform(int word) {
        return (word >>> 8) * TWO_POW_MINUS_24;
    }

    /** Fills {@code out[0..count)} with uniforms of stream (seed, offset). */
    public static void fillUniform(long seed, long offset, float[] out, int count) {
        int[] words = new int[4];
        for (int i = 0; i < count; i += 4) {
            block(seed, offset, i >>> 2, words);
            for (int w = 0; w < 4 && i + w < count; w++) {
                out[i + w] = uniform(words[w]);
            }
        }
    }

    /** Fills {@code out[0..count)} with standard normals of stream (seed, offset). */
    public static void fillNormal(long seed, long offset, float[] out, int count) {
        int[] words = new int[4];
        float[] pair = new float[2];
        for (int i = 0; i < count; i += 4) {
            block(seed, offset, i >>> 2, words);
            for (int half = 0; half < 2; half++) {
                boxMuller(words[2 * half], words[2 * half + 1], pair);
                for (int w = 0; w < 2 && i + 2 * half + w < count; w++) {
                    out[i + 2 * half + w] = pair[w];
                }
            }
        }
    }

    /** Two standard normals from two words. NOTE: u1 is in (0, 1], so the log is finite. */
    public static void boxMuller(int word1, int word2, float[] out) {
        float u1 = ((word1 >>> 8) + 1) * TWO_POW_MINUS_24;
        float u2 = uniform(word2);
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double theta = 2.0 * Math.PI * u2;
        out[0] = (float) (r * Math.cos(theta));
        out[1] = (float) (r * Math.sin(theta));
    }
}
