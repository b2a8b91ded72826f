/* rl_fit() semantics (Keras model.fit): learning with every layer kind,
 * optimiser and loss; what the history records; the validation tail; early
 * stopping with restored weights; the epoch callback; shuffling; resuming;
 * threads. Independent references are other calls of the API on models with
 * the same weights (rl_evaluate, a clone trained on a subset), not the
 * library's own internals. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

#define T 5
#define F 2
#define MAX_LAYERS 4
#define MAX_EPOCHS 64

typedef enum kind { K_DENSE, K_RNN, K_LSTM, K_GRU, K_COUNT } kind;

/* Target of sample s: a smooth function of its window (learnable by all kinds). */
static void make_problem(float *x, float *y, size_t n, uint64_t seed)
{
    tu_fill_uniform(x, n * T * F, seed, -1, 1);
    for (size_t s = 0; s < n; s++) {
        double sum = 0;
        for (size_t t = 0; t < T; t++)
            sum += x[(s * T + t) * F] * (t + 1.0) / T - 0.5 * x[(s * T + t) * F + 1];
        y[s] = (float)(0.5 * sum);
    }
}

static rl_model *build(kind k, size_t units, double seed)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, seed), RL_OK);
    switch (k) {
    case K_DENSE:   /* Dense on the sequence is per step: end in a recurrent layer anyway */
        assert_int_equal(rl_model_add_dense(m, units, RL_ACT_TANH), RL_OK);
        assert_int_equal(rl_model_add_simple_rnn(m, units, RL_ACT_LINEAR, 0), RL_OK);
        break;
    case K_RNN: assert_int_equal(rl_model_add_simple_rnn(m, units, RL_ACT_TANH, 0), RL_OK); break;
    case K_LSTM:
        assert_int_equal(rl_model_add_lstm(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        break;
    default:
        assert_int_equal(rl_model_add_gru(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        break;
    }
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    return m;
}

static size_t n_layers(const rl_model *m)
{
    size_t n = 0;
    assert_int_equal(rl_model_layer_count(m, &n), RL_OK);
    return n;
}

/* All weights of a model, layer after layer, in one malloc'ed array. */
static float *all_weights(const rl_model *m, size_t *total)
{
    size_t layers = n_layers(m), count[MAX_LAYERS], sum = 0;
    for (size_t i = 0; i < layers; i++) {
        assert_int_equal(rl_model_weight_count(m, i, &count[i]), RL_OK);
        sum += count[i];
    }
    float *w = malloc(sum * sizeof(float)), *at = w;
    for (size_t i = 0; i < layers; i++) {
        assert_int_equal(rl_model_get_weights(m, i, at, count[i]), RL_OK);
        at += count[i];
    }
    *total = sum;
    return w;
}

static void set_all_weights(rl_model *m, const float *w)
{
    for (size_t i = 0; i < n_layers(m); i++) {
        size_t c;
        assert_int_equal(rl_model_weight_count(m, i, &c), RL_OK);
        assert_int_equal(rl_model_set_weights(m, i, w, c), RL_OK);
        w += c;
    }
}

static void assert_same_weights(const rl_model *a, const rl_model *b)
{
    size_t na, nb;
    float *wa = all_weights(a, &na), *wb = all_weights(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(wa, wb, na * sizeof(float));
    free(wa);
    free(wb);
}

static float evaluate(rl_model *m, const float *x, const float *y, size_t n)
{
    float loss = NAN;
    assert_int_equal(rl_evaluate(m, x, y, n, &loss), RL_OK);
    return loss;
}

static size_t history(const rl_model *m, float *loss, float *val)
{
    size_t n = 0;
    assert_int_equal(rl_model_history(m, loss, val, MAX_EPOCHS, &n), RL_OK);
    return n;
}

/* ---- learning ------------------------------------------------------------- */

#define LEARN_N 64

static void check_learns(kind k, rl_optimizer opt, double lr, double momentum, rl_loss loss,
                         size_t epochs)
{
    float x[LEARN_N * T * F], y[LEARN_N];
    make_problem(x, y, LEARN_N, 4);
    rl_model *m = build(k, 8, 11);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, lr), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_MOMENTUM, momentum), RL_OK);
    assert_int_equal(rl_model_compile(m, opt, loss), RL_OK);
    float before = evaluate(m, x, y, LEARN_N);
    assert_int_equal(rl_fit(m, x, y, LEARN_N, epochs, 8), RL_OK);
    float after = evaluate(m, x, y, LEARN_N);
    float hist[MAX_EPOCHS];
    assert_int_equal(history(m, hist, NULL), epochs);
    if (!(after < 0.5f * before) || !(hist[epochs - 1] < hist[0])) {
        print_error("kind %d opt %d loss %d: loss %g -> %g (history %g -> %g)\n", (int)k,
                    (int)opt, (int)loss, (double)before, (double)after, (double)hist[0],
                    (double)hist[epochs - 1]);
        fail();
    }
    rl_model_destroy(m);
}

static void test_every_kind_and_optimizer_learns(void **state)
{
    (void)state;
    for (int k = 0; k < K_COUNT; k++) {
        check_learns((kind)k, RL_OPT_SGD, 0.1, 0, RL_LOSS_MSE, 30);
        check_learns((kind)k, RL_OPT_SGD, 0.02, 0.9, RL_LOSS_MSE, 30);
        check_learns((kind)k, RL_OPT_ADAM, 0.01, 0, RL_LOSS_MSE, 30);
        check_learns((kind)k, RL_OPT_RMSPROP, 0.005, 0, RL_LOSS_MSE, 30);
        check_learns((kind)k, RL_OPT_RMSPROP, 0.002, 0.5, RL_LOSS_MSE, 30);
    }
}

static void test_every_loss_learns(void **state)
{
    (void)state;
    for (int k = 0; k < K_COUNT; k++) {
        check_learns((kind)k, RL_OPT_ADAM, 0.01, 0, RL_LOSS_MAE, 30);
        check_learns((kind)k, RL_OPT_ADAM, 0.01, 0, RL_LOSS_HUBER, 30);
    }
}

/* ---- what the history records --------------------------------------------- */

/* One batch per epoch: the epoch loss is the loss before that epoch's step,
 * which rl_evaluate gives on the same weights. */
static void test_epoch_loss_single_batch(void **state)
{
    (void)state;
    enum { n = 20, epochs = 4 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 5);
    static const rl_loss losses[3] = { RL_LOSS_MSE, RL_LOSS_MAE, RL_LOSS_HUBER };
    for (size_t li = 0; li < 3; li++) {
        rl_model *m = build(K_LSTM, 4, 2);
        assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, losses[li]), RL_OK);
        assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.05), RL_OK);
        for (size_t e = 0; e < epochs; e++) {
            float want = evaluate(m, x, y, n);
            assert_int_equal(rl_fit(m, x, y, n, 1, n), RL_OK);
            float got[MAX_EPOCHS], val[MAX_EPOCHS];
            assert_int_equal(history(m, got, val), 1);
            assert_float_equal(got[0], want, 1e-6f * want);
            assert_true(isnan(val[0]));   /* no validation split */
        }
        /* A batch larger than n is clamped: the same single batch. */
        float want = evaluate(m, x, y, n);
        assert_int_equal(rl_fit(m, x, y, n, 1, 10 * n), RL_OK);
        float got[MAX_EPOCHS];
        assert_int_equal(history(m, got, NULL), 1);
        assert_float_equal(got[0], want, 1e-6f * want);
        rl_model_destroy(m);
    }
}

