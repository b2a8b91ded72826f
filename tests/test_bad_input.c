/* Every way of calling the model API wrongly: each gets its documented
 * status and a message, and leaves the model as it was. "As it was" is
 * checked twice: a snapshot of everything the API can read (layers,
 * weights, parameters, history, a prediction) before and after, and at the
 * end of a test a twin model that saw none of the bad calls must train to
 * the same bits (which also covers the optimiser and shuffling state).
 * Also: divergence, and allocation failure at every allocation. */
#include "testutil.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "rnnlite/rnnlite.h"

#define T 4
#define F 2
#define OUT 2
#define N 12
#define MAX_LAYERS 8
#define MAX_HIST 16

static float g_x[N * T * F], g_y[N * OUT];

static void make_data(void)
{
    tu_fill_uniform(g_x, N * T * F, 1, -1, 1);
    tu_fill_uniform(g_y, N * OUT, 2, -0.5f, 0.5f);
}

/* LSTM(4, seq) -> GRU(3) -> Dense(2), Adam, trained two epochs. */
static rl_model *trained_model(void)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 3), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, OUT, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_fit(m, g_x, g_y, N, 2, 5), RL_OK);
    return m;
}

/* ---- snapshots ------------------------------------------------------------ */

typedef struct snapshot {
    size_t n_layers, steps, units, hist_n;
    rl_status shape_status, pred_status;
    double params[RL_PARAM_COUNT];
    size_t n_w[MAX_LAYERS];
    float *w[MAX_LAYERS];
    float pred[N * OUT];
    float hist_loss[MAX_HIST], hist_val[MAX_HIST];
} snapshot;

/* with_prediction 0: for the allocation tests, where predicting would
 * allocate the very buffers whose allocation is under test. */
static void take_ex(const rl_model *m, snapshot *s, int with_prediction)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(rl_model_layer_count(m, &s->n_layers), RL_OK);
    assert_true(s->n_layers <= MAX_LAYERS);
    s->shape_status = rl_model_output_shape(m, &s->steps, &s->units);
    for (int p = 0; p < RL_PARAM_COUNT; p++)
        assert_int_equal(rl_model_get_param(m, (rl_param)p, &s->params[p]), RL_OK);
    for (size_t i = 0; i < s->n_layers; i++) {
        assert_int_equal(rl_model_weight_count(m, i, &s->n_w[i]), RL_OK);
        s->w[i] = calloc(s->n_w[i], sizeof(float));
        assert_non_null(s->w[i]);
        rl_status st = rl_model_get_weights(m, i, s->w[i], s->n_w[i]);
        assert_true(st == RL_OK || st == RL_E_STATE);
    }
    /* Predicting changes nothing observable, so it may be part of the snapshot. */
    if (with_prediction && s->shape_status == RL_OK && s->steps * s->units == OUT)
        s->pred_status = rl_predict((rl_model *)m, g_x, N, s->pred, N * OUT);
    assert_int_equal(rl_model_history(m, s->hist_loss, s->hist_val, MAX_HIST, &s->hist_n),
                     RL_OK);
}

static void take(const rl_model *m, snapshot *s)
{
    take_ex(m, s, 1);
}

static void drop(snapshot *s)
{
    for (size_t i = 0; i < MAX_LAYERS; i++)
        free(s->w[i]);
}

static void assert_same(const snapshot *a, const snapshot *b)
{
    assert_int_equal(a->n_layers, b->n_layers);
    assert_int_equal(a->shape_status, b->shape_status);
    assert_int_equal(a->steps, b->steps);
    assert_int_equal(a->units, b->units);
    assert_memory_equal(a->params, b->params, sizeof a->params);
    for (size_t i = 0; i < a->n_layers; i++) {
        assert_int_equal(a->n_w[i], b->n_w[i]);
        assert_memory_equal(a->w[i], b->w[i], a->n_w[i] * sizeof(float));
    }
    assert_int_equal(a->pred_status, b->pred_status);
    assert_memory_equal(a->pred, b->pred, sizeof a->pred);
    assert_int_equal(a->hist_n, b->hist_n);
    assert_memory_equal(a->hist_loss, b->hist_loss, sizeof a->hist_loss);
    assert_memory_equal(a->hist_val, b->hist_val, sizeof a->hist_val);
}

static void assert_unchanged(const rl_model *m, const snapshot *before)
{
    snapshot now;
    take(m, &now);
    assert_same(before, &now);
    drop(&now);
}

/* One more epoch (shuffled: draws from the model's generator) on both
 * models must give the same bits. */
static void assert_same_as_twin(rl_model *m, rl_model *twin)
{
    assert_int_equal(rl_fit(m, g_x, g_y, N, 1, 5), RL_OK);
    assert_int_equal(rl_fit(twin, g_x, g_y, N, 1, 5), RL_OK);
    snapshot a, b;
    take(m, &a);
    take(twin, &b);
    assert_same(&a, &b);
    drop(&a);
    drop(&b);
}

