/* Narrow B with a ragged end (kernels.h narrow_floats / narrow_pack /
 * narrow_gemm; compute.h rl__pack_narrow / rl__gemm_narrow_pf), the
 * backward's dh = dZ U^T at H = 50: on every path that has the entries, a
 * product on B packed by narrow_pack gives the bits of the scalar gemm on B
 * itself -- n = 16 q + 1 or + 2 (q = 0..3), m and k ragged (batch 1, 3, 8,
 * 13, 64; k across the kernel's k blocks), C overwritten and accumulated,
 * A with padded rows, B packed row-major and read transposed (U^T straight
 * from U), with and without regions to prefetch -- and nothing outside C,
 * the packed buffer or the prefetched regions changes. The path takes
 * exactly those n, in at most rl__packed_floats (the layers' U^T area).
 * The compute layer, on the process's path (RNNLITE_ISA picks it; other
 * paths take the panel layout): the layers' use, U^T packed from U, on the
 * caller and split over 2 and 3 threads, against rl__gemm on an explicit
 * transpose. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "kernels/kernels.h"
#include "pool.h"

static int narrow_shape(size_t n)
{
    return (n % 16 == 1 || n % 16 == 2) && n <= 50;
}

/* variant bit 0: accumulate; bit 1: B packed from its transpose (b_rs = 1);
 * bit 2: regions to prefetch. */
static void check_shape(const rl_kernels *path, size_t m, size_t n, size_t k, unsigned variant,
                        uint64_t seed)
{
    const int accumulate = variant & 1, b_trans = (variant >> 1) & 1, with_pf = (variant >> 2) & 1;
    const size_t lda = k + 3, ldb = n + 5, ldbt = k + 4, ldc = n + 9;
    const size_t a_len = m * lda, c_len = (m - 1) * ldc + n;
    float *a = tu_guarded_buffer(a_len, seed);
    float *b, *bt;
    tu_guarded_b_and_transpose(k, n, ldb, ldbt, seed + 1, &b, &bt);
    float *want = tu_guarded_buffer(c_len, seed + 3), *got = tu_guarded_buffer(c_len, seed + 3);
    const size_t len = path->narrow_floats(k, n);
    assert_true(len > 0 && len <= rl__packed_floats(k, n));
    float *packed = tu_guarded_buffer(len, seed + 4);
    const size_t pf_len = 3 * m + n + 1;
    float *pf_buf = tu_guarded_buffer(pf_len, seed + 5);
    float *pf_copy = malloc(pf_len * sizeof(float));
    assert_non_null(pf_copy);
    memcpy(pf_copy, pf_buf, pf_len * sizeof(float));
    const rl_prefetch pf = { { pf_buf, NULL, pf_buf + 1, a },
                             { pf_len * sizeof(float), 64, (pf_len - 1) * sizeof(float) - 3,
                               a_len * sizeof(float) } };

    rl__kernels_scalar()->gemm(m, n, k, a, lda, 1, b, ldb, want, ldc, accumulate);
    if (b_trans)
        path->narrow_pack(packed, k, n, bt, 1, ldbt);
    else
        path->narrow_pack(packed, k, n, b, ldb, 1);
    tu_assert_guard(packed, len, "narrow_pack");
    path->narrow_gemm(m, n, k, a, lda, packed, got, ldc, accumulate, with_pf ? &pf : NULL);
    tu_assert_guard(got, c_len, "narrow_gemm");
    tu_assert_guard(pf_buf, pf_len, "narrow_gemm's prefetched region");
    assert_memory_equal(pf_buf, pf_copy, pf_len * sizeof(float));
    tu_assert_same_bits(got, want, c_len, ldc, "%s narrow_gemm m=%zu n=%zu k=%zu variant=%u",
                        path->name, m, n, k, variant);
    free(a);
    free(bt);
    free(b);
    free(want);
    free(got);
    free(packed);
    free(pf_buf);
    free(pf_copy);
}

