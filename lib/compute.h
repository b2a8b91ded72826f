/* What layers call for their heavy lifting: a matrix product on the chosen
 * kernel path, split over the model's worker threads. Layers never see the
 * kernels or the threads. */
#ifndef RL_COMPUTE_H
#define RL_COMPUTE_H

#include <stddef.h>

#include "real.h"

typedef struct rl_pool rl_pool;

typedef struct rl_compute {
    const struct rl_kernels *kernels;  /* NULL: the process-wide choice */
    rl_pool *pool;                     /* NULL: run on the calling thread */
} rl_compute;

/* C = (accumulate ? C : 0) + A * B; layout as rl_gemm_fn in kernels/kernels.h. */
void rl__gemm(const rl_compute *cx, size_t m, size_t n, size_t k,
              const real *a, size_t a_rs, size_t a_cs,
              const real *b, size_t ldb,
              real *c, size_t ldc, int accumulate);

/* dst[cols x rows] = src[rows x cols]^T, both dense. */
void rl__transpose(real *dst, const real *src, size_t rows, size_t cols);

#endif
