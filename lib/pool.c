/* Worker threads of one model. A product is split over column blocks of C
 * (whole cache lines), never over k: every element is still one fma chain in
 * increasing k order, so any thread count gives the same bits.
 *
 * Hand-off: the caller publishes the job with a new generation in one
 * atomic word that also counts the column blocks handed out; every thread,
 * the caller included, claims blocks from it until none are left, so a
 * worker that the OS keeps off its CPU delays only the block it holds.
 * Idle workers spin on the word for a while (products come in bursts,
 * microseconds apart, during training), then sleep on a condition variable.
 * Nothing is allocated per call.
 *
 * Placement (Linux): each worker is pinned to its own CPU, and between
 * rl__pool_bind_caller and rl__pool_unbind_caller the caller is pinned to
 * one more. Measured on a 2-vCPU VM: left free, the scheduler moved the
 * caller onto the worker's CPU and a 2-thread product ran up to 40x slower
 * than on one thread; pinned, it ran 1.7-1.9x faster. */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "alloc.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#if defined(__linux__) && defined(CPU_SETSIZE)
#define RL_PIN 1
#endif

enum {
    LINE = 16,              /* floats per cache line: blocks start on one */
    GRAIN = 32,             /* columns per block unit (one AVX-512 panel) */
    BLOCKS_PER_THREAD = 3,  /* slack for a thread that falls behind */
    MIN_WORK = 1 << 16,     /* multiply-adds per block worth a hand-off */
    WORKER_SPINS = 1 << 12, /* polls before a worker sleeps (~0.25 ms on Zen 5) */
    CALLER_SPINS = 1 << 10, /* polls before the caller yields its CPU */
};

/* The ticket word: generation (bits 63-32), blocks of the job (31-16),
 * next block to hand out (15-0). */
#define TICKET(gen, blocks, next) (((uint64_t)(gen) << 32) | ((uint64_t)(blocks) << 16) | (next))
#define TICKET_GEN(t) ((uint32_t)((t) >> 32))
#define TICKET_BLOCKS(t) ((unsigned)(((t) >> 16) & 0xffffu))
#define TICKET_NEXT(t) ((unsigned)((t) & 0xffffu))
#define MAX_BLOCKS 0xffffu

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
    unsigned blocks;
    size_t first;          /* columns before the first cache-line boundary of c */
    size_t units;          /* GRAIN-column units after it */
} gemm_job;

typedef struct worker {
    rl_pool *pool;
    pthread_t thread;
} worker;

struct rl_pool {
    /* Written by the caller per job, claimed from by everyone: own line. */
    _Alignas(64) _Atomic uint64_t ticket;
    /* Written by whoever finishes a block, polled by the caller. */
    _Alignas(64) atomic_uint done;

    _Alignas(64) gemm_job job;   /* published by the ticket's release store */
    uint32_t generation;         /* caller only */
    int quit;                    /* under lock */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    unsigned n_threads;          /* including the caller */
    unsigned n_started;
    worker *workers;             /* n_threads - 1 */

    /* Caller placement; touched only by the thread using the pool. */
    int caller_cpu;        /* -1: no pinning */
    int bind_wanted;       /* pin the caller at the next parallel product */
    int bound;             /* the caller is pinned; saved_mask restores it */
#ifdef RL_PIN
    cpu_set_t saved_mask;
#endif
};

static void run_block(const gemm_job *j, unsigned block)
{
    /* Blocks meet on cache-line boundaries of row 0, so two threads do not
     * write to one line (in any row, when ldc is a multiple of LINE). */
    const size_t b0 = j->first + j->units * block / j->blocks * GRAIN;
    const size_t b1 = j->first + j->units * (block + 1) / j->blocks * GRAIN;
    const size_t c0 = block == 0 ? 0 : b0 < j->n ? b0 : j->n;
    const size_t c1 = block + 1 == j->blocks ? j->n : b1 < j->n ? b1 : j->n;
    j->gemm(j->m, c1 - c0, j->k, j->a, j->a_rs, j->a_cs, j->b + c0, j->ldb, j->c + c0, j->ldc,
            j->accumulate);
}

/* Runs blocks of generation `gen` until none are left to claim. A block
 * is claimed before the job is read, so the job cannot change under it:
 * the caller waits for every block of a generation before the next. */
static void claim_blocks(rl_pool *p, uint32_t gen)
{
    uint64_t t = atomic_load_explicit(&p->ticket, memory_order_acquire);
    for (;;) {
        if (TICKET_GEN(t) != gen || TICKET_NEXT(t) >= TICKET_BLOCKS(t))
            return;
        if (atomic_compare_exchange_weak_explicit(&p->ticket, &t, t + 1, memory_order_acquire,
                                                  memory_order_acquire)) {
            run_block(&p->job, TICKET_NEXT(t));
            atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
            t = atomic_load_explicit(&p->ticket, memory_order_acquire);
        }
    }
}

/* Waits for a generation other than `seen`; returns it, with *quit set
 * when the pool is shutting down. */
static uint32_t wait_for_job(rl_pool *p, uint32_t seen, int *quit)
{
    for (unsigned i = 0; i < WORKER_SPINS; i++) {
        if (TICKET_GEN(atomic_load_explicit(&p->ticket, memory_order_acquire)) != seen)
            break;
        cpu_relax();
    }
    pthread_mutex_lock(&p->lock);
    uint32_t g;
    while ((g = TICKET_GEN(atomic_load_explicit(&p->ticket, memory_order_acquire))) == seen &&
           !p->quit)
        pthread_cond_wait(&p->wake, &p->lock);
    *quit = p->quit;
    pthread_mutex_unlock(&p->lock);
    return g;
}

