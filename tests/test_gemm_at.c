/* A read transposed and packed per k block (kernels.h gemm_at, compute.h
 * rl__gemm_at / rl__gemm_at_rows: the backward's [x^T; h^T; 1] dZ): on
 * every kernel path, with A^T's rows from one or two arrays and constant
 * rows of 0 and 1, the
 * bits of the scalar gemm on A read in place (a_rs = 1, a_cs = lda), for
 * ragged m, n and k (row tiles, panels and k blocks all cut short), lda
 * wider than m, C overwritten and accumulated; neither C nor the work area
 * (exactly rl__gemm_at_floats(m) floats) written past its end; and the
 * compute layer's split by rows over 2 and 3 threads, each thread packing
 * into its own part of the work area, gives the same bits. The weight
 * gradient in two fixed halves of k (rl__gemm_at_rows_halves) against its
 * definition written out in fmaf, on the caller, 2 and 3 threads and a
 * host parallel-for of 3 (a block across the two halves). The skip of
 * step 0's zero h rows (rl__weight_grad) split over 2 and 3 threads and
 * the host parallel-for gives the bits of the whole product. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "kernels/kernels.h"
#include "layer.h"
#include "pool.h"

/* A^T's rows: m1 from a1 [k x lda1], m2 from a2 [k x lda2], then `zeros`
 * rows of 0 and `ones` rows of 1; B [k x ldb] (ldb 0: n + 3), C [m x ldc].
 * The reference is the scalar gemm row by row: a1 and a2 read in place, a
 * constant row broadcast. */
static void check_rows_ldb(const rl_kernels *path, size_t m1, size_t m2, size_t zeros,
                           size_t ones, size_t n, size_t k, size_t pad, size_t ldb_or_0,
                           int accumulate, uint64_t seed)
{
    static const float zero = 0.0f, one = 1.0f;
    const size_t m = m1 + m2 + zeros + ones;
    const size_t lda1 = m1 + pad, lda2 = m2 + 2 * pad, ldb = ldb_or_0 ? ldb_or_0 : n + 3;
    const size_t ldc = n + 5;
    const size_t c_len = (m - 1) * ldc + n, work_len = rl__gemm_at_floats(m);
    float *a1 = tu_guarded_buffer(k * lda1 + 1, seed);
    float *a2 = tu_guarded_buffer(k * lda2 + 1, seed + 4);
    float *b = tu_guarded_buffer(k * ldb, seed + 1);
    float *want = tu_guarded_buffer(c_len, seed + 2), *got = tu_guarded_buffer(c_len, seed + 2);
    float *work = tu_guarded_buffer(work_len, seed + 3);
    for (size_t i = 0; i < m; i++) {
        const float *row = i < m1 ? a1 + i : i < m1 + m2 ? a2 + (i - m1)
                         : i < m1 + m2 + zeros ? &zero : &one;
        const size_t cs = i < m1 ? lda1 : i < m1 + m2 ? lda2 : 0;
        rl__kernels_scalar()->gemm(1, n, k, row, 0, cs, b, ldb, want + i * ldc, ldc, accumulate);
    }
    const rl_at_a rows = { .a1 = a1, .lda1 = lda1, .end1 = m1, .a2 = a2, .lda2 = lda2,
                           .end2 = m1 + m2, .end0 = m1 + m2 + zeros };
    path->gemm_at(m, n, k, &rows, b, ldb, got, ldc, accumulate, work);
    tu_assert_guard(got, c_len, "gemm_at C");
    tu_assert_guard(work, work_len, "gemm_at work");
    tu_assert_same_bits(got, want, c_len, 0, "%s m=%zu n=%zu k=%zu acc=%d", path->name, m, n, k,
                        accumulate);
    free(a1);
    free(a2);
    free(b);
    free(want);
    free(got);
    free(work);
}

static void check_rows(const rl_kernels *path, size_t m1, size_t m2, size_t zeros, size_t ones,
                       size_t n, size_t k, size_t pad, int accumulate, uint64_t seed)
{
    check_rows_ldb(path, m1, m2, zeros, ones, n, k, pad, 0, accumulate, seed);
}

