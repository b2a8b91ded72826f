/* B packed once (kernels.h pack_b / gemm_packed / gemm_packed_pf, compute.h
 * rl__pack_b / rl__gemm_packed / rl__gemm_packed_pf): on every kernel path, a product on B packed by that
 * path gives the bits of the scalar gemm on B itself -- B packed from a
 * row-major source and read transposed (U^T straight from U), A plain and
 * transposed, C overwritten and accumulated, ragged m, n, k across panels
 * and k blocks, the product split at panel boundaries as the compute layer
 * splits it -- and neither call writes outside its buffer. Also the bias
 * gradient's column sums as a product (rl__col_sums). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "kernels/kernels.h"
#include "layer.h"
#include "pool.h"

static const size_t small[] = { 1, 7, 15, 16, 17, 50, 65 };
#define N_SMALL (sizeof small / sizeof small[0])

/* variant bit 0: A transposed; bit 1: accumulate; bit 2: B packed from its
 * transpose (b_rs = 1); bit 3: the product run as two column ranges split
 * at a panel boundary. */
static void check_shape(const rl_kernels *path, size_t m, size_t n, size_t k, unsigned variant,
                        uint64_t seed)
{
    const int a_trans = variant & 1, accumulate = (variant >> 1) & 1;
    const int b_trans = (variant >> 2) & 1, split = (variant >> 3) & 1;
    const size_t a_rs = a_trans ? 1 : k + 3, a_cs = a_trans ? m + 2 : 1;
    const size_t ldb = n + 5, ldbt = k + 4, ldc = n + 9;
    const size_t a_len = m && k ? (m - 1) * a_rs + (k - 1) * a_cs + 1 : 1;
    const size_t c_len = m ? (m - 1) * ldc + n : 1;
    float *a = tu_guarded_buffer(a_len, seed);
    float *b, *bt;
    tu_guarded_b_and_transpose(k, n, ldb, ldbt, seed + 1, &b, &bt);
    float *want = tu_guarded_buffer(c_len, seed + 3), *got = tu_guarded_buffer(c_len, seed + 3);
    const size_t packed_len = rl__packed_floats(k, n);
    float *packed = tu_guarded_buffer(packed_len, seed + 4);

    rl__kernels_scalar()->gemm(m, n, k, a, a_rs, a_cs, b, ldb, want, ldc, accumulate);
    if (b_trans)
        path->pack_b(packed, k, n, bt, 1, ldbt);
    else
        path->pack_b(packed, k, n, b, ldb, 1);
    tu_assert_guard(packed, packed_len, "pack_b");
    const size_t panels = (n + path->panel - 1) / path->panel;
    const size_t cut = split && panels > 1 ? panels / 2 * path->panel : n;
    path->gemm_packed(m, cut, k, a, a_rs, a_cs, packed, got, ldc, accumulate);
    if (cut < n)
        path->gemm_packed(m, n - cut, k, a, a_rs, a_cs, packed + cut * k, got + cut, ldc,
                          accumulate);
    tu_assert_guard(got, c_len, "gemm_packed");
    tu_assert_same_bits(got, want, c_len, 0, "%s gemm_packed m=%zu n=%zu k=%zu variant=%u",
                        path->name, m, n, k, variant);

    /* gemm_packed_pf: the same bits, whatever it prefetches (regions of
     * ragged byte counts, an empty one, one unused slot in between), and
     * the prefetched memory untouched */
    const size_t pf_len = 3 * m + n + 1;
    float *pf_buf = tu_guarded_buffer(pf_len, seed + 5);
    float *pf_copy = malloc(pf_len * sizeof(float));
    assert_non_null(pf_copy);
    memcpy(pf_copy, pf_buf, pf_len * sizeof(float));
    float *got_pf = tu_guarded_buffer(c_len, seed + 3);
    const rl_prefetch pf = { { pf_buf, NULL, pf_buf + 1, a, pf_buf },
                             { pf_len * sizeof(float), 64, (pf_len - 1) * sizeof(float) - 3,
                               a_len * sizeof(float), 0 } };
    path->gemm_packed_pf(m, n, k, a, a_rs, a_cs, packed, got_pf, ldc, accumulate,
                         variant & 8 ? NULL : &pf);
    tu_assert_guard(got_pf, c_len, "gemm_packed_pf");
    tu_assert_guard(pf_buf, pf_len, "gemm_packed_pf's prefetched region");
    assert_memory_equal(pf_buf, pf_copy, pf_len * sizeof(float));
    tu_assert_same_bits(got_pf, want, c_len, 0, "%s gemm_packed_pf m=%zu n=%zu k=%zu variant=%u",
                        path->name, m, n, k, variant);
    free(pf_buf);
    free(pf_copy);
    free(got_pf);
    free(a);
    free(bt);
    free(b);
    free(want);
    free(got);
    free(packed);
}

