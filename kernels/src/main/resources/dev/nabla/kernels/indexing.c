/* Indexing family: gather one element per row, and one-hot encoding. One work-item per output. */

/* dst[i] = src[i * cols + indices[i]] (core has checked every index is in range). */
KERNEL void gather_f32(GLOBAL const float* src, GLOBAL const int* indices, GLOBAL float* dst, int rows, int cols) {
    int i = GLOBAL_ID(0);
    if (i < rows) {
        dst[i] = src[i * cols + indices[i]];
    }
}

/* dst[i, j] = indices[i] == j ? 1 : 0 over [rows, classes]. */
KERNEL void one_hot_f32(GLOBAL const int* indices, GLOBAL float* dst, int rows, int classes) {
    int e = GLOBAL_ID(0);
    if (e < rows * classes) {
        dst[e] = indices[e / classes] == e % classes ? 1.0f : 0.0f;
    }
}
