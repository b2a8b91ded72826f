#include "optim.h"

#include <math.h>

void rl__clip_by_norm(float *g, size_t n, double clipnorm)
{
    if (clipnorm <= 0)
        return;
    double sq = 0;
    for (size_t i = 0; i < n; i++)
        sq += (double)g[i] * g[i];
    double norm = sqrt(sq);
    if (norm > clipnorm) {
        float scale = (float)(clipnorm / norm);
        for (size_t i = 0; i < n; i++)
            g[i] *= scale;
    }
}

static int store(float *w, float value)
{
    if (!isfinite(value))
        return 0;
    *w = value;
    return 1;
}

int rl__optim_step(const rl_optim_config *c, uint64_t t, float *w, const float *g, float *s0,
                   float *s1, size_t n)
{
    int ok = 1;
    const float lr = (float)c->lr, eps = (float)c->epsilon, mom = (float)c->momentum;
    switch (c->kind) {
    case RL_OPT_ADAM: {
        /* 1 - beta in double first, as Keras does with its Python floats:
         * 1 - 0.999f would be 1.3e-5 off. */
        const float one_m_b1 = (float)(1.0 - c->beta1), one_m_b2 = (float)(1.0 - c->beta2);
        /* Keras folds both bias corrections into the step size. */
        const float alpha = (float)(c->lr * sqrt(1.0 - pow(c->beta2, (double)t)) /
                                    (1.0 - pow(c->beta1, (double)t)));
        for (size_t i = 0; i < n; i++) {
            s0[i] += (g[i] - s0[i]) * one_m_b1;
            s1[i] += (g[i] * g[i] - s1[i]) * one_m_b2;
            ok &= store(&w[i], w[i] - alpha * s0[i] / (sqrtf(s1[i]) + eps));
        }
        break;
    }
    case RL_OPT_RMSPROP: {
        const float rho = (float)c->rho, one_m_rho = (float)(1.0 - c->rho);
        for (size_t i = 0; i < n; i++) {
            s0[i] = rho * s0[i] + one_m_rho * g[i] * g[i];
            float inc = lr * g[i] / sqrtf(s0[i] + eps);
            if (mom > 0) {
                s1[i] = mom * s1[i] + inc;
                inc = s1[i];
            }
            ok &= store(&w[i], w[i] - inc);
        }
        break;
    }
    default:
        for (size_t i = 0; i < n; i++) {
            if (mom > 0) {
                s0[i] = mom * s0[i] - lr * g[i];
                ok &= store(&w[i], w[i] + s0[i]);
            } else {
                ok &= store(&w[i], w[i] - lr * g[i]);
            }
        }
        break;
    }
    return ok;
}
