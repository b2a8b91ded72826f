#include "compute.h"

#ifndef RL_REAL_DOUBLE
#include "kernels/kernels.h"
#include "pool.h"
#endif

void rl__transpose(real *dst, const real *src, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            dst[j * rows + i] = src[i * cols + j];
}

#ifdef RL_REAL_DOUBLE
/* The double build (gradient checks) needs only a correct product. */
void rl__gemm(const rl_compute *cx, size_t m, size_t n, size_t k,
              const real *a, size_t a_rs, size_t a_cs,
              const real *b, size_t ldb, real *c, size_t ldc, int accumulate)
{
    (void)cx;
    for (size_t i = 0; i < m; i++) {
        real *ci = c + i * ldc;
        if (!accumulate)
            for (size_t j = 0; j < n; j++)
                ci[j] = 0;
        for (size_t p = 0; p < k; p++)
            for (size_t j = 0; j < n; j++)
                ci[j] = fma(a[i * a_rs + p * a_cs], b[p * ldb + j], ci[j]);
    }
}
#else
void rl__gemm(const rl_compute *cx, size_t m, size_t n, size_t k,
              const real *a, size_t a_rs, size_t a_cs,
              const real *b, size_t ldb, real *c, size_t ldc, int accumulate)
{
    const rl_kernels *kern = (cx && cx->kernels) ? cx->kernels : rl__kernels();
    if (m == 0 || n == 0)
        return;
    if (cx && cx->pool) {
        rl__pool_gemm(cx->pool, kern->gemm, m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
        return;
    }
    kern->gemm(m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
}
#endif
