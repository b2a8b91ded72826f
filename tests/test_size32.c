/* Sizes that overflow a 32-bit size_t (docs/portability.md). Each product
 * of caller or file numbers that sizes memory is checked before anything is
 * read, written or allocated: model shapes at add time, file sections at
 * load, sample and window counts at the data calls.
 *
 * Most of these cases can only happen where size_t has 32 bits: on a 64-bit
 * build the same numbers are valid sizes, and the call would go on to read
 * caller buffers of gigabytes. Those tests are registered only in 32-bit
 * builds (cross/i686.ini; tests/run-all.sh runs one); the rest check the
 * 64-bit outcome of the same call, so both builds run every call. */
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "io_format.h"
#include "rnnlite/rnnlite.h"

#define SIZE_T_IS_32_BITS (SIZE_MAX == UINT32_MAX)

static size_t layer_count(const rl_model *m)
{
    size_t n = 99;
    assert_int_equal(rl_model_layer_count(m, &n), RL_OK);
    return n;
}

/* Dense on every one of 100000 steps with 65536 units: 6.5e9 outputs per
 * sample. A 32-bit build refuses the layer (nothing added); a 64-bit one
 * takes it (nothing is allocated before compile). */
static void test_layer_output_beyond_size_t(void **state)
{
    (void)state;
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 100000, 1), RL_OK);
    rl_status s = rl_model_add_dense(m, 65536, RL_ACT_LINEAR);
    if (SIZE_T_IS_32_BITS) {
        assert_int_equal(s, RL_E_NOMEM);
        assert_int_equal(layer_count(m), 0);
        /* The model is still usable. */
        assert_int_equal(rl_model_add_dense(m, 3, RL_ACT_LINEAR), RL_OK);
        assert_int_equal(layer_count(m), 1);
    } else {
        assert_int_equal(s, RL_OK);
        assert_int_equal(layer_count(m), 1);
    }
    rl_model_destroy(m);
}

/* LSTM(65536) on 65536 features: 4 x 65536 x 131073 = 3.4e10 weights. */
static void test_layer_weights_beyond_size_t(void **state)
{
    (void)state;
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 1, 65536), RL_OK);
    rl_status s = rl_model_add_lstm(m, 65536, RL_ACT_TANH, RL_ACT_SIGMOID, 0);
    assert_int_equal(s, SIZE_T_IS_32_BITS ? RL_E_NOMEM : RL_OK);
    assert_int_equal(layer_count(m), SIZE_T_IS_32_BITS ? 0 : 1);
    if (!SIZE_T_IS_32_BITS) {
        size_t count = 0;
        assert_int_equal(rl_model_weight_count(m, 0, &count), RL_OK);
        assert_true(count == (size_t)4 * 65536 * (65536 + 65536 + 1));
    }
    rl_model_destroy(m);
}

/* A saved LSTM(4) -> Dense(1) whose LSTM is patched to 40000 units (8.3
 * GB of weights with the Dense layer's input left at 4): the file is
 * malformed on any machine. A 32-bit reader must reject it at the LSTM's
 * record, before any size it computes wraps, with RL_E_FORMAT (not a crash
 * and not RL_E_NOMEM); a 64-bit reader at the Dense layer's input. */
static void test_file_layer_beyond_address_space(void **state)
{
    (void)state;
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 5, 2), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    void *buf = NULL;
    size_t size = 0;
    assert_int_equal(rl_model_save_buffer(m, &buf, &size), RL_OK);
    rl_model_destroy(m);

    unsigned char *b = buf;
    size_t at = RL__FORMAT_HEADER, units_at = 0;
    while (at + 16 <= size - RL__FORMAT_TRAILER) {
        uint64_t len = tu_get_le(b + at + 8, 8);
        if (tu_get_le(b + at, 4) == RL__TAG_ARCH) {
            units_at = at + 16 + 24 + 24;   /* body: shape (24), layer 0: 4 x u32, in, units */
            break;
        }
        at += 16 + (size_t)len;
    }
    assert_true(units_at > 0);
    assert_int_equal(tu_get_le(b + units_at, 8), 4);
    tu_put_le(b + units_at, 40000, 8);
    tu_put_le(b + size - 4, rl__crc32(0, b, size - 4), 4);

    char why[256];
    m = (rl_model *)&m;
    assert_int_equal(rl_model_load_buffer_detail(&m, b, size, why, sizeof why), RL_E_FORMAT);
    assert_null(m);
    assert_non_null(strstr(why, "ARCH"));
    if (SIZE_T_IS_32_BITS)
        assert_non_null(strstr(why, "layer 0"));
    else
        assert_non_null(strstr(why, "layer 1"));
    rl_free(buf);
}

