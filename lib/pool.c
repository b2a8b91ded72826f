/* Worker threads of one model. A product is split over column blocks of C
 * (whole cache lines), never over k: every element is still one fma chain in
 * increasing k order, so any thread count gives the same bits.
 *
 * Hand-off: the caller publishes the job, bumps a generation counter and
 * takes the first block itself. Workers spin on the counter for a while
 * (products come in bursts, microseconds apart, during training), then
 * sleep on a condition variable. Nothing is allocated per call. */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "alloc.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

enum {
    GRAIN = 16,             /* columns per block unit: one cache line of floats */
    MIN_WORK = 1 << 16,     /* multiply-adds per thread worth a hand-off */
    WORKER_SPINS = 1 << 14, /* polls before a worker sleeps (~0.1-1 ms) */
    CALLER_SPINS = 1 << 12, /* polls before the caller yields its CPU */
};

typedef struct gemm_job {
    rl_gemm_fn gemm;
    size_t m, n, k;
    const float *a;
    size_t a_rs, a_cs;
    const float *b;
    size_t ldb;
    float *c;
    size_t ldc;
    int accumulate;
    unsigned parts;        /* column blocks; workers with index >= parts idle */
    size_t units;          /* GRAIN-column units of n */
} gemm_job;

typedef struct worker {
    rl_pool *pool;
    unsigned index;        /* block index (the caller takes 0) */
    pthread_t thread;
} worker;

struct rl_pool {
    /* Written by the caller per job, read by workers: own cache line. */
    _Alignas(64) atomic_uint generation;
    int quit;              /* under lock */
    gemm_job job;          /* published by the generation's release store */

    /* Written by workers, polled by the caller. */
    _Alignas(64) atomic_uint pending;

    _Alignas(64) pthread_mutex_t lock;
    pthread_cond_t wake;
    unsigned n_threads;    /* including the caller */
    unsigned n_started;
    worker *workers;       /* n_threads - 1 */
};

static void run_block(const gemm_job *j, unsigned part)
{
    if (part >= j->parts)
        return;
    const size_t u0 = j->units * part / j->parts;
    const size_t u1 = j->units * (part + 1) / j->parts;
    const size_t c0 = u0 * GRAIN;
    const size_t c1 = u1 * GRAIN < j->n ? u1 * GRAIN : j->n;
    j->gemm(j->m, c1 - c0, j->k, j->a, j->a_rs, j->a_cs, j->b + c0, j->ldb, j->c + c0, j->ldc,
            j->accumulate);
}

/* Waits for a generation other than `seen`; returns it, or seen when quitting. */
static unsigned wait_for_job(rl_pool *p, unsigned seen, int *quit)
{
    for (unsigned i = 0; i < WORKER_SPINS; i++) {
        const unsigned g = atomic_load_explicit(&p->generation, memory_order_acquire);
        if (g != seen)
            break;
        cpu_relax();
    }
    pthread_mutex_lock(&p->lock);
    unsigned g;
    while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen && !p->quit)
        pthread_cond_wait(&p->wake, &p->lock);
    *quit = p->quit;
    pthread_mutex_unlock(&p->lock);
    return g;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    rl_pool *p = w->pool;
    /* Not the current value: a job may be out before this thread first runs. */
    unsigned seen = 0;
    for (;;) {
        int quit = 0;
        seen = wait_for_job(p, seen, &quit);
        if (quit)
            return NULL;
        run_block(&p->job, w->index);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

#ifdef __linux__
/* Pins worker `index` to its own CPU among those the process may use,
 * avoiding the caller's current one: unpinned threads of a process can be
 * packed onto one CPU by the scheduler. Best effort: failure leaves the
 * thread unpinned. */
static void pin_worker(pthread_t t, unsigned index)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    const int n_cpus = CPU_COUNT(&allowed);
    const int here = sched_getcpu();
    if (n_cpus < 2)
        return;
    /* Worker i takes the i-th allowed CPU after skipping the caller's. */
    int want = (int)((index - 1) % (unsigned)(n_cpus - (here >= 0 && CPU_ISSET(here, &allowed))));
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed) || cpu == here)
            continue;
        if (want-- == 0) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            (void)pthread_setaffinity_np(t, sizeof one, &one);
            return;
        }
    }
}
#else
static void pin_worker(pthread_t t, unsigned index)
{
    (void)t;
    (void)index;
}
#endif

static void stop_workers(rl_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->n_started; i++)
        pthread_join(p->workers[i].thread, NULL);
    p->n_started = 0;
}

rl_pool *rl__pool_create(unsigned n_threads)
{
    if (n_threads < 2)
        return NULL;
    rl_pool *p = rl__calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->workers = rl__calloc(n_threads - 1, sizeof *p->workers);
    if (!p->workers) {
        rl__free(p);
        return NULL;
    }
    p->n_threads = n_threads;
    atomic_init(&p->generation, 0);
    atomic_init(&p->pending, 0);
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        rl__free(p->workers);
        rl__free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        rl__free(p->workers);
        rl__free(p);
        return NULL;
    }
    for (unsigned i = 0; i + 1 < n_threads; i++) {
        worker *w = &p->workers[i];
        w->pool = p;
        w->index = i + 1;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            rl__pool_destroy(p);
            return NULL;
        }
        p->n_started++;
        pin_worker(w->thread, w->index);
    }
    return p;
}

void rl__pool_destroy(rl_pool *p)
{
    if (!p)
        return;
    stop_workers(p);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    rl__free(p->workers);
    rl__free(p);
}

void rl__pool_gemm(rl_pool *p, rl_gemm_fn gemm, size_t m, size_t n, size_t k,
                   const float *a, size_t a_rs, size_t a_cs,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    const size_t units = (n + GRAIN - 1) / GRAIN;
    const size_t work = m * n * (k ? k : 1);
    size_t parts = p ? p->n_threads : 1;
    if (parts > units)
        parts = units;
    if (parts > work / MIN_WORK)
        parts = work / MIN_WORK;
    if (parts <= 1) {
        gemm(m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
        return;
    }

    gemm_job *j = &p->job;
    *j = (gemm_job){ gemm, m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate,
                     (unsigned)parts, units };
    atomic_store_explicit(&p->pending, p->n_threads - 1, memory_order_relaxed);
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    run_block(j, 0);

    for (unsigned i = 0; atomic_load_explicit(&p->pending, memory_order_acquire) != 0; i++) {
        if (i < CALLER_SPINS)
            cpu_relax();
        else
            sched_yield();
    }
}
