/* A recurrent layer whose steps run split by rows keeps each share's rows
 * of every step in a region of its own (compute.h rl_shares) and copies
 * what the products over all rows read back to the dense arrays. The
 * layout changes where the numbers lie, never how they are computed: a
 * fit, a predict and a stateful run give the bytes of one thread on two,
 * three threads and the host's parallel-for, for every recurrent kind,
 * an input folded into the step or projected over all steps, a layer
 * that returns its sequence and one that returns its last state; and a
 * fit whose forward runs by unit blocks on the dense arrays while its
 * backward through time runs by rows on regions the forward copied. */
#include <pthread.h>
#include <string.h>

#include "compute.h"
#include "model.h"
#include "pool.h"
#include "rnnlite/rnnlite.h"
#include "testutil.h"

#define N 96      /* one batch: 48 rows for each of two threads, 32 for each of three */
#define STEPS 6
#define UNITS 24
#define MAX_W 16384
#define HOST_HOOK 4   /* `threads` value: the host's parallel-for instead */

typedef enum kind { KIND_RNN, KIND_LSTM, KIND_GRU } kind;
static const char *const kind_names[] = { "simple_rnn", "lstm", "gru" };

typedef struct run {
    float weights[3][MAX_W];
    size_t counts[3];
    float pred[2 * N];
    size_t shares;   /* the first layer's shares in its last pass */
    size_t pool_threads;   /* the threads the pool runs (at most the CPUs it may use) */
} run;

/* A host parallel-for: the tasks alternately on a new thread and here. */
typedef struct host_half {
    rl_task_fn task;
    void *data;
    size_t n, first;
} host_half;

static void *run_half(void *arg)
{
    host_half *h = arg;
    for (size_t i = h->first; i < h->n; i += 2)
        h->task(h->data, i);
    return NULL;
}

static void host_for(rl_task_fn task, void *data, size_t n, void *user)
{
    (void)user;
    host_half a = { task, data, n, 0 }, b = { task, data, n, 1 };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_half, &a), 0);
    run_half(&b);
    pthread_join(t, NULL);
}

static void add_layer(rl_model *m, kind k, int seq_out)
{
    rl_status s = k == KIND_RNN ? rl_model_add_simple_rnn(m, UNITS, RL_ACT_TANH, seq_out)
                  : k == KIND_LSTM
                      ? rl_model_add_lstm(m, UNITS, RL_ACT_TANH, RL_ACT_SIGMOID, seq_out)
                      : rl_model_add_gru(m, UNITS, RL_ACT_TANH, RL_ACT_SIGMOID, seq_out);
    assert_int_equal(s, RL_OK);
}

/* kind(seq) -> kind(last state) -> Dense(1) on `features` inputs, trained
 * two epochs of one batch (stateful: two batches of N / 2 rows, the second
 * starting from the first's states), then a predict of every sample. */
static void train(kind k, size_t features, int stateful, unsigned threads, size_t cache,
                  run *out)
{
    static float x[N * STEPS * 80], y[N];
    tu_fill_uniform(x, N * STEPS * features, 31 + features, -1, 1);
    tu_fill_uniform(y, N, 32, -1, 1);
    rl_model *m;
    assert_int_equal(rl_model_create(&m, STEPS, features), RL_OK);
    add_layer(m, k, 1);
    add_layer(m, k, 0);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 5), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, 0), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_STATEFUL, stateful), RL_OK);
    if (threads == HOST_HOOK)
        assert_int_equal(rl_model_set_parallel_for(m, host_for, NULL, 3), RL_OK);
    else
        assert_int_equal(rl_model_set_param(m, RL_PARAM_THREADS, threads), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    if (m->cx.pool)
        rl__pool_set_min_work(m->cx.pool, 0);   /* split however small the step */
    if (m->cx.pool && cache)
        rl__pool_set_private_cache(m->cx.pool, cache);
    const size_t batch = stateful ? N / 2 : N;
    assert_int_equal(rl_fit(m, x, y, N, 2, batch), RL_OK);
    out->shares = m->layers[0].shares.n;
    out->pool_threads = m->cx.pool ? rl__pool_threads(m->cx.pool) : 1;
    for (size_t l = 0; l < 3; l++) {
        assert_int_equal(rl_model_weight_count(m, l, &out->counts[l]), RL_OK);
        assert_true(out->counts[l] <= MAX_W);
        assert_int_equal(rl_model_get_weights(m, l, out->weights[l], out->counts[l]), RL_OK);
    }
    /* stateful: two predicts of N / 2 rows, the second from the first's states */
    for (size_t part = 0; part < (stateful ? 2u : 1u); part++)
        assert_int_equal(rl_predict(m, x + part * batch * STEPS * features, batch,
                                    out->pred + part * batch, batch),
                         RL_OK);
    if (!stateful && !cache)
        assert_int_equal(m->layers[0].shares.n, out->shares);   /* predict split alike */
    rl_model_destroy(m);
}