/* Several batches of unequal size at learning rate 0 (weights never move):
 * the sample-weighted mean of the batch losses is the loss over all samples.
 * An unweighted mean of batch means would differ. */
static void test_epoch_loss_is_sample_weighted(void **state)
{
    (void)state;
    enum { n = 10 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 6);
    for (size_t i = 8; i < n; i++)
        y[i] += 3;   /* the short last batch has a much larger loss */
    rl_model *m = build(K_GRU, 4, 3);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, 0), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    float want = evaluate(m, x, y, n);
    float head = evaluate(m, x, y, 8), tail = evaluate(m, x + 8 * T * F, y + 8, 2);
    assert_int_equal(rl_fit(m, x, y, n, 2, 4), RL_OK);   /* batches 4, 4, 2 */
    float got[MAX_EPOCHS];
    assert_int_equal(history(m, got, NULL), 2);
    assert_float_equal(got[0], want, 1e-6f * want);
    assert_float_equal(got[1], want, 1e-6f * want);
    float unweighted = (head + head + tail) / 3;   /* batches 1 and 2 average to `head` */
    assert_true(fabsf(unweighted - want) > 0.1f * want);
    rl_model_destroy(m);
}

/* ---- validation ------------------------------------------------------------ */

typedef struct weight_log {
    size_t epochs;
    float *w[MAX_EPOCHS + 1];   /* weights after each epoch, from 1 */
    float loss[MAX_EPOCHS + 1], val[MAX_EPOCHS + 1];
    const rl_model *m;
    size_t stop_at;             /* return 1 at this epoch; 0 = never */
} weight_log;

