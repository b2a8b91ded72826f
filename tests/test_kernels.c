/* lib/kernels and lib/pool.c: every SIMD path and every thread count give
 * the bits of the scalar reference on awkward shapes (ragged edges, strided
 * and transposed A, padded rows, misaligned pointers, k across blocks), and
 * the scalar reference itself agrees with a product computed in double. */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernels/kernels.h"
#include "pool.h"

static const size_t dims[] = { 1, 3, 15, 16, 17, 33, 50, 63, 65, 127 };
#define N_DIMS (sizeof dims / sizeof dims[0])
#define GUARD 40   /* floats after each operand that nothing may touch */

/* One product laid out with strides, padding and an offset from alignment. */
typedef struct problem {
    size_t m, n, k;
    size_t a_rs, a_cs, ldb, ldc;
    int accumulate;
    size_t off;                 /* floats by which a, b and c leave 64-byte alignment */
    float *a, *b, *c_init;      /* whole buffers; operands start at + off */
    size_t c_len;
} problem;

static float *random_buffer(size_t n, uint64_t seed)
{
    float *x = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    assert_non_null(x);
    tu_fill_uniform(x, n, seed, -1.0f, 1.0f);
    return x;
}

/* variant bit 0: A transposed; bit 1: accumulate; bit 2: padded rows and
 * misaligned pointers. */
static problem make_problem(size_t m, size_t n, size_t k, unsigned variant, uint64_t seed)
{
    problem p = { .m = m, .n = n, .k = k };
    const int trans = variant & 1;
    const int padded = (variant >> 2) & 1;
    p.accumulate = (variant >> 1) & 1;
    p.off = padded ? 1 : 0;
    if (trans) {
        p.a_rs = 1;
        p.a_cs = m + (padded ? 3 : 0);
    } else {
        p.a_rs = k + (padded ? 5 : 0);
        p.a_cs = 1;
    }
    p.ldb = n + (padded ? 7 : 0);
    p.ldc = n + (padded ? 9 : 0);
    const size_t a_len = p.off + (m ? (m - 1) * p.a_rs : 0) + (k ? (k - 1) * p.a_cs : 0) + 1 + GUARD;
    const size_t b_len = p.off + (k ? (k - 1) * p.ldb : 0) + n + GUARD;
    p.c_len = p.off + (m ? (m - 1) * p.ldc : 0) + n + GUARD;
    p.a = random_buffer(a_len, seed);
    p.b = random_buffer(b_len, seed + 1);
    p.c_init = random_buffer(p.c_len, seed + 2);
    return p;
}

static void free_problem(problem *p)
{
    free(p->a);
    free(p->b);
    free(p->c_init);
}

/* A fresh copy of C (padding and guard included) after the product. */
static float *run(const problem *p, rl_gemm_fn gemm)
{
    float *c = aligned_alloc(64, (p->c_len * sizeof(float) + 63) / 64 * 64);
    assert_non_null(c);
    memcpy(c, p->c_init, p->c_len * sizeof(float));
    gemm(p->m, p->n, p->k, p->a + p->off, p->a_rs, p->a_cs, p->b + p->off, p->ldb, c + p->off,
         p->ldc, p->accumulate);
    return c;
}

static void assert_same_bits(const problem *p, const float *got, const float *want,
                             const char *path, unsigned variant)
{
    tu_assert_same_bits(got, want, p->c_len, 0, "%s m=%zu n=%zu k=%zu variant=%u", path, p->m,
                        p->n, p->k, variant);
}