static void check_path(const rl_kernels *path)
{
    assert_non_null(path);
    assert_true(path->panel > 0 && RL_PACK_PANEL_MAX % path->panel == 0);
    unsigned count = 0;
    for (size_t im = 0; im < N_SMALL; im++)
        for (size_t in = 0; in < N_SMALL; in++)
            for (size_t ik = 0; ik < N_SMALL; ik++, count++) {
                /* Two of the sixteen layouts per shape, cycling through all. */
                check_shape(path, small[im], small[in], small[ik], count % 16, count);
                check_shape(path, small[im], small[in], small[ik], (count % 16) ^ 15, count);
            }
    /* One or two dimensions large: n across many panels, k across the
     * kernels' k blocks (192 / 256), m across many row tiles. */
    static const size_t large[] = { 200, 513 };
    static const size_t other[] = { 1, 17, 65 };
    for (size_t il = 0; il < 2; il++)
        for (size_t i1 = 0; i1 < 3; i1++)
            for (size_t i2 = 0; i2 < 3; i2++, count++) {
                const size_t L = large[il], x = other[i1], y = other[i2];
                check_shape(path, L, x, y, count % 16, count);
                check_shape(path, x, L, y, (count + 5) % 16, count);
                check_shape(path, x, y, L, (count + 10) % 16, count);
            }
    check_shape(path, 64, 513, 200, 4, count++);    /* the LSTM dh shape, U^T from U */
    check_shape(path, 64, 200, 513, 12, count++);
    check_shape(path, 64, 50, 150, 4, count++);     /* the GRU(50) seed dh, U^T from U */
    check_shape(path, 513, 65, 200, 5, count++);    /* dx = dZ W^T */
    /* packed B over 1 MiB: gemm_packed_pf prefetches only in its last k blocks */
    check_shape(path, 17, 520, 2048, 0, count++);
    check_shape(path, 9, 530, 1500, 2, count++);
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
        float c[20], packed[1] = { TU_GUARD_VALUE };
        for (size_t i = 0; i < 20; i++)
            c[i] = 3.0f;
        paths[t]->pack_b(packed, 0, 4, NULL, 4, 1);
        assert_true(packed[0] == TU_GUARD_VALUE);
        paths[t]->gemm_packed(0, 4, 3, NULL, 3, 1, packed, c, 5, 0);
        paths[t]->gemm_packed(4, 0, 3, NULL, 3, 1, packed, c, 5, 0);
        for (size_t i = 0; i < 20; i++)
            assert_true(c[i] == 3.0f);
        paths[t]->gemm_packed(4, 4, 0, NULL, 0, 1, packed, c, 5, 1);
        for (size_t i = 0; i < 20; i++)
            assert_true(c[i] == 3.0f);
        paths[t]->gemm_packed(4, 4, 0, NULL, 0, 1, packed, c, 5, 0);
        for (size_t i = 0; i < 20; i++)
            assert_true(c[i] == (i % 5 < 4 ? 0.0f : 3.0f));
    }
}

/* The compute layer on the process's path (RNNLITE_ISA picks it): U^T
 * packed straight from U, as the backward passes do, against rl__gemm on an
 * explicit transpose; on the caller and split over 2 and 3 threads (every
 * product split: minimum work 0), blocks meeting at panel boundaries. */
