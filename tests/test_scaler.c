/* Scalers against sklearn's formulas (fixtures from
 * reference/make_scaler_fixtures.py) and small hand-computed cases; round
 * trips, in-place use, constant columns, every documented status, and the
 * internal clone / from_parts used by the model file format. */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "rnnlite/rnnlite.h"
#include "scaler.h"

#include "reference/scaler_fixtures.h"

#define FX_N (FX_ROWS * FX_COLS)

static rl_scaler *fitted_minmax(void)
{
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_minmax(&s, FX_LO, FX_HI), RL_OK);
    assert_int_equal(rl_scaler_fit(s, fx_data, FX_ROWS, FX_COLS), RL_OK);
    return s;
}

static rl_scaler *fitted_standard(void)
{
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
    assert_int_equal(rl_scaler_fit(s, fx_data, FX_ROWS, FX_COLS), RL_OK);
    return s;
}

static void assert_doubles_close(const double *a, const double *b, size_t n, double rtol)
{
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(a[i] - b[i]) <= rtol * fabs(b[i]))) {
            print_error("[%zu]: got %.17g, want %.17g\n", i, a[i], b[i]);
            fail();
        }
    }
}

/* ---- values ---- */

static void test_minmax_matches_sklearn(void **state)
{
    (void)state;
    rl_scaler *s = fitted_minmax();
    float out[FX_N];
    assert_int_equal(rl_scaler_transform(s, fx_data, out, FX_ROWS, FX_COLS), RL_OK);
    tu_assert_close(out, fx_minmax, FX_N, 1e-6, 1e-6, "minmax");
    /* The stored statistics are the exact column extremes. */
    assert_int_equal(rl__scaler_kind(s), RL__SCALER_MINMAX);
    assert_memory_equal(rl__scaler_a(s), fx_minmax_data_min, sizeof fx_minmax_data_min);
    assert_memory_equal(rl__scaler_b(s), fx_minmax_data_max, sizeof fx_minmax_data_max);
    double lo, hi;
    rl__scaler_range(s, &lo, &hi);
    assert_true(lo == -1.0 && hi == 2.0);
    rl_scaler_destroy(s);
}

static void test_standard_matches_sklearn(void **state)
{
    (void)state;
    rl_scaler *s = fitted_standard();
    float out[FX_N];
    assert_int_equal(rl_scaler_transform(s, fx_data, out, FX_ROWS, FX_COLS), RL_OK);
    tu_assert_close(out, fx_standard, FX_N, 1e-6, 1e-6, "standard");
    assert_int_equal(rl__scaler_kind(s), RL__SCALER_STANDARD);
    assert_doubles_close(rl__scaler_a(s), fx_standard_mean, FX_COLS, 1e-12);
    assert_doubles_close(rl__scaler_b(s), fx_standard_scale, FX_COLS, 1e-12);
    rl_scaler_destroy(s);
}

/* By hand: [1, 3, 5] -> MinMax(0,1): 0, .5, 1; Standard: mean 3,
 * population std sqrt(8/3), so +-2/sqrt(8/3) = +-1.224744871. */
static void test_hand_computed(void **state)
{
    (void)state;
    const float x[3] = {1, 3, 5};
    float out[3];
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_minmax(&s, 0, 1), RL_OK);
    assert_int_equal(rl_scaler_fit(s, x, 3, 1), RL_OK);
    assert_int_equal(rl_scaler_transform(s, x, out, 3, 1), RL_OK);
    tu_assert_close(out, (const double[]){0, 0.5, 1}, 3, 0, 1e-7, "minmax");
    rl_scaler_destroy(s);

    assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
    assert_int_equal(rl_scaler_fit(s, x, 3, 1), RL_OK);
    assert_int_equal(rl_scaler_transform(s, x, out, 3, 1), RL_OK);
    tu_assert_close(out, (const double[]){-1.224744871, 0, 1.224744871}, 3, 1e-7, 1e-7,
                    "standard");
    rl_scaler_destroy(s);
}

/* sklearn treats a zero range as 1: MinMax gives range_min + (v - min) *
 * (range_max - range_min), Standard gives v - mean. Here the constant 3.25
 * with range (-1, 2): 3.25 -> -1, 4.25 -> 2, 2.75 -> -2.5; Standard: 0, 1, -0.5. */
