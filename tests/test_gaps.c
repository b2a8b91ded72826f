/* Gaps: filling (linear, LOCF; leading and trailing gaps; in place),
 * finding the first non-finite value, and windows that skip gaps, checked
 * against hand-computed values and against rl_window_make on complete data. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

static void test_fill_linear_and_locf(void **state)
{
    (void)state;
    /* two columns; column 0: NaN 1 NaN NaN 4 NaN; column 1: 5 NaN 7 Inf 9 10 */
    const float in[12] = { NAN, 5, 1, NAN, NAN, 7, NAN, INFINITY, 4, 9, NAN, 10 };
    float out[12];
    size_t filled = 0;
    assert_int_equal(rl_fill_gaps(in, out, 6, 2, RL_FILL_LINEAR, &filled), RL_OK);
    const float lin[12] = { 1, 5, 1, 6, 2, 7, 3, 8, 4, 9, 4, 10 };
    assert_memory_equal(out, lin, sizeof lin);
    assert_int_equal(filled, 6);
    assert_int_equal(rl_fill_gaps(in, out, 6, 2, RL_FILL_LOCF, NULL), RL_OK);
    const float locf[12] = { 1, 5, 1, 5, 1, 7, 1, 7, 4, 9, 4, 10 };
    assert_memory_equal(out, locf, sizeof locf);
    /* In place. */
    float inplace[12];
    memcpy(inplace, in, sizeof in);
    assert_int_equal(rl_fill_gaps(inplace, inplace, 6, 2, RL_FILL_LINEAR, NULL), RL_OK);
    assert_memory_equal(inplace, lin, sizeof lin);
    /* A column with no value at all: refused, out untouched. */
    const float empty[4] = { 1, NAN, 2, NAN };
    float keep[4] = { 9, 9, 9, 9 };
    assert_int_equal(rl_fill_gaps(empty, keep, 2, 2, RL_FILL_LOCF, NULL), RL_E_NUMERIC);
    assert_true(keep[0] == 9 && keep[3] == 9);
    assert_int_equal(rl_fill_gaps(in, out, 6, 2, (rl_fill)5, NULL), RL_E_INVALID);
    assert_int_equal(rl_fill_gaps(NULL, out, 6, 2, RL_FILL_LOCF, NULL), RL_E_INVALID);
}

static void test_find_nonfinite(void **state)
{
    (void)state;
    float d[6] = { 1, 2, 3, 4, NAN, 6 };
    size_t r = 0, c = 0;
    assert_int_equal(rl_find_nonfinite(d, 3, 2, &r, &c), RL_E_NUMERIC);
    assert_int_equal(r, 2);
    assert_int_equal(c, 0);
    d[4] = 5;
    assert_int_equal(rl_find_nonfinite(d, 3, 2, &r, &c), RL_OK);
    assert_int_equal(rl_find_nonfinite(NULL, 3, 2, &r, &c), RL_E_INVALID);
}