static void same_bytes_on_every_thread_count(int stateful)
{
    static run ref, got;
    const size_t features[2] = { 3, 70 };   /* folded into the step; projected (> 64) */
    for (kind k = KIND_RNN; k <= KIND_GRU; k++)
        for (size_t f = 0; f < 2; f++) {
            train(k, features[f], stateful, 1, 0, &ref);
            assert_int_equal(ref.shares, 1);
            for (unsigned threads = 2; threads <= HOST_HOOK; threads++) {
                train(k, features[f], stateful, threads, 0, &got);
                /* the regions are the point: on a path with the fused step,
                   the pool's threads each took a share of their own */
                rl_compute fused = { NULL, NULL };
                if (rl__step_fused(&fused) && threads < HOST_HOOK)
                    assert_int_equal(got.shares, got.pool_threads);
                else if (rl__step_fused(&fused))
                    assert_true(got.shares > 1);
                for (size_t l = 0; l < 3; l++) {
                    assert_int_equal(got.counts[l], ref.counts[l]);
                    if (memcmp(got.weights[l], ref.weights[l], ref.counts[l] * sizeof(float))) {
                        print_error("%s, %zu inputs, stateful %d: layer %zu differs on %u "
                                    "threads\n", kind_names[k], features[f], stateful, l,
                                    threads);
                        fail();
                    }
                }
                if (memcmp(got.pred, ref.pred, N * sizeof(float))) {
                    print_error("%s, %zu inputs, stateful %d: predictions differ on %u threads\n",
                                kind_names[k], features[f], stateful, threads);
                    fail();
                }
            }
        }
}

static const size_t gates_of[] = { 1, 4, 3 };

/* A private cache under which the first layer's steps of a fit (kind k,
 * `features` folded inputs) do not split by rows but its backward through
 * time (over U^T) does, on a pool of two threads; 0 when there is none. */
static size_t cache_for_backward_by_rows(kind k, size_t features)
{
    rl_pool *p;
    assert_int_equal(rl__pool_create(2, 0, &p), RL_OK);
    rl_compute cx = { NULL, p };
    static float dummy[1];
    const size_t g = gates_of[k] * UNITS;
    int ok = 1;
    const size_t bptt_bytes = rl__packed_size(g, UNITS, &ok) * sizeof(float);
    const rl_cell_step first = { .batch = N, .u = UNITS, .in = features, .x = dummy,
                                 .packed = dummy };
    rl_shares sh;
    size_t lo = 1, hi = (size_t)1 << 30;   /* the least cache under which it splits */
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        rl__pool_set_private_cache(p, mid);
        rl__rows_shares(&cx, N, bptt_bytes, &sh);
        if (sh.n > 1)
            hi = mid;
        else
            lo = mid + 1;
    }
    rl__pool_set_private_cache(p, lo);
    rl__rows_shares(&cx, N, bptt_bytes, &sh);
    size_t cache = sh.n > 1 && rl__step_fused(&cx) && rl__step_folds_input(&cx, features, UNITS,
                                                                           (unsigned)gates_of[k])
                       ? lo
                       : 0;
    if (cache) {
        rl__step_shares(&cx, &first, (unsigned)gates_of[k], STEPS, &sh);
        if (sh.n > 1)
            cache = 0;
    }
    rl__pool_destroy(p);
    return cache;
}

/* The forward's steps by unit blocks on the dense arrays, its caches then
 * copied to the regions the backward through time's row shares read. */
static void test_backward_by_regions_after_forward_by_units(void **state)
{
    (void)state;
    static run ref, got;
    size_t tried = 0;
    for (kind k = KIND_RNN; k <= KIND_GRU; k++) {
        const size_t cache = cache_for_backward_by_rows(k, 3);
        if (!cache)
            continue;
        tried++;
        train(k, 3, 0, 1, 0, &ref);
        train(k, 3, 0, 2, cache, &got);
        assert_true(got.shares > 1);
        for (size_t l = 0; l < 3; l++)
            if (memcmp(got.weights[l], ref.weights[l], ref.counts[l] * sizeof(float))) {
                print_error("%s: layer %zu differs\n", kind_names[k], l);
                fail();
            }
        assert_memory_equal(got.pred, ref.pred, N * sizeof(float));
    }
    rl_compute fused = { NULL, NULL };
    if (rl__step_fused(&fused))
        assert_true(tried > 0);   /* the GRU's packed step outgrows its U^T */
}

static void test_fit_and_predict_by_regions(void **state)
{
    (void)state;
    same_bytes_on_every_thread_count(0);
}

static void test_stateful_by_regions(void **state)
{
    (void)state;
    same_bytes_on_every_thread_count(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_and_predict_by_regions),
        cmocka_unit_test(test_stateful_by_regions),
        cmocka_unit_test(test_backward_by_regions_after_forward_by_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
