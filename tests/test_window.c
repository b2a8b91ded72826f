/* Windowing against hand-written cases and against the Keras tutorial's
 * create_dataset (x = data[i:i+ts], y = data[i+ts]) written out as a loop;
 * every documented status, and buffers left untouched on failure. */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

static void test_count(void **state)
{
    (void)state;
    size_t c = 99;
    assert_int_equal(rl_window_count(1000, 10, 1, &c), RL_OK);
    assert_int_equal(c, 990);
    assert_int_equal(rl_window_count(11, 10, 1, &c), RL_OK);
    assert_int_equal(c, 1);
    assert_int_equal(rl_window_count(10, 10, 1, &c), RL_OK);
    assert_int_equal(c, 0);
    assert_int_equal(rl_window_count(20, 5, 4, &c), RL_OK);
    assert_int_equal(c, 12);
    assert_int_equal(rl_window_count(0, 1, 1, &c), RL_OK);
    assert_int_equal(c, 0);
    /* time_steps + horizon overflows size_t: still "too short", not a wrap. */
    assert_int_equal(rl_window_count(5, SIZE_MAX, 1, &c), RL_OK);
    assert_int_equal(c, 0);
    assert_int_equal(rl_window_count(SIZE_MAX, 2, SIZE_MAX, &c), RL_OK);
    assert_int_equal(c, 0);
    assert_int_equal(rl_window_count(SIZE_MAX, 1, 1, &c), RL_OK);
    assert_int_equal(c, SIZE_MAX - 1);
}

static void test_count_errors(void **state)
{
    (void)state;
    size_t c = 99;
    assert_int_equal(rl_window_count(10, 2, 1, NULL), RL_E_INVALID);
    assert_int_equal(rl_window_count(10, 0, 1, &c), RL_E_INVALID);
    assert_int_equal(rl_window_count(10, 2, 0, &c), RL_E_INVALID);
    assert_int_equal(c, 99);
}

/* By hand: [10..14], 2 steps, next point. */
static void test_hand_example(void **state)
{
    (void)state;
    const float s[5] = {10, 11, 12, 13, 14};
    float x[6], y[3];
    assert_int_equal(rl_window_make(s, 5, 1, 2, 1, 0, x, 6, y, 3), RL_OK);
    const float want_x[6] = {10, 11, 11, 12, 12, 13}, want_y[3] = {12, 13, 14};
    assert_memory_equal(x, want_x, sizeof x);
    assert_memory_equal(y, want_y, sizeof y);
    /* RL_ALL_COLUMNS on one feature is the same. */
    memset(y, 0, sizeof y);
    assert_int_equal(rl_window_make(s, 5, 1, 2, 1, RL_ALL_COLUMNS, x, 6, y, 3), RL_OK);
    assert_memory_equal(y, want_y, sizeof y);
}

/* Horizon 3 on [0..5] with 2 steps: y is the point 3 after the window's end. */
static void test_horizon(void **state)
{
    (void)state;
    const float s[6] = {0, 1, 2, 3, 4, 5};
    float x[4], y[2];
    assert_int_equal(rl_window_make(s, 6, 1, 2, 3, 0, x, 4, y, 2), RL_OK);
    const float want_x[4] = {0, 1, 1, 2}, want_y[2] = {4, 5};
    assert_memory_equal(x, want_x, sizeof x);
    assert_memory_equal(y, want_y, sizeof y);
}

/* The seed tutorial's shapes: 1000 points, 10 steps -> 990 windows. */
static void test_tutorial_create_dataset(void **state)
{
    (void)state;
    enum { N = 1000, TS = 10, W = N - TS };
    static float s[N], x[W * TS], y[W];
    tu_fill_uniform(s, N, 3, -1, 1);
    size_t c = 0;
    assert_int_equal(rl_window_count(N, TS, 1, &c), RL_OK);
    assert_int_equal(c, W);
    assert_int_equal(rl_window_make(s, N, 1, TS, 1, 0, x, W * TS, y, W), RL_OK);
    /* for i in range(len(data) - time_step): X.append(data[i:i+ts]); y.append(data[i+ts]) */
    for (size_t i = 0; i < N - TS; i++) {
        for (size_t t = 0; t < TS; t++)
            assert_true(x[i * TS + t] == s[i + t]);
        assert_true(y[i] == s[i + TS]);
    }
}