static void test_windows_skip_gaps(void **state)
{
    (void)state;
    enum { P = 20, F = 2, TS = 3 };
    float s[P * F];
    for (int i = 0; i < P; i++) {
        s[i * F] = (float)i;
        s[i * F + 1] = 100.0f + (float)i;
    }
    /* Complete data: the same windows as rl_window_make. */
    size_t n_all = 0, n_complete = 0;
    assert_int_equal(rl_window_count(P, TS, 2, &n_all), RL_OK);
    assert_int_equal(rl_window_count_complete(s, P, F, TS, 2, 0, &n_complete), RL_OK);
    assert_int_equal(n_all, n_complete);
    float xa[P * TS * F], ya[P], xc[P * TS * F], yc[P];
    size_t written = 0;
    assert_int_equal(rl_window_make(s, P, F, TS, 2, 0, xa, sizeof xa / 4, ya, P), RL_OK);
    assert_int_equal(rl_window_make_complete(s, P, F, TS, 2, 0, xc, sizeof xc / 4, yc, P, &written), RL_OK);
    assert_int_equal(written, n_all);
    assert_memory_equal(xa, xc, n_all * TS * F * sizeof(float));
    assert_memory_equal(ya, yc, n_all * sizeof(float));
    /* A gap in the covariate at row 8 removes the windows whose x covers
     * row 8 (starts 6, 7, 8); one in the target at row 15 also removes the
     * window whose y is row 15 (start 15 - 3 - 2 + 1 = 11) and the x windows
     * over it (13, 14, 15). */
    s[8 * F + 1] = NAN;
    s[15 * F] = NAN;
    assert_int_equal(rl_window_count_complete(s, P, F, TS, 2, 0, &n_complete), RL_OK);
    assert_int_equal(n_complete, n_all - 7);   /* 16 windows (starts 0..15) minus 6,7,8,11,13,14,15 */
    assert_int_equal(rl_window_make_complete(s, P, F, TS, 2, 0, xc, sizeof xc / 4, yc, P, &written), RL_OK);
    assert_int_equal(written, n_complete);
    for (size_t w = 0; w < written; w++) {
        for (int k = 0; k < TS * F; k++)
            assert_true(isfinite(xc[w * TS * F + k]));
        /* y = target at start + TS + 1, and x starts at that start */
        assert_true(yc[w] == xc[w * TS * F] + (float)(TS + 1));
    }
    /* A buffer too small, no complete window, bad column. */
    assert_int_equal(rl_window_make_complete(s, P, F, TS, 2, 0, xc, 3, yc, P, &written), RL_E_SHAPE);
    assert_int_equal(rl_window_count_complete(s, P, F, TS, 2, 2, &n_complete), RL_E_INVALID);
    float holes[8] = { NAN, 1, NAN, 1, NAN, 1, NAN, 1 };
    assert_int_equal(rl_window_make_complete(holes, 4, 2, 2, 1, 0, xc, 100, yc, 100, &written), RL_E_INVALID);
}

/* rl_fit and rl_predict name a NaN by sample, step and column. */
static void test_model_calls_name_nan_position(void **state)
{
    (void)state;
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 3, 2), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    float x[4 * 3 * 2] = { 0 }, y[4 * 3] = { 0 }, out[12];
    x[1 * 6 + 2 * 2 + 1] = NAN;   /* sample 1, step 2, column 1 */
    assert_int_equal(rl_predict(m, x, 4, out, 12), RL_E_NUMERIC);
    assert_non_null(strstr(rl_model_last_error(m), "sample 1, step 2, column 1"));
    x[1 * 6 + 2 * 2 + 1] = 0;
    y[2 * 3 + 1] = INFINITY;      /* sample 2, output 1 (Dense on a sequence: 3 steps x 1) */
    assert_int_equal(rl_fit(m, x, y, 4, 1, 2), RL_E_NUMERIC);
    assert_non_null(strstr(rl_model_last_error(m), "sample 2, output 1"));
    rl_model_destroy(m);
}

/* The check reads the input a block of 4096 floats at a time: the first
 * non-finite value is the one named wherever it falls (either side of a
 * block's edge, behind another one in a later block, the very last). */
static void test_model_calls_name_first_nonfinite_in_long_input(void **state)
{
    (void)state;
    enum { N = 1500, ROW = 3 * 2 };   /* 9000 floats: three blocks */
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 3, 2), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    static float x[N * ROW], out[N * 3];
    static const size_t first[] = { 4095, 4096, 8191, 8192, N * ROW - 1 };
    for (size_t c = 0; c < sizeof first / sizeof first[0]; c++) {
        for (size_t i = 0; i < N * ROW; i++)
            x[i] = (float)(i % 7) - 3.0f;
        const size_t at = first[c];
        x[at] = c % 2 ? -INFINITY : NAN;
        if (at + 4097 < N * ROW)
            x[at + 4097] = NAN;   /* a later one, in the next block */
        char want[96];
        snprintf(want, sizeof want, "x[%zu] (sample %zu, step %zu, column %zu)", at, at / ROW,
                 at % ROW / 2, at % 2);
        assert_int_equal(rl_predict(m, x, N, out, N * 3), RL_E_NUMERIC);
        if (!strstr(rl_model_last_error(m), want))
            fail_msg("wanted \"%s\" in \"%s\"", want, rl_model_last_error(m));
    }
    for (size_t i = 0; i < N * ROW; i++)
        x[i] = 1.0f;
    assert_int_equal(rl_predict(m, x, N, out, N * 3), RL_OK);
    rl_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_linear_and_locf),
        cmocka_unit_test(test_find_nonfinite),
        cmocka_unit_test(test_windows_skip_gaps),
        cmocka_unit_test(test_model_calls_name_nan_position),
        cmocka_unit_test(test_model_calls_name_first_nonfinite_in_long_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