/* ---- expecting a failure ------------------------------------------------ */

/* A successful call that changes nothing: the message is "" afterwards. */
static void clear_error(rl_model *m)
{
    double patience;
    assert_int_equal(rl_model_get_param(m, RL_PARAM_PATIENCE, &patience), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_PATIENCE, patience), RL_OK);
    assert_string_equal(rl_model_last_error(m), "");
}

static void check_message(const rl_model *m, const char *word, int line)
{
    const char *msg = rl_model_last_error(m);
    if (!msg || !*msg || (word && !strstr(msg, word))) {
        print_error("line %d: message \"%s\" should mention \"%s\"\n", line, msg ? msg : "(null)",
                    word ? word : "");
        fail();
    }
}

/* The call fails with `status`, says something containing `word`, and the
 * model's snapshot is unchanged. */
#define EXPECT_FAIL(m, call, status, word)                                                     \
    do {                                                                                       \
        snapshot before_;                                                                      \
        take((m), &before_);                                                                   \
        clear_error(m);                                                                        \
        assert_int_equal((call), (status));                                                    \
        check_message((m), (word), __LINE__);                                                  \
        assert_unchanged((m), &before_);                                                       \
        drop(&before_);                                                                        \
    } while (0)

/* ---- library-wide ------------------------------------------------------- */

static void test_status_strings(void **state)
{
    (void)state;
    const char *seen[9];
    for (int s = 0; s <= RL_E_UNSUPPORTED; s++) {
        seen[s] = rl_status_string((rl_status)s);
        assert_non_null(seen[s]);
        assert_true(strlen(seen[s]) > 0);
        for (int k = 0; k < s; k++)
            assert_string_not_equal(seen[k], seen[s]);
    }
    assert_string_equal(rl_status_string(RL_OK), "ok");
    static const int outside[] = { -1, 9, 100, INT_MAX, INT_MIN };
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        const char *name = rl_status_string((rl_status)outside[i]);
        assert_non_null(name);
        assert_true(strlen(name) > 0);
    }
    assert_non_null(rl_model_last_error(NULL));
    assert_true(strlen(rl_model_last_error(NULL)) > 0);
    rl_model_destroy(NULL);
}

