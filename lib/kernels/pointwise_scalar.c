/* The cell math on one lane: the reference every SIMD path must equal. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "pointwise.h"

typedef float VF;
#define V_WIDTH 1
#define V_LOAD(p) (*(p))
#define V_STORE(p, v) (*(p) = (v))
#define V_LOAD_N(p, n) (*(p))
#define V_STORE_N(p, v, n) (*(p) = (v))
#define V_SET1(f) (f)
#define V_ADD(a, b) ((a) + (b))
#define V_SUB(a, b) ((a) - (b))
#define V_MUL(a, b) ((a) * (b))
#define V_DIV(a, b) ((a) / (b))
/* Argument order as x86 min/max: a NaN in `a` yields `b`. */
#define V_MIN(a, b) ((a) < (b) ? (a) : (b))
#define V_MAX(a, b) ((a) > (b) ? (a) : (b))
#define V_FMA(a, b, c) fmaf((a), (b), (c))
#define V_FNMA(a, b, c) fmaf(-(a), (b), (c))
#define V_ABS(v) fabsf(v)
#define V_COPYSIGN(m, s) copysignf((m), (s))
#define V_LT_SELECT(a, b, x, y) ((a) < (b) ? (x) : (y))
#define V_POW2I(n) pow2i(n)
#define PW_NAME(name) rl__pw_scalar_##name

static inline float pow2i(float n)
{
    if (n != n)
        return n;   /* NaN (from a NaN x): converting it to int is undefined */
    uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

#include "pointwise_impl.h"

/* The fused one-row step (fused_row.h): up to 8 vectors of chains per pass. */
#define FR_ARGS rl_row_args
#define FR_VECS 8
#define FR_L1D() rl__l1d_bytes()
#include "fused_row.h"

RL_POINTWISE_TABLE(scalar)

const rl_pointwise *rl__pointwise_for(const char *name)
{
#ifdef RL_HAVE_AVX512
    if (strcmp(name, "avx512") == 0)
        return &rl__pointwise_avx512;
#endif
#ifdef RL_HAVE_NEON
    if (strcmp(name, "neon") == 0)
        return &rl__pointwise_neon;
#endif
#ifdef RL_HAVE_AVX2
    if (strcmp(name, "avx2") == 0)
        return &rl__pointwise_avx2;
#endif
    (void)name;
    return &rl__pointwise_scalar;
}
