/* Worker threads of one model. A product is split over column blocks of C,
 * never over k, so the result is the same bit for bit for any thread count.
 * One thread at a time uses a pool (the model's). */
#ifndef RL_POOL_H
#define RL_POOL_H

#include <stddef.h>

#include "kernels/kernels.h"

typedef struct rl_pool rl_pool;

/* n_threads >= 2 (the caller included); NULL when n_threads < 2 or on
 * failure. Workers are pinned to CPUs other than the caller's (Linux). */
rl_pool *rl__pool_create(unsigned n_threads);
void rl__pool_destroy(rl_pool *p);   /* NULL is harmless */

/* Bracket a burst of products (fit, a large predict): from the first
 * product that runs in parallel until unbind, the calling thread is pinned
 * to a CPU no worker uses, then its own affinity mask is restored. Without
 * it the scheduler may put the caller on a worker's CPU. NULL is harmless. */
void rl__pool_bind_caller(rl_pool *p);
void rl__pool_unbind_caller(rl_pool *p);

/* As rl_gemm_fn, split over the pool's threads; small products (or p NULL)
 * run on the calling thread. */
void rl__pool_gemm(rl_pool *p, rl_gemm_fn gemm, size_t m, size_t n, size_t k,
                   const float *a, size_t a_rs, size_t a_cs,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate);

#endif