/* NULL handles and NULL outputs, for every model function. */
static void test_null_pointers(void **state)
{
    (void)state;
    float w[4] = { 0 }, loss;
    size_t n;
    double v;
    assert_int_equal(rl_model_create(NULL, T, F), RL_E_INVALID);
    assert_int_equal(rl_model_add_simple_rnn(NULL, 2, RL_ACT_TANH, 0), RL_E_INVALID);
    assert_int_equal(rl_model_add_lstm(NULL, 2, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_E_INVALID);
    assert_int_equal(rl_model_add_gru(NULL, 2, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_E_INVALID);
    assert_int_equal(rl_model_add_dense(NULL, 2, RL_ACT_LINEAR), RL_E_INVALID);
    assert_int_equal(rl_model_set_param(NULL, RL_PARAM_SEED, 1), RL_E_INVALID);
    assert_int_equal(rl_model_get_param(NULL, RL_PARAM_SEED, &v), RL_E_INVALID);
    assert_int_equal(rl_model_compile(NULL, RL_OPT_ADAM, RL_LOSS_MSE), RL_E_INVALID);
    assert_int_equal(rl_model_set_epoch_callback(NULL, NULL, NULL), RL_E_INVALID);
    assert_int_equal(rl_model_layer_count(NULL, &n), RL_E_INVALID);
    assert_int_equal(rl_model_input_shape(NULL, &n, &n), RL_E_INVALID);
    assert_int_equal(rl_model_output_shape(NULL, &n, &n), RL_E_INVALID);
    assert_int_equal(rl_model_weight_count(NULL, 0, &n), RL_E_INVALID);
    assert_int_equal(rl_model_set_weights(NULL, 0, w, 4), RL_E_INVALID);
    assert_int_equal(rl_model_get_weights(NULL, 0, w, 4), RL_E_INVALID);
    assert_int_equal(rl_model_history(NULL, w, w, 4, &n), RL_E_INVALID);
    assert_int_equal(rl_fit(NULL, g_x, g_y, N, 1, 1), RL_E_INVALID);
    assert_int_equal(rl_predict(NULL, g_x, N, w, 4), RL_E_INVALID);
    assert_int_equal(rl_evaluate(NULL, g_x, g_y, N, &loss), RL_E_INVALID);
    assert_int_equal(rl_param_bounds(RL_PARAM_SEED, NULL, &v), RL_E_INVALID);
    assert_int_equal(rl_param_bounds(RL_PARAM_SEED, &v, NULL), RL_E_INVALID);
    assert_int_equal(rl_param_bounds((rl_param)RL_PARAM_COUNT, &v, &v), RL_E_INVALID);
    assert_int_equal(rl_param_bounds((rl_param)-1, &v, &v), RL_E_INVALID);

    make_data();
    rl_model *m = trained_model(), *twin = trained_model();
    float buf[64];
    EXPECT_FAIL(m, rl_model_get_param(m, RL_PARAM_SEED, NULL), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_layer_count(m, NULL), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_input_shape(m, NULL, &n), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_input_shape(m, &n, NULL), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_output_shape(m, NULL, &n), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_output_shape(m, &n, NULL), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_weight_count(m, 0, NULL), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_history(m, buf, buf, 4, NULL), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_set_weights(m, 2, NULL, 8), RL_E_INVALID, "NULL");
    EXPECT_FAIL(m, rl_model_get_weights(m, 2, NULL, 8), RL_E_INVALID, "NULL");
    EXPECT_FAIL(m, rl_fit(m, NULL, g_y, N, 1, 1), RL_E_INVALID, "x");
    EXPECT_FAIL(m, rl_fit(m, g_x, NULL, N, 1, 1), RL_E_INVALID, "y");
    EXPECT_FAIL(m, rl_predict(m, NULL, N, buf, 64), RL_E_INVALID, "x");
    EXPECT_FAIL(m, rl_predict(m, g_x, N, NULL, 64), RL_E_INVALID, "y");
    EXPECT_FAIL(m, rl_evaluate(m, NULL, g_y, N, &loss), RL_E_INVALID, "x");
    EXPECT_FAIL(m, rl_evaluate(m, g_x, NULL, N, &loss), RL_E_INVALID, "y");
    EXPECT_FAIL(m, rl_evaluate(m, g_x, g_y, N, NULL), RL_E_INVALID, "loss");
    /* History with NULL arrays is a query of the epoch count, not an error. */
    assert_int_equal(rl_model_history(m, NULL, NULL, 0, &n), RL_OK);
    assert_int_equal(n, 2);
    assert_same_as_twin(m, twin);
    rl_model_destroy(m);
    rl_model_destroy(twin);
}

static void test_create_bad_sizes(void **state)
{
    (void)state;
    rl_model *m = (rl_model *)&m;   /* any non-NULL value: must be reset */
    assert_int_equal(rl_model_create(&m, 0, F), RL_E_INVALID);
    assert_null(m);
    m = (rl_model *)&m;
    assert_int_equal(rl_model_create(&m, T, 0), RL_E_INVALID);
    assert_null(m);
    m = (rl_model *)&m;
    rl_status s = rl_model_create(&m, SIZE_MAX, SIZE_MAX);
    assert_true(s == RL_E_INVALID || s == RL_E_NOMEM);
    assert_null(m);
}

/* ---- building ----------------------------------------------------------- */

static void test_add_bad_layers(void **state)
{
    (void)state;
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    EXPECT_FAIL(m, rl_model_add_dense(m, 0, RL_ACT_LINEAR), RL_E_INVALID, "units");
    EXPECT_FAIL(m, rl_model_add_simple_rnn(m, 0, RL_ACT_TANH, 1), RL_E_INVALID, "units");
    EXPECT_FAIL(m, rl_model_add_lstm(m, 65537, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_E_INVALID,
                "units");
    EXPECT_FAIL(m, rl_model_add_gru(m, SIZE_MAX, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_E_INVALID,
                "units");
    EXPECT_FAIL(m, rl_model_add_dense(m, 2, (rl_activation)5), RL_E_INVALID, "activation");
    EXPECT_FAIL(m, rl_model_add_simple_rnn(m, 2, (rl_activation)-1, 1), RL_E_INVALID,
                "activation");
    EXPECT_FAIL(m, rl_model_add_lstm(m, 2, RL_ACT_TANH, (rl_activation)17, 1), RL_E_INVALID,
                "activation");
    EXPECT_FAIL(m, rl_model_add_gru(m, 2, (rl_activation)99, RL_ACT_SIGMOID, 1), RL_E_INVALID,
                "activation");
    EXPECT_FAIL(m, rl_model_add_gru(m, 2, RL_ACT_TANH, (rl_activation)INT_MIN, 1), RL_E_INVALID,
                "activation");

    /* A recurrent layer needs a sequence: not after one that returns its last state. */
    assert_int_equal(rl_model_add_lstm(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    EXPECT_FAIL(m, rl_model_add_lstm(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_E_SHAPE,
                "sequence");
    EXPECT_FAIL(m, rl_model_add_simple_rnn(m, 3, RL_ACT_TANH, 1), RL_E_SHAPE, "sequence");
    EXPECT_FAIL(m, rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_E_SHAPE,
                "sequence");
    /* ... nor after a Dense on that last state. */
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_RELU), RL_OK);
    EXPECT_FAIL(m, rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_E_SHAPE,
                "sequence");
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    rl_model_destroy(m);

    /* A Dense on a sequence keeps it a sequence: a recurrent layer may follow. */
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_add_simple_rnn(m, 3, RL_ACT_TANH, 1), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_TANH), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    rl_model_destroy(m);

    /* There is a layer limit; reaching it fails cleanly. */
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    size_t added = 0;
    rl_status s = RL_OK;
    while (added < 10000 && (s = rl_model_add_dense(m, 1, RL_ACT_LINEAR)) == RL_OK)
        added++;
    assert_int_equal(s, RL_E_INVALID);
    size_t count = 0;
    assert_int_equal(rl_model_layer_count(m, &count), RL_OK);
    assert_int_equal(count, added);
    check_message(m, "layers", __LINE__);
    rl_model_destroy(m);
}

static void test_set_param_bad_values(void **state)
{
    (void)state;
    static const struct { rl_param p; double v; const char *name; } bad[] = {
        { RL_PARAM_LEARNING_RATE, -0.001, "learning_rate" },
        { RL_PARAM_LEARNING_RATE, INFINITY, "learning_rate" },
        { RL_PARAM_LEARNING_RATE, -INFINITY, "learning_rate" },
        { RL_PARAM_BETA1, 1.0, "beta1" },
        { RL_PARAM_BETA1, -0.1, "beta1" },
        { RL_PARAM_BETA2, 1.0, "beta2" },
        { RL_PARAM_EPSILON, 0.0, "epsilon" },
        { RL_PARAM_EPSILON, -1e-7, "epsilon" },
        { RL_PARAM_MOMENTUM, 1.0, "momentum" },
        { RL_PARAM_MOMENTUM, -0.5, "momentum" },
        { RL_PARAM_CLIPNORM, -1.0, "clipnorm" },
        { RL_PARAM_SEED, -1.0, "seed" },
        { RL_PARAM_SEED, 0.5, "seed" },
        { RL_PARAM_SEED, 1e300, "seed" },
        { RL_PARAM_SHUFFLE, 0.5, "shuffle" },
        { RL_PARAM_SHUFFLE, 2.0, "shuffle" },
        { RL_PARAM_SHUFFLE, -1.0, "shuffle" },
        { RL_PARAM_VALIDATION_SPLIT, 1.0, "validation_split" },
        { RL_PARAM_VALIDATION_SPLIT, -0.1, "validation_split" },
        { RL_PARAM_PATIENCE, -1.0, "patience" },
        { RL_PARAM_PATIENCE, 2.5, "patience" },
        { RL_PARAM_THREADS, 0.0, "threads" },
        { RL_PARAM_THREADS, 65.0, "threads" },
        { RL_PARAM_THREADS, 1.5, "threads" },
        { RL_PARAM_RHO, 1.0, "rho" },
        { RL_PARAM_RHO, -0.25, "rho" },
    };
    make_data();
    rl_model *m = trained_model(), *twin = trained_model();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        EXPECT_FAIL(m, rl_model_set_param(m, bad[i].p, bad[i].v), RL_E_INVALID, bad[i].name);
    for (int p = 0; p < RL_PARAM_COUNT; p++) {
        EXPECT_FAIL(m, rl_model_set_param(m, (rl_param)p, NAN), RL_E_INVALID, rl_param_name((rl_param)p));
        EXPECT_FAIL(m, rl_model_set_param(m, (rl_param)p, -NAN), RL_E_INVALID, NULL);
    }
    EXPECT_FAIL(m, rl_model_set_param(m, (rl_param)RL_PARAM_COUNT, 1), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_set_param(m, (rl_param)-1, 1), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_set_param(m, (rl_param)1000, 0), RL_E_INVALID, NULL);
    double v;
    EXPECT_FAIL(m, rl_model_get_param(m, (rl_param)RL_PARAM_COUNT, &v), RL_E_INVALID, NULL);
    EXPECT_FAIL(m, rl_model_get_param(m, (rl_param)-1, &v), RL_E_INVALID, NULL);
    /* SEED is fixed by compile, even to its current value. */
    EXPECT_FAIL(m, rl_model_set_param(m, RL_PARAM_SEED, 3), RL_E_STATE, "seed");
    EXPECT_FAIL(m, rl_model_set_param(m, RL_PARAM_SEED, 4), RL_E_STATE, "seed");
    assert_same_as_twin(m, twin);
    rl_model_destroy(m);
    rl_model_destroy(twin);
}

static void test_compile_bad(void **state)
{
    (void)state;
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    EXPECT_FAIL(m, rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_E_STATE, "layer");
    assert_int_equal(rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    EXPECT_FAIL(m, rl_model_compile(m, (rl_optimizer)3, RL_LOSS_MSE), RL_E_INVALID, "optimizer");
    EXPECT_FAIL(m, rl_model_compile(m, (rl_optimizer)-1, RL_LOSS_MSE), RL_E_INVALID,
                "optimizer");
    EXPECT_FAIL(m, rl_model_compile(m, RL_OPT_SGD, (rl_loss)3), RL_E_INVALID, "loss");
    EXPECT_FAIL(m, rl_model_compile(m, RL_OPT_SGD, (rl_loss)-7), RL_E_INVALID, "loss");
    /* Still not compiled: layers can be added and the seed set. */
    assert_int_equal(rl_model_add_dense(m, OUT, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 8), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_HUBER), RL_OK);
    EXPECT_FAIL(m, rl_model_compile(m, RL_OPT_SGD, RL_LOSS_HUBER), RL_E_STATE, "compiled");
    EXPECT_FAIL(m, rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_E_STATE, "compiled");
    EXPECT_FAIL(m, rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_E_STATE, "compile");
    EXPECT_FAIL(m, rl_model_add_lstm(m, 1, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_E_STATE,
                "compile");
    /* An invalid layer after compile: the order error or the argument error,
     * but never a change. */
    snapshot before;
    take(m, &before);
    assert_int_not_equal(rl_model_add_dense(m, 0, RL_ACT_LINEAR), RL_OK);
    assert_unchanged(m, &before);
    drop(&before);
    rl_model_destroy(m);
}

/* Everything that needs weights, before compile. */
static void test_calls_before_compile(void **state)
{
    (void)state;
    make_data();
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_add_simple_rnn(m, 3, RL_ACT_TANH, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, OUT, RL_ACT_LINEAR), RL_OK);
    size_t count = 0;
    assert_int_equal(rl_model_weight_count(m, 1, &count), RL_OK);
    assert_int_equal(count, 3 * OUT + OUT);
    float w[8] = { 0 }, y[N * OUT], loss = -1;
    EXPECT_FAIL(m, rl_model_set_weights(m, 1, w, count), RL_E_STATE, "compile");
    EXPECT_FAIL(m, rl_model_get_weights(m, 1, w, count), RL_E_STATE, "compile");
    EXPECT_FAIL(m, rl_fit(m, g_x, g_y, N, 1, 4), RL_E_STATE, "compile");
    EXPECT_FAIL(m, rl_predict(m, g_x, N, y, N * OUT), RL_E_STATE, "compile");
    EXPECT_FAIL(m, rl_evaluate(m, g_x, g_y, N, &loss), RL_E_STATE, "compile");
    assert_true(loss == -1);
    size_t hist = 99;
    assert_int_equal(rl_model_history(m, NULL, NULL, 0, &hist), RL_OK);
    assert_int_equal(hist, 0);
    rl_model_destroy(m);
}

/* ---- weights ------------------------------------------------------------ */

static void test_weights_bad(void **state)
{
    (void)state;
    make_data();
    rl_model *m = trained_model(), *twin = trained_model();
    size_t n = 0;
    assert_int_equal(rl_model_weight_count(m, 1, &n), RL_OK);
    float *w = malloc((n + 1) * sizeof(float));
    assert_int_equal(rl_model_get_weights(m, 1, w, n), RL_OK);
    EXPECT_FAIL(m, rl_model_weight_count(m, 3, &n), RL_E_INVALID, "layer");
    EXPECT_FAIL(m, rl_model_weight_count(m, SIZE_MAX, &n), RL_E_INVALID, "layer");
    EXPECT_FAIL(m, rl_model_set_weights(m, 3, w, n), RL_E_INVALID, "layer");
    EXPECT_FAIL(m, rl_model_get_weights(m, 3, w, n), RL_E_INVALID, "layer");
    EXPECT_FAIL(m, rl_model_set_weights(m, 1, w, n - 1), RL_E_SHAPE, "weights");
    EXPECT_FAIL(m, rl_model_set_weights(m, 1, w, n + 1), RL_E_SHAPE, "weights");
    EXPECT_FAIL(m, rl_model_set_weights(m, 1, w, 0), RL_E_SHAPE, "weights");
    EXPECT_FAIL(m, rl_model_set_weights(m, 0, w, n), RL_E_SHAPE, "weights");   /* other layer's count */
    EXPECT_FAIL(m, rl_model_get_weights(m, 1, w, n + 1), RL_E_SHAPE, "weights");
    /* A non-finite weight anywhere, even the last: nothing is copied. */
    static const float bad[3] = { NAN, INFINITY, -INFINITY };
    for (size_t k = 0; k < 3; k++)
        for (size_t j = 0; j < 2; j++) {
            size_t pos = j == 0 ? 0 : n - 1;
            float keep = w[pos];
            for (size_t i = 0; i < n; i++)
                w[i] += 0.5f;   /* every other value differs from the model's */
            w[pos] = bad[k];
            EXPECT_FAIL(m, rl_model_set_weights(m, 1, w, n), RL_E_NUMERIC, "finite");
            w[pos] = keep;
        }
    assert_same_as_twin(m, twin);
    free(w);
    rl_model_destroy(m);
    rl_model_destroy(twin);
}

/* ---- data calls --------------------------------------------------------- */

static void test_data_bad(void **state)
{
    (void)state;
    make_data();
    rl_model *m = trained_model(), *twin = trained_model();
    float y[N * OUT + 1], loss = -1;
    EXPECT_FAIL(m, rl_fit(m, g_x, g_y, 0, 1, 1), RL_E_INVALID, "n_samples");
    EXPECT_FAIL(m, rl_fit(m, g_x, g_y, N, 0, 1), RL_E_INVALID, "epochs");
    EXPECT_FAIL(m, rl_fit(m, g_x, g_y, N, 1, 0), RL_E_INVALID, "batch_size");
    EXPECT_FAIL(m, rl_predict(m, g_x, 0, y, N * OUT), RL_E_INVALID, "n_samples");
    EXPECT_FAIL(m, rl_evaluate(m, g_x, g_y, 0, &loss), RL_E_INVALID, "n_samples");

    /* Output buffer one float short. */
    y[N * OUT - 1] = 42;
    EXPECT_FAIL(m, rl_predict(m, g_x, N, y, N * OUT - 1), RL_E_SHAPE, "floats");
    EXPECT_FAIL(m, rl_predict(m, g_x, N, y, 0), RL_E_SHAPE, "floats");
    assert_true(y[N * OUT - 1] == 42);   /* not written */

    /* A sample count whose sizes overflow: refused before x is read. */
    EXPECT_FAIL(m, rl_predict(m, g_x, SIZE_MAX / 4, y, SIZE_MAX), RL_E_NOMEM, "overflow");
    EXPECT_FAIL(m, rl_fit(m, g_x, g_y, SIZE_MAX / 2, 1, 1), RL_E_NOMEM, "overflow");

    /* Non-finite values anywhere in x or y, first or last. */
    static const float bad[3] = { NAN, INFINITY, -INFINITY };
    for (size_t k = 0; k < 3; k++) {
        for (size_t pos = 0; pos < 2; pos++) {
            size_t xi = pos ? N * T * F - 1 : 0, yi = pos ? N * OUT - 1 : 0;
            float keep = g_x[xi];
            g_x[xi] = bad[k];
            EXPECT_FAIL(m, rl_fit(m, g_x, g_y, N, 1, 4), RL_E_NUMERIC, "finite");
            EXPECT_FAIL(m, rl_predict(m, g_x, N, y, N * OUT), RL_E_NUMERIC, "finite");
            EXPECT_FAIL(m, rl_evaluate(m, g_x, g_y, N, &loss), RL_E_NUMERIC, "finite");
            g_x[xi] = keep;
            keep = g_y[yi];
            g_y[yi] = bad[k];
            EXPECT_FAIL(m, rl_fit(m, g_x, g_y, N, 1, 4), RL_E_NUMERIC, "finite");
            EXPECT_FAIL(m, rl_evaluate(m, g_x, g_y, N, &loss), RL_E_NUMERIC, "finite");
            g_y[yi] = keep;
        }
    }
    assert_true(loss == -1);
    /* A non-finite value in a sample past n is not the call's business. */
    g_x[N * T * F - 1] = NAN;
    assert_int_equal(rl_predict(m, g_x, N - 1, y, N * OUT), RL_OK);
    tu_fill_uniform(g_x, N * T * F, 1, -1, 1);

    /* A validation split that leaves no training sample (0.99 of 12: 0 train). */
    double split;
    assert_int_equal(rl_model_get_param(m, RL_PARAM_VALIDATION_SPLIT, &split), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.99), RL_OK);
    assert_int_equal(rl_model_set_param(twin, RL_PARAM_VALIDATION_SPLIT, 0.99), RL_OK);
    EXPECT_FAIL(m, rl_fit(m, g_x, g_y, N, 1, 4), RL_E_INVALID, "validation");
    /* ... or no validation sample (Keras: floor(n * (1 - split)) training
     * samples; 1 - 1e-20 is 1 in double), or 1 sample split 0.05: none to train. */
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 1e-20), RL_OK);
    assert_int_equal(rl_model_set_param(twin, RL_PARAM_VALIDATION_SPLIT, 1e-20), RL_OK);
    EXPECT_FAIL(m, rl_fit(m, g_x, g_y, N, 1, 4), RL_E_INVALID, "validation");
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.05), RL_OK);
    assert_int_equal(rl_model_set_param(twin, RL_PARAM_VALIDATION_SPLIT, 0.05), RL_OK);
    EXPECT_FAIL(m, rl_fit(m, g_x, g_y, 1, 1, 4), RL_E_INVALID, "validation");
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, split), RL_OK);
    assert_int_equal(rl_model_set_param(twin, RL_PARAM_VALIDATION_SPLIT, split), RL_OK);
    assert_same_as_twin(m, twin);
    rl_model_destroy(m);
    rl_model_destroy(twin);
}