static void test_scalar_matches_double_product(void **state)
{
    (void)state;
    const rl_gemm_fn gemm = rl__kernels_scalar()->gemm;
    unsigned count = 0;
    for (size_t im = 0; im < N_DIMS; im++)
        for (size_t in = 0; in < N_DIMS; in++)
            for (size_t ik = 0; ik < N_DIMS; ik++) {
                if ((im + in + ik) % 3 != 0)
                    continue;
                const unsigned variant = count++ % 8;
                problem p = make_problem(dims[im], dims[in], dims[ik], variant, count);
                float *c = run(&p, gemm);
                for (size_t i = 0; i < p.m; i++)
                    for (size_t j = 0; j < p.n; j++) {
                        const size_t at = p.off + i * p.ldc + j;
                        double sum = p.accumulate ? p.c_init[at] : 0.0;
                        double mag = fabs(sum);
                        for (size_t q = 0; q < p.k; q++) {
                            const double t = (double)p.a[p.off + i * p.a_rs + q * p.a_cs] *
                                             p.b[p.off + q * p.ldb + j];
                            sum += t;
                            mag += fabs(t);
                        }
                        /* Rounding error of a float chain of k + 1 terms is
                         * below (k + 1) * 2^-24 of the magnitude sum. */
                        if (!(fabs(c[at] - sum) <= 1e-5 * mag + 1e-30)) {
                            print_error("m=%zu n=%zu k=%zu (%zu,%zu): %.9g vs %.9g\n", p.m, p.n,
                                        p.k, i, j, (double)c[at], sum);
                            fail();
                        }
                    }
                /* Outside the m x n window nothing changed. */
                for (size_t x = 0; x < p.c_len; x++) {
                    const size_t rel = x - p.off;
                    const int inside = x >= p.off && rel / p.ldc < p.m && rel % p.ldc < p.n;
                    if (!inside)
                        assert_memory_equal(&c[x], &p.c_init[x], sizeof(float));
                }
                free(c);
                free_problem(&p);
            }
}

/* Small integers: every product and sum is exact in float, so the result
 * must equal the exact one, whatever the order. */
static void test_scalar_is_exact_on_integers(void **state)
{
    (void)state;
    enum { M = 5, N = 7, K = 9 };
    float a[M * K], b[K * N], c[M * N];
    for (size_t i = 0; i < M * K; i++)
        a[i] = (float)((int)(i * 7 % 11) - 5);
    for (size_t i = 0; i < K * N; i++)
        b[i] = (float)((int)(i * 5 % 13) - 6);
    rl__kernels_scalar()->gemm(M, N, K, a, K, 1, b, N, c, N, 0);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            long want = 0;
            for (size_t q = 0; q < K; q++)
                want += (long)a[i * K + q] * (long)b[q * N + j];
            assert_true(c[i * N + j] == (float)want);
        }
}

static void check_path_on_shape(const rl_kernels *path, size_t m, size_t n, size_t k,
                                unsigned variant, uint64_t seed)
{
    problem p = make_problem(m, n, k, variant, seed);
    float *want = run(&p, rl__kernels_scalar()->gemm);
    float *got = run(&p, path->gemm);
    assert_same_bits(&p, got, want, path->name, variant);
    free(want);
    free(got);
    free_problem(&p);
}

static void check_path(const rl_kernels *path)
{
    assert_non_null(path);   /* main registers only the paths this CPU runs */
    unsigned count = 0;
    for (size_t im = 0; im < N_DIMS; im++)
        for (size_t in = 0; in < N_DIMS; in++)
            for (size_t ik = 0; ik < N_DIMS; ik++) {
                /* Two of the eight layouts per shape, cycling through all. */
                const unsigned variant = count % 8;
                check_path_on_shape(path, dims[im], dims[in], dims[ik], variant, count);
                check_path_on_shape(path, dims[im], dims[in], dims[ik], variant ^ 7, count);
                count++;
            }
    /* k across the kernels' k blocks (the chain is stored and resumed). */
    static const size_t long_k[] = { 191, 192, 193, 255, 256, 257, 513, 1000 };
    static const size_t some_m[] = { 1, 7, 8, 9, 64 };
    static const size_t some_n[] = { 17, 64, 100 };
    for (size_t ik = 0; ik < sizeof long_k / sizeof long_k[0]; ik++)
        for (size_t im = 0; im < sizeof some_m / sizeof some_m[0]; im++)
            for (size_t in = 0; in < sizeof some_n / sizeof some_n[0]; in++, count++)
                check_path_on_shape(path, some_m[im], some_n[in], long_k[ik], count % 8, count);
}

