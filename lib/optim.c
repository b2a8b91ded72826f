#include "optim.h"

#include <math.h>
#include <stdatomic.h>

#include "compute.h"
#include "finite.h"

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

/* What one step's formulas need, computed once per step. */
typedef struct step_constants {
    rl_optimizer kind;
    float lr, eps, mom, one_m_b1, one_m_b2, alpha, rho, one_m_rho;
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

/* One element of each optimiser: the one formula both passes of
 * rl__optim_step use, so what is checked is what is stored. */
static inline void adam(const step_constants *k, float g, float *w, float *s0, float *s1)
{
    *s0 += (g - *s0) * k->one_m_b1;
    *s1 += (g * g - *s1) * k->one_m_b2;
    *w = *w - k->alpha * *s0 / (sqrtf(*s1) + k->eps);
}

/* `momentum` is a constant in every loop below (k->mom > 0 decided once). */
static inline void rmsprop(const step_constants *k, int momentum, float g, float *w, float *s0,
                           float *s1)
{
    *s0 = k->rho * *s0 + k->one_m_rho * g * g;
    float inc = k->lr * g / sqrtf(*s0 + k->eps);
    if (momentum) {
        *s1 = k->mom * *s1 + inc;
        inc = *s1;
    }
    *w = *w - inc;
}

static inline void sgd(const step_constants *k, int momentum, float g, float *w, float *s0)
{
    if (momentum) {
        *s0 = k->mom * *s0 - k->lr * g;
        *w = *w + *s0;
    } else {
        *w = *w - k->lr * g;
    }
}

/* The loops below are written once per optimiser, with the kind decided
 * outside them and restrict pointers, so that the compiler vectorises them
 * (SSE2 in the default x86-64 build: sqrt and division are correctly
 * rounded in every lane, so the bits equal the one-element formula). With
 * the kind switched per element the step cost ~2 % of a seed-shape fit. */
static inline int rmsprop_finite(const step_constants *k, int momentum, const float *restrict w,
                                 const float *restrict g, const float *restrict s0,
                                 const float *restrict s1, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        float nw = w[i], n0 = s0[i], n1 = s1[i];
        rmsprop(k, momentum, g[i], &nw, &n0, &n1);
        ok &= isfinite(nw) & isfinite(n0) & (isfinite(n1) | !momentum);
    }
    return ok;
}

static inline int sgd_finite(const step_constants *k, int momentum, const float *restrict w,
                             const float *restrict g, const float *restrict s0, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        float nw = w[i], n0 = s0[i];
        sgd(k, momentum, g[i], &nw, &n0);
        ok &= isfinite(nw) & (isfinite(n0) | !momentum);
    }
    return ok;
}

/* The two element loops in wider vectors where the CPU has them, chosen at
 * load time (ifunc), not by -march: AVX-512 runs 16 lanes where the
 * default x86-64 build's SSE2 runs 4 (Adam's sqrt and division were ~3 %
 * of a seed-shape fit). Only +, -, *, / and sqrt, each correctly rounded in
 * every lane, and no contraction (-ffp-contract=off): the same bits as the
 * one-element formulas on any clone (finite.h RL_WIDE_CLONES). */

/* Whether every new weight and slot of elements [0, n) would be finite. */
RL_WIDE_CLONES static int finite_k(const step_constants *k, const float *restrict w, const float *restrict g,
                    const float *restrict s0, const float *restrict s1, size_t n)
{
    int ok = 1;
    /* Branch-free, so the loops vectorise: one bad element is enough. */
    switch (k->kind) {
    case RL_OPT_ADAM:
        for (size_t i = 0; i < n; i++) {
            float nw = w[i], n0 = s0[i], n1 = s1[i];
            adam(k, g[i], &nw, &n0, &n1);
            ok &= isfinite(nw) & isfinite(n0) & isfinite(n1);
        }
        break;
    case RL_OPT_RMSPROP:
        ok = k->mom > 0 ? rmsprop_finite(k, 1, w, g, s0, s1, n)
                        : rmsprop_finite(k, 0, w, g, s0, s1, n);
        break;
    default:
        ok = k->mom > 0 ? sgd_finite(k, 1, w, g, s0, n) : sgd_finite(k, 0, w, g, s0, n);
        break;
    }
    return ok;
}

RL_WIDE_CLONES static void apply_k(const step_constants *k, float *restrict w, const float *restrict g,
                    float *restrict s0, float *restrict s1, size_t n)
{
    switch (k->kind) {
    case RL_OPT_ADAM:
        for (size_t i = 0; i < n; i++)
            adam(k, g[i], &w[i], &s0[i], &s1[i]);
        break;
    case RL_OPT_RMSPROP:
        if (k->mom > 0)
            for (size_t i = 0; i < n; i++)
                rmsprop(k, 1, g[i], &w[i], &s0[i], &s1[i]);
        else
            for (size_t i = 0; i < n; i++)
                rmsprop(k, 0, g[i], &w[i], &s0[i], &s1[i]);
        break;
    default:
        if (k->mom > 0)
            for (size_t i = 0; i < n; i++)
                sgd(k, 1, g[i], &w[i], &s0[i]);
        else
            for (size_t i = 0; i < n; i++)
                sgd(k, 0, g[i], &w[i], &s0[i]);
        break;
    }
}

int rl__optim_step_finite(const rl_optim_config *c, uint64_t t, const float *w, const float *g,
                          const float *s0, const float *s1, size_t n)
{
    const step_constants k = constants(c, t);
    return finite_k(&k, w, g, s0, s1, n);
}

void rl__optim_apply(const rl_optim_config *c, uint64_t t, float *w, const float *g, float *s0,
                     float *s1, size_t n)
{
    const step_constants k = constants(c, t);
    apply_k(&k, w, g, s0, s1, n);
}

/* ---- split over the pool ---------------------------------------------------- */

/* One element's update, in multiply-adds of a product (the pool's unit):
 * measured single-threaded (vectorised, Intel Xeon AVX-512 machine), Adam's
 * finite check or apply costs ~0.47 ns per element where a product does
 * ~40 multiply-adds per ns. */
enum { WORK_ELEMENT = 20, ELEMENT_GRAIN = 16 };

typedef struct optim_job {
    step_constants k;
    float *w, *s0, *s1;
    const float *g;
    atomic_int bad;
} optim_job;

static void finite_range(void *ctx, size_t i0, size_t i1)
{
    optim_job *j = ctx;
    if (!finite_k(&j->k, j->w + i0, j->g + i0, j->s0 + i0, j->s1 + i0, i1 - i0))
        atomic_store_explicit(&j->bad, 1, memory_order_relaxed);
}

static void apply_range(void *ctx, size_t i0, size_t i1)
{
    optim_job *j = ctx;
    apply_k(&j->k, j->w + i0, j->g + i0, j->s0 + i0, j->s1 + i0, i1 - i0);
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