/* A model whose last layer returns sequences wants y [n][T][u]: y_len checks that size. */
static void test_sequence_output_sizes(void **state)
{
    (void)state;
    make_data();
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    float y[N * T * 3];
    EXPECT_FAIL(m, rl_predict(m, g_x, N, y, N * 3), RL_E_SHAPE, "floats");
    EXPECT_FAIL(m, rl_predict(m, g_x, N, y, N * T * 3 - 1), RL_E_SHAPE, "floats");
    assert_int_equal(rl_predict(m, g_x, N, y, N * T * 3), RL_OK);
    rl_model_destroy(m);
}

/* ---- divergence --------------------------------------------------------- */

typedef struct epochs_seen {
    size_t n;
} epochs_seen;

static int count_epochs(size_t epoch, float loss, float val_loss, void *user)
{
    epochs_seen *e = user;
    (void)val_loss;
    assert_int_equal(epoch, e->n + 1);
    assert_true(isfinite(loss));
    e->n = epoch;
    return 0;
}

static void assert_weights_finite(const rl_model *m)
{
    size_t layers;
    assert_int_equal(rl_model_layer_count(m, &layers), RL_OK);
    for (size_t i = 0; i < layers; i++) {
        size_t n;
        assert_int_equal(rl_model_weight_count(m, i, &n), RL_OK);
        float *w = malloc(n * sizeof(float));
        assert_int_equal(rl_model_get_weights(m, i, w, n), RL_OK);
        for (size_t k = 0; k < n; k++)
            assert_true(isfinite(w[k]));
        free(w);
    }
}