static void check_shape(const rl_kernels *path, size_t m, size_t n, size_t k, size_t pad,
                        int accumulate, uint64_t seed)
{
    check_rows(path, m, 0, 0, 0, n, k, pad, accumulate, seed);
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
    /* Two sources and constant rows ([x^T; h^T; 1], [h^T; 0; 1]): the
     * boundaries inside and between row tiles. */
    static const size_t m1s[] = { 0, 1, 3, 8, 17, 64 };
    static const size_t m2s[] = { 0, 1, 7, 16, 50 };
    for (size_t i1 = 0; i1 < sizeof m1s / sizeof m1s[0]; i1++)
        for (size_t i2 = 0; i2 < sizeof m2s / sizeof m2s[0]; i2++)
            for (size_t c = 0; c < 4; c++, seed += 7) {
                const size_t zeros = c & 1, ones = (c >> 1) & 1;
                if (m1s[i1] + m2s[i2] + zeros + ones == 0)
                    continue;
                check_rows(path, m1s[i1], m2s[i2], zeros, ones, 65 + c * 32, 200 + c, seed % 3,
                           (int)(seed & 1), seed);
            }
    /* The same boundaries with A large enough to be packed (kernels.h
     * RL_GEMM_AT_PACK_MIN_FLOATS); a few, to keep the suite fast under valgrind. */
    static const size_t packed[][4] = { { 8, 0, 0, 1 }, { 3, 7, 1, 1 }, { 17, 16, 0, 1 },
                                        { 64, 50, 1, 1 }, { 1, 50, 1, 0 }, { 0, 16, 0, 1 } };
    for (size_t i = 0; i < sizeof packed / sizeof packed[0]; i++, seed += 7) {
        const size_t *r = packed[i], m = r[0] + r[1] + r[2] + r[3];
        check_rows(path, r[0], r[1], r[2], r[3], 65, RL_GEMM_AT_PACK_MIN_FLOATS / m + 1 + i,
                   seed % 3, (int)(seed & 1), seed);
    }
    /* A small but shared by many panels, packed from RL_GEMM_AT_PACK_MIN_COLS
     * columns on: the seed fit's LSTM [x^T; h^T; 1] dZ (52 x 640 x 200) and
     * GRU [h^T; 0; 1] dRec (x 150), its last batch (T * B = 300), and the
     * column count on either side of the rule. */
    static const size_t small[][6] = { { 1, 50, 0, 1, 200, 640 }, { 0, 50, 1, 1, 150, 640 },
                                       { 1, 50, 0, 1, 200, 300 },
                                       { 1, 50, 0, 1, RL_GEMM_AT_PACK_MIN_COLS - 1, 640 },
                                       { 1, 50, 0, 1, RL_GEMM_AT_PACK_MIN_COLS, 640 },
                                       { 3, 7, 1, 1, RL_GEMM_AT_PACK_MIN_COLS + 1, 193 } };
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++, seed += 7) {
        const size_t *r = small[i];
        check_rows(path, r[0], r[1], r[2], r[3], r[4], r[5], seed % 3, (int)(i & 1), seed);
    }
    /* Every row count from 8 to 72 with A packed: the row tiles of every
     * plan (tiled_gemm.h at_plan: a tail of 1-7 rows taken into a tall last
     * tile of 9-14 rows, or 23 rows as two of 11 and 12, on AVX-512), as
     * [x^T; h^T; 1] (tall tiles mixing sources) and from one array. */
    for (size_t m = 8; m <= 72; m++, seed += 7) {
        check_rows(path, 1, m - 2, 0, 1, 130 + m % 3, 70 + m % 5, seed % 3, (int)(m & 1), seed);
        check_rows_ldb(path, 0, m, 0, 0, 131, 66, 0, m & 2 ? 192 : 0, (int)(~m & 1), seed + 3);
    }
    /* B's rows a multiple of 64 floats apart (copied into a panel per k
     * block) or not (read in place by the row tiles, the last vector masked
     * when ragged): the same products either way. */
    static const size_t ldbs[][3] = { { 200, 256, 640 }, { 200, 203, 640 }, { 130, 192, 450 },
                                      { 130, 131, 450 }, { 256, 256, 193 }, { 97, 128, 257 } };
    for (size_t i = 0; i < sizeof ldbs / sizeof ldbs[0]; i++, seed += 7) {
        check_rows_ldb(path, 1, 50, 0, 1, ldbs[i][0], ldbs[i][2], 1, ldbs[i][1], (int)(i & 1),
                       seed);
        check_rows_ldb(path, 0, 65, 0, 0, ldbs[i][0], ldbs[i][2], 0, ldbs[i][1],
                       (int)(~i & 1), seed + 3);
    }
}

