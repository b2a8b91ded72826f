/* Temporary single-thread stand-in until the threaded pool lands (kernels issue). */
#include "pool.h"

#include "alloc.h"

struct rl_pool { unsigned n; };

/* A real (if idle) handle: NULL means out of memory to rl__model_set_threads. */
rl_pool *rl__pool_create(unsigned n_threads)
{
    rl_pool *p = rl__calloc(1, sizeof *p);
    if (p)
        p->n = n_threads;
    return p;
}

void rl__pool_destroy(rl_pool *p) { rl__free(p); }

void rl__pool_gemm(rl_pool *p, rl_gemm_fn gemm, size_t m, size_t n, size_t k,
                   const float *a, size_t a_rs, size_t a_cs,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    (void)p;
    gemm(m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
}
