#include "optim.h"

#include <math.h>
#include <stdatomic.h>

#include "compute.h"

int rl__optim_valid(int opt)
{
    return opt >= RL_OPT_SGD && opt <= RL_OPT_RMSPROP;
}

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

/* One element's new weight and slots, from the old ones; the one formula
 * both passes of rl__optim_step use, so what is checked is what is stored. */
typedef struct step_constants {
    rl_optimizer kind;
    float lr, eps, mom, one_m_b1, one_m_b2, alpha, rho, one_m_rho;
    int uses_s0, uses_s1;   /* slots this optimiser writes (others are not checked) */
} step_constants;

/* b^t by squaring: + and * only, so every architecture and C library gives
 * the same double (libm's pow may differ in the last bit between them, and
 * the bias correction feeds every weight: docs/portability.md). About
 * 2 log2(t) roundings, far below what the float step size can see. */
static double power(double b, uint64_t t)
{
    double r = 1.0;
    for (; t; t >>= 1, b *= b)
        if (t & 1)
            r *= b;
    return r;
}

static step_constants constants(const rl_optim_config *c, uint64_t t)
{
    step_constants k = { .kind = c->kind, .lr = (float)c->lr, .eps = (float)c->epsilon,
                         .mom = (float)c->momentum };
    k.uses_s0 = c->kind != RL_OPT_SGD || k.mom > 0;
    k.uses_s1 = c->kind == RL_OPT_ADAM || (c->kind == RL_OPT_RMSPROP && k.mom > 0);
    if (c->kind == RL_OPT_ADAM) {
        /* 1 - beta in double first, as Keras does with its Python floats:
         * 1 - 0.999f would be 1.3e-5 off. */
        k.one_m_b1 = (float)(1.0 - c->beta1);
        k.one_m_b2 = (float)(1.0 - c->beta2);
        /* Keras folds both bias corrections into the step size. */
        k.alpha = (float)(c->lr * sqrt(1.0 - power(c->beta2, t)) /
                          (1.0 - power(c->beta1, t)));
    } else if (c->kind == RL_OPT_RMSPROP) {
        k.rho = (float)c->rho;
        k.one_m_rho = (float)(1.0 - c->rho);
    }
    return k;
}

static inline void element(const step_constants *k, float g, float *w, float *s0, float *s1)
{
    switch (k->kind) {
    case RL_OPT_ADAM:
        *s0 += (g - *s0) * k->one_m_b1;
        *s1 += (g * g - *s1) * k->one_m_b2;
        *w = *w - k->alpha * *s0 / (sqrtf(*s1) + k->eps);
        break;
    case RL_OPT_RMSPROP: {
        *s0 = k->rho * *s0 + k->one_m_rho * g * g;
        float inc = k->lr * g / sqrtf(*s0 + k->eps);
        if (k->mom > 0) {
            *s1 = k->mom * *s1 + inc;
            inc = *s1;
        }
        *w = *w - inc;
        break;
    }
    default:
        if (k->mom > 0) {
            *s0 = k->mom * *s0 - k->lr * g;
            *w = *w + *s0;
        } else {
            *w = *w - k->lr * g;
        }
        break;
    }
}

int rl__optim_step_finite(const rl_optim_config *c, uint64_t t, const float *w, const float *g,
                          const float *s0, const float *s1, size_t n)
{
    const step_constants k = constants(c, t);
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        float nw = w[i], n0 = s0[i], n1 = s1[i];
        element(&k, g[i], &nw, &n0, &n1);
        /* Branch-free, so the loop vectorises: one bad element is enough. */
        ok &= isfinite(nw) & (isfinite(n0) | !k.uses_s0) & (isfinite(n1) | !k.uses_s1);
    }
    return ok;
}

void rl__optim_apply(const rl_optim_config *c, uint64_t t, float *w, const float *g, float *s0,
                     float *s1, size_t n)
{
    const step_constants k = constants(c, t);
    for (size_t i = 0; i < n; i++)
        element(&k, g[i], &w[i], &s0[i], &s1[i]);
}

/* ---- split over the pool ---------------------------------------------------- */

/* One element's update, in multiply-adds of a product (the pool's unit):
 * measured single-threaded, Adam's finite check or apply costs ~1.7 ns per
 * element where a product does ~40 multiply-adds per ns. */
enum { WORK_ELEMENT = 64, ELEMENT_GRAIN = 16 };

typedef struct optim_job {
    step_constants k;
    float *w, *s0, *s1;
    const float *g;
    atomic_int bad;
} optim_job;

static void finite_range(void *ctx, size_t i0, size_t i1)
{
    optim_job *j = ctx;
    const step_constants k = j->k;
    int ok = 1;
    for (size_t i = i0; i < i1; i++) {
        float nw = j->w[i], n0 = j->s0[i], n1 = j->s1[i];
        element(&k, j->g[i], &nw, &n0, &n1);
        ok &= isfinite(nw) & (isfinite(n0) | !k.uses_s0) & (isfinite(n1) | !k.uses_s1);
    }
    if (!ok)
        atomic_store_explicit(&j->bad, 1, memory_order_relaxed);
}

static void apply_range(void *ctx, size_t i0, size_t i1)
{
    optim_job *j = ctx;
    const step_constants k = j->k;
    for (size_t i = i0; i < i1; i++)
        element(&k, j->g[i], &j->w[i], &j->s0[i], &j->s1[i]);
}

int rl__optim_step_finite_on(const struct rl_compute *cx, const rl_optim_config *c, uint64_t t,
                             const float *w, const float *g, const float *s0, const float *s1,
                             size_t n)
{
    optim_job j = { .k = constants(c, t), .w = (float *)w, .s0 = (float *)s0,
                    .s1 = (float *)s1, .g = g };
    atomic_init(&j.bad, 0);
    rl__parallel_for(cx, n, ELEMENT_GRAIN, n * WORK_ELEMENT, finite_range, &j);
    return !atomic_load_explicit(&j.bad, memory_order_relaxed);
}

void rl__optim_apply_on(const struct rl_compute *cx, const rl_optim_config *c, uint64_t t,
                        float *w, const float *g, float *s0, float *s1, size_t n)
{
    optim_job j = { .k = constants(c, t), .w = w, .s0 = s0, .s1 = s1, .g = g };
    atomic_init(&j.bad, 0);
    rl__parallel_for(cx, n, ELEMENT_GRAIN, n * WORK_ELEMENT, apply_range, &j);
}

int rl__optim_step(const rl_optim_config *c, uint64_t t, float *w, const float *g, float *s0,
                   float *s1, size_t n)
{
    if (!rl__optim_step_finite(c, t, w, g, s0, s1, n))
        return 0;
    rl__optim_apply(c, t, w, g, s0, s1, n);
    return 1;
}
