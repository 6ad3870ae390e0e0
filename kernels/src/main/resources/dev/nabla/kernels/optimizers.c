/*
 * Optimizers family: one fused pass per parameter tensor, as dev.nabla.backend.OptimizerStep
 * defines the updates (PyTorch's SGD and Adam/AdamW). Step-dependent factors (Adam's bias
 * corrections) arrive precomputed from the host. One work-item per element.
 */

/* momentum == 0: plain SGD, and momentum_buffer is not touched (it may alias param). */
KERNEL void sgd_f32(GLOBAL float* param, GLOBAL const float* grad, GLOBAL float* momentum_buffer, int n,
                    float lr, float momentum, float dampening, float weight_decay,
                    int nesterov, int first_step) {
    int i = GLOBAL_ID(0);
    if (i >= n) {
        return;
    }
    float p = param[i];
    float d = grad[i] + weight_decay * p;
    if (momentum != 0.0f) {
        float buffer = first_step ? d : momentum * momentum_buffer[i] + (1.0f - dampening) * d;
        momentum_buffer[i] = buffer;
        d = nesterov ? d + momentum * buffer : buffer;
    }
    param[i] = p - lr * d;
}

/* decoupled: AdamW (p ·= 1 − lr·wd); otherwise Adam's L2 term (g += wd·p). */
KERNEL void adam_f32(GLOBAL float* param, GLOBAL const float* grad, GLOBAL float* first_moment,
                     GLOBAL float* second_moment, int n,
                     float lr, float beta1, float beta2, float eps, float weight_decay, int decoupled,
                     float bias_correction1, float bias_correction2) {
    int i = GLOBAL_ID(0);
    if (i >= n) {
        return;
    }
    float p = param[i];
    float g = grad[i];
    if (decoupled) {
        p *= 1.0f - lr * weight_decay;
    } else {
        g += weight_decay * p;
    }
    float m = beta1 * first_moment[i] + (1.0f - beta1) * g;
    float v = beta2 * second_moment[i] + (1.0f - beta2) * g * g;
    first_moment[i] = m;
    second_moment[i] = v;
    float m_hat = m / bias_correction1;
    float v_hat = v / bias_correction2;
    param[i] = p - lr * m_hat / (sqrtf(v_hat) + eps);
}