/* The last panel's ragged end, w = n % 16 of 1 to 8 columns (two rows a
 * vector on AVX-512, at_pairs.h): every w, the end alone in its panel
 * (n = 32 q + w) and after a full vector (n = 32 q + 16 + w: with B in
 * place, the last two panels' 48 full columns as 3-vector tiles), every m
 * from 1 to 72 (an 8-row tile paired with the next, 8, tall or tail, a
 * tile alone, odd rows), k short or across k blocks, C overwritten and
 * accumulated, B read in place or packed (ldb 256); then the seed fit's
 * [x^T; h^T; 1] dZ and GRU's [h^T; 0; 1] at n = 200, 150, 50. */
static void check_ragged_ends(const rl_kernels *path)
{
    uint64_t seed = 7001;
    for (size_t m = 1; m <= 72; m++)
        for (size_t w = 1; w <= 8; w++, seed += 3) {
            const size_t n = ((m + w) & 1 ? 32 : 48) + w + (m % 3 == 0 ? 64 : 0);
            const size_t k = (m + w) % 8 == 0 ? 193 : 3 + (m * w) % 29;
            const size_t x = m > 2, ones = m > 2;
            check_rows_ldb(path, x, m - x - ones, 0, ones, n, k, seed % 3,
                           (m * w) % 5 == 0 ? 256 : 0, (int)(seed & 1), seed);
        }
    static const size_t ns[] = { 200, 150, 50 };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++, seed += 7) {
        check_rows(path, 1, 50, 0, 1, ns[i], 640, 0, 0, seed);
        check_rows(path, 1, 50, 0, 1, ns[i], 300, 1, 1, seed + 1);
        check_rows(path, 0, 50, 1, 1, ns[i], 640, 2, (int)(i & 1), seed + 2);
    }
}

static void check_path_and_ends(const rl_kernels *path)
{
    check_path(path);
    check_ragged_ends(path);
}

TU_TEST_EACH_KERNEL_PATH(check_path_and_ends)

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
        const rl_at_a none = { .end1 = 0 }, rows = { .end1 = 0, .end2 = 0, .end0 = 40 };
        for (size_t i = 0; i < 40 * 41; i++)
            c[i] = 3.0f;
        paths[t]->gemm_at(0, 40, 3, &none, NULL, 40, c, 41, 0, work);
        paths[t]->gemm_at(40, 0, 3, &rows, NULL, 0, c, 41, 0, work);
        paths[t]->gemm_at(40, 40, 0, &rows, NULL, 40, c, 41, 1, work);
        for (size_t i = 0; i < 40 * 41; i++)
            assert_true(c[i] == 3.0f);
        paths[t]->gemm_at(40, 40, 0, &rows, NULL, 40, c, 41, 0, work);
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
        float *a = tu_guarded_buffer(k * m, im), *b = tu_guarded_buffer(k * n, 50 + im);
        float *want = tu_guarded_buffer(m * n, 9);
        float *got = tu_guarded_buffer(m * n, 9);
        float *work = tu_guarded_buffer(work_len, 1);
        rl__gemm(NULL, m, n, k, a, 1, m, b, n, want, n, 0);
        rl__gemm_at(cx, m, n, k, a, m, b, n, got, n, 0, work);
        tu_assert_guard(got, m * n, "rl__gemm_at C");
        tu_assert_guard(work, work_len, "rl__gemm_at work");
        assert_memory_equal(got, want, m * n * sizeof(float));
        free(a);
        free(b);
        free(want);
        free(got);
        free(work);
    }
}

/* rl__gemm_at_rows as the layers call it, [x^T; h^T; 1] dZ and
 * [h^T; 0; 1] dZ: the x rows the bits of rl__gemm on x read in place, the
 * h rows those on h, a zero row 0, the ones row those of rl__col_sums.
 * h's first 13 rows (step 0's h_{-1} of a batch of 13) are zero, signed
 * zeros mixed: rl__weight_grad, which skips their products, gives the same
 * bits, its row split over the threads (blocks that start and end in any
 * of the row kinds) skipping within each block. */