static void test_avx2_matches_scalar(void **state)
{
    (void)state;
    check_path(rl__kernels_avx2());
}

static void test_avx512_matches_scalar(void **state)
{
    (void)state;
    check_path(rl__kernels_avx512());
}

static void test_neon_matches_scalar(void **state)
{
    (void)state;
    check_path(rl__kernels_neon());
}

static void test_empty_and_k0(void **state)
{
    (void)state;
    const rl_kernels *paths[] = { rl__kernels_scalar(), rl__kernels_avx2(), rl__kernels_avx512(),
                                  rl__kernels_neon() };
    for (size_t t = 0; t < sizeof paths / sizeof paths[0]; t++) {
        if (!paths[t])
            continue;
        float c[4 * 5];
        /* m or n = 0: nothing written. */
        for (size_t i = 0; i < 20; i++)
            c[i] = 3.0f;
        paths[t]->gemm(0, 5, 3, NULL, 3, 1, NULL, 5, c, 5, 0);
        paths[t]->gemm(4, 0, 3, NULL, 3, 1, NULL, 5, c, 5, 0);
        for (size_t i = 0; i < 20; i++)
            assert_true(c[i] == 3.0f);
        /* k = 0: C unchanged when accumulating, zero otherwise (row padding kept). */
        paths[t]->gemm(4, 4, 0, NULL, 0, 1, NULL, 4, c, 5, 1);
        for (size_t i = 0; i < 20; i++)
            assert_true(c[i] == 3.0f);
        paths[t]->gemm(4, 4, 0, NULL, 0, 1, NULL, 4, c, 5, 0);
        for (size_t i = 0; i < 20; i++)
            assert_true(c[i] == (i % 5 < 4 ? 0.0f : 3.0f));
    }
}

static void test_dispatch(void **state)
{
    (void)state;
    const rl_kernels *k = rl__kernels();
    assert_non_null(k);
    assert_non_null(k->gemm);
    assert_ptr_equal(rl__kernels(), k);   /* chosen once */
    assert_string_equal(rl__kernels_scalar()->name, "scalar");
    if (rl__kernels_avx2())
        assert_string_equal(rl__kernels_avx2()->name, "avx2");
    if (rl__kernels_avx512())
        assert_string_equal(rl__kernels_avx512()->name, "avx512");
    if (rl__kernels_neon())
        assert_string_equal(rl__kernels_neon()->name, "neon");
#if defined(__aarch64__) && defined(RL_HAVE_NEON)
    assert_non_null(rl__kernels_neon());   /* ASIMD is in the AArch64 base ISA */
#endif
    const char *want = getenv("RNNLITE_ISA");
    if (want && *want) {
        assert_string_equal(k->name, want);   /* else testutil would have skipped */
    } else {
        /* The best path the CPU runs. */
        const rl_kernels *best = rl__kernels_avx512() ? rl__kernels_avx512()
                               : rl__kernels_avx2() ? rl__kernels_avx2()
                               : rl__kernels_neon() ? rl__kernels_neon() : rl__kernels_scalar();
        assert_ptr_equal(k, best);
    }
}

/* A pool that splits even the small products of these tests; NULL when the
 * CPUs this thread may use allow only one thread. */
static rl_pool *test_pool(unsigned threads, int placement)
{
    rl_pool *pool = (rl_pool *)&pool;
    assert_int_equal(rl__pool_create(threads, placement, &pool), RL_OK);
    rl__pool_set_min_work(pool, 0);
    return pool;
}

static void test_pool_bounds(void **state)
{
    (void)state;
    assert_null(test_pool(0, RL_PLACE_FREE));
    assert_null(test_pool(1, RL_PLACE_WORKERS));
    rl__pool_destroy(NULL);
    /* No pool: the product runs on the calling thread. */
    problem p = make_problem(9, 40, 30, 0, 99);
    float *want = run(&p, rl__kernels_scalar()->gemm);
    float *c = aligned_alloc(64, (p.c_len * sizeof(float) + 63) / 64 * 64);
    assert_non_null(c);
    memcpy(c, p.c_init, p.c_len * sizeof(float));
    rl__pool_gemm(NULL, rl__kernels_scalar()->gemm, p.m, p.n, p.k, p.a + p.off, p.a_rs, p.a_cs,
                  p.b + p.off, p.ldb, c + p.off, p.ldc, p.accumulate);
    assert_same_bits(&p, c, want, "no pool", 0);
    free(c);
    free(want);
    free_problem(&p);
}