static void check_compute_layer(const rl_compute *cx)
{
    static const size_t units[] = { 1, 7, 50, 65, 200 };
    for (size_t iu = 0; iu < sizeof units / sizeof units[0]; iu++)
        for (size_t gates = 1; gates <= 4; gates++) {
            const size_t u = units[iu], g = gates * u, batch = 13;
            int ok = 1;
            const size_t len = rl__packed_size(g, u, &ok);
            assert_true(ok && len >= g * u);
            float *rec = tu_guarded_buffer(u * g, 7 * iu + gates);
            float *ut = tu_guarded_buffer(g * u, 1);
            float *dz = tu_guarded_buffer(batch * g, 3), *want = tu_guarded_buffer(batch * u, 4);
            float *got = tu_guarded_buffer(batch * u, 4), *packed = tu_guarded_buffer(len, 5);
            rl__transpose(NULL, ut, rec, u, g);
            rl__gemm(NULL, batch, u, g, dz, g, 1, ut, u, want, u, 1);
            rl__pack_b(cx, packed, g, u, rec, 1, g);
            rl__gemm_packed(cx, batch, u, g, dz, g, 1, packed, got, u, 1);
            tu_assert_guard(packed, len, "rl__pack_b");
            tu_assert_guard(got, batch * u, "rl__gemm_packed");
            assert_memory_equal(got, want, batch * u * sizeof(float));
            /* with the next step's rows to prefetch, as the backward passes do */
            float *got_pf = tu_guarded_buffer(batch * u, 4);
            const rl_pf_src pf = { { dz, rec }, { batch * g * sizeof(float), 100 } };
            rl__gemm_packed_pf(cx, batch, u, g, dz, g, 1, packed, got_pf, u, 1, &pf);
            tu_assert_guard(got_pf, batch * u, "rl__gemm_packed_pf");
            assert_memory_equal(got_pf, want, batch * u * sizeof(float));
            free(got_pf);
            free(rec);
            free(ut);
            free(dz);
            free(want);
            free(got);
            free(packed);
        }
}

static void test_compute_layer(void **state)
{
    (void)state;
    tu_check_on_1_2_3_threads(check_compute_layer);
    int ok = 1;
    (void)rl__packed_size((size_t)-1, 2, &ok);
    assert_false(ok);
    ok = 1;
    (void)rl__packed_size(1, (size_t)-1, &ok);
    assert_false(ok);
}

/* The bias gradient as a product by a row of ones: the bits of the plain
 * column sums (rl__add_col_sums from zero) on every path, on the caller
 * and on 2 threads splitting every product. */
static void test_col_sums(void **state)
{
    (void)state;
    const rl_kernels *paths[] = { rl__kernels_scalar(), rl__kernels_avx2(), rl__kernels_avx512(),
                                  rl__kernels_neon() };
    static const size_t rows[] = { 1, 7, 64, 640, 3200 };
    static const size_t cols[] = { 1, 15, 17, 50, 200, 513 };
    rl_pool *pool = NULL;
    assert_int_equal(rl__pool_create(2, RL_PLACE_FREE, &pool), RL_OK);
    if (pool)
        rl__pool_set_min_work(pool, 0);
    for (size_t t = 0; t < sizeof paths / sizeof paths[0]; t++)
        for (size_t ir = 0; ir < sizeof rows / sizeof rows[0]; ir++)
            for (size_t ic = 0; ic < sizeof cols / sizeof cols[0]; ic++) {
                if (!paths[t])
                    continue;
                const size_t r = rows[ir], n = cols[ic];
                float *d = tu_guarded_buffer(r * n, 100 + ir * 10 + ic);
                float *want = tu_guarded_buffer(n, 1);
                float *got = tu_guarded_buffer(n, 2);
                for (size_t j = 0; j < n; j++)
                    want[j] = 0.0f;
                rl__add_col_sums(NULL, want, d, r, n);
                for (int threaded = 0; threaded < 2; threaded++) {
                    rl_compute cx = { .kernels = paths[t], .pool = threaded ? pool : NULL };
                    rl__col_sums(&cx, got, d, r, n);
                    tu_assert_guard(got, n, "rl__col_sums");
                    assert_memory_equal(got, want, n * sizeof(float));
                }
                free(d);
                free(want);
                free(got);
            }
    rl__pool_destroy(pool);
}

int main(void)
{
    struct CMUnitTest tests[8];
    size_t n = 0;
#define ADD(t) tests[n++] = (struct CMUnitTest)cmocka_unit_test(t)
    TU_ADD_KERNEL_PATH_TESTS(tests, n);
    ADD(test_empty);
    ADD(test_compute_layer);
    ADD(test_col_sums);
#undef ADD
    return _cmocka_run_group_tests("packed_gemm", tests, n, NULL, NULL);
}