static int log_weights(size_t epoch, float loss, float val_loss, void *user)
{
    weight_log *log = user;
    assert_int_equal(epoch, log->epochs + 1);   /* 1, 2, 3, ... */
    assert_true(epoch <= MAX_EPOCHS);
    size_t n;
    log->w[epoch] = all_weights(log->m, &n);
    log->loss[epoch] = loss;
    log->val[epoch] = val_loss;
    log->epochs = epoch;
    return log->stop_at != 0 && epoch == log->stop_at;
}

static void free_log(weight_log *log)
{
    for (size_t e = 0; e <= MAX_EPOCHS; e++)
        free(log->w[e]);
}

/* The tail is the validation set: val_loss of each epoch is rl_evaluate on
 * the tail with that epoch's weights; the training loss with batch = n_train
 * is rl_evaluate on the head with the previous epoch's weights. */
static void test_validation_is_the_tail(void **state)
{
    (void)state;
    enum { n = 20, n_train = 15, epochs = 5 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 7);
    for (size_t i = n_train; i < n; i++)
        y[i] = -y[i] + 0.5f;   /* head and tail losses differ */
    rl_model *m = build(K_RNN, 5, 4), *probe = build(K_RNN, 5, 4);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.25), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_model_compile(probe, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    weight_log log = { .m = m };
    size_t total;
    log.w[0] = all_weights(m, &total);
    assert_int_equal(rl_model_set_epoch_callback(m, log_weights, &log), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.01), RL_OK);
    assert_int_equal(rl_fit(m, x, y, n, epochs, n_train), RL_OK);

    float loss[MAX_EPOCHS], val[MAX_EPOCHS];
    assert_int_equal(history(m, loss, val), epochs);
    assert_int_equal(log.epochs, epochs);
    for (size_t e = 1; e <= epochs; e++) {
        assert_true(loss[e - 1] == log.loss[e]);
        assert_true(val[e - 1] == log.val[e]);
        set_all_weights(probe, log.w[e]);
        float tail = evaluate(probe, x + n_train * T * F, y + n_train, n - n_train);
        float head_after = evaluate(probe, x, y, n_train);
        assert_float_equal(val[e - 1], tail, 1e-6f * tail);
        assert_true(fabsf(val[e - 1] - head_after) > 0.01f * tail);
        set_all_weights(probe, log.w[e - 1]);
        float head = evaluate(probe, x, y, n_train);
        assert_float_equal(loss[e - 1], head, 1e-6f * head);
    }
    /* After the fit (patience 0: no restore), the last val_loss is the tail's loss. */
    float tail = evaluate(m, x + n_train * T * F, y + n_train, n - n_train);
    assert_true(val[epochs - 1] == tail);
    free_log(&log);
    rl_model_destroy(m);
    rl_model_destroy(probe);
}

/* Training never sees the tail: a model fitted on all n with split 0.25 ends
 * with the same bits as one fitted on the first 75% alone (same seed, so the
 * same shuffles). */
static void test_validation_tail_not_trained_on(void **state)
{
    (void)state;
    enum { n = 24, n_train = 18 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 8);
    rl_model *a = build(K_LSTM, 4, 5), *b = build(K_LSTM, 4, 5);
    assert_int_equal(rl_model_set_param(a, RL_PARAM_VALIDATION_SPLIT, 0.25), RL_OK);
    assert_int_equal(rl_model_compile(a, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_model_compile(b, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_fit(a, x, y, n, 3, 5), RL_OK);
    assert_int_equal(rl_fit(b, x, y, n_train, 3, 5), RL_OK);
    assert_same_weights(a, b);
    float la[MAX_EPOCHS], lb[MAX_EPOCHS], va[MAX_EPOCHS];
    assert_int_equal(history(a, la, va), 3);
    assert_int_equal(history(b, lb, NULL), 3);
    assert_memory_equal(la, lb, 3 * sizeof(float));
    assert_true(isfinite(va[0]) && isfinite(va[2]));
    rl_model_destroy(a);
    rl_model_destroy(b);
}

static void test_validation_split_too_large(void **state)
{
    (void)state;
    enum { n = 10 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 9);
    rl_model *m = build(K_GRU, 3, 1);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.99), RL_OK);
    assert_int_equal(rl_fit(m, x, y, n, 1, 4), RL_E_INVALID);
    assert_non_null(strstr(rl_model_last_error(m), "validation"));
    /* 0.85 of 10 leaves one training sample: fine. (0.9 would leave none:
     * 10 * (1 - 0.9) is 0.99999... in double, as in Keras.) */
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.85), RL_OK);
    assert_int_equal(rl_fit(m, x, y, n, 1, 4), RL_OK);
    rl_model_destroy(m);
}