/* Column blocks over 2 and 3 threads give the bytes of one thread, call
 * after call (the hand-off is reused, so races would show as stale blocks). */
static void test_pool_matches_one_thread(void **state)
{
    (void)state;
    static const size_t shapes[][3] = {
        { 64, 256, 64 }, { 64, 200, 50 }, { 1, 2048, 100 }, { 33, 17, 127 },
        { 127, 65, 40 }, { 16, 1024, 16 }, { 5, 3, 7 },
    };
    const rl_kernels *kern = rl__kernels();
    for (unsigned run_no = 0; run_no < 6; run_no++) {
        const unsigned threads = 2 + run_no % 2;
        const int placement = (int)(run_no / 2);   /* free, workers, workers and caller */
        rl_pool *pool = test_pool(threads, placement);
        if (!pool)
            skip();   /* one allowed CPU */
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (unsigned variant = 0; variant < 8; variant++) {
                problem p = make_problem(shapes[s][0], shapes[s][1], shapes[s][2], variant,
                                         s * 8 + variant);
                float *want = run(&p, kern->gemm);
                float *c = aligned_alloc(64, (p.c_len * sizeof(float) + 63) / 64 * 64);
                assert_non_null(c);
                for (int rep = 0; rep < 5; rep++) {
                    memcpy(c, p.c_init, p.c_len * sizeof(float));
                    rl__pool_gemm(pool, kern->gemm, p.m, p.n, p.k, p.a + p.off, p.a_rs, p.a_cs,
                                  p.b + p.off, p.ldb, c + p.off, p.ldc, p.accumulate);
                    assert_same_bits(&p, c, want, "pool", variant);
                }
                free(c);
                free(want);
                free_problem(&p);
            }
        rl__pool_destroy(pool);
    }
}

/* Binding pins the caller only between bind and unbind; its own mask comes
 * back after, and products stay bit-identical meanwhile. */
static void test_pool_bind_restores_caller(void **state)
{
    (void)state;
    rl_pool *pool = test_pool(2, RL_PLACE_WORKERS_AND_CALLER);
    if (!pool)
        skip();
#ifdef __linux__
    cpu_set_t before, during, after;
    assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof before, &before), 0);
#endif
    problem p = make_problem(64, 256, 64, 0, 7);
    float *want = run(&p, rl__kernels()->gemm);
    float *c = aligned_alloc(64, (p.c_len * sizeof(float) + 63) / 64 * 64);
    assert_non_null(c);
    rl__pool_bind_caller(pool);
    for (int rep = 0; rep < 3; rep++) {
        memcpy(c, p.c_init, p.c_len * sizeof(float));
        rl__pool_gemm(pool, rl__kernels()->gemm, p.m, p.n, p.k, p.a + p.off, p.a_rs, p.a_cs,
                      p.b + p.off, p.ldb, c + p.off, p.ldc, p.accumulate);
        assert_same_bits(&p, c, want, "bound pool", 0);
    }
#ifdef __linux__
    assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof during, &during), 0);
    if (CPU_COUNT(&before) >= 2)
        assert_int_equal(CPU_COUNT(&during), 1);
#endif
    rl__pool_unbind_caller(pool);
    rl__pool_unbind_caller(pool);   /* twice is harmless */
#ifdef __linux__
    assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof after, &after), 0);
    assert_true(CPU_EQUAL(&before, &after));
#endif
    rl__pool_bind_caller(NULL);
    rl__pool_unbind_caller(NULL);
    free(c);
    free(want);
    free_problem(&p);
    rl__pool_destroy(pool);
}

/* ---- rl__pool_for: the parallel-for under rl__parallel_for ------------------ */