/* Linear regression on inputs of size ~1e3 with plain SGD at rate `lr`:
 * each step multiplies the error by about 2 lr |x|^2. */
static rl_status diverging_fit(double lr, size_t epochs, size_t *completed, size_t *seen)
{
    enum { n = 10, feats = 4 };
    float x[n * feats], y[n];
    tu_fill_uniform(x, n * feats, 21, -1000, 1000);
    tu_fill_uniform(y, n, 22, -1, 1);
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 1, feats), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 1), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, lr), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    epochs_seen e = { 0 };
    assert_int_equal(rl_model_set_epoch_callback(m, count_epochs, &e), RL_OK);
    rl_status s = rl_fit(m, x, y, n, epochs, 1);
    if (s == RL_E_NUMERIC)
        check_message(m, "diverged", __LINE__);
    assert_weights_finite(m);
    float hist[64];
    assert_int_equal(rl_model_history(m, hist, NULL, 64, completed), RL_OK);
    for (size_t i = 0; i < *completed; i++)
        assert_true(isfinite(hist[i]));
    *seen = e.n;
    /* The model is still usable: predictions come out (maybe huge). */
    float out[n];
    assert_int_equal(rl_predict(m, x, n, out, n), RL_OK);
    rl_model_destroy(m);
    return s;
}