/* Two features: point t is (t, 100 + t). */
static void test_multi_feature(void **state)
{
    (void)state;
    enum { N = 6, F = 2, TS = 2, W = 3 };   /* horizon 2: 6 - 2 - 2 + 1 */
    float s[N * F];
    for (int t = 0; t < N; t++) {
        s[t * F] = (float)t;
        s[t * F + 1] = 100.0f + (float)t;
    }
    float x[W * TS * F], y[W * F];
    assert_int_equal(rl_window_make(s, N, F, TS, 2, 1, x, sizeof x / sizeof *x, y, W), RL_OK);
    const float want_x[W * TS * F] = {0, 100, 1, 101, 1, 101, 2, 102, 2, 102, 3, 103};
    assert_memory_equal(x, want_x, sizeof x);
    const float want_y1[W] = {103, 104, 105};
    assert_memory_equal(y, want_y1, sizeof want_y1);

    assert_int_equal(rl_window_make(s, N, F, TS, 2, 0, x, sizeof x / sizeof *x, y, W), RL_OK);
    const float want_y0[W] = {3, 4, 5};
    assert_memory_equal(y, want_y0, sizeof want_y0);

    assert_int_equal(rl_window_make(s, N, F, TS, 2, RL_ALL_COLUMNS, x, sizeof x / sizeof *x, y,
                                    W * F),
                     RL_OK);
    const float want_all[W * F] = {3, 103, 4, 104, 5, 105};
    assert_memory_equal(y, want_all, sizeof want_all);
}

/* Buffers larger than needed are fine and only their start is written. */
static void test_large_buffers(void **state)
{
    (void)state;
    const float s[4] = {1, 2, 3, 4};
    float x[10], y[10];
    for (int i = 0; i < 10; i++)
        x[i] = y[i] = -7;
    assert_int_equal(rl_window_make(s, 4, 1, 3, 1, 0, x, 10, y, 10), RL_OK);
    const float want_x[10] = {1, 2, 3, -7, -7, -7, -7, -7, -7, -7};
    const float want_y[10] = {4, -7, -7, -7, -7, -7, -7, -7, -7, -7};
    assert_memory_equal(x, want_x, sizeof x);
    assert_memory_equal(y, want_y, sizeof y);
}

static void test_make_errors(void **state)
{
    (void)state;
    enum { N = 6, F = 2, TS = 3, W = 3 };   /* horizon 1: 6 - 3 - 1 + 1 */
    float s[N * F] = {0};
    float x[W * TS * F + 1], y[W * F + 1];
    memset(x, 0x5a, sizeof x);
    memset(y, 0x5a, sizeof y);
    float x0[sizeof x / sizeof *x], y0[sizeof y / sizeof *y];
    memcpy(x0, x, sizeof x);
    memcpy(y0, y, sizeof y);
    const size_t xl = W * TS * F, yl = W;

    assert_int_equal(rl_window_make(NULL, N, F, TS, 1, 0, x, xl, y, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, N, F, TS, 1, 0, NULL, xl, y, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, N, F, TS, 1, 0, x, xl, NULL, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, 0, F, TS, 1, 0, x, xl, y, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, N, 0, TS, 1, 0, x, xl, y, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, N, F, 0, 1, 0, x, xl, y, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, N, F, TS, 0, 0, x, xl, y, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, N, F, TS, 1, F, x, xl, y, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, N, F, TS, 1, RL_ALL_COLUMNS - 1, x, xl, y, yl),
                     RL_E_INVALID);
    /* Too short for one window: 3 steps + horizon 4 > 6 points. */
    assert_int_equal(rl_window_make(s, N, F, TS, 4, 0, x, xl, y, yl), RL_E_INVALID);
    assert_int_equal(rl_window_make(s, N, F, N, 1, 0, x, xl, y, yl), RL_E_INVALID);
    /* n_points * n_features overflows: no such series. */
    assert_int_equal(rl_window_make(s, SIZE_MAX / 2, 3, TS, 1, 0, x, xl, y, yl), RL_E_INVALID);

    /* Buffers one float short. */
    assert_int_equal(rl_window_make(s, N, F, TS, 1, 0, x, xl - 1, y, yl), RL_E_SHAPE);
    assert_int_equal(rl_window_make(s, N, F, TS, 1, 0, x, xl, y, yl - 1), RL_E_SHAPE);
    assert_int_equal(rl_window_make(s, N, F, TS, 1, RL_ALL_COLUMNS, x, xl, y, W * F - 1),
                     RL_E_SHAPE);
    /* The x size count * time_steps overflows: larger than any buffer. */
    assert_int_equal(rl_window_make(s, SIZE_MAX / 4, 1, SIZE_MAX / 8, 1, 0, x, SIZE_MAX, y,
                                    SIZE_MAX),
                     RL_E_SHAPE);

    assert_memory_equal(x, x0, sizeof x);
    assert_memory_equal(y, y0, sizeof y);

    /* Exact sizes succeed. */
    assert_int_equal(rl_window_make(s, N, F, TS, 1, 0, x, xl, y, yl), RL_OK);
    assert_int_equal(rl_window_make(s, N, F, TS, 1, RL_ALL_COLUMNS, x, xl, y, W * F), RL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_count_errors),
        cmocka_unit_test(test_hand_example),
        cmocka_unit_test(test_horizon),
        cmocka_unit_test(test_tutorial_create_dataset),
        cmocka_unit_test(test_multi_feature),
        cmocka_unit_test(test_large_buffers),
        cmocka_unit_test(test_make_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