typedef struct cover {
    size_t n, grain;
    _Atomic int *hits;     /* per item */
    atomic_int calls;
    atomic_int bad_bounds;
    atomic_int elsewhere;  /* blocks run off the calling thread */
    pthread_t caller;
} cover;

static void cover_range(void *ctx, size_t begin, size_t end)
{
    cover *c = ctx;
    atomic_fetch_add(&c->calls, 1);
    if (begin >= end || end > c->n || begin % c->grain != 0 || (end % c->grain != 0 && end != c->n))
        atomic_fetch_add(&c->bad_bounds, 1);
    if (!pthread_equal(pthread_self(), c->caller))
        atomic_fetch_add(&c->elsewhere, 1);
    for (size_t i = begin; i < end && i < c->n; i++)
        atomic_fetch_add(&c->hits[i], 1);
}

/* Runs a parallel-for of n items and checks that each ran exactly once, in
 * blocks of whole grains; returns the blocks (calls of fn). */
static int cover_once_by(void (*pool_for_fn)(rl_pool *, size_t, size_t, size_t, rl_range_fn,
                                              void *),
                         rl_pool *pool, size_t n, size_t grain, size_t work, int *elsewhere)
{
    cover c = { .n = n, .grain = grain, .caller = pthread_self() };
    c.hits = calloc(n ? n : 1, sizeof *c.hits);
    assert_non_null(c.hits);
    atomic_init(&c.calls, 0);
    atomic_init(&c.bad_bounds, 0);
    atomic_init(&c.elsewhere, 0);
    pool_for_fn(pool, n, grain, work, cover_range, &c);
    for (size_t i = 0; i < n; i++)
        if (atomic_load(&c.hits[i]) != 1)
            fail_msg("n %zu grain %zu: item %zu ran %d times", n, grain, i,
                     atomic_load(&c.hits[i]));
    assert_int_equal(atomic_load(&c.bad_bounds), 0);
    free(c.hits);
    if (elsewhere)
        *elsewhere += atomic_load(&c.elsewhere);
    return atomic_load(&c.calls);
}

static int cover_once(rl_pool *pool, size_t n, size_t grain, size_t work, int *elsewhere)
{
    return cover_once_by(rl__pool_for, pool, n, grain, work, elsewhere);
}

typedef struct host_run {
    rl_task_fn task;
    void *data;
    size_t from, to;
} host_run;

static void *host_run_tasks(void *arg)
{
    host_run *r = arg;
    for (size_t i = r->to; i-- > r->from;)   /* backwards: order must not matter */
        r->task(r->data, i);
    return NULL;
}

/* A host parallel-for: the first third of the tasks on a new thread. */
static void host_for(rl_task_fn task, void *data, size_t n, void *user)
{
    atomic_fetch_add((atomic_int *)user, 1);
    host_run a = { task, data, 0, n / 3 }, b = { task, data, n / 3, n };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, host_run_tasks, &a), 0);
    host_run_tasks(&b);
    pthread_join(t, NULL);
}