static void check_layer_rows(const rl_compute *cx)
{
    static const size_t ins[] = { 1, 3, 64 }, units[] = { 1, 7, 50, 65 };
    for (size_t ii = 0; ii < 3; ii++)
        for (size_t iu = 0; iu < 4; iu++)
            for (int gru = 0; gru < 2 - (ii > 0); gru++) {
                const size_t in = gru ? 0 : ins[ii], u = units[iu], g = 3 * u, rows = 13 * 10;
                const size_t m = in + u + 1 + (size_t)gru;
                int ok = 1;
                const size_t work_len = rl__gemm_at_size(m, &ok);
                float *x = tu_guarded_buffer(rows * (in ? in : 1), ii);
                float *h = tu_guarded_buffer(rows * u, 10 + iu);
                float *dz = tu_guarded_buffer(rows * g, 20), *want = tu_guarded_buffer(m * g, 9);
                float *got = tu_guarded_buffer(m * g, 9), *work = tu_guarded_buffer(work_len, 1);
                for (size_t i = 0; i < 13 * u; i++)
                    h[i] = i % 3 ? 0.0f : -0.0f;
                if (in)
                    rl__gemm(NULL, in, g, rows, x, 1, in, dz, g, want, g, 0);
                rl__gemm(NULL, u, g, rows, h, 1, u, dz, g, want + in * g, g, 0);
                if (gru)
                    for (size_t j = 0; j < g; j++)
                        want[(in + u) * g + j] = 0.0f;
                float *sums = want + (m - 1) * g;
                for (size_t j = 0; j < g; j++)
                    sums[j] = 0.0f;
                rl__add_col_sums(NULL, sums, dz, rows, g);
                const rl_at_src src = { .a1 = in ? x : h, .lda1 = in ? in : u,
                                        .end1 = in ? in : u, .a2 = in ? h : NULL, .lda2 = u,
                                        .end2 = in + u, .end0 = in + u + (size_t)gru };
                rl__gemm_at_rows(cx, m, g, rows, &src, dz, g, got, g, 0, work);
                tu_assert_guard(got, m * g, "rl__gemm_at_rows C");
                tu_assert_guard(work, work_len, "rl__gemm_at_rows work");
                assert_memory_equal(got, want, m * g * sizeof(float));
                memset(got, 0x7f, m * g * sizeof(float));   /* overwritten, never read */
                rl__weight_grad(cx, m, g, rows, 13, &src, dz, g, got, g, work);
                tu_assert_guard(got, m * g, "rl__weight_grad C");
                tu_assert_guard(work, work_len, "rl__weight_grad work");
                assert_memory_equal(got, want, m * g * sizeof(float));
                free(x);
                free(h);
                free(dz);
                free(want);
                free(got);
                free(work);
            }
}

/* rl__gemm_at_rows_halves, SimpleRNN's [x^T; h^T; 1] dZ with k (steps x
 * rows) in two fixed halves: against its definition written out here, two
 * float fma chains per element, over k rows [0, ks) and [ks, k), each from
 * 0 in increasing k, then one float addition (ks = 0 or k: one chain),
 * also where step 0's h rows are zero and skipped (h0_rows); neither C nor
 * the work area (rl__gemm_at_halves_size) written past its end. */
static float at_src_elem(const rl_at_src *a, size_t i, size_t p)
{
    return i < a->end1 ? a->a1[p * a->lda1 + i]
         : i < a->end2 ? a->a2[p * a->lda2 + (i - a->end1)]
         : i < a->end0 ? 0.0f : 1.0f;
}