/* ---- 32-bit only: the 64-bit equivalents would need gigabyte buffers ---- */

/* 2^22 + 1 samples of one float each, 1024 outputs per sample: the input
 * (16 MB) fits, n x outputs does not. rl_predict must say so before it
 * compares y_len (a wrapped product would pass that check) or writes y. */
static void test_predict_outputs_beyond_size_t(void **state)
{
    (void)state;
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 1, 1), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1024, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    const size_t n = ((size_t)1 << 22) + 1;   /* n x 1024 = 2^32 + 1024: wraps to 1024 */
    float *x = calloc(n, sizeof(float));
    assert_non_null(x);
    float y[1024 + 1];
    y[1024] = 12345.0f;
    assert_int_equal(rl_predict(m, x, n, y, 1024), RL_E_NOMEM);
    assert_true(y[1024] == 12345.0f);
    assert_non_null(strstr(rl_model_last_error(m), "overflow"));
    assert_int_equal(rl_fit(m, x, y, n, 1, 1), RL_E_NOMEM);
    free(x);
    rl_model_destroy(m);
}

/* A series of 2^28 points x 4 features (4 GiB): no caller can hold it in
 * 32 bits, so the call is refused before the series is read. */
static void test_window_series_beyond_size_t(void **state)
{
    (void)state;
    float series[4] = { 0 }, x[4], y[4];
    assert_int_equal(rl_window_make(series, (size_t)1 << 30, 4, 2, 1, 0, x, 4, y, 4),
                     RL_E_INVALID);
    size_t count = 0;
    /* Counting needs no product: 2^30 points give 2^30 - 2 windows of 2 + 1. */
    assert_int_equal(rl_window_count((size_t)1 << 30, 2, 1, &count), RL_OK);
    assert_true(count == ((size_t)1 << 30) - 2);
}

/* 2^26 windows of 64 steps: the windows' floats (2^32) wrap. */
static void test_window_output_beyond_size_t(void **state)
{
    (void)state;
    float series[4] = { 0 }, x[4], y[4];
    assert_int_equal(rl_window_make(series, ((size_t)1 << 26) + 64, 1, 64, 1, 0, x, 4, y, 4),
                     RL_E_SHAPE);
}

/* Scaler statistics over rows x features that wrap. */
static void test_scaler_rows_beyond_size_t(void **state)
{
    (void)state;
    rl_scaler *sc = NULL;
    assert_int_equal(rl_scaler_create_standard(&sc), RL_OK);
    float data[8] = { 0 };
    assert_int_equal(rl_scaler_fit(sc, data, (size_t)1 << 30, 8), RL_E_NOMEM);
    rl_scaler_destroy(sc);
}

int main(void)
{
    struct CMUnitTest tests[8];
    size_t n = 0;
#define ADD(t) tests[n++] = (struct CMUnitTest)cmocka_unit_test(t)
    ADD(test_layer_output_beyond_size_t);
    ADD(test_layer_weights_beyond_size_t);
    ADD(test_file_layer_beyond_address_space);
    if (SIZE_T_IS_32_BITS) {
        ADD(test_predict_outputs_beyond_size_t);
        ADD(test_window_series_beyond_size_t);
        ADD(test_window_output_beyond_size_t);
        ADD(test_scaler_rows_beyond_size_t);
    }
#undef ADD
    return _cmocka_run_group_tests("size32", tests, n, NULL, NULL);
}