static void test_parallel_for_covers_each_item_once(void **state)
{
    (void)state;
    static const size_t ns[] = { 1, 2, 7, 50, 65, 100, 1000, 4097 };
    static const size_t grains[] = { 1, 3, 16, 64 };
    atomic_int host_calls;
    atomic_init(&host_calls, 0);
    rl_pool *pools[5] = { NULL };
    pools[1] = test_pool(2, RL_PLACE_FREE);
    pools[2] = test_pool(3, RL_PLACE_WORKERS);
    pools[3] = test_pool(3, RL_PLACE_WORKERS_AND_CALLER);
    assert_int_equal(rl__pool_create_host(host_for, &host_calls, 3, &pools[4]), RL_OK);
    rl__pool_set_min_work(pools[4], 0);
    rl__pool_bind_caller(pools[3]);
    int elsewhere = 0;
    for (size_t pi = 0; pi < 5; pi++) {
        if (pi > 0 && !pools[pi])
            continue;   /* one allowed CPU: no pool of threads */
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
            for (size_t gi = 0; gi < sizeof grains / sizeof grains[0]; gi++) {
                const size_t n = ns[ni], g = grains[gi];
                const size_t units = (n + g - 1) / g;
                for (int rep = 0; rep < 3; rep++) {
                    int calls = cover_once(pools[pi], n, g, n, pi == 4 ? NULL : &elsewhere);
                    if (pi == 0 || units < 2)
                        assert_int_equal(calls, 1);
                    else
                        assert_true(calls >= 2 && (size_t)calls <= units);
                }
            }
        /* Nothing to do is nothing called. */
        assert_int_equal(cover_once(pools[pi], 0, 4, 0, NULL), 0);
    }
    rl__pool_unbind_caller(pools[3]);
    assert_true(atomic_load(&host_calls) > 0);
    if (pools[2])
        assert_true(elsewhere > 0);   /* RL_PLACE_WORKERS: only the workers run blocks */
    /* Work below the default threshold stays in one call on the caller. */
    rl_pool *plain = NULL;
    assert_int_equal(rl__pool_create(2, RL_PLACE_FREE, &plain), RL_OK);
    int off_caller = 0;
    assert_int_equal(cover_once(plain, 4097, 1, 1000, &off_caller), 1);
    assert_int_equal(off_caller, 0);
    /* Work between the two thresholds is not worth waking a sleeping
     * worker: it stays on the caller while the worker sleeps. */
    for (int waited = 0; plain && rl__pool_workers_asleep(plain) < 1 && waited < 10000; waited++)
        usleep(1000);
    if (plain && rl__pool_workers_asleep(plain) == 1) {
        off_caller = 0;
        assert_int_equal(cover_once(plain, 4097, 1, (size_t)1 << 19, &off_caller), 1);
        assert_int_equal(off_caller, 0);
        /* ... while a large job wakes it (and is split; large enough for
         * cores far apart, pool.c FAR_MIN_WORK). */
        assert_true(cover_once(plain, 4097, 1, (size_t)1 << 24, NULL) >= 2);
    }
    rl__pool_destroy(plain);
    for (size_t pi = 1; pi < 5; pi++)
        rl__pool_destroy(pools[pi]);
}

/* A job that comes while the workers spin, nap (after the spin, up to 2 ms
 * from the last job: timed sleeps that look at the ticket) or sleep on the
 * condition variable (after the naps) is taken by them: with a caller that
 * does not work (RL_PLACE_WORKERS) every block must run elsewhere, and a
 * job whose publication a napping worker missed would never finish (the
 * test would time out). */
static void test_pool_jobs_reach_napping_workers(void **state)
{
    (void)state;
    rl_pool *pool = test_pool(2, RL_PLACE_WORKERS);
    const unsigned delays_us[] = { 0, 30, 200, 900, 1700, 2600, 6000, 0, 400 };
    for (size_t i = 0; i < sizeof delays_us / sizeof delays_us[0]; i++) {
        if (delays_us[i])
            usleep(delays_us[i]);
        int elsewhere = 0;
        const int calls = cover_once(pool, 4096, 16, (size_t)1 << 22, &elsewhere);
        assert_true(calls >= 2);
        assert_int_equal(elsewhere, calls);
    }
    rl__pool_destroy(pool);
}

/* A share job the worker would take if awake (below the pool's threshold
 * for a sleeping one) runs on the caller while the worker sleeps; in a
 * call that comes close behind another that left such a job on the
 * caller (pool.c SHARES_WAKE_GAP_NS: a host predicting in a loop), it
 * wakes the worker, and the calls after it split. Share jobs of one call
 * (the layers of one predict), jobs too small for an awake worker, and
 * other jobs never wake it. Where timing decides, the test loops: under
 * valgrind or an emulator the worker comes late, and calls may lie
 * further apart than the gap (then it skips). */
