/* The recurrent layers' weight gradient with step 0's zero h_{-1} rows
 * skipped (compute.h rl__weight_grad): a fit from the zero state skips the
 * zero products of [x^T; h^T; 0; 1] dZ over the first batch rows, and must
 * give the bits of the whole product (rl__gemm_at_rows, the long way) on
 * every kernel path; a layer's backward after a forward
 * from the zero state gives the gradient of its backward made to take the
 * long way; and after a forward from a carried (nonzero) state the layer
 * keeps those rows (a skip there would change the gradient, which the
 * control cases check it does). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "kernels/kernels.h"
#include "layer.h"

static void assert_same(const float *got, const float *want, size_t len, const char *what)
{
    if (memcmp(got, want, len * sizeof(float)) == 0)
        return;
    for (size_t i = 0; i < len; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            print_error("%s: float %zu is %.9g, the long way %.9g\n", what, i, (double)got[i],
                        (double)want[i]);
            break;
        }
    fail();
}

/* [x^T; h^T; 0 x zeros; 1] dZ over T steps of `batch` rows, h's first
 * batch rows zero (signed zeros mixed, as h_{-1} = 0 may hold), against
 * rl__gemm_at_rows over all k on the scalar path. Returns whether a skip
 * over NONZERO first rows changed the result (the control). */
static int check_shape(const rl_compute *cx, size_t in, size_t u, size_t zeros, size_t batch,
                       size_t T, size_t n, uint64_t seed)
{
    const size_t k = T * batch, m = in + u + zeros + 1, ldc = n + 3;
    const size_t c_len = (m - 1) * ldc + n;
    int ok = 1;
    const size_t work_len = rl__gemm_at_size(m, &ok);
    assert_true(ok);
    float *x = tu_guarded_buffer(k * (in ? in : 1), seed);
    float *h = tu_guarded_buffer(k * u, seed + 1);
    float *dz = tu_guarded_buffer(k * n, seed + 2);
    float *want = tu_guarded_buffer(c_len, seed + 3), *got = tu_guarded_buffer(c_len, seed + 3);
    float *work = tu_guarded_buffer(work_len, seed + 5);
    for (size_t i = 0; i < batch * u; i++)
        h[i] = i % 3 ? 0.0f : -0.0f;
    const rl_at_src src = { .a1 = in ? x : NULL, .lda1 = in, .end1 = in, .a2 = h, .lda2 = u,
                            .end2 = in + u, .end0 = in + u + zeros };
    const rl_compute scalar = { .kernels = rl__kernels_scalar() };
    rl__gemm_at_rows(&scalar, m, n, k, &src, dz, n, want, ldc, 0, work);
    rl__weight_grad(cx, m, n, k, batch, &src, dz, n, got, ldc, work);
    tu_assert_guard(got, c_len, "rl__weight_grad C");
    tu_assert_guard(work, work_len, "rl__weight_grad work");
    assert_same(got, want, c_len, "zero h_{-1} skipped");
    /* h0_rows = 0: the whole product */
    rl__weight_grad(cx, m, n, k, 0, &src, dz, n, got, ldc, work);
    assert_same(got, want, c_len, "nothing skipped");
    /* control: h_{-1} not zero; the long way reads it, the skip must not */
    for (size_t i = 0; i < batch * u; i++)
        h[i] = 0.25f + (float)(i % 7);
    rl__gemm_at_rows(&scalar, m, n, k, &src, dz, n, want, ldc, 0, work);
    rl__weight_grad(cx, m, n, k, batch, &src, dz, n, got, ldc, work);
    const int differs = memcmp(got, want, c_len * sizeof(float)) != 0;
    free(x);
    free(h);
    free(dz);
    free(want);
    free(got);
    free(work);
    return differs;
}

/* few: a handful of shapes only (the thread cases: pools are slow under
 * the cross builds' emulation, and a split never changes a chain) */
static void check_shapes(const rl_compute *cx, int few)
{
    static const size_t ins[] = { 0, 1, 3, 64 }, units[] = { 1, 7, 16, 17, 50, 65 };
    static const size_t batches[] = { 1, 3, 8, 13, 21 }, steps[] = { 1, 2, 10 };
    uint64_t seed = 1;
    /* every input and unit count, each at two of the batch and step counts
     * in turn (all of them over the grid), one or no zero row */
    for (size_t ii = 0; ii < 4; ii++)
        for (size_t iu = 0; iu < 6; iu++)
            for (size_t turn = 0; turn < 2; turn++) {
                const size_t ib = (ii + iu + 2 * turn) % 5, it = (ii + 2 * iu + turn) % 3;
                const size_t in = ins[ii], u = units[iu], batch = batches[ib], T = steps[it];
                if (few && !((ii == 1 && iu == 4) || (ii == 2 && iu == 3) || (ii == 0 && iu == 1)))
                    continue;
                const size_t zeros = (ii + iu + turn) % 2, n = (3 + zeros) * u;
                const int differs = check_shape(cx, in, u, zeros, batch, T, n, seed++);
                if (!differs)
                    print_error("in %zu u %zu batch %zu T %zu\n", in, u, batch, T);
                assert_true(differs);
            }
    /* the seed fit's shape: k = 640 rows over several k blocks */
    assert_true(check_shape(cx, 1, 50, 0, 64, 10, 200, seed++));
    if (!few)
        assert_true(check_shape(cx, 1, 50, 1, 64, 10, 150, seed++));
}

