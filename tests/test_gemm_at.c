/* A read transposed and packed per k block (kernels.h gemm_at, compute.h
 * rl__gemm_at: the backward's h^T dZ and x^T dZ): on every kernel path the
 * bits of the scalar gemm on A read in place (a_rs = 1, a_cs = lda), for
 * ragged m, n and k (row tiles, panels and k blocks all cut short), lda
 * wider than m, C overwritten and accumulated; neither C nor the work area
 * (exactly rl__gemm_at_floats(m) floats) written past its end; and the
 * compute layer's split by rows over 2 and 3 threads, each thread packing
 * into its own part of the work area, gives the same bits. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "kernels/kernels.h"
#include "pool.h"

#define GUARD 64   /* floats after each buffer that nothing may touch */
#define GUARD_VALUE 12345.0f

static float *buffer(size_t n, uint64_t seed)
{
    float *x = malloc((n + GUARD) * sizeof(float));
    assert_non_null(x);
    tu_fill_uniform(x, n, seed, -1.0f, 1.0f);
    for (size_t i = n; i < n + GUARD; i++)
        x[i] = GUARD_VALUE;
    return x;
}

static void assert_guard(const float *x, size_t n, const char *what)
{
    for (size_t i = n; i < n + GUARD; i++)
        if (x[i] != GUARD_VALUE) {
            print_error("%s: float %zu past the end was written\n", what, i - n);
            fail();
        }
}

static void assert_same(const float *got, const float *want, size_t len, const char *who,
                        size_t m, size_t n, size_t k, int accumulate)
{
    if (memcmp(got, want, len * sizeof(float)) == 0)
        return;
    for (size_t i = 0; i < len; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            print_error("%s m=%zu n=%zu k=%zu acc=%d: float %zu is %.9g, scalar %.9g\n", who, m,
                        n, k, accumulate, i, (double)got[i], (double)want[i]);
            break;
        }
    fail();
}

/* A^T stored as [k x lda] (lda = m + pad), B [k x ldb], C [m x ldc]. */
static void check_shape(const rl_kernels *path, size_t m, size_t n, size_t k, size_t pad,
                        int accumulate, uint64_t seed)
{
    const size_t lda = m + pad, ldb = n + 3, ldc = n + 5;
    const size_t c_len = (m - 1) * ldc + n, work_len = rl__gemm_at_floats(m);
    float *a = buffer(k * lda, seed), *b = buffer(k * ldb, seed + 1);
    float *want = buffer(c_len, seed + 2), *got = buffer(c_len, seed + 2);
    float *work = buffer(work_len, seed + 3);
    rl__kernels_scalar()->gemm(m, n, k, a, 1, lda, b, ldb, want, ldc, accumulate);
    path->gemm_at(m, n, k, a, lda, b, ldb, got, ldc, accumulate, work);
    assert_guard(got, c_len, "gemm_at C");
    assert_guard(work, work_len, "gemm_at work");
    assert_same(got, want, c_len, path->name, m, n, k, accumulate);
    free(a);
    free(b);
    free(want);
    free(got);
    free(work);
}

static void check_path(const rl_kernels *path)
{
    assert_non_null(path);
    assert_non_null(path->gemm_at);
    static const size_t ms[] = { 1, 7, 8, 13, 17, 50, 65, 200 };
    static const size_t ns[] = { 1, 15, 17, 33, 65, 200 };
    static const size_t ks[] = { 1, 7, 64, 193, 257, 640 };
    uint64_t seed = 1;
    for (size_t im = 0; im < sizeof ms / sizeof ms[0]; im++)
        for (size_t in = 0; in < sizeof ns / sizeof ns[0]; in++)
            for (size_t ik = 0; ik < sizeof ks / sizeof ks[0]; ik++, seed += 5)
                check_shape(path, ms[im], ns[in], ks[ik], seed % 3, (int)(seed & 1), seed);
    check_shape(path, 513, 130, 450, 0, 0, seed);      /* many row tiles, ragged last */
    check_shape(path, 64, 256, 640, 0, 0, seed + 1);   /* LSTM(64) h^T dZ at T*B = 640 */
}