static unsigned wait_asleep(rl_pool *pool)
{
    for (int waited = 0; rl__pool_workers_asleep(pool) < 1 && waited < 10000; waited++)
        usleep(1000);
    return rl__pool_workers_asleep(pool);
}

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* One forward call of `jobs` share jobs of `work`; the most blocks a job ran in. */
static int call_of_shares(rl_pool *pool, int jobs, size_t work, int *off_caller)
{
    int most = 0;
    rl__pool_begin_forward_call(pool);
    for (int i = 0; i < jobs; i++) {
        const int calls = cover_once_by(rl__pool_for_shares, pool, 64, 16, work, off_caller);
        most = calls > most ? calls : most;
    }
    rl__pool_unbind_caller(pool);
    return most;
}

static void test_pool_share_jobs_wake_workers_in_a_loop(void **state)
{
    (void)state;
    rl_pool *pool = NULL;
    assert_int_equal(rl__pool_create(2, RL_PLACE_FREE, &pool), RL_OK);
    if (!pool)
        return;   /* one allowed CPU: no workers */
    rl__pool_set_min_work(pool, (size_t)1 << 23);   /* as while the cores are far */
    const size_t too_small = ((size_t)1 << 18) / 4 - 1, worth = (size_t)1 << 21;
    if (wait_asleep(pool) != 1) {
        rl__pool_destroy(pool);
        skip();   /* never slept in 10 s: a machine too busy to say */
    }
    const uint32_t published = rl__pool_published(pool);
    int off_caller = 0;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(call_of_shares(pool, 1, too_small, &off_caller), 1);
        assert_int_equal(cover_once(pool, 64, 16, worth, &off_caller), 1);   /* not a share job */
    }
    assert_int_equal(call_of_shares(pool, 20, worth, &off_caller), 1);   /* one call */
    assert_int_equal(off_caller, 0);
    assert_int_equal(rl__pool_published(pool), published);   /* nothing woke it */
    /* calls back to back, for at most 10 s: the worker comes 0.1-5 ms after
     * its wake-up, and until then each call finds it asleep */
    int split = 0;
    uint64_t closest = UINT64_MAX, last = mono_ns();
    for (const time_t end = time(NULL) + 10; !split && time(NULL) < end;) {
        split = call_of_shares(pool, 1, worth, NULL) >= 2;
        const uint64_t t = mono_ns();
        closest = t - last < closest ? t - last : closest;
        last = t;
    }
    rl__pool_destroy(pool);
    if (!split && closest >= 500000)
        skip();   /* no two calls within the gap: nothing to wake for */
    assert_true(split);
}

/* Jobs at a steady cadence longer than the naps (pool.c CADENCE_*: the
 * worker then sleeps only until the window where the next job should
 * come, and naps through it): a job that comes early (while it sleeps
 * on its timer), on time (while it naps), late (after the window: asleep
 * for good) or never (the pool destroyed while it sleeps on its timer:
 * the test would hang) still reaches it; only the workers run blocks. */
static void test_pool_jobs_reach_workers_in_a_cadence(void **state)
{
    (void)state;
    rl_pool *pool = test_pool(2, RL_PLACE_WORKERS);
    if (!pool)
        return;   /* one allowed CPU: no workers */
    const unsigned delays_us[] = { 4000, 4000, 4000, 4000, 2500, 4000, 4000, 4000,
                                   9000, 4000, 4000, 4000, 3000 };
    for (size_t i = 0; i < sizeof delays_us / sizeof delays_us[0]; i++) {
        usleep(delays_us[i]);
        int elsewhere = 0;
        const int calls = cover_once(pool, 4096, 16, (size_t)1 << 22, &elsewhere);
        assert_true(calls >= 2);
        assert_int_equal(elsewhere, calls);
    }
    usleep(3000);   /* inside its timed sleep, before the window */
    rl__pool_destroy(pool);
}

/* A pool times the round trip between its caller's core and its workers'
 * when made (pool.c FAR_*): a plausible reading, or 0 where it cannot read
 * one (valgrind runs the threads one at a time: every round is late), and
 * the split thresholds follow it: a job, or a call's steps (unless the
 * call says its layers pay from smaller steps), between the near and the
 * far thresholds is split only while the cores are near; a test's own
 * threshold (set_min_work) wins over any reading. */