static void check_path(const rl_kernels *path)
{
    assert_non_null(path);
    if (!path->narrow_floats) {   /* a path without the layout has none of its entries */
        assert_null(path->narrow_pack);
        assert_null(path->narrow_gemm);
        return;
    }
    assert_non_null(path->narrow_pack);
    assert_non_null(path->narrow_gemm);
    for (size_t n = 1; n <= 130; n++)
        assert_int_equal(path->narrow_floats(200, n) != 0, narrow_shape(n));
    static const size_t ns[] = { 1, 2, 17, 18, 33, 34, 49, 50 };
    static const size_t ms[] = { 1, 3, 7, 8, 13, 64 };
    static const size_t ks[] = { 1, 7, 8, 15, 50, 150, 200, 300, 513 };
    unsigned count = 0;
    for (size_t in = 0; in < sizeof ns / sizeof ns[0]; in++)
        for (size_t im = 0; im < sizeof ms / sizeof ms[0]; im++)
            for (size_t ik = 0; ik < sizeof ks / sizeof ks[0]; ik++, count++) {
                check_shape(path, ms[im], ns[in], ks[ik], count % 8, count);
                check_shape(path, ms[im], ns[in], ks[ik], (count % 8) ^ 7, count);
            }
    /* k = 0 leaves C zero or unchanged; m = 0 touches nothing */
    float c[2 * 9], packed[1] = { TU_GUARD_VALUE };
    for (size_t i = 0; i < 18; i++)
        c[i] = 3.0f;
    path->narrow_gemm(0, 2, 3, NULL, 3, packed, c, 9, 0, NULL);
    path->narrow_gemm(2, 2, 0, NULL, 0, packed, c, 9, 1, NULL);
    for (size_t i = 0; i < 18; i++)
        assert_true(c[i] == 3.0f);
    path->narrow_gemm(2, 2, 0, NULL, 0, packed, c, 9, 0, NULL);
    for (size_t i = 0; i < 18; i++)
        assert_true(c[i] == (i % 9 < 2 ? 0.0f : 3.0f));
}

TU_TEST_EACH_KERNEL_PATH(check_path)

/* The layers' use on the process's path: rl__pack_narrow of U^T straight
 * from U [u x g], then dh (+)= dZ U^T, against rl__gemm on U^T transposed
 * explicitly; with and without the next step's rows to prefetch. */
static void check_compute_layer(const rl_compute *cx)
{
    static const size_t units[] = { 1, 2, 7, 15, 16, 17, 18, 34, 50, 65 };
    static const size_t batches[] = { 1, 3, 13, 64 };
    for (size_t iu = 0; iu < sizeof units / sizeof units[0]; iu++)
        for (size_t gates = 1; gates <= 4; gates++)
            for (size_t ib = 0; ib < sizeof batches / sizeof batches[0]; ib++) {
                const size_t u = units[iu], g = gates * u, batch = batches[ib];
                const int accumulate = (int)((iu + gates + ib) % 2);
                int ok = 1;
                const size_t len = rl__packed_size(g, u, &ok);
                assert_true(ok);
                float *rec = tu_guarded_buffer(u * g, 7 * iu + gates);
                float *ut = tu_guarded_buffer(g * u, 1);
                float *dz = tu_guarded_buffer(batch * g, 3);
                float *want = tu_guarded_buffer(batch * u, 4);
                float *got = tu_guarded_buffer(batch * u, 4);
                float *got_pf = tu_guarded_buffer(batch * u, 4);
                float *packed = tu_guarded_buffer(len, 5);
                rl__transpose(NULL, ut, rec, u, g);
                rl__gemm(NULL, batch, u, g, dz, g, 1, ut, u, want, u, accumulate);
                rl__pack_narrow(cx, packed, g, u, rec, 1, g);
                tu_assert_guard(packed, len, "rl__pack_narrow");
                rl__gemm_narrow_pf(cx, batch, u, g, dz, g, packed, got, u, accumulate, NULL);
                tu_assert_guard(got, batch * u, "rl__gemm_narrow_pf");
                assert_memory_equal(got, want, batch * u * sizeof(float));
                const rl_pf_src pf = { { dz, rec }, { batch * g * sizeof(float), 100 } };
                rl__gemm_narrow_pf(cx, batch, u, g, dz, g, packed, got_pf, u, accumulate, &pf);
                tu_assert_guard(got_pf, batch * u, "rl__gemm_narrow_pf");
                assert_memory_equal(got_pf, want, batch * u * sizeof(float));
                free(rec);
                free(ut);
                free(dz);
                free(want);
                free(got);
                free(got_pf);
                free(packed);
            }
}

static void test_compute_layer(void **state)
{
    (void)state;
    tu_check_on_1_2_3_threads(check_compute_layer);
}

int main(void)
{
    struct CMUnitTest tests[6];
    size_t n = 0;
#define ADD(t) tests[n++] = (struct CMUnitTest)cmocka_unit_test(t)
    TU_ADD_KERNEL_PATH_TESTS(tests, n);
    ADD(test_compute_layer);
#undef ADD
    return _cmocka_run_group_tests("narrow_gemm", tests, n, NULL, NULL);
}
