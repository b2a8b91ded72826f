/* Worker threads of one model, or the host's parallel-for standing in for
 * them. A product is split over column blocks of C, never over k, so the
 * result is the same bit for bit for any thread count and whoever runs the
 * blocks. One thread at a time uses a pool (the model's).
 *
 * Being a guest in the host's process (issue 10):
 * - threads run only on CPUs of the creating thread's affinity mask (the
 *   host's limits); the thread count is cut to the CPUs that mask allows,
 *   and a one-CPU mask gives no pool at all;
 * - by default nothing is pinned: workers inherit that mask;
 * - RL_PLACE_WORKERS pins each worker to its own CPU, least used by other
 *   pools of the process first (two models spread instead of stacking); the
 *   caller is left alone and only waits, the workers do all of the work;
 * - RL_PLACE_WORKERS_AND_CALLER also pins the caller for the duration of a
 *   call (bind/unbind) and always restores its mask, also when the pool is
 *   destroyed while bound (a callback changing the thread count). */
#ifndef RL_POOL_H
#define RL_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "compute.h"
#include "kernels/kernels.h"
#include "rnnlite/rnnlite.h"

typedef struct rl_pool rl_pool;

/* A new pool for up to n_threads threads (the caller included), placed as
 * `placement` (an rl_thread_placement) says. *out is NULL when one thread
 * is all the allowed CPUs (or n_threads) give: products then run on the
 * caller. RL_OK, RL_E_NOMEM (memory or a thread could not start). */
rl_status rl__pool_create(unsigned n_threads, int placement, rl_pool **out);

/* A pool whose products run through the host's parallel-for (fn, user),
 * which runs up to `concurrency` tasks at a time. RL_OK or RL_E_NOMEM. */
rl_status rl__pool_create_host(rl_parallel_for_fn fn, void *user, unsigned concurrency,
                               rl_pool **out);

void rl__pool_destroy(rl_pool *p);   /* NULL is harmless; restores a bound caller */

/* Threads that share a product (1 for NULL). */
unsigned rl__pool_threads(const rl_pool *p);
/* Bytes of cache each thread has to itself (its core's L2; 0 for NULL): what a
 * step may read on every thread at once and still find there the next time. */
size_t rl__pool_private_cache(const rl_pool *p);

/* Tests: the CPU worker i is pinned to, or -1 (not pinned, or no such
 * worker); and the least work a product or parallel-for needs to be split
 * (also the least per block and per call step when below the defaults),
 * so small test problems exercise the hand-off and every threaded piece. */
void rl__pool_set_min_work(rl_pool *p, size_t work);
/* The round trip of a hand-off between the caller's core and the farthest
 * worker's (ns), as last timed (at creation, and during a call at most
 * once a second); 0 when not timed (NULL, the host's parallel-for,
 * RL_PLACE_WORKERS, or every round late). From RL_POOL_FAR_HANDOFF_NS
 * only larger jobs are split (pool.c FAR_*). */
#define RL_POOL_FAR_HANDOFF_NS 250u
uint64_t rl__pool_handoff_ns(const rl_pool *p);
/* Tests: workers asleep now (a worker that spun past its budget); jobs
 * published so far, wake-ups of no blocks included (the caller's count). */
unsigned rl__pool_workers_asleep(const rl_pool *p);
uint32_t rl__pool_published(const rl_pool *p);
int rl__pool_worker_cpu(const rl_pool *p, unsigned i);

/* Bracket a call (fit, predict, evaluate): with RL_PLACE_WORKERS_AND_CALLER
 * the calling thread is pinned from the first parallel product until unbind,
 * then its own mask is restored. No-ops otherwise and for NULL. */
void rl__pool_bind_caller(rl_pool *p);
void rl__pool_unbind_caller(rl_pool *p);
/* Bind for a call whose widest step does `step_work` multiply-adds (product,
 * input projection and cell, at the call's batch): below the pool's
 * threshold the whole call, until unbind, runs on the caller (a second
 * thread cannot win there); else as bind. small_pays_far: the caller
 * measured that this call's layers pay for a second thread from smaller
 * steps while the cores are far apart, and the lower far threshold
 * applies (pool.c FAR_CALL_MIN_STEP_WORK_SMALL). */
void rl__pool_begin_call(rl_pool *p, size_t step_work, int small_pays_far);
/* Bind for a call that runs forwards only (predict, evaluate): no threshold
 * for the whole call, as its recurrent layers split a sequence once, by
 * rows (rl__run_steps), not at every step: a second thread pays there from
 * far smaller steps (SimpleRNN(32) at batch 64: 1.2-1.6x); each job's own
 * threshold still decides. */
void rl__pool_begin_forward_call(rl_pool *p);

/* rl__parallel_for (compute.h) on pool p (NULL: fn(ctx, 0, n) here). */
void rl__pool_for(rl_pool *p, size_t n, size_t grain, size_t work, rl_range_fn fn, void *ctx);
/* rl__parallel_for_shares (compute.h): split from the smaller threshold of a
 * spinning worker, as rl__pool_for. */
void rl__pool_for_shares(rl_pool *p, size_t n, size_t grain, size_t work, rl_range_fn fn,
                         void *ctx);
/* rl__parallel_for_large (compute.h). */
void rl__pool_for_large(rl_pool *p, size_t n, size_t grain, size_t work, rl_range_fn fn,
                        void *ctx);

/* As rl_gemm_fn, split over the pool's threads; small products (or p NULL)
 * run on the calling thread. */
void rl__pool_gemm(rl_pool *p, rl_gemm_fn gemm, size_t m, size_t n, size_t k,
                   const float *a, size_t a_rs, size_t a_cs,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate);

#endif
