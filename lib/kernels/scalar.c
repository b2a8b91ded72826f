/* Reference path: portable C, fmaf for every product so results match the
 * SIMD paths bit for bit. */
#include "kernels.h"

#include <math.h>

static void gemm_scalar(size_t m, size_t n, size_t k,
                        const float *a, size_t a_rs, size_t a_cs,
                        const float *b, size_t ldb,
                        float *c, size_t ldc, int accumulate)
{
    if (n == 0)
        return;   /* B and C may be NULL then */
    for (size_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (!accumulate)
            for (size_t j = 0; j < n; j++)
                ci[j] = 0.0f;
        /* k outermost per row keeps B streaming row by row; each c[i][j]
         * still sees its products in increasing k order. */
        for (size_t p = 0; p < k; p++) {
            const float aip = a[i * a_rs + p * a_cs];
            const float *bp = b + p * ldb;
            for (size_t j = 0; j < n; j++)
                ci[j] = fmaf(aip, bp[j], ci[j]);
        }
    }
}

/* B packed once: the panel layout of kernels.h with a panel of 16 columns
 * (any divisor of RL_PACK_PANEL_MAX would do: the chain per element is the
 * same whatever the width). */
#define PANEL 16
#include "pack_b.h"

static void gemm_packed_scalar(size_t m, size_t n, size_t k,
                               const float *a, size_t a_rs, size_t a_cs,
                               const float *packed, float *c, size_t ldc, int accumulate)
{
    for (size_t j0 = 0; j0 < n; j0 += PANEL) {
        const size_t cols = n - j0 < PANEL ? n - j0 : PANEL;
        const float *panel = packed + j0 * k;
        for (size_t i = 0; i < m; i++) {
            float *ci = c + i * ldc + j0;
            if (!accumulate)
                for (size_t j = 0; j < cols; j++)
                    ci[j] = 0.0f;
            for (size_t p = 0; p < k; p++) {
                const float aip = a[i * a_rs + p * a_cs];
                for (size_t j = 0; j < cols; j++)
                    ci[j] = fmaf(aip, panel[p * PANEL + j], ci[j]);
            }
        }
    }
}

/* Nothing to prefetch on the reference path: the product alone. */
static void gemm_packed_pf_scalar(size_t m, size_t n, size_t k,
                                  const float *a, size_t a_rs, size_t a_cs,
                                  const float *packed, float *c, size_t ldc, int accumulate,
                                  const rl_prefetch *pf)
{
    (void)pf;
    gemm_packed_scalar(m, n, k, a, a_rs, a_cs, packed, c, ldc, accumulate);
}

/* A transposed: read in place, row source by row source (scalar has no
 * tiles to pack for); a constant row is a broadcast value. */
static void gemm_at_scalar(size_t m, size_t n, size_t k, const rl_at_a *a, const float *b,
                           size_t ldb, float *c, size_t ldc, int accumulate, float *work)
{
    static const float zero = 0.0f, one = 1.0f;
    (void)work;
    for (size_t i = 0; i < m; i++) {
        if (i < a->end1)
            gemm_scalar(1, n, k, a->a1 + i, 0, a->lda1, b, ldb, c + i * ldc, ldc, accumulate);
        else if (i < a->end2)
            gemm_scalar(1, n, k, a->a2 + (i - a->end1), 0, a->lda2, b, ldb, c + i * ldc, ldc,
                        accumulate);
        else
            gemm_scalar(1, n, k, i < a->end0 ? &zero : &one, 0, 0, b, ldb, c + i * ldc, ldc,
                        accumulate);
    }
}

static const rl_kernels scalar_kernels = {
    .name = "scalar",
    .gemm = gemm_scalar,
    .panel = PANEL,
    .pack_b = pack_b_panels,
    .gemm_packed = gemm_packed_scalar,
    .gemm_packed_pf = gemm_packed_pf_scalar,
    .gemm_at = gemm_at_scalar,
};

const rl_kernels *rl__kernels_scalar(void)
{
    return &scalar_kernels;
}
