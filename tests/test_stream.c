/* Streams against rl_predict, bit for bit.
 *
 * Window mode: after every push, the stream's output equals rl_predict on
 * the window of the last time_steps observations (one sample, and the same
 * window inside a batch of many). Stateful mode: a stateful model's
 * rl_predict over consecutive windows, one call per window, equals the
 * stream at every window's end. Both on every layer kind, stacked with
 * return_sequences inside, multivariate, sequence outputs, with a scaler.
 * Then clone (independent branches), save/load (continues identically;
 * refused against another model; every truncation and byte flip refused),
 * forecast (equals rl_forecast; leaves the stream as it was), bad input
 * (status, message, stream unchanged), several threads on one model (same
 * numbers, model bytes untouched). */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "rnnlite/rnnlite.h"

typedef enum arch {
    A_RNN, A_LSTM, A_GRU, A_DENSE_SEQ, A_STACK, A_SEQ_OUT, A_MULTI_OUT, A_GRU_RESET_BEFORE,
    A_COUNT
} arch;

static const char *const arch_names[A_COUNT] = {
    "simple_rnn", "lstm", "gru", "dense_then_gru", "stack", "sequence_output", "multi_output",
    "gru_reset_before",
};

typedef struct shape {
    size_t T, F;
} shape;

static rl_model *build(arch a, size_t T, size_t F, int stateful, uint64_t seed)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, (double)seed), RL_OK);
    switch (a) {
    case A_RNN:
        assert_int_equal(rl_model_add_simple_rnn(m, 7, RL_ACT_TANH, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, F, RL_ACT_LINEAR), RL_OK);
        break;
    case A_LSTM:
        assert_int_equal(rl_model_add_lstm(m, 9, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, F, RL_ACT_LINEAR), RL_OK);
        break;
    case A_GRU:
        assert_int_equal(rl_model_add_gru(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, F, RL_ACT_LINEAR), RL_OK);
        break;
    case A_DENSE_SEQ:
        assert_int_equal(rl_model_add_dense(m, 5, RL_ACT_RELU), RL_OK);
        assert_int_equal(rl_model_add_gru(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, F, RL_ACT_LINEAR), RL_OK);
        break;
    case A_STACK:
        assert_int_equal(rl_model_add_lstm(m, 8, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
        assert_int_equal(rl_model_add_gru(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
        assert_int_equal(rl_model_add_simple_rnn(m, 5, RL_ACT_RELU, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 4, RL_ACT_TANH), RL_OK);
        assert_int_equal(rl_model_add_dense(m, F, RL_ACT_LINEAR), RL_OK);
        break;
    case A_SEQ_OUT:
        assert_int_equal(rl_model_add_lstm(m, 5, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);
        break;
    case A_GRU_RESET_BEFORE:   /* TensorFlow.js' GRU and default gates */
        assert_int_equal(rl_model_add_gru_reset_before(m, 6, RL_ACT_TANH, RL_ACT_HARD_SIGMOID, 1),
                         RL_OK);
        assert_int_equal(rl_model_add_gru_reset_before(m, 5, RL_ACT_TANH, RL_ACT_HARD_SIGMOID, 0),
                         RL_OK);
        assert_int_equal(rl_model_add_dense(m, F, RL_ACT_LINEAR), RL_OK);
        break;
    default:   /* two future rows of every column: a direct model */
        assert_int_equal(rl_model_add_lstm(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 2 * F, RL_ACT_LINEAR), RL_OK);
        break;
    }
    if (stateful)
        assert_int_equal(rl_model_set_param(m, RL_PARAM_STATEFUL, 1), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    /* Larger weights than the initialisers', so every unit matters. */
    size_t n_layers;
    assert_int_equal(rl_model_layer_count(m, &n_layers), RL_OK);
    for (size_t i = 0; i < n_layers; i++) {
        size_t n;
        assert_int_equal(rl_model_weight_count(m, i, &n), RL_OK);
        float *w = malloc(n * sizeof *w);
        tu_fill_uniform(w, n, seed * 31 + i, -0.8f, 0.8f);
        assert_int_equal(rl_model_set_weights(m, i, w, n), RL_OK);
        free(w);
    }
    return m;
}

static size_t out_len(const rl_model *m)
{
    size_t steps, units;
    assert_int_equal(rl_model_output_shape(m, &steps, &units), RL_OK);
    return steps * units;
}

static void expect_same_bits(const float *got, const float *want, size_t n, const char *what,
                             size_t at)
{
    if (memcmp(got, want, n * sizeof(float)) != 0) {
        for (size_t i = 0; i < n; i++)
            if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
                print_error("%s, push %zu, output %zu: %.9g, want %.9g\n", what, at, i,
                            (double)got[i], (double)want[i]);
        fail();
    }
}

static const shape shapes[] = { { 1, 1 }, { 5, 1 }, { 4, 3 }, { 9, 2 } };

/* ---- window mode ----------------------------------------------------------- */

static void check_window(arch a, shape sh, int with_scaler)
{
    const size_t N = sh.T + 12, F = sh.F, T = sh.T;
    rl_model *m = build(a, T, F, 0, 11 + (uint64_t)a);
    float *series = malloc(N * F * sizeof *series);
    tu_fill_uniform(series, N * F, 5 + (uint64_t)a, -3, 5);
    rl_scaler *sc = NULL;
    if (with_scaler) {
        assert_int_equal(rl_scaler_create_minmax(&sc, -1, 1), RL_OK);
        assert_int_equal(rl_scaler_fit(sc, series, N, F), RL_OK);
        assert_int_equal(rl_model_set_scaler(m, sc), RL_OK);
    }
    size_t n_out = out_len(m), n_win = N - T + 1;
    /* Every window, scaled as the stream scales, in one batch and one by one. */
    float *x = malloc(n_win * T * F * sizeof *x), *y_batch = malloc(n_win * n_out * sizeof(float));
    float *y_one = malloc(n_out * sizeof(float)), *pred = malloc(n_out * sizeof(float));
    for (size_t w = 0; w < n_win; w++) {
        if (sc)
            assert_int_equal(rl_scaler_transform(sc, series + w * F, x + w * T * F, T, F), RL_OK);
        else
            memcpy(x + w * T * F, series + w * F, T * F * sizeof(float));
    }
    assert_int_equal(rl_predict(m, x, n_win, y_batch, n_win * n_out), RL_OK);

    rl_stream *s = NULL;
    assert_int_equal(rl_stream_create(&s, m, RL_STREAM_WINDOW), RL_OK);
    char what[128];
    snprintf(what, sizeof what, "window %s T=%zu F=%zu scaler=%d", arch_names[a], T, F, with_scaler);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(rl_stream_push(s, series + i * F, F, pred, n_out), RL_OK);
        if (i + 1 < T) {
            for (size_t k = 0; k < n_out; k++)
                assert_true(isnan(pred[k]));
            continue;
        }
        size_t w = i + 1 - T;
        assert_int_equal(rl_predict(m, x + w * T * F, 1, y_one, n_out), RL_OK);
        if (sc)
            for (size_t k = 0; k < n_out; k++)
                assert_int_equal(rl_scaler_inverse_transform_column(sc, k % F, y_one + k,
                                                                    y_one + k, 1), RL_OK);
        expect_same_bits(pred, y_one, n_out, what, i);
        if (!sc)
            expect_same_bits(pred, y_batch + w * n_out, n_out, what, i);
    }
    rl_stream_destroy(s);
    rl_scaler_destroy(sc);
    rl_model_destroy(m);
    free(series), free(x), free(y_batch), free(y_one), free(pred);
}

static void test_window_equals_predict(void **state)
{
    (void)state;
    for (int a = 0; a < A_COUNT; a++)
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
            check_window((arch)a, shapes[k], 0);
            if (a != A_SEQ_OUT)
                check_window((arch)a, shapes[k], 1);
        }
}

/* ---- stateful mode --------------------------------------------------------- */

static void check_stateful(arch a, shape sh)
{
    const size_t T = sh.T, F = sh.F, K = 6, N = K * T;
    rl_model *m = build(a, T, F, 1, 21 + (uint64_t)a);
    float *series = malloc(N * F * sizeof *series);
    tu_fill_uniform(series, N * F, 9 + (uint64_t)a, -2, 2);
    size_t n_out = out_len(m);
    float *y = malloc(n_out * sizeof(float)), *pred = malloc(n_out * sizeof(float));
    rl_stream *s = NULL;
    assert_int_equal(rl_stream_create(&s, m, RL_STREAM_STATEFUL), RL_OK);
    char what[128];
    snprintf(what, sizeof what, "stateful %s T=%zu F=%zu", arch_names[a], T, F);
    assert_int_equal(rl_model_reset_states(m), RL_OK);
    for (size_t k = 0; k < K; k++) {
        for (size_t t = 0; t < T; t++)
            assert_int_equal(rl_stream_push(s, series + (k * T + t) * F, F, pred, n_out), RL_OK);
        /* The model carries its own state from window to window. */
        assert_int_equal(rl_predict(m, series + k * T * F, 1, y, n_out), RL_OK);
        expect_same_bits(pred, y, n_out, what, (k + 1) * T);
    }
    /* The stream did not depend on the model's state: a fresh model predicting
     * the first window (zero state) still agrees with a fresh stream. */
    assert_int_equal(rl_model_reset_states(m), RL_OK);
    assert_int_equal(rl_stream_reset(s), RL_OK);
    for (size_t t = 0; t < T; t++)
        assert_int_equal(rl_stream_push(s, series + t * F, F, pred, n_out), RL_OK);
    assert_int_equal(rl_predict(m, series, 1, y, n_out), RL_OK);
    expect_same_bits(pred, y, n_out, what, T);
    rl_stream_destroy(s);
    rl_model_destroy(m);
    free(series), free(y), free(pred);
}

static void test_stateful_equals_stateful_predict(void **state)
{
    (void)state;
    for (int a = 0; a < A_COUNT; a++)
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
            check_stateful((arch)a, shapes[k]);
}

/* A stateful predict over rows that are not the state's rows starts from zero. */
static void test_stateful_predict_rows(void **state)
{
    (void)state;
    const size_t T = 4, F = 2;
    rl_model *m = build(A_LSTM, T, F, 1, 3), *plain = build(A_LSTM, T, F, 0, 3);
    float x[3 * T * F], y[3 * F], want[3 * F];
    tu_fill_uniform(x, sizeof x / sizeof x[0], 4, -1, 1);
    assert_int_equal(rl_predict(plain, x, 3, want, 3 * F), RL_OK);
    assert_int_equal(rl_predict(m, x, 1, y, 3 * F), RL_OK);   /* state of one row */
    assert_int_equal(rl_predict(m, x, 3, y, 3 * F), RL_OK);   /* three rows: from zero */
    expect_same_bits(y, want, 3 * F, "stateful predict of new rows", 0);
    assert_int_equal(rl_predict(m, x, 3, y, 3 * F), RL_OK);   /* same rows: carried */
    assert_true(memcmp(y, want, sizeof y) != 0);
    assert_int_equal(rl_model_reset_states(m), RL_OK);
    assert_int_equal(rl_predict(m, x, 3, y, 3 * F), RL_OK);
    expect_same_bits(y, want, 3 * F, "after rl_model_reset_states", 0);
    rl_model_destroy(m);
    rl_model_destroy(plain);
}

/* Keras refuses a stateful fit whose samples are not whole batches. */
static void test_stateful_fit_needs_whole_batches(void **state)
{
    (void)state;
    const size_t T = 3, F = 1, N = 10;
    rl_model *m = build(A_GRU, T, F, 1, 8);
    float x[N * T * F], y[N * F], before[200], after[200];
    tu_fill_uniform(x, N * T * F, 1, -1, 1);
    tu_fill_uniform(y, N * F, 2, -1, 1);
    size_t n;
    assert_int_equal(rl_model_weight_count(m, 0, &n), RL_OK);
    assert_true(n <= 200);
    assert_int_equal(rl_model_get_weights(m, 0, before, n), RL_OK);
    assert_int_equal(rl_fit(m, x, y, N, 1, 4), RL_E_INVALID);
    assert_non_null(strstr(rl_model_last_error(m), "multiple of batch_size"));
    assert_int_equal(rl_model_get_weights(m, 0, after, n), RL_OK);
    assert_memory_equal(before, after, n * sizeof(float));
    assert_int_equal(rl_fit(m, x, y, N, 2, 5), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.2), RL_OK);
    assert_int_equal(rl_fit(m, x, y, N, 2, 3), RL_E_INVALID);   /* 8 and 2 samples */
    assert_int_equal(rl_fit(m, x, y, N, 2, 2), RL_OK);
    rl_model_destroy(m);
}

/* ---- clone, save, load ------------------------------------------------------- */

typedef struct run {
    rl_model *m;
    float *series;
    size_t F, n_out, N;
} run;

static run make_run(arch a, size_t T, size_t F, int stateful)
{
    run r = { build(a, T, F, stateful, 40 + (uint64_t)a), NULL, F, 0, 3 * T + 10 };
    r.n_out = out_len(r.m);
    r.series = malloc(r.N * F * sizeof(float));
    tu_fill_uniform(r.series, r.N * F, 77, -1, 1);
    return r;
}

static void free_run(run *r)
{
    rl_model_destroy(r->m);
    free(r->series);
}

/* Pushes rows [from, to) and records the outputs in out (NULL: discard). */
static void feed(rl_stream *s, const run *r, size_t from, size_t to, float *out)
{
    float pred[64];
    assert_true(r->n_out <= 64);
    for (size_t i = from; i < to; i++) {
        assert_int_equal(rl_stream_push(s, r->series + i * r->F, r->F, pred, r->n_out), RL_OK);
        if (out)
            memcpy(out + (i - from) * r->n_out, pred, r->n_out * sizeof(float));
    }
}

static void test_clone_save_load_continue(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++)
        for (int a = 0; a < A_COUNT; a++) {
            run r = make_run((arch)a, 4, 2, mode);
            size_t cut = 6, rest = r.N - cut;
            float *want = malloc(rest * r.n_out * sizeof(float));
            float *got = malloc(rest * r.n_out * sizeof(float));
            rl_stream *s = NULL, *c = NULL, *l = NULL;
            assert_int_equal(rl_stream_create(&s, r.m, (rl_stream_mode)mode), RL_OK);
            feed(s, &r, 0, cut, NULL);
            void *buf = NULL;
            size_t size = 0;
            assert_int_equal(rl_stream_save_buffer(s, &buf, &size), RL_OK);
            assert_int_equal(rl_stream_clone(s, &c), RL_OK);
            feed(s, &r, cut, r.N, want);   /* the uninterrupted stream */

            /* The clone was not moved by the original's pushes. */
            feed(c, &r, cut, r.N, got);
            expect_same_bits(got, want, rest * r.n_out, "clone continues", cut);

            /* Nor is the original moved by the clone's (what-if) pushes. */
            rl_stream *c2 = NULL;
            assert_int_equal(rl_stream_clone(c, &c2), RL_OK);
            feed(c2, &r, 0, 5, NULL);
            feed(c, &r, 0, 3, got);
            rl_stream *ref = NULL;
            assert_int_equal(rl_stream_create(&ref, r.m, (rl_stream_mode)mode), RL_OK);
            feed(ref, &r, 0, cut, NULL);
            feed(ref, &r, cut, r.N, NULL);
            feed(ref, &r, 0, 3, want);
            expect_same_bits(got, want, 3 * r.n_out, "clone independent", 0);

            /* Save, destroy, load: continues as the uninterrupted stream. */
            assert_int_equal(rl_stream_load_buffer(&l, r.m, buf, size), RL_OK);
            size_t seen = 0;
            assert_int_equal(rl_stream_seen(l, &seen), RL_OK);
            assert_int_equal(seen, cut);
            feed(l, &r, cut, r.N, got);
            rl_stream_destroy(s);
            assert_int_equal(rl_stream_create(&s, r.m, (rl_stream_mode)mode), RL_OK);
            feed(s, &r, 0, cut, NULL);
            feed(s, &r, cut, r.N, want);
            expect_same_bits(got, want, rest * r.n_out, "reloaded stream continues", cut);

            rl_free(buf);
            rl_stream_destroy(s);
            rl_stream_destroy(c);
            rl_stream_destroy(c2);
            rl_stream_destroy(l);
            rl_stream_destroy(ref);
            free(want), free(got);
            free_run(&r);
        }
}

static void test_load_refuses_other_model_and_damage(void **state)
{
    (void)state;
    run r = make_run(A_LSTM, 4, 2, 0);
    rl_stream *s = NULL, *l = (rl_stream *)&r;   /* must be set to NULL on failure */
    assert_int_equal(rl_stream_create(&s, r.m, RL_STREAM_WINDOW), RL_OK);
    feed(s, &r, 0, 7, NULL);
    void *buf = NULL;
    size_t size = 0;
    assert_int_equal(rl_stream_save_buffer(s, &buf, &size), RL_OK);

    /* Another model: other weights; same weights but a scaler; other shape. */
    rl_model *other = build(A_LSTM, 4, 2, 0, 999);
    assert_int_equal(rl_stream_load_buffer(&l, other, buf, size), RL_E_FORMAT);
    assert_null(l);
    assert_non_null(strstr(rl_model_last_error(other), "another model"));
    rl_model_destroy(other);
    rl_model *scaled = build(A_LSTM, 4, 2, 0, 40 + A_LSTM);
    assert_int_equal(rl_stream_load_buffer(&l, scaled, buf, size), RL_OK);   /* the same model */
    rl_stream_destroy(l);
    rl_scaler *sc = NULL;
    assert_int_equal(rl_scaler_create_standard(&sc), RL_OK);
    assert_int_equal(rl_scaler_fit(sc, r.series, r.N, 2), RL_OK);
    assert_int_equal(rl_model_set_scaler(scaled, sc), RL_OK);
    assert_int_equal(rl_stream_load_buffer(&l, scaled, buf, size), RL_E_FORMAT);
    rl_scaler_destroy(sc);
    rl_model_destroy(scaled);
    rl_model *wide = build(A_GRU, 4, 3, 0, 1);
    assert_int_equal(rl_stream_load_buffer(&l, wide, buf, size), RL_E_FORMAT);
    rl_model_destroy(wide);

    /* Every truncation, every single-byte change. */
    unsigned char *b = buf;
    for (size_t n = 0; n < size; n++) {
        rl_status st = rl_stream_load_buffer(&l, r.m, b, n);
        assert_int_equal(st, n == 0 ? RL_E_INVALID : RL_E_FORMAT);
        assert_null(l);
        assert_true(rl_model_last_error(r.m)[0] != '\0');
    }
    for (size_t i = 0; i < size; i++) {
        b[i] ^= 0x5a;
        assert_int_equal(rl_stream_load_buffer(&l, r.m, b, size), RL_E_FORMAT);
        assert_null(l);
        b[i] ^= 0x5a;
    }
    assert_int_equal(rl_stream_load_buffer(&l, r.m, b, size), RL_OK);
    rl_stream_destroy(l);
    rl_free(buf);
    rl_stream_destroy(s);
    free_run(&r);
}

/* A buffer may carry any count up to the cap push stops at (2^63). From one
 * short of it: the push that reaches the cap works and the stream it leaves
 * saves and loads again; the next push is refused (stream unchanged), and
 * reset starts counting anew. One past the cap does not load. The fuzzer
 * found the first: push went past the cap load allowed. */
enum { SEEN_AT = 8 + 4 + 4 + 8 + 6 * 8, HEAD_AT = SEEN_AT + 8 };

static void set_seen(unsigned char *b, size_t size, uint64_t seen)
{
    tu_put_le(b + SEEN_AT, seen, 8);
    tu_put_le(b + size - 4, rl__crc32(0, b, size - 4), 4);
}

static void test_count_cap_round_trips(void **state)
{
    (void)state;
    run r = make_run(A_LSTM, 4, 2, 0);
    size_t n_out = out_len(r.m);
    rl_stream *s = NULL, *l = NULL;
    assert_int_equal(rl_stream_create(&s, r.m, RL_STREAM_WINDOW), RL_OK);
    feed(s, &r, 0, 7, NULL);
    unsigned char *b = NULL;
    size_t size = 0;
    assert_int_equal(rl_stream_save_buffer(s, (void **)&b, &size), RL_OK);
    const uint64_t cap = UINT64_C(1) << 63, seen = tu_get_le(b + SEEN_AT, 8);
    const uint64_t rows = tu_get_le(b + 8 + 4 + 4 + 8 + 3 * 8, 8), head = tu_get_le(b + HEAD_AT, 8);
    assert_int_equal(seen % rows, head);
    /* The largest count below the cap whose ring row is the saved head,
     * then its successor (which the next push reaches). */
    uint64_t near = cap - 1 - ((cap - 1) % rows + rows - head) % rows;
    assert_true(near < cap && near % rows == head && cap - near <= rows);
    set_seen(b, size, near);
    assert_int_equal(rl_stream_load_buffer(&l, r.m, b, size), RL_OK);

    /* Push until the cap, comparing each output with a stream at count 7 */
    float *want = malloc(n_out * sizeof(float)), *got = malloc(n_out * sizeof(float));
    size_t i = 7;
    for (uint64_t c = near; c < cap; c++, i++) {
        assert_int_equal(rl_stream_push(l, r.series + i * 2, 2, got, n_out), RL_OK);
        assert_int_equal(rl_stream_push(s, r.series + i * 2, 2, want, n_out), RL_OK);
        expect_same_bits(got, want, n_out, "pushed near the count cap", i);
    }
    size_t count = 0;
    assert_int_equal(rl_stream_seen(l, &count), RL_OK);
    assert_true((uint64_t)count == cap || sizeof(size_t) < 8);

    /* At the cap: saves, loads, and refuses one more push. */
    void *again = NULL;
    size_t again_size = 0;
    assert_int_equal(rl_stream_save_buffer(l, &again, &again_size), RL_OK);
    rl_stream *reloaded = NULL;
    assert_int_equal(rl_stream_load_buffer(&reloaded, r.m, again, again_size), RL_OK);
    assert_int_equal(rl_stream_push(reloaded, r.series + i * 2, 2, got, n_out), RL_E_STATE);
    assert_non_null(strstr(rl_stream_last_error(reloaded), "rl_stream_reset"));
    void *after = NULL;
    size_t after_size = 0;
    assert_int_equal(rl_stream_save_buffer(reloaded, &after, &after_size), RL_OK);
    assert_int_equal(after_size, again_size);
    assert_memory_equal(after, again, again_size);   /* the refused push changed nothing */
    assert_int_equal(rl_stream_reset(reloaded), RL_OK);
    assert_int_equal(rl_stream_push(reloaded, r.series, 2, got, n_out), RL_OK);

    /* One past the cap is corrupt. */
    rl_stream_destroy(l);
    l = NULL;
    unsigned char *past = again;
    set_seen(past, again_size, cap + rows);
    assert_int_equal(rl_stream_load_buffer(&l, r.m, past, again_size), RL_E_FORMAT);
    assert_null(l);

    rl_free(after);
    rl_free(again);
    rl_stream_destroy(reloaded);
    free(want);
    free(got);
    rl_free(b);
    rl_stream_destroy(s);
    free_run(&r);
}

/* ---- forecast ------------------------------------------------------------------ */

static void test_forecast_equals_rl_forecast(void **state)
{
    (void)state;
    const size_t T = 5, F = 2, H = 7;
    for (int a = A_RNN; a <= A_MULTI_OUT; a++) {
        if (a == A_SEQ_OUT)
            continue;
        run r = make_run((arch)a, T, F, 0);
        rl_scaler *sc = NULL;
        assert_int_equal(rl_scaler_create_minmax(&sc, 0, 1), RL_OK);
        assert_int_equal(rl_scaler_fit(sc, r.series, r.N, F), RL_OK);
        assert_int_equal(rl_model_set_scaler(r.m, sc), RL_OK);
        rl_stream *s = NULL, *twin = NULL;
        assert_int_equal(rl_stream_create(&s, r.m, RL_STREAM_WINDOW), RL_OK);
        float out[H * F], want[H * F], p1[64], p2[64];
        assert_int_equal(rl_stream_forecast(s, NULL, 0, H, out, H * F), RL_E_STATE);
        feed(s, &r, 0, 12, NULL);
        assert_int_equal(rl_stream_clone(s, &twin), RL_OK);
        assert_int_equal(rl_stream_forecast(s, NULL, 0, H, out, H * F), RL_OK);
        assert_int_equal(rl_forecast(r.m, r.series + (12 - T) * F, T, NULL, 0, H, want, H * F),
                         RL_OK);
        expect_same_bits(out, want, H * F, "rl_stream_forecast vs rl_forecast", 12);
        /* Undisturbed: the next push equals the twin's. */
        assert_int_equal(rl_stream_push(s, r.series + 12 * F, F, p1, r.n_out), RL_OK);
        assert_int_equal(rl_stream_push(twin, r.series + 12 * F, F, p2, r.n_out), RL_OK);
        expect_same_bits(p1, p2, r.n_out, "push after forecast", 13);
        assert_int_equal(rl_stream_forecast(s, NULL, 0, H, out, H * F - 1), RL_E_SHAPE);
        assert_int_equal(rl_stream_forecast(s, NULL, 0, 0, out, H * F), RL_E_INVALID);
        assert_int_equal(rl_stream_forecast(s, NULL, 0, H, NULL, H * F), RL_E_INVALID);
        assert_true(rl_stream_last_error(s)[0] != '\0');
        rl_stream_destroy(s);
        rl_stream_destroy(twin);
        rl_scaler_destroy(sc);
        free_run(&r);
    }
}

/* Stateful: the forecast starts with the last push's output and equals
 * pushing each forecast row back into a clone. */
static void test_stateful_forecast_feeds_back(void **state)
{
    (void)state;
    const size_t T = 3, F = 2, H = 6;
    run r = make_run(A_GRU, T, F, 1);
    rl_stream *s = NULL, *c = NULL, *u = NULL;
    assert_int_equal(rl_stream_create(&s, r.m, RL_STREAM_STATEFUL), RL_OK);
    assert_int_equal(rl_stream_create(&u, r.m, RL_STREAM_STATEFUL), RL_OK);
    float out[H * F], pred[F], last[F], a1[F], a2[F];
    feed(s, &r, 0, 8, NULL);
    assert_int_equal(rl_stream_push(s, r.series + 8 * F, F, last, F), RL_OK);
    assert_int_equal(rl_stream_clone(s, &c), RL_OK);
    assert_int_equal(rl_stream_forecast(s, NULL, 0, H, out, H * F), RL_OK);
    expect_same_bits(out, last, F, "stateful forecast row 0", 0);
    for (size_t h = 0; h + 1 < H; h++) {
        assert_int_equal(rl_stream_push(c, out + h * F, F, pred, F), RL_OK);
        expect_same_bits(out + (h + 1) * F, pred, F, "stateful forecast row", h + 1);
    }
    /* The stream itself continues as if no forecast happened. */
    feed(u, &r, 0, 9, NULL);
    assert_int_equal(rl_stream_push(u, r.series + 9 * F, F, a1, F), RL_OK);
    assert_int_equal(rl_stream_push(s, r.series + 9 * F, F, a2, F), RL_OK);
    expect_same_bits(a2, a1, F, "stateful push after forecast", 10);
    rl_stream_destroy(u);
    rl_stream_destroy(c);
    rl_stream_destroy(s);
    free_run(&r);
}

/* Covariates: column 0 is known in advance, column 1 is the target; a
 * recursive (1 step) and a direct-ish (3 steps per call) model, both modes. */
static void test_forecast_with_covariates(void **state)
{
    (void)state;
    const size_t T = 4, F = 2, H = 8, N = 30;
    for (size_t out_steps = 1; out_steps <= 3; out_steps += 2)
        for (int mode = 0; mode < 2; mode++) {
            rl_model *m = NULL;
            assert_int_equal(rl_model_create(&m, T, F), RL_OK);
            assert_int_equal(rl_model_add_gru(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
            assert_int_equal(rl_model_add_dense(m, out_steps, RL_ACT_LINEAR), RL_OK);
            assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 4), RL_OK);
            assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
            const size_t target[1] = { 1 };
            assert_int_equal(rl_model_set_targets(m, target, 1), RL_OK);
            float series[N * F], future[H * F], out[H], want[H], pred[3], p2[3];
            tu_fill_uniform(series, N * F, 6, 0, 10);
            tu_fill_uniform(future, H * F, 7, 0, 10);
            rl_scaler *sc = NULL;
            assert_int_equal(rl_scaler_create_standard(&sc), RL_OK);
            assert_int_equal(rl_scaler_fit(sc, series, N, F), RL_OK);
            assert_int_equal(rl_model_set_scaler(m, sc), RL_OK);
            rl_stream *s = NULL, *c = NULL;
            assert_int_equal(rl_stream_create(&s, m, (rl_stream_mode)mode), RL_OK);
            for (size_t i = 0; i < N; i++)
                assert_int_equal(rl_stream_push(s, series + i * F, F, pred, out_steps), RL_OK);
            assert_int_equal(rl_stream_clone(s, &c), RL_OK);
            /* Missing or non-finite covariates: refused, nothing changed. */
            assert_int_equal(rl_stream_forecast(s, NULL, 0, H, out, H), RL_E_INVALID);
            assert_non_null(strstr(rl_stream_last_error(s), "covariate"));
            assert_int_equal(rl_stream_forecast(s, future, H - 1, H, out, H), RL_E_INVALID);
            float bad = future[2 * F];
            future[2 * F] = NAN;
            assert_int_equal(rl_stream_forecast(s, future, H, H, out, H), RL_E_INVALID);
            assert_non_null(strstr(rl_stream_last_error(s), "row 2, column 0"));
            future[2 * F] = bad;
            future[2 * F + 1] = NAN;   /* a target column of future is never read */
            assert_int_equal(rl_stream_forecast(s, future, H, H, out, H), RL_OK);
            if (mode == RL_STREAM_WINDOW) {
                assert_int_equal(rl_forecast(m, series + (N - T) * F, T, future, H, H, want, H),
                                 RL_OK);
                expect_same_bits(out, want, H, "forecast with covariates vs rl_forecast", N);
            } else {
                /* The first out_steps rows are the last push's output; the
                 * state then steps through the forecast rows. */
                expect_same_bits(out, pred, out_steps, "stateful forecast, first rows", N);
                for (size_t h = 0; h + out_steps < H; h++) {
                    float row[2] = { future[h * F], out[h] };
                    assert_int_equal(rl_stream_push(c, row, F, p2, out_steps), RL_OK);
                    if ((h + 1) % out_steps == 0)
                        expect_same_bits(out + h + 1, p2, H - h - 1 < out_steps ? H - h - 1
                                                                                 : out_steps,
                                         "stateful forecast rows", h);
                }
            }
            assert_int_equal(rl_stream_push(s, series, F, pred, out_steps), RL_OK);
            rl_stream_destroy(c);
            assert_int_equal(rl_stream_clone(s, &c), RL_OK);   /* undisturbed: checked above */
            rl_stream_destroy(c);
            rl_stream_destroy(s);
            rl_scaler_destroy(sc);
            rl_model_destroy(m);
        }
}

/* ---- bad input --------------------------------------------------------------- */

static void test_bad_input(void **state)
{
    (void)state;
    run r = make_run(A_LSTM, 3, 2, 0);
    rl_stream *s = NULL, *twin = NULL;
    rl_model *uncompiled = NULL;
    assert_int_equal(rl_model_create(&uncompiled, 3, 2), RL_OK);
    assert_int_equal(rl_model_add_dense(uncompiled, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_stream_create(NULL, r.m, RL_STREAM_WINDOW), RL_E_INVALID);
    assert_int_equal(rl_stream_create(&s, NULL, RL_STREAM_WINDOW), RL_E_INVALID);
    assert_int_equal(rl_stream_create(&s, r.m, (rl_stream_mode)7), RL_E_INVALID);
    assert_non_null(strstr(rl_model_last_error(r.m), "mode"));
    assert_int_equal(rl_stream_create(&s, uncompiled, RL_STREAM_WINDOW), RL_E_STATE);
    assert_null(s);
    rl_model_destroy(uncompiled);

    assert_int_equal(rl_stream_create(&s, r.m, RL_STREAM_WINDOW), RL_OK);
    assert_int_equal(rl_stream_create(&twin, r.m, RL_STREAM_WINDOW), RL_OK);
    feed(s, &r, 0, 4, NULL);
    feed(twin, &r, 0, 4, NULL);
    float obs[2] = { 0.5f, NAN }, pred[2], p2[2];
    assert_int_equal(rl_stream_push(s, obs, 2, pred, 2), RL_E_NUMERIC);
    assert_non_null(strstr(rl_stream_last_error(s), "obs[1]"));
    assert_int_equal(rl_stream_push(s, NULL, 2, pred, 2), RL_E_INVALID);
    assert_int_equal(rl_stream_push(s, r.series, 2, NULL, 2), RL_E_INVALID);
    assert_int_equal(rl_stream_push(s, r.series, 3, pred, 2), RL_E_INVALID);
    assert_non_null(strstr(rl_stream_last_error(s), "features"));
    assert_int_equal(rl_stream_push(s, r.series, 0, pred, 2), RL_E_INVALID);
    assert_int_equal(rl_stream_push(s, r.series, 2, pred, 1), RL_E_SHAPE);
    assert_int_equal(rl_stream_push(s, r.series, 2, pred, 0), RL_E_SHAPE);
    assert_int_equal(rl_stream_push(NULL, r.series, 2, pred, 2), RL_E_INVALID);
    size_t seen = 0;
    assert_int_equal(rl_stream_seen(s, &seen), RL_OK);
    assert_int_equal(seen, 4);
    /* Nothing changed: the next push equals the twin's. */
    feed(s, &r, 4, 5, NULL);
    assert_int_equal(rl_stream_push(s, r.series + 5 * 2, 2, pred, 2), RL_OK);
    feed(twin, &r, 4, 5, NULL);
    assert_int_equal(rl_stream_push(twin, r.series + 5 * 2, 2, p2, 2), RL_OK);
    expect_same_bits(pred, p2, 2, "after refused pushes", 6);
    assert_string_equal(rl_stream_last_error(s), "");

    rl_stream *c = (rl_stream *)&r;
    void *buf = &r;
    size_t size = 1;
    assert_int_equal(rl_stream_clone(NULL, &c), RL_E_INVALID);
    assert_null(c);
    assert_int_equal(rl_stream_clone(s, NULL), RL_E_INVALID);
    assert_int_equal(rl_stream_save_buffer(NULL, &buf, &size), RL_E_INVALID);
    assert_null(buf);
    assert_int_equal(rl_stream_save_buffer(s, NULL, &size), RL_E_INVALID);
    assert_int_equal(rl_stream_save_buffer(s, &buf, NULL), RL_E_INVALID);
    assert_int_equal(rl_stream_load_buffer(NULL, r.m, "x", 1), RL_E_INVALID);
    assert_int_equal(rl_stream_load_buffer(&c, NULL, "x", 1), RL_E_INVALID);
    assert_int_equal(rl_stream_load_buffer(&c, r.m, NULL, 1), RL_E_INVALID);
    assert_int_equal(rl_stream_load_buffer(&c, r.m, "x", 0), RL_E_INVALID);
    assert_int_equal(rl_stream_load_buffer(&c, r.m, "x", 1), RL_E_FORMAT);
    assert_int_equal(rl_stream_reset(NULL), RL_E_INVALID);
    assert_int_equal(rl_stream_seen(NULL, &seen), RL_E_INVALID);
    assert_int_equal(rl_stream_seen(s, NULL), RL_E_INVALID);
    assert_non_null(rl_stream_last_error(NULL));
    assert_int_equal(rl_stream_forecast(NULL, NULL, 0, 1, pred, 2), RL_E_INVALID);
    assert_int_equal(rl_model_reset_states(NULL), RL_E_INVALID);
    rl_stream_destroy(NULL);

    /* A scaler whose outputs the model cannot place: refused at create. */
    rl_model *odd = NULL;
    assert_int_equal(rl_model_create(&odd, 3, 2), RL_OK);
    assert_int_equal(rl_model_add_gru(odd, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(odd, 3, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(odd, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    rl_stream *o = NULL;
    assert_int_equal(rl_stream_create(&o, odd, RL_STREAM_STATEFUL), RL_OK);   /* model units */
    assert_int_equal(rl_stream_forecast(o, NULL, 0, 1, pred, 2), RL_E_STATE);
    rl_stream_destroy(o);
    rl_scaler *sc = NULL;
    assert_int_equal(rl_scaler_create_standard(&sc), RL_OK);
    assert_int_equal(rl_scaler_fit(sc, r.series, r.N, 2), RL_OK);
    assert_int_equal(rl_model_set_scaler(odd, sc), RL_OK);
    assert_int_equal(rl_stream_create(&o, odd, RL_STREAM_WINDOW), RL_E_STATE);
    assert_null(o);
    assert_non_null(strstr(rl_model_last_error(odd), "targets"));
    rl_scaler_destroy(sc);
    rl_model_destroy(odd);

    rl_stream_destroy(s);
    rl_stream_destroy(twin);
    free_run(&r);
}

/* ---- threads -------------------------------------------------------------------- */

typedef struct job {
    const run *r;
    rl_stream_mode mode;
    float *out;
} job;

static void *job_main(void *arg)
{
    job *j = arg;
    rl_stream *s = NULL;
    if (rl_stream_create(&s, j->r->m, j->mode) != RL_OK)
        return NULL;
    for (int rep = 0; rep < 20; rep++) {
        rl_stream_reset(s);
        float pred[64];
        for (size_t i = 0; i < j->r->N; i++) {
            rl_stream_push(s, j->r->series + i * j->r->F, j->r->F, pred, j->r->n_out);
            memcpy(j->out + i * j->r->n_out, pred, j->r->n_out * sizeof(float));
        }
    }
    rl_stream_destroy(s);
    return NULL;
}

static void test_streams_in_threads_share_a_model(void **state)
{
    (void)state;
    run r = make_run(A_STACK, 4, 2, 0);
    assert_int_equal(rl_model_set_param(r.m, RL_PARAM_THREADS, 2), RL_OK);
    void *before = NULL, *after = NULL;
    size_t nb = 0, na = 0;
    assert_int_equal(rl_model_save_buffer(r.m, &before, &nb), RL_OK);
    enum { JOBS = 4 };
    job jobs[JOBS];
    pthread_t th[JOBS];
    size_t len = r.N * r.n_out;
    float *want = malloc(len * sizeof(float));
    for (int k = 0; k < JOBS; k++) {
        jobs[k] = (job){ &r, (rl_stream_mode)(k & 1), malloc(len * sizeof(float)) };
        assert_int_equal(pthread_create(&th[k], NULL, job_main, &jobs[k]), 0);
    }
    for (int k = 0; k < JOBS; k++)
        assert_int_equal(pthread_join(th[k], NULL), 0);
    for (int k = 0; k < JOBS; k++) {
        job single = { &r, jobs[k].mode, want };
        job_main(&single);
        expect_same_bits(jobs[k].out, want, len, "stream in a thread", 0);
        free(jobs[k].out);
    }
    assert_int_equal(rl_model_save_buffer(r.m, &after, &na), RL_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, nb);
    rl_free(before);
    rl_free(after);
    free(want);
    free_run(&r);
}

/* ---- weights that change under a live stream ------------------------------ */

/* A stream keeps its own copy of each recurrent layer's U (packed for the
 * one-row step), refreshed when the model's weights change. Changing them
 * under a live stream is the caller's error (rnnlite.h: a window stream's
 * cached layer-0 projections go stale), but the packed copy must never be
 * what goes stale: new weights of a later layer reach the next push, and
 * after rl_fit a reset stream agrees with rl_predict again. */
static void test_stream_follows_new_weights(void **state)
{
    (void)state;
    const size_t T = 4, F = 1, N = 6 * T;
    rl_model *m = build(A_DENSE_SEQ, T, F, 0, 77);   /* Dense, then GRU */
    size_t n_out = out_len(m);
    float series[6 * 4], y[1], pred[1];
    float wins[3 * 4], targets[3];
    tu_fill_uniform(series, N, 123, -2, 2);
    for (size_t i = 0; i < 3; i++) {   /* a few windows to fit on */
        memcpy(wins + i * T, series + i, T * sizeof(float));
        targets[i] = series[i + T];
    }
    rl_stream *s = NULL;
    assert_int_equal(rl_stream_create(&s, m, RL_STREAM_WINDOW), RL_OK);
    for (size_t i = 0, since = 0; i < N; i++, since++) {
        if (i == 2 * T) {   /* new weights for the GRU (layer 1) */
            size_t n;
            assert_int_equal(rl_model_weight_count(m, 1, &n), RL_OK);
            float *w = malloc(n * sizeof *w);
            tu_fill_uniform(w, n, 999, -0.9f, 0.9f);
            assert_int_equal(rl_model_set_weights(m, 1, w, n), RL_OK);
            free(w);
        }
        if (i == 4 * T) {   /* an optimiser step changes every layer */
            assert_int_equal(rl_fit(m, wins, targets, 3, 1, 3), RL_OK);
            assert_int_equal(rl_stream_reset(s), RL_OK);
            since = 0;
        }
        assert_int_equal(rl_stream_push(s, series + i * F, F, pred, n_out), RL_OK);
        if (since + 1 < T)
            continue;
        assert_int_equal(rl_predict(m, series + (i + 1 - T) * F, 1, y, n_out), RL_OK);
        expect_same_bits(pred, y, n_out, "window stream after new weights", i);
    }
    rl_stream_destroy(s);
    rl_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_equals_predict),
        cmocka_unit_test(test_stateful_equals_stateful_predict),
        cmocka_unit_test(test_stateful_predict_rows),
        cmocka_unit_test(test_stateful_fit_needs_whole_batches),
        cmocka_unit_test(test_clone_save_load_continue),
        cmocka_unit_test(test_load_refuses_other_model_and_damage),
        cmocka_unit_test(test_count_cap_round_trips),
        cmocka_unit_test(test_forecast_equals_rl_forecast),
        cmocka_unit_test(test_stateful_forecast_feeds_back),
        cmocka_unit_test(test_forecast_with_covariates),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_streams_in_threads_share_a_model),
        cmocka_unit_test(test_stream_follows_new_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