static void check_halves_case(const rl_compute *cx, size_t in, size_t u, size_t T, size_t bt,
                              int zero_state)
{
    const size_t m = in + u + 1, k = T * bt, ks = (T + 1) / 2 * bt;
    const size_t h0_rows = zero_state ? bt : 0;
    int ok = 1;
    const size_t work_len = rl__gemm_at_halves_size(m, u, &ok);
    assert_true(ok);
    float *x = tu_guarded_buffer(k * in, in + 1);
    float *h = tu_guarded_buffer(k * u, 10 + u);
    memset(h, 0, h0_rows * u * sizeof(float));
    float *dz = tu_guarded_buffer(k * u, 20 + T);
    float *want = tu_guarded_buffer(m * u, 9), *got = tu_guarded_buffer(m * u, 9);
    float *work = tu_guarded_buffer(work_len, 1);
    const rl_at_src src = { .a1 = x, .lda1 = in, .end1 = in, .a2 = h, .lda2 = u,
                            .end2 = in + u, .end0 = in + u };
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < u; j++) {
            float first = 0.0f, second = 0.0f;
            for (size_t p = 0; p < ks && p < k; p++)
                first = fmaf(at_src_elem(&src, i, p), dz[p * u + j], first);
            for (size_t p = ks; p < k; p++)
                second = fmaf(at_src_elem(&src, i, p), dz[p * u + j], second);
            want[i * u + j] = ks < k ? first + second : first;
        }
    rl__gemm_at_rows_halves(cx, m, u, k, ks, h0_rows, &src, dz, u, got, u, work);
    tu_assert_guard(got, m * u, "rl__gemm_at_rows_halves C");
    tu_assert_guard(work, work_len, "rl__gemm_at_rows_halves work");
    tu_assert_same_bits(got, want, m * u, 0, "halves m=%zu n=%zu k=%zu acc=%d", m, u, k, zero_state);
    free(x);
    free(h);
    free(dz);
    free(want);
    free(got);
    free(work);
}

static void check_halves(const rl_compute *cx)
{
    static const size_t ins[] = { 1, 3, 64 }, units[] = { 1, 7, 17, 33 };
    static const size_t steps[] = { 1, 2, 5 }, batches[] = { 1, 3, 8, 13 };
    for (size_t ii = 0; ii < 3; ii++)
        for (size_t iu = 0; iu < 4; iu++)
            for (size_t is = 0; is < 3; is++)
                for (size_t ib = 0; ib < 4; ib++)
                    for (int zero_state = 0; zero_state < 2; zero_state++)
                        check_halves_case(cx, ins[ii], units[iu], steps[is], batches[ib],
                                          zero_state);
    /* n >= RL_GEMM_AT_PACK_MIN_COLS: A^T packed per k block, each half in
     * its own part of the work area (2 threads: both at once) */
    check_halves_case(cx, 1, 130, 5, 13, 0);
    check_halves_case(cx, 64, 130, 4, 8, 1);
}

/* A host parallel-for that runs its tasks in reverse order on the caller:
 * the block structure of its concurrency (3: the middle block crosses from
 * one half into the other) without threads. */
static void host_reverse(rl_task_fn task, void *data, size_t n, void *user)
{
    (void)user;
    for (size_t i = n; i-- > 0;)
        task(data, i);
}

static void check_every_entry(const rl_compute *cx)
{
    check_compute_layer(cx);
    check_layer_rows(cx);
    check_halves(cx);
}

static void test_compute_layer(void **state)
{
    (void)state;
    tu_check_on_1_2_3_threads(check_every_entry);
    rl_compute host = { 0 };
    assert_int_equal(rl__pool_create_host(host_reverse, NULL, 3, &host.pool), RL_OK);
    rl__pool_set_min_work(host.pool, 0);
    check_layer_rows(&host);
    check_halves(&host);
    rl__pool_destroy(host.pool);
    int ok = 1;
    (void)rl__gemm_at_size((size_t)-1, &ok);
    assert_false(ok);
    ok = 1;
    (void)rl__gemm_at_halves_size((size_t)-1 / 4, 2, &ok);
    assert_false(ok);
}

/* Where the weight gradient is cut: one chain for one step or a small
 * product, else after ceil(T/2) steps; from the shape alone. */
static void test_halves_split(void **state)
{
    (void)state;
    assert_int_equal(rl__gemm_at_halves_split(257, 256, 1, 64), 0);    /* one step */
    assert_int_equal(rl__gemm_at_halves_split(52, 50, 10, 64), 0);     /* the seed fit */
    assert_int_equal(rl__gemm_at_halves_split(257, 256, 50, 64), 25 * 64);
    assert_int_equal(rl__gemm_at_halves_split(321, 256, 7, 64), 4 * 64);
    assert_int_equal(rl__gemm_at_halves_split((size_t)-1, 2, 2, 2), 0);   /* overflow */
}

int main(void)
{
    struct CMUnitTest tests[9];
    size_t n = 0;
#define ADD(t) tests[n++] = (struct CMUnitTest)cmocka_unit_test(t)
    TU_ADD_KERNEL_PATH_TESTS(tests, n);
    ADD(test_empty);
    ADD(test_compute_layer);
    ADD(test_halves_split);
#undef ADD
    return _cmocka_run_group_tests("gemm_at", tests, n, NULL, NULL);
}