/* ---- early stopping ------------------------------------------------------- */

/* The tail wants half of what the head teaches, so the validation loss
 * falls while the output grows from 0 and rises once it overshoots. */
static void test_early_stopping_restores_best(void **state)
{
    (void)state;
    enum { n = 40, n_train = 30, patience = 3, epochs = 60 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 10);
    for (size_t i = 0; i < n; i++)
        y[i] *= 2;
    for (size_t i = n_train; i < n; i++)
        y[i] *= 0.5f;
    rl_model *m = build(K_GRU, 6, 6);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.25), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_PATIENCE, patience), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.01), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    weight_log log = { .m = m };
    assert_int_equal(rl_model_set_epoch_callback(m, log_weights, &log), RL_OK);
    assert_int_equal(rl_fit(m, x, y, n, epochs, 10), RL_OK);

    float loss[MAX_EPOCHS], val[MAX_EPOCHS];
    size_t ran = history(m, loss, val);
    assert_int_equal(ran, log.epochs);
    size_t best = 1;
    for (size_t e = 1; e <= ran; e++)
        if (val[e - 1] < val[best - 1])
            best = e;
    /* It stopped: `patience` epochs without improvement after the best one,
     * and the best one is not the first (the loss did fall first). */
    assert_true(ran < epochs);
    assert_int_equal(ran, best + patience);
    assert_true(best > 1);
    size_t total;
    float *now = all_weights(m, &total);
    assert_memory_equal(now, log.w[best], total * sizeof(float));
    assert_true(memcmp(now, log.w[ran], total * sizeof(float)) != 0);
    /* The restored weights give the best validation loss. */
    float tail = evaluate(m, x + n_train * T * F, y + n_train, n - n_train);
    assert_true(tail == val[best - 1]);
    free(now);
    free_log(&log);
    rl_model_destroy(m);
}

/* ---- the callback ----------------------------------------------------------- */

static void test_callback_epochs_and_stop(void **state)
{
    (void)state;
    enum { n = 16 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 11);
    rl_model *m = build(K_LSTM, 3, 7);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    weight_log log = { .m = m };
    assert_int_equal(rl_model_set_epoch_callback(m, log_weights, &log), RL_OK);
    assert_int_equal(rl_fit(m, x, y, n, 6, 4), RL_OK);
    assert_int_equal(log.epochs, 6);
    float loss[MAX_EPOCHS], val[MAX_EPOCHS];
    assert_int_equal(history(m, loss, val), 6);
    for (size_t e = 1; e <= 6; e++) {
        assert_true(loss[e - 1] == log.loss[e]);
        assert_true(isnan(log.val[e]));
    }
    free_log(&log);

    /* Returning non-zero at epoch 3 ends training there, successfully, and
     * the weights are those after epoch 3. */
    weight_log stop = { .m = m, .stop_at = 3 };
    assert_int_equal(rl_model_set_epoch_callback(m, log_weights, &stop), RL_OK);
    assert_int_equal(rl_fit(m, x, y, n, 10, 4), RL_OK);
    assert_int_equal(stop.epochs, 3);
    assert_int_equal(history(m, loss, NULL), 3);
    size_t total;
    float *now = all_weights(m, &total);
    assert_memory_equal(now, stop.w[3], total * sizeof(float));
    free(now);
    free_log(&stop);

    /* Removed: training runs again without calls. */
    assert_int_equal(rl_model_set_epoch_callback(m, NULL, NULL), RL_OK);
    assert_int_equal(rl_fit(m, x, y, n, 2, 4), RL_OK);
    assert_int_equal(history(m, loss, NULL), 2);
    rl_model_destroy(m);
}

/* ---- shuffling, resuming, threads ------------------------------------------ */

static rl_model *fitted(double seed, double shuffle, double threads, const float *x,
                        const float *y, size_t n, size_t epochs)
{
    rl_model *m = build(K_GRU, 5, seed);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, shuffle), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_THREADS, threads), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_fit(m, x, y, n, epochs, 4), RL_OK);
    return m;
}

static int weights_differ(const rl_model *a, const rl_model *b)
{
    size_t na, nb;
    float *wa = all_weights(a, &na), *wb = all_weights(b, &nb);
    int differ = na != nb || memcmp(wa, wb, na * sizeof(float)) != 0;
    free(wa);
    free(wb);
    return differ;
}

