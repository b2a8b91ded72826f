/* Reasons for calls without a handle that keeps messages (issue 10, item
 * 4): rl_window_make_detail and rl_scaler_fit_detail say which argument or
 * which value is wrong, with the numbers, into a caller buffer (cut to
 * fit, always ended, "" on success); the plain calls give the same status.
 * (The loads' reasons: tests/test_io_files.c.) */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

static void window_reasons(void **state)
{
    (void)state;
    float series[10 * 2], x[200], y[50];
    tu_fill_uniform(series, 20, 3, -1, 1);
    char msg[256];
    memset(msg, 'x', sizeof msg);
    assert_int_equal(rl_window_make_detail(series, 10, 2, 3, 1, 0, x, 200, y, 50, msg, sizeof msg),
                     RL_OK);
    assert_string_equal(msg, "");

    assert_int_equal(rl_window_make_detail(series, 10, 2, 8, 5, 0, x, 200, y, 50, msg, sizeof msg),
                     RL_E_INVALID);
    assert_non_null(strstr(msg, "10 points make no window of time_steps 8 and horizon 5"));
    assert_non_null(strstr(msg, "at least 13 points"));
    assert_int_equal(rl_window_make(series, 10, 2, 8, 5, 0, x, 200, y, 50), RL_E_INVALID);

    /* 7 windows of 3 x 2 floats need 42 */
    assert_int_equal(rl_window_make_detail(series, 10, 2, 3, 1, 0, x, 41, y, 50, msg, sizeof msg),
                     RL_E_SHAPE);
    assert_non_null(strstr(msg, "x holds 41 floats, 7 windows need 42"));
    assert_int_equal(rl_window_make_detail(series, 10, 2, 3, 1, RL_ALL_COLUMNS, x, 48, y, 13, msg,
                                           sizeof msg), RL_E_SHAPE);
    assert_non_null(strstr(msg, "y holds 13 floats, 7 windows need 14"));
    assert_int_equal(rl_window_make_detail(series, 10, 2, 3, 1, 2, x, 48, y, 8, msg, sizeof msg),
                     RL_E_INVALID);
    assert_non_null(strstr(msg, "target_column 2 of a series with 2 features"));
    assert_int_equal(rl_window_make_detail(NULL, 10, 2, 3, 1, 0, x, 48, y, 8, msg, sizeof msg),
                     RL_E_INVALID);
    assert_non_null(strstr(msg, "NULL"));
    /* No buffer, or a small one. */
    assert_int_equal(rl_window_make_detail(series, 10, 2, 3, 1, 2, x, 48, y, 8, NULL, 0),
                     RL_E_INVALID);
    char small[6];
    assert_int_equal(rl_window_make_detail(series, 10, 2, 3, 1, 2, x, 48, y, 8, small, sizeof small),
                     RL_E_INVALID);
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void scaler_fit_reasons(void **state)
{
    (void)state;
    float data[6 * 3];
    tu_fill_uniform(data, 18, 4, -1, 1);
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
    char msg[256];
    assert_int_equal(rl_scaler_fit_detail(s, data, 6, 3, msg, sizeof msg), RL_OK);
    assert_string_equal(msg, "");
    data[4 * 3 + 2] = NAN;
    assert_int_equal(rl_scaler_fit_detail(s, data, 6, 3, msg, sizeof msg), RL_E_NUMERIC);
    assert_non_null(strstr(msg, "row 4, column 2"));
    assert_int_equal(rl_scaler_fit(s, data, 6, 3), RL_E_NUMERIC);
    size_t n = 0;
    assert_int_equal(rl_scaler_feature_count(s, &n), RL_OK);
    assert_int_equal(n, 3);   /* the earlier fit stays */
    assert_int_equal(rl_scaler_fit_detail(s, data, 0, 3, msg, sizeof msg), RL_E_INVALID);
    assert_non_null(strstr(msg, "0 rows x 3 features"));
    rl_scaler_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_reasons),
        cmocka_unit_test(scaler_fit_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