static void test_constant_column(void **state)
{
    (void)state;
    const float col[4] = {3.25f, 3.25f, 3.25f, 3.25f};
    const float probe[3] = {3.25f, 4.25f, 2.75f};
    float out[3], back[3];
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_minmax(&s, -1, 2), RL_OK);
    assert_int_equal(rl_scaler_fit(s, col, 4, 1), RL_OK);
    assert_int_equal(rl_scaler_transform(s, probe, out, 3, 1), RL_OK);
    tu_assert_close(out, (const double[]){-1, 2, -2.5}, 3, 0, 1e-7, "minmax const");
    assert_int_equal(rl_scaler_inverse_transform(s, out, back, 3, 1), RL_OK);
    tu_assert_close(back, (const double[]){3.25, 4.25, 2.75}, 3, 0, 1e-7, "minmax const inv");
    rl_scaler_destroy(s);

    assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
    assert_int_equal(rl_scaler_fit(s, col, 4, 1), RL_OK);
    assert_true(rl__scaler_b(s)[0] == 1.0);
    assert_int_equal(rl_scaler_transform(s, probe, out, 3, 1), RL_OK);
    tu_assert_close(out, (const double[]){0, 1, -0.5}, 3, 0, 1e-7, "standard const");
    assert_int_equal(rl_scaler_inverse_transform(s, out, back, 3, 1), RL_OK);
    tu_assert_close(back, (const double[]){3.25, 4.25, 2.75}, 3, 0, 1e-7, "standard const inv");
    rl_scaler_destroy(s);
}

static void check_round_trip(rl_scaler *s)
{
    double want[FX_N];
    float mid[FX_N], back[FX_N];
    for (size_t i = 0; i < FX_N; i++)
        want[i] = fx_data[i];
    assert_int_equal(rl_scaler_transform(s, fx_data, mid, FX_ROWS, FX_COLS), RL_OK);
    assert_int_equal(rl_scaler_inverse_transform(s, mid, back, FX_ROWS, FX_COLS), RL_OK);
    tu_assert_close(back, want, FX_N, 1e-6, 1e-6, "round trip");
    rl_scaler_destroy(s);
}

static void test_round_trip_minmax(void **state)
{
    (void)state;
    check_round_trip(fitted_minmax());
}

static void test_round_trip_standard(void **state)
{
    (void)state;
    check_round_trip(fitted_standard());
}

/* A longer random series: the round trip also holds outside the fit data.
 * The scaled values are floats, so the error allowed is a few float ulps of
 * a scaled value times the data span (130): 1e-7 * 130. */
static void test_round_trip_random(void **state)
{
    (void)state;
    enum { R = 500, C = 3 };
    static float x[R * C], mid[R * C], back[R * C];
    static double want[R * C];
    tu_fill_uniform(x, R * C, 7, -50, 80);
    for (size_t i = 0; i < R * C; i++)
        want[i] = x[i];
    for (int kind = 0; kind < 2; kind++) {
        rl_scaler *s = NULL;
        if (kind == 0)
            assert_int_equal(rl_scaler_create_minmax(&s, 0, 1), RL_OK);
        else
            assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
        assert_int_equal(rl_scaler_fit(s, x, R / 2, C), RL_OK);   /* fit on half */
        assert_int_equal(rl_scaler_transform(s, x, mid, R, C), RL_OK);
        assert_int_equal(rl_scaler_inverse_transform(s, mid, back, R, C), RL_OK);
        tu_assert_close(back, want, R * C, 1e-6, 1e-7 * 130, "random round trip");
        rl_scaler_destroy(s);
    }
}