static void test_divergence(void **state)
{
    (void)state;
    size_t completed, seen;
    /* A huge rate: overflows within the first epoch. */
    assert_int_equal(diverging_fit(1e6, 5, &completed, &seen), RL_E_NUMERIC);
    assert_int_equal(completed, 0);
    assert_int_equal(seen, 0);
    /* A rate that grows the error ~25x per step: overflow after a few epochs;
     * the history holds exactly the epochs that completed. */
    assert_int_equal(diverging_fit(1e-5, 50, &completed, &seen), RL_E_NUMERIC);
    assert_true(completed >= 1);
    assert_true(completed < 50);
    assert_int_equal(completed, seen);
}

/* ---- allocation failure ------------------------------------------------- */

typedef struct fail_plan {
    size_t count, fail_at;
    int sticky;   /* also fail every allocation after fail_at */
} fail_plan;

static int fail_hook(size_t bytes, void *user)
{
    fail_plan *p = user;
    (void)bytes;
    p->count++;
    return p->count == p->fail_at || (p->sticky && p->count > p->fail_at);
}

typedef enum op { OP_CREATE, OP_COMPILE, OP_FIT, OP_FIT_BIGGER, OP_PREDICT, OP_EVALUATE,
                  OP_THREADS, OP_COUNT } op;