static void test_shuffle(void **state)
{
    (void)state;
    enum { n = 24 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 12);
    rl_model *a = fitted(3, 1, 1, x, y, n, 3), *b = fitted(3, 1, 1, x, y, n, 3);
    rl_model *c = fitted(3, 0, 1, x, y, n, 3), *d = fitted(3, 0, 1, x, y, n, 3);
    assert_same_weights(a, b);   /* shuffled with the same seed: reproducible */
    assert_same_weights(c, d);
    assert_true(weights_differ(a, c));   /* shuffling changes the batches */
    rl_model_destroy(a);
    rl_model_destroy(b);
    rl_model_destroy(c);
    rl_model_destroy(d);
}

/* Shuffle off trains on the batches in the order given: one epoch over 24
 * samples in batches of 4 is six fits of one batch each (Adam's state
 * carries over between fits). */
static void test_no_shuffle_keeps_order(void **state)
{
    (void)state;
    enum { n = 24, batch = 4 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 15);
    rl_model *whole = fitted(6, 0, 1, x, y, n, 1);
    rl_model *parts = build(K_GRU, 5, 6);
    assert_int_equal(rl_model_set_param(parts, RL_PARAM_SHUFFLE, 0), RL_OK);
    assert_int_equal(rl_model_compile(parts, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    for (size_t at = 0; at < n; at += batch)
        assert_int_equal(rl_fit(parts, x + at * T * F, y + at, batch, 1, batch), RL_OK);
    assert_same_weights(whole, parts);
    /* Shuffled, the same epoch takes other batches. */
    rl_model *shuffled = fitted(6, 1, 1, x, y, n, 1);
    assert_true(weights_differ(whole, shuffled));
    rl_model_destroy(whole);
    rl_model_destroy(parts);
    rl_model_destroy(shuffled);
}

/* fit(2) then fit(3) is fit(5): weights, optimiser state (Adam's t and
 * moments) and the shuffling stream all carry over. */
static void test_continue_fit(void **state)
{
    (void)state;
    enum { n = 20 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 13);
    rl_model *once = fitted(9, 1, 1, x, y, n, 5);
    rl_model *twice = fitted(9, 1, 1, x, y, n, 2);
    assert_int_equal(rl_fit(twice, x, y, n, 3, 4), RL_OK);
    assert_same_weights(once, twice);
    float h5[MAX_EPOCHS], h3[MAX_EPOCHS];
    assert_int_equal(history(once, h5, NULL), 5);
    assert_int_equal(history(twice, h3, NULL), 3);
    assert_memory_equal(h5 + 2, h3, 3 * sizeof(float));
    rl_model_destroy(once);
    rl_model_destroy(twice);
}

static void test_threads_bit_identical(void **state)
{
    (void)state;
    enum { n = 40 };
    float x[n * T * F], y[n];
    make_problem(x, y, n, 14);
    rl_model *one = fitted(2, 1, 1, x, y, n, 3), *two = fitted(2, 1, 2, x, y, n, 3);
    assert_same_weights(one, two);
    float p1[n], p2[n];
    assert_int_equal(rl_predict(one, x, n, p1, n), RL_OK);
    assert_int_equal(rl_predict(two, x, n, p2, n), RL_OK);
    assert_memory_equal(p1, p2, sizeof p1);
    /* Switching thread counts between fits changes nothing either. */
    assert_int_equal(rl_model_set_param(one, RL_PARAM_THREADS, 2), RL_OK);
    assert_int_equal(rl_model_set_param(two, RL_PARAM_THREADS, 1), RL_OK);
    assert_int_equal(rl_fit(one, x, y, n, 1, 8), RL_OK);
    assert_int_equal(rl_fit(two, x, y, n, 1, 8), RL_OK);
    assert_same_weights(one, two);
    rl_model_destroy(one);
    rl_model_destroy(two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_and_optimizer_learns),
        cmocka_unit_test(test_every_loss_learns),
        cmocka_unit_test(test_epoch_loss_single_batch),
        cmocka_unit_test(test_epoch_loss_is_sample_weighted),
        cmocka_unit_test(test_validation_is_the_tail),
        cmocka_unit_test(test_validation_tail_not_trained_on),
        cmocka_unit_test(test_validation_split_too_large),
        cmocka_unit_test(test_early_stopping_restores_best),
        cmocka_unit_test(test_callback_epochs_and_stop),
        cmocka_unit_test(test_shuffle),
        cmocka_unit_test(test_no_shuffle_keeps_order),
        cmocka_unit_test(test_continue_fit),
        cmocka_unit_test(test_threads_bit_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