static void test_in_place(void **state)
{
    (void)state;
    rl_scaler *s[2] = {fitted_minmax(), fitted_standard()};
    for (int k = 0; k < 2; k++) {
        float ref[FX_N], buf[FX_N];
        assert_int_equal(rl_scaler_transform(s[k], fx_data, ref, FX_ROWS, FX_COLS), RL_OK);
        memcpy(buf, fx_data, sizeof buf);
        assert_int_equal(rl_scaler_transform(s[k], buf, buf, FX_ROWS, FX_COLS), RL_OK);
        assert_memory_equal(buf, ref, sizeof buf);

        assert_int_equal(rl_scaler_inverse_transform(s[k], ref, ref, FX_ROWS, FX_COLS), RL_OK);
        float back[FX_N];
        assert_int_equal(rl_scaler_inverse_transform(s[k], buf, back, FX_ROWS, FX_COLS), RL_OK);
        assert_memory_equal(ref, back, sizeof back);

        float col[FX_ROWS];
        for (size_t i = 0; i < FX_ROWS; i++)
            col[i] = buf[i * FX_COLS + 1];
        assert_int_equal(rl_scaler_inverse_transform_column(s[k], 1, col, col, FX_ROWS), RL_OK);
        for (size_t i = 0; i < FX_ROWS; i++)
            assert_true(col[i] == back[i * FX_COLS + 1]);
        rl_scaler_destroy(s[k]);
    }
}

/* One column of a model's output is unscaled as that column of the data. */
static void test_inverse_column(void **state)
{
    (void)state;
    rl_scaler *s = fitted_minmax();
    float scaled[FX_N], full[FX_N];
    assert_int_equal(rl_scaler_transform(s, fx_data, scaled, FX_ROWS, FX_COLS), RL_OK);
    assert_int_equal(rl_scaler_inverse_transform(s, scaled, full, FX_ROWS, FX_COLS), RL_OK);
    for (size_t c = 0; c < FX_COLS; c++) {
        float col[FX_ROWS], out[FX_ROWS];
        for (size_t i = 0; i < FX_ROWS; i++)
            col[i] = scaled[i * FX_COLS + c];
        assert_int_equal(rl_scaler_inverse_transform_column(s, c, col, out, FX_ROWS), RL_OK);
        for (size_t i = 0; i < FX_ROWS; i++)
            assert_true(out[i] == full[i * FX_COLS + c]);
    }
    /* By hand: column 0 maps [min, max] onto [-1, 2], so 0.5 is the midpoint. */
    float half = 0.5f, got;
    assert_int_equal(rl_scaler_inverse_transform_column(s, 0, &half, &got, 1), RL_OK);
    double mid = (fx_minmax_data_min[0] + fx_minmax_data_max[0]) / 2;
    tu_assert_close(&got, &mid, 1, 1e-6, 1e-6, "midpoint");
    rl_scaler_destroy(s);
}

static void test_feature_count_and_refit(void **state)
{
    (void)state;
    rl_scaler *s = NULL;
    size_t n = 99;
    assert_int_equal(rl_scaler_create_minmax(&s, 0, 1), RL_OK);
    assert_int_equal(rl_scaler_feature_count(s, &n), RL_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rl_scaler_fit(s, fx_data, FX_ROWS, FX_COLS), RL_OK);
    assert_int_equal(rl_scaler_feature_count(s, &n), RL_OK);
    assert_int_equal(n, FX_COLS);

    /* Refit on 2 columns of new data: old statistics are gone. */
    const float x[4] = {0, 10, 4, 30};   /* rows (0,10), (4,30) */
    assert_int_equal(rl_scaler_fit(s, x, 2, 2), RL_OK);
    assert_int_equal(rl_scaler_feature_count(s, &n), RL_OK);
    assert_int_equal(n, 2);
    float probe[2] = {2, 20}, out[2];
    assert_int_equal(rl_scaler_transform(s, probe, out, 1, 2), RL_OK);
    tu_assert_close(out, (const double[]){0.5, 0.5}, 2, 0, 1e-7, "refit");
    assert_int_equal(rl_scaler_transform(s, fx_data, out, 1, FX_COLS), RL_E_SHAPE);
    rl_scaler_destroy(s);
}

/* ---- statuses ---- */