TU_TEST_EACH_KERNEL_PATH(check_path)

/* k = 0 leaves C zero or unchanged; m = 0 or n = 0 touch nothing. */
static void test_empty(void **state)
{
    (void)state;
    const rl_kernels *paths[] = { rl__kernels_scalar(), rl__kernels_avx2(), rl__kernels_avx512(),
                                  rl__kernels_neon() };
    for (size_t t = 0; t < sizeof paths / sizeof paths[0]; t++) {
        if (!paths[t])
            continue;
        float c[40 * 41], work[1];
        for (size_t i = 0; i < 40 * 41; i++)
            c[i] = 3.0f;
        paths[t]->gemm_at(0, 40, 3, NULL, 0, NULL, 40, c, 41, 0, work);
        paths[t]->gemm_at(40, 0, 3, NULL, 40, NULL, 0, c, 41, 0, work);
        paths[t]->gemm_at(40, 40, 0, NULL, 40, NULL, 40, c, 41, 1, work);
        for (size_t i = 0; i < 40 * 41; i++)
            assert_true(c[i] == 3.0f);
        paths[t]->gemm_at(40, 40, 0, NULL, 40, NULL, 40, c, 41, 0, work);
        for (size_t i = 0; i < 40 * 41; i++)
            assert_true(c[i] == (i % 41 < 40 ? 0.0f : 3.0f));
    }
}

/* rl__gemm_at on the process's path (RNNLITE_ISA picks it) against
 * rl__gemm on A read in place, on the caller and split over 2 and 3
 * threads (every product split: minimum work 0). */
static void check_compute_layer(const rl_compute *cx)
{
    static const size_t ms[] = { 1, 7, 50, 65, 200, 513 };
    for (size_t im = 0; im < sizeof ms / sizeof ms[0]; im++) {
        const size_t m = ms[im], n = 4 * 65, k = 13 * 50;
        int ok = 1;
        const size_t work_len = rl__gemm_at_size(m, &ok);
        assert_true(ok);
        float *a = buffer(k * m, im), *b = buffer(k * n, 50 + im);
        float *want = buffer(m * n, 9), *got = buffer(m * n, 9), *work = buffer(work_len, 1);
        rl__gemm(NULL, m, n, k, a, 1, m, b, n, want, n, 0);
        rl__gemm_at(cx, m, n, k, a, m, b, n, got, n, 0, work);
        assert_guard(got, m * n, "rl__gemm_at C");
        assert_guard(work, work_len, "rl__gemm_at work");
        assert_memory_equal(got, want, m * n * sizeof(float));
        free(a);
        free(b);
        free(want);
        free(got);
        free(work);
    }
}

static void test_compute_layer(void **state)
{
    (void)state;
    check_compute_layer(NULL);
    for (unsigned threads = 2; threads <= 3; threads++) {
        rl_compute cx = { 0 };
        assert_int_equal(rl__pool_create(threads, RL_PLACE_FREE, &cx.pool), RL_OK);
        if (cx.pool)   /* NULL when the allowed CPUs give one thread */
            rl__pool_set_min_work(cx.pool, 0);
        check_compute_layer(&cx);
        rl__pool_destroy(cx.pool);
    }
    int ok = 1;
    (void)rl__gemm_at_size((size_t)-1, &ok);
    assert_false(ok);
}

int main(void)
{
    struct CMUnitTest tests[8];
    size_t n = 0;
#define ADD(t) tests[n++] = (struct CMUnitTest)cmocka_unit_test(t)
    ADD(test_scalar);
    if (rl__kernels_avx2())
        ADD(test_avx2);
    if (rl__kernels_avx512())
        ADD(test_avx512);
    if (rl__kernels_neon())
        ADD(test_neon);
    ADD(test_empty);
    ADD(test_compute_layer);
#undef ADD
    return _cmocka_run_group_tests("gemm_at", tests, n, NULL, NULL);
}
