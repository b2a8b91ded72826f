#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct host_half {
    rl_task_fn task;
    void *data;
    size_t n, first;
} host_half;

static void *run_half(void *arg)
{
    host_half *h = arg;
    for (size_t i = h->first; i < h->n; i += 2)
        h->task(h->data, i);
    return NULL;
}

void tu_host_for(rl_task_fn task, void *data, size_t n, void *user)
{
    if (user)
        atomic_fetch_add((atomic_int *)user, 1);
    host_half a = { task, data, n, 0 }, b = { task, data, n, 1 };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_half, &a), 0);
    run_half(&b);
    pthread_join(t, NULL);
}

void tu_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = lo + (hi - lo) * (float)((s >> 40) * 0x1.0p-24);
    }
}

const char *tu_data_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", RL_TEST_DATA, rel);
    return buf;
}

void tu_assert_close(const float *a, const double *b, size_t n, double rtol, double atol,
                     const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double diff = fabs((double)a[i] - b[i]);
        if (!(diff <= atol + rtol * fabs(b[i]))) {
            print_error("%s[%zu]: got %.9g, want %.9g (diff %.3g)\n", what, i, (double)a[i], b[i],
                        diff);
            fail();
        }
    }
}

void tu_assert_same_bits(const float *got, const float *want, size_t len, size_t ld,
                         const char *fmt, ...)
{
    if (memcmp(got, want, len * sizeof(float)) == 0)
        return;
    size_t i = 0;
    while (memcmp(&got[i], &want[i], sizeof(float)) == 0)
        i++;
    char context[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    if (ld)
        print_error("%s: float %zu (row %zu column %zu) is %.9g, scalar %.9g\n", context, i,
                    i / ld, i % ld, (double)got[i], (double)want[i]);
    else
        print_error("%s: float %zu is %.9g, scalar %.9g\n", context, i, (double)got[i],
                    (double)want[i]);
    fail();
}

#ifndef RL_REAL_DOUBLE
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "compute.h"
#include "pool.h"

void tu_skip_if_isa_unavailable(void)
{
    const char *want = getenv("RNNLITE_ISA");
    if (!want || !*want || !strcmp(rl__kernels()->name, want))
        return;
    /* TAP protocol: an exit status of 77 would count as an error. */
    printf("1..0 # SKIP RNNLITE_ISA=%s: not available on this CPU or build\n", want);
    exit(0);
}

rl_pool *tu_split_everything_pool(unsigned threads)
{
    rl_pool *pool = NULL;
    assert_int_equal(rl__pool_create(threads, RL_PLACE_FREE, &pool), RL_OK);
    if (pool)
        rl__pool_set_min_work(pool, 0);
    return pool;
}

void tu_check_on_1_2_3_threads(void (*check)(const rl_compute *cx))
{
    check(NULL);
    for (unsigned threads = 2; threads <= 3; threads++) {
        rl_compute cx = { .pool = tu_split_everything_pool(threads) };
        check(&cx);
        rl__pool_destroy(cx.pool);
    }
}

__attribute__((constructor)) static void skip_if_isa_unavailable_before_main(void)
{
    tu_skip_if_isa_unavailable();
}
#else
void tu_skip_if_isa_unavailable(void) {}
#endif

uint64_t tu_get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void tu_put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

float *tu_guarded_buffer(size_t n, uint64_t seed)
{
    float *x = malloc((n + TU_GUARD) * sizeof(float));
    assert_non_null(x);
    tu_fill_uniform(x, n, seed, -1.0f, 1.0f);
    for (size_t i = n; i < n + TU_GUARD; i++)
        x[i] = TU_GUARD_VALUE;
    return x;
}

void tu_guarded_b_and_transpose(size_t k, size_t n, size_t ldb, size_t ldbt, uint64_t seed,
                                float **b, float **bt)
{
    *bt = tu_guarded_buffer(n * ldbt, seed);
    *b = tu_guarded_buffer(k * ldb, seed + 1);
    for (size_t p = 0; p < k; p++)
        for (size_t j = 0; j < n; j++)
            (*b)[p * ldb + j] = (*bt)[j * ldbt + p];
}

void tu_assert_guard(const float *x, size_t n, const char *what)
{
    for (size_t i = n; i < n + TU_GUARD; i++)
        if (x[i] != TU_GUARD_VALUE) {
            print_error("%s: float %zu past the end was written\n", what, i - n);
            fail();
        }
}