static void test_create_errors(void **state)
{
    (void)state;
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_minmax(NULL, 0, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_create_minmax(&s, 1, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_create_minmax(&s, 2, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_create_minmax(&s, NAN, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_create_minmax(&s, 0, NAN), RL_E_INVALID);
    assert_int_equal(rl_scaler_create_minmax(&s, -INFINITY, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_create_minmax(&s, 0, INFINITY), RL_E_INVALID);
    assert_null(s);
    assert_int_equal(rl_scaler_create_standard(NULL), RL_E_INVALID);
    rl_scaler_destroy(NULL);   /* no-op */
}

static void test_fit_errors(void **state)
{
    (void)state;
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
    assert_int_equal(rl_scaler_fit(NULL, fx_data, FX_ROWS, FX_COLS), RL_E_INVALID);
    assert_int_equal(rl_scaler_fit(s, NULL, FX_ROWS, FX_COLS), RL_E_INVALID);
    assert_int_equal(rl_scaler_fit(s, fx_data, 0, FX_COLS), RL_E_INVALID);
    assert_int_equal(rl_scaler_fit(s, fx_data, FX_ROWS, 0), RL_E_INVALID);
    /* rows * features overflows: refused before any read. */
    assert_int_equal(rl_scaler_fit(s, fx_data, SIZE_MAX / 2, 3), RL_E_NOMEM);
    size_t n = 99;
    assert_int_equal(rl_scaler_feature_count(s, &n), RL_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rl_scaler_feature_count(NULL, &n), RL_E_INVALID);
    assert_int_equal(rl_scaler_feature_count(s, NULL), RL_E_INVALID);
    rl_scaler_destroy(s);
}

/* NaN or Inf, first or last element, fails with the scaler as it was. */
static void test_fit_nonfinite_keeps_state(void **state)
{
    (void)state;
    const float bad_values[3] = {NAN, INFINITY, -INFINITY};
    const size_t where[2] = {0, FX_N - 1};
    for (int kind = 0; kind < 2; kind++) {
        for (int b = 0; b < 6; b++) {
            rl_scaler *s = kind == 0 ? fitted_minmax() : fitted_standard();
            float ref[FX_N], out[FX_N], bad[FX_N];
            assert_int_equal(rl_scaler_transform(s, fx_data, ref, FX_ROWS, FX_COLS), RL_OK);
            memcpy(bad, fx_data, sizeof bad);
            bad[where[b / 3]] = bad_values[b % 3];
            assert_int_equal(rl_scaler_fit(s, bad, FX_ROWS, FX_COLS), RL_E_NUMERIC);
            size_t n = 0;
            assert_int_equal(rl_scaler_feature_count(s, &n), RL_OK);
            assert_int_equal(n, FX_COLS);
            assert_int_equal(rl_scaler_transform(s, fx_data, out, FX_ROWS, FX_COLS), RL_OK);
            assert_memory_equal(out, ref, sizeof out);
            rl_scaler_destroy(s);
        }
    }
    /* An unfitted scaler stays unfitted. */
    rl_scaler *s = NULL;
    float out[1];
    const float nan1[2] = {1, NAN};
    assert_int_equal(rl_scaler_create_minmax(&s, 0, 1), RL_OK);
    assert_int_equal(rl_scaler_fit(s, nan1, 2, 1), RL_E_NUMERIC);
    assert_int_equal(rl_scaler_transform(s, nan1, out, 1, 1), RL_E_STATE);
    rl_scaler_destroy(s);
}

static void test_transform_errors(void **state)
{
    (void)state;
    rl_scaler *s = NULL;
    float out[FX_N];
    memset(out, 0x5a, sizeof out);
    float untouched[FX_N];
    memcpy(untouched, out, sizeof out);

    typedef rl_status (*apply_fn)(const rl_scaler *, const float *, float *, size_t, size_t);
    const apply_fn fns[2] = {rl_scaler_transform, rl_scaler_inverse_transform};
    assert_int_equal(rl_scaler_create_minmax(&s, 0, 1), RL_OK);
    for (int f = 0; f < 2; f++)
        assert_int_equal(fns[f](s, fx_data, out, FX_ROWS, FX_COLS), RL_E_STATE);
    assert_int_equal(rl_scaler_fit(s, fx_data, FX_ROWS, FX_COLS), RL_OK);
    for (int f = 0; f < 2; f++) {
        assert_int_equal(fns[f](NULL, fx_data, out, FX_ROWS, FX_COLS), RL_E_INVALID);
        assert_int_equal(fns[f](s, NULL, out, FX_ROWS, FX_COLS), RL_E_INVALID);
        assert_int_equal(fns[f](s, fx_data, NULL, FX_ROWS, FX_COLS), RL_E_INVALID);
        assert_int_equal(fns[f](s, fx_data, out, 0, FX_COLS), RL_E_INVALID);
        assert_int_equal(fns[f](s, fx_data, out, FX_ROWS, FX_COLS - 1), RL_E_SHAPE);
        assert_int_equal(fns[f](s, fx_data, out, FX_ROWS, FX_COLS + 1), RL_E_SHAPE);
        assert_int_equal(fns[f](s, fx_data, out, FX_ROWS, 0), RL_E_SHAPE);
        assert_int_equal(fns[f](s, fx_data, out, SIZE_MAX / 2, FX_COLS), RL_E_INVALID);
    }
    assert_memory_equal(out, untouched, sizeof out);
    rl_scaler_destroy(s);
}

static void test_inverse_column_errors(void **state)
{
    (void)state;
    rl_scaler *s = NULL;
    float v = 0.5f, out = 7;
    assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
    assert_int_equal(rl_scaler_inverse_transform_column(s, 0, &v, &out, 1), RL_E_STATE);
    assert_int_equal(rl_scaler_fit(s, fx_data, FX_ROWS, FX_COLS), RL_OK);
    assert_int_equal(rl_scaler_inverse_transform_column(NULL, 0, &v, &out, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_inverse_transform_column(s, 0, NULL, &out, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_inverse_transform_column(s, 0, &v, NULL, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_inverse_transform_column(s, 0, &v, &out, 0), RL_E_INVALID);
    assert_int_equal(rl_scaler_inverse_transform_column(s, FX_COLS, &v, &out, 1), RL_E_INVALID);
    assert_int_equal(rl_scaler_inverse_transform_column(s, RL_ALL_COLUMNS, &v, &out, 1),
                     RL_E_INVALID);
    assert_true(out == 7);
    rl_scaler_destroy(s);
}

static int fail_all(size_t bytes, void *user)
{
    (void)bytes;
    (void)user;
    return 1;
}

static void test_out_of_memory(void **state)
{
    (void)state;
    rl_scaler *s = fitted_minmax(), *t = NULL;
    float ref[FX_N], out[FX_N];
    assert_int_equal(rl_scaler_transform(s, fx_data, ref, FX_ROWS, FX_COLS), RL_OK);
    rl__set_alloc_hook(fail_all, NULL);
    assert_int_equal(rl_scaler_create_minmax(&t, 0, 1), RL_E_NOMEM);
    assert_int_equal(rl_scaler_create_standard(&t), RL_E_NOMEM);
    assert_null(t);
    const float x[2] = {1, 2};
    assert_int_equal(rl_scaler_fit(s, x, 2, 1), RL_E_NOMEM);
    assert_null(rl__scaler_clone(s));
    assert_int_equal(rl__scaler_from_parts(&t, RL__SCALER_MINMAX, 0, 1, FX_COLS,
                                           fx_minmax_data_min, fx_minmax_data_max),
                     RL_E_NOMEM);
    rl__set_alloc_hook(NULL, NULL);
    assert_int_equal(rl_scaler_transform(s, fx_data, out, FX_ROWS, FX_COLS), RL_OK);
    assert_memory_equal(out, ref, sizeof out);
    rl_scaler_destroy(s);
}

/* ---- internal: clone and parts (what the file format relies on) ---- */

static void assert_same_scaling(const rl_scaler *a, const rl_scaler *b)
{
    float ra[FX_N], rb[FX_N];
    assert_int_equal(rl_scaler_transform(a, fx_data, ra, FX_ROWS, FX_COLS), RL_OK);
    assert_int_equal(rl_scaler_transform(b, fx_data, rb, FX_ROWS, FX_COLS), RL_OK);
    assert_memory_equal(ra, rb, sizeof ra);
    assert_int_equal(rl_scaler_inverse_transform(a, ra, ra, FX_ROWS, FX_COLS), RL_OK);
    assert_int_equal(rl_scaler_inverse_transform(b, rb, rb, FX_ROWS, FX_COLS), RL_OK);
    assert_memory_equal(ra, rb, sizeof ra);
}

static void test_clone(void **state)
{
    (void)state;
    rl_scaler *s[2] = {fitted_minmax(), fitted_standard()};
    for (int k = 0; k < 2; k++) {
        rl_scaler *c = rl__scaler_clone(s[k]);
        assert_non_null(c);
        rl_scaler_destroy(s[k]);   /* the copy owns its own memory */
        rl_scaler *again = k == 0 ? fitted_minmax() : fitted_standard();
        assert_same_scaling(c, again);
        rl_scaler_destroy(again);
        rl_scaler_destroy(c);
    }
    rl_scaler *u = NULL;
    assert_int_equal(rl_scaler_create_minmax(&u, 0, 1), RL_OK);
    rl_scaler *c = rl__scaler_clone(u);
    assert_non_null(c);
    assert_int_equal(rl__scaler_features(c), 0);
    assert_null(rl__scaler_a(c));
    assert_null(rl__scaler_clone(NULL));
    rl_scaler_destroy(c);
    rl_scaler_destroy(u);
}

static void test_parts_round_trip(void **state)
{
    (void)state;
    rl_scaler *s[2] = {fitted_minmax(), fitted_standard()};
    for (int k = 0; k < 2; k++) {
        double lo, hi;
        rl__scaler_range(s[k], &lo, &hi);
        rl_scaler *r = NULL;
        assert_int_equal(rl__scaler_from_parts(&r, rl__scaler_kind(s[k]), lo, hi,
                                               rl__scaler_features(s[k]), rl__scaler_a(s[k]),
                                               rl__scaler_b(s[k])),
                         RL_OK);
        assert_int_equal(rl__scaler_kind(r), rl__scaler_kind(s[k]));
        assert_int_equal(rl__scaler_features(r), FX_COLS);
        assert_same_scaling(r, s[k]);
        rl_scaler_destroy(r);
        rl_scaler_destroy(s[k]);
    }
}

static void test_parts_rejected(void **state)
{
    (void)state;
    const double a[2] = {0, 1}, b[2] = {1, 2};
    rl_scaler *r = NULL;
    const int mm = RL__SCALER_MINMAX, st = RL__SCALER_STANDARD;
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1, 2, a, b), RL_OK);
    rl_scaler_destroy(r);
    r = NULL;
    assert_int_equal(rl__scaler_from_parts(NULL, mm, 0, 1, 2, a, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, 0, 0, 1, 2, a, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, 3, 0, 1, 2, a, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1, 0, a, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1, 2, NULL, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1, 2, a, NULL), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, 1, 1, 2, a, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, NAN, 2, a, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, -DBL_MAX, DBL_MAX, 2, a, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1, 2, b, a), RL_E_INVALID);   /* min > max */
    const double nan2[2] = {0, NAN}, inf2[2] = {0, INFINITY}, wide[2] = {-DBL_MAX, 0},
                 wide_hi[2] = {DBL_MAX, 1};
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1, 2, nan2, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1, 2, a, inf2), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1, 2, wide, wide_hi), RL_E_INVALID);
    /* Scale (range_max - range_min) / data range would overflow to inf. */
    const double tiny_lo[1] = {0}, tiny_hi[1] = {1e-14};
    assert_int_equal(rl__scaler_from_parts(&r, mm, 0, 1e300, 1, tiny_lo, tiny_hi), RL_E_INVALID);

    const double zero[2] = {1, 0}, neg[2] = {1, -1};
    assert_int_equal(rl__scaler_from_parts(&r, st, 0, 0, 2, a, b), RL_OK);
    rl_scaler_destroy(r);
    r = NULL;
    assert_int_equal(rl__scaler_from_parts(&r, st, 0, 0, 2, a, zero), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, st, 0, 0, 2, a, neg), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, st, 0, 0, 2, nan2, b), RL_E_INVALID);
    assert_int_equal(rl__scaler_from_parts(&r, st, 0, 0, 2, a, inf2), RL_E_INVALID);
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minmax_matches_sklearn),
        cmocka_unit_test(test_standard_matches_sklearn),
        cmocka_unit_test(test_hand_computed),
        cmocka_unit_test(test_constant_column),
        cmocka_unit_test(test_round_trip_minmax),
        cmocka_unit_test(test_round_trip_standard),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_in_place),
        cmocka_unit_test(test_inverse_column),
        cmocka_unit_test(test_feature_count_and_refit),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_fit_errors),
        cmocka_unit_test(test_fit_nonfinite_keeps_state),
        cmocka_unit_test(test_transform_errors),
        cmocka_unit_test(test_inverse_column_errors),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_parts_round_trip),
        cmocka_unit_test(test_parts_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