static void *worker_main(void *arg)
{
    rl_pool *p = ((worker *)arg)->pool;
    /* Not the current value: a job may be out before this thread first runs. */
    uint32_t seen = 0;
    for (;;) {
        int quit = 0;
        seen = wait_for_job(p, seen, &quit);
        if (quit)
            return NULL;
        claim_blocks(p, seen);
    }
}

#ifdef RL_PIN
/* CPUs to place threads on: those of the process's main thread (a new
 * thread inherits its creator's mask, which may be a single CPU). */
static int usable_cpus(cpu_set_t *set)
{
    if (sched_getaffinity(getpid(), sizeof *set, set) != 0 || CPU_COUNT(set) < 2) {
        const long online = sysconf(_SC_NPROCESSORS_ONLN);
        CPU_ZERO(set);
        for (long cpu = 0; cpu < online && cpu < CPU_SETSIZE; cpu++)
            CPU_SET((int)cpu, set);
    }
    return CPU_COUNT(set);
}

static int pin_thread(pthread_t t, int cpu)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return pthread_setaffinity_np(t, sizeof one, &one);
}

/* The caller keeps the CPU it is on now; workers take the others in turn
 * (sharing them when there are more threads than CPUs). Best effort: a
 * thread that cannot be pinned keeps its inherited mask. */
static void place_threads(rl_pool *p)
{
    cpu_set_t set;
    if (usable_cpus(&set) < 2)
        return;
    int here = sched_getcpu();
    if (here < 0 || here >= CPU_SETSIZE || !CPU_ISSET(here, &set))
        for (here = 0; !CPU_ISSET(here, &set); here++) {}
    p->caller_cpu = here;
    CPU_CLR(here, &set);
    int cpu = -1;
    for (unsigned i = 0; i < p->n_started; i++) {
        do
            cpu = (cpu + 1) % CPU_SETSIZE;
        while (!CPU_ISSET(cpu, &set));
        (void)pin_thread(p->workers[i].thread, cpu);
    }
}

static void bind_caller_now(rl_pool *p)
{
    p->bind_wanted = 0;
    pthread_t self = pthread_self();
    if (p->caller_cpu < 0 ||
        pthread_getaffinity_np(self, sizeof p->saved_mask, &p->saved_mask) != 0)
        return;
    p->bound = pin_thread(self, p->caller_cpu) == 0;
}

static void unbind_caller_now(rl_pool *p)
{
    (void)pthread_setaffinity_np(pthread_self(), sizeof p->saved_mask, &p->saved_mask);
    p->bound = 0;
}
#else
static void place_threads(rl_pool *p) { (void)p; }
static void bind_caller_now(rl_pool *p) { p->bind_wanted = 0; }
static void unbind_caller_now(rl_pool *p) { p->bound = 0; }
#endif

/* Publishes a new generation (with `blocks` blocks) and wakes sleepers. */
static void publish(rl_pool *p, unsigned blocks)
{
    p->generation++;
    pthread_mutex_lock(&p->lock);
    atomic_store_explicit(&p->ticket, TICKET(p->generation, blocks, 0), memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

static void stop_workers(rl_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    pthread_mutex_unlock(&p->lock);
    publish(p, 0);
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
    p->caller_cpu = -1;
    atomic_init(&p->ticket, TICKET(0, 0, 0));
    atomic_init(&p->done, 0);
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
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            rl__pool_destroy(p);
            return NULL;
        }
        p->n_started++;
    }
    place_threads(p);
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

void rl__pool_bind_caller(rl_pool *p)
{
    if (p && !p->bound)
        p->bind_wanted = 1;
}

void rl__pool_unbind_caller(rl_pool *p)
{
    if (!p)
        return;
    p->bind_wanted = 0;
    if (p->bound)
        unbind_caller_now(p);
}

void rl__pool_gemm(rl_pool *p, rl_gemm_fn gemm, size_t m, size_t n, size_t k,
                   const float *a, size_t a_rs, size_t a_cs,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    const size_t misalign = ((uintptr_t)c / sizeof(float)) % LINE;
    const size_t first = misalign ? LINE - misalign : 0;
    const size_t units = n > first ? (n - first + GRAIN - 1) / GRAIN : 1;
    const size_t work = m * n * (k ? k : 1);
    size_t blocks = p ? (size_t)p->n_threads * BLOCKS_PER_THREAD : 1;
    if (blocks > units)
        blocks = units;
    if (blocks > work / MIN_WORK)
        blocks = work / MIN_WORK;
    if (blocks > MAX_BLOCKS)
        blocks = MAX_BLOCKS;
    if (blocks <= 1) {
        gemm(m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
        return;
    }
    if (p->bind_wanted)
        bind_caller_now(p);

    p->job = (gemm_job){ gemm, m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate,
                         (unsigned)blocks, first, units };
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    publish(p, (unsigned)blocks);
    claim_blocks(p, p->generation);
    for (unsigned i = 0; atomic_load_explicit(&p->done, memory_order_acquire) != blocks; i++) {
        if (i < CALLER_SPINS)
            cpu_relax();
        else
            sched_yield();
    }
}