static void test_skip_is_the_long_way(void **state)
{
    (void)state;
    const rl_kernels *paths[] = { rl__kernels_scalar(), rl__kernels_avx2(), rl__kernels_avx512(),
                                  rl__kernels_neon() };
    for (size_t p = 0; p < 4; p++)
        if (paths[p]) {
            const rl_compute cx = { .kernels = paths[p] };
            check_shapes(&cx, 0);
        }
    /* Split over threads by rows, each block skipping within its rows: test_gemm_at,
     * and LSTM, GRU and SimpleRNN fits on 1, 2, 3 threads and the host hook
     * give the same bits (test_determinism): no pool here, whose threads
     * crawl under the cross builds' emulation. */
    check_shapes(NULL, 1);   /* the process's path (RNNLITE_ISA) */
}

/* A layer's gradient after one forward (fit mode) and backward, from the
 * zero state (state0 NULL) or a carried one; long_way: the backward is
 * made to keep h_{-1}'s rows whatever the forward set. */
static void layer_grad(rl_layer_kind kind, size_t in, size_t u, size_t batch, const rl_compute *cx,
                       int carried, int long_way, int force_skip, float *grad)
{
    enum { T = 10 };
    rl_layer l;
    memset(&l, 0, sizeof l);
    assert_true(rl__layer_init(&l, kind, in, T, u, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    assert_int_equal(rl__layer_alloc_weights(&l), RL_OK);
    tu_fill_uniform(l.w, l.n_w, 11, -0.5f, 0.5f);
    assert_int_equal(rl__layer_reserve(&l, batch, 0), RL_OK);
    const size_t state_len = rl__layer_state_len(&l) * batch;
    float *x = calloc(T * batch * in, sizeof(float)), *dy = calloc(batch * u, sizeof(float));
    float *state0 = calloc(state_len, sizeof(float));
    assert_non_null(x);
    assert_non_null(dy);
    assert_non_null(state0);
    tu_fill_uniform(x, T * batch * in, 12, -1, 1);
    tu_fill_uniform(dy, batch * u, 13, -1, 1);
    tu_fill_uniform(state0, state_len, 14, -0.8f, 0.8f);
    l.ops->forward(&l, cx, x, batch, carried ? state0 : NULL);
    assert_int_equal(l.state0_zero, !carried);
    if (long_way)
        l.state0_zero = 0;
    if (force_skip)
        l.state0_zero = 1;
    l.ops->backward(&l, cx, x, dy, NULL, batch);
    memcpy(grad, l.grad, l.n_w * sizeof(float));
    free(x);
    free(dy);
    free(state0);
    rl__layer_free(&l);
}

static void check_layers(const rl_compute *cx, size_t shapes)
{
    static const rl_layer_kind kinds[] = { RL_LAYER_LSTM, RL_LAYER_GRU, RL_LAYER_SIMPLE_RNN };
    /* the seed fit's shape; a few inputs (GRU: x rows in its recurrent
     * product); many (GRU: its own x^T dRec) */
    static const size_t ins[] = { 1, 3, 9 }, units[] = { 50, 7, 7 }, batches[] = { 64, 13, 13 };
    for (size_t ik = 0; ik < 3; ik++)
        for (size_t ii = 0; ii < shapes; ii++) {
            const size_t in = ins[ii], u = units[ii], batch = batches[ii];
            const size_t n_w = (u + in + 2) * 4 * u;   /* at least any kind's */
            float *a = calloc(n_w, sizeof(float)), *b = calloc(n_w, sizeof(float));
            assert_non_null(a);
            assert_non_null(b);
            /* from the zero state: skipped == the long way */
            layer_grad(kinds[ik], in, u, batch, cx, 0, 0, 0, a);
            layer_grad(kinds[ik], in, u, batch, cx, 0, 1, 0, b);
            assert_memory_equal(a, b, n_w * sizeof(float));
            /* from a carried state: the forward keeps h_{-1}'s rows (it
             * does not ask for the skip), and a skip would show */
            layer_grad(kinds[ik], in, u, batch, cx, 1, 0, 0, a);
            layer_grad(kinds[ik], in, u, batch, cx, 1, 1, 0, b);
            assert_memory_equal(a, b, n_w * sizeof(float));
            layer_grad(kinds[ik], in, u, batch, cx, 1, 0, 1, b);
            assert_memory_not_equal(a, b, n_w * sizeof(float));
            free(a);
            free(b);
        }
}

static void test_layers_skip_only_from_the_zero_state(void **state)
{
    (void)state;
    check_layers(NULL, 3);
}

int main(void)
{
    tu_skip_if_isa_unavailable();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skip_is_the_long_way),
        cmocka_unit_test(test_layers_skip_only_from_the_zero_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