static void test_pool_times_the_distance(void **state)
{
    (void)state;
    assert_int_equal(rl__pool_handoff_ns(NULL), 0);
    rl_pool *host = NULL;
    assert_int_equal(rl__pool_create_host(host_for, NULL, 2, &host), RL_OK);
    assert_int_equal(rl__pool_handoff_ns(host), 0);
    rl__pool_destroy(host);
    rl_pool *waiting = NULL;   /* the caller only waits: nobody to throw */
    assert_int_equal(rl__pool_create(2, RL_PLACE_WORKERS, &waiting), RL_OK);
    assert_int_equal(rl__pool_handoff_ns(waiting), 0);
    rl__pool_destroy(waiting);
    static const int placements[] = { RL_PLACE_FREE, RL_PLACE_WORKERS_AND_CALLER };
    for (size_t i = 0; i < 2; i++) {
        rl_pool *pool = NULL;
        assert_int_equal(rl__pool_create(2, placements[i], &pool), RL_OK);
        if (!pool)
            continue;   /* one allowed CPU */
        const uint64_t ns = rl__pool_handoff_ns(pool);
        if (ns != 0 && (ns < 5 || ns > 100000))
            fail_msg("placement %d: a round trip of %llu ns", placements[i],
                     (unsigned long long)ns);
        const int near = ns < RL_POOL_FAR_HANDOFF_NS;
        const int middle = cover_once_by(rl__pool_for_large, pool, 4096, 16, (size_t)1 << 22, NULL);
        if (near)
            assert_true(middle >= 2);
        else
            assert_int_equal(middle, 1);
        assert_true(cover_once_by(rl__pool_for_large, pool, 4096, 16, (size_t)1 << 24, NULL) >= 2);
        /* a call of steps between the far thresholds runs on the caller
         * alone only while far, and not when its layers pay from small
         * steps (small_pays_far) */
        const size_t step = (size_t)1 << 19;
        rl__pool_begin_call(pool, step, 0);
        const int plain = cover_once_by(rl__pool_for_large, pool, 4096, 16, (size_t)1 << 24, NULL);
        rl__pool_unbind_caller(pool);
        rl__pool_begin_call(pool, step, 1);
        const int small = cover_once_by(rl__pool_for_large, pool, 4096, 16, (size_t)1 << 24, NULL);
        rl__pool_unbind_caller(pool);
        if (near)
            assert_true(plain >= 2);
        else
            assert_int_equal(plain, 1);
        assert_true(small >= 2);
        rl__pool_set_min_work(pool, 0);
        assert_true(cover_once_by(rl__pool_for_large, pool, 4096, 16, (size_t)1 << 22, NULL) >= 2);
        rl__pool_destroy(pool);
    }
}

/* cmocka's TAP output reports a skip as "not ok ... # SKIP", which meson
 * counts as a failure: paths this CPU (or valgrind's CPU) lacks are not
 * registered at all, and the count of what ran shows in the plan line. */
int main(void)
{
    struct CMUnitTest tests[14];
    size_t n = 0;
#define ADD(t) tests[n++] = (struct CMUnitTest)cmocka_unit_test(t)
    ADD(test_scalar_matches_double_product);
    ADD(test_scalar_is_exact_on_integers);
    if (rl__kernels_avx2())
        ADD(test_avx2_matches_scalar);
    if (rl__kernels_avx512())
        ADD(test_avx512_matches_scalar);
    if (rl__kernels_neon())
        ADD(test_neon_matches_scalar);
    ADD(test_empty_and_k0);
    ADD(test_dispatch);
    ADD(test_pool_bounds);
    ADD(test_pool_matches_one_thread);
    ADD(test_pool_bind_restores_caller);
    ADD(test_parallel_for_covers_each_item_once);
    ADD(test_pool_jobs_reach_napping_workers);
    ADD(test_pool_jobs_reach_workers_in_a_cadence);
    ADD(test_pool_share_jobs_wake_workers_in_a_loop);
    ADD(test_pool_times_the_distance);
#undef ADD
    return _cmocka_run_group_tests("kernels", tests, n, NULL, NULL);
}