/* A model built up to the operation under test. */
static rl_model *model_before(op o)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 9), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_PATIENCE, 2), RL_OK);   /* best-weight copies */
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.25), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_simple_rnn(m, 3, RL_ACT_TANH, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, OUT, RL_ACT_LINEAR), RL_OK);
    if (o == OP_COMPILE)
        return m;
    assert_int_equal(rl_model_compile(m, RL_OPT_RMSPROP, RL_LOSS_MSE), RL_OK);
    if (o == OP_FIT_BIGGER)   /* buffers exist, but smaller than needed next */
        assert_int_equal(rl_fit(m, g_x, g_y, N / 2, 1, 2), RL_OK);
    return m;
}

static rl_status run_op(op o, rl_model **m, float *out)
{
    switch (o) {
    case OP_CREATE: return rl_model_create(m, T, F);
    /* SGD: its default learning rate differs from the one before compile. */
    case OP_COMPILE: return rl_model_compile(*m, RL_OPT_SGD, RL_LOSS_MSE);
    case OP_FIT: return rl_fit(*m, g_x, g_y, N, 3, 4);
    case OP_FIT_BIGGER: return rl_fit(*m, g_x, g_y, N, 3, 4);
    case OP_PREDICT: return rl_predict(*m, g_x, N, out, N * OUT);
    case OP_EVALUATE: return rl_evaluate(*m, g_x, g_y, N, out);
    case OP_THREADS: return rl_model_set_param(*m, RL_PARAM_THREADS, 2);
    default: return RL_E_INVALID;
    }
}

