/* Worker threads of one model. A product is split over column tiles of C,
 * never over k, so the result is the same bit for bit for any thread count. */
#ifndef RL_POOL_H
#define RL_POOL_H

#include <stddef.h>

#include "kernels/kernels.h"

typedef struct rl_pool rl_pool;

/* n_threads >= 2 (the caller included); NULL on failure. */
rl_pool *rl__pool_create(unsigned n_threads);
void rl__pool_destroy(rl_pool *p);

void rl__pool_gemm(rl_pool *p, rl_gemm_fn gemm, size_t m, size_t n, size_t k,
                   const float *a, size_t a_rs, size_t a_cs,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate);

#endif