/* For every N: fail the N-th allocation of the operation (and, sticky, all
 * after it). The call returns RL_E_NOMEM with the model unchanged, then the
 * same call without failures gives what an untouched twin gets. */
static void check_op_under_failures(op o, int sticky)
{
    for (size_t fail_at = 1;; fail_at++) {
        rl_model *m = o == OP_CREATE ? NULL : model_before(o);
        snapshot before;
        if (m)
            take_ex(m, &before, 0);
        fail_plan plan = { 0, fail_at, sticky };
        float out[N * OUT];
        rl__set_alloc_hook(fail_hook, &plan);
        rl_model *created = m;
        rl_status s = run_op(o, &created, out);
        rl__set_alloc_hook(NULL, NULL);
        if (plan.count < fail_at) {
            /* Every allocation was served: the loop has tried them all. */
            assert_int_equal(s, RL_OK);
            assert_true(fail_at > 1);   /* the operation does allocate */
            rl_model_destroy(created);
            if (m)
                drop(&before);
            return;
        }
        if (o == OP_CREATE) {
            assert_int_equal(s, RL_E_NOMEM);
            assert_null(created);
            continue;
        }
        if (s != RL_OK) {
            assert_int_equal(s, RL_E_NOMEM);
            check_message(m, NULL, __LINE__);
            snapshot now;
            take_ex(m, &now, 0);
            assert_same(&before, &now);
            drop(&now);
            /* Usable: the same call now succeeds. */
            assert_int_equal(run_op(o, &m, out), RL_OK);
        }
        /* ... and gives what a model that never failed gets. */
        rl_model *twin = model_before(o);
        float twin_out[N * OUT];
        assert_int_equal(run_op(o, &twin, twin_out), RL_OK);
        snapshot a, b;
        take(m, &a);
        take(twin, &b);
        assert_same(&a, &b);
        if (o == OP_PREDICT)
            assert_memory_equal(out, twin_out, sizeof out);
        if (o == OP_EVALUATE)
            assert_true(out[0] == twin_out[0]);
        drop(&a);
        drop(&b);
        drop(&before);
        rl_model_destroy(twin);
        rl_model_destroy(m);
    }
}

static void test_allocation_failures(void **state)
{
    (void)state;
    make_data();
    /* Adding a layer: succeeds or fails cleanly when no allocation can succeed. */
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    fail_plan all = { 0, 1, 1 };
    rl__set_alloc_hook(fail_hook, &all);
    rl_status s = rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0);
    rl__set_alloc_hook(NULL, NULL);
    size_t layers = 9;
    assert_int_equal(rl_model_layer_count(m, &layers), RL_OK);
    if (s == RL_OK) {
        assert_int_equal(layers, 1);
    } else {
        assert_int_equal(s, RL_E_NOMEM);
        assert_int_equal(layers, 0);
    }
    rl_model_destroy(m);

    for (int o = 0; o < OP_COUNT; o++) {
        check_op_under_failures((op)o, 0);
        check_op_under_failures((op)o, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_null_pointers),
        cmocka_unit_test(test_create_bad_sizes),
        cmocka_unit_test(test_add_bad_layers),
        cmocka_unit_test(test_set_param_bad_values),
        cmocka_unit_test(test_compile_bad),
        cmocka_unit_test(test_calls_before_compile),
        cmocka_unit_test(test_weights_bad),
        cmocka_unit_test(test_data_bad),
        cmocka_unit_test(test_sequence_output_sizes),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
