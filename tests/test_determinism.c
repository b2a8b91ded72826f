/* A trained model is bit-identical whichever kernel path and thread count
 * produced it: every path accumulates each output in the same order with
 * fused multiply-adds, the cell math is one template, and threads split
 * outputs, never sums. */
#include <stdatomic.h>
#include <string.h>

#include "compute.h"
#include "kernels/kernels.h"
#include "model.h"
#include "pool.h"
#include "rnnlite/rnnlite.h"
#include "testutil.h"

#define N 64
#define T 7
#define F 3

typedef struct trained {
    float weights[5][8192];
    size_t counts[5];
    float pred[N * T * 2];
} trained;

/* The host parallel-for's calls (tu_host_for). */
static atomic_int host_calls;

#define HOST_HOOK 4   /* `threads` value: the host's parallel-for instead */

/* The model's threads: a count, or HOST_HOOK for the host parallel-for of
 * concurrency 3. */
static void use_threads(rl_model *m, unsigned threads)
{
    if (threads == HOST_HOOK)
        assert_int_equal(rl_model_set_parallel_for(m, tu_host_for, &host_calls, 3), RL_OK);
    else
        assert_int_equal(rl_model_set_param(m, RL_PARAM_THREADS, threads), RL_OK);
}

/* Trains a stack of every layer kind on `kernels` with `threads` workers
 * (or the host hook), every threaded piece split however small it is. */
static void train(const rl_kernels *kernels, unsigned threads, int seq_out, trained *out)
{
    static float x[N * T * F], y[N * T * 2];
    tu_fill_uniform(x, N * T * F, 11, -1, 1);
    tu_fill_uniform(y, N * T * 2, 12, -1, 1);
    rl_model *m;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 33, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 17, RL_ACT_RELU, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru_reset_before(m, 11, RL_ACT_TANH, RL_ACT_HARD_SIGMOID, 1),
                     RL_OK);
    assert_int_equal(rl_model_add_simple_rnn(m, 20, RL_ACT_TANH, seq_out), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 5), RL_OK);
    use_threads(m, threads);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_VALIDATION_SPLIT, 0.2), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    rl__pool_set_min_work(m->cx.pool, 0);   /* NULL (one thread) is harmless */
    m->cx.kernels = kernels;   /* force the path for this model only */
    /* Batches of 32 and 19 (the validation split leaves 51 samples): with two
     * threads a batch of 32 splits its steps by rows (one share of rows per
     * thread, compute.c split_by_rows), 19 rows and three threads by unit
     * blocks; the predict's 64 rows by rows on every count. */
    assert_int_equal(rl_fit(m, x, y, N, 2, 32), RL_OK);
    for (size_t l = 0; l < 5; l++) {
        assert_int_equal(rl_model_weight_count(m, l, &out->counts[l]), RL_OK);
        assert_true(out->counts[l] <= 8192);
        assert_int_equal(rl_model_get_weights(m, l, out->weights[l], out->counts[l]), RL_OK);
    }
    assert_int_equal(rl_predict(m, x, N, out->pred, N * T * 2), RL_OK);
    rl_model_destroy(m);
}

static void check_identical(int seq_out)
{
    const rl_kernels *paths[4] = { rl__kernels_scalar(), rl__kernels_avx2(), rl__kernels_avx512(),
                                   rl__kernels_neon() };
    static trained ref, got;
    memset(&ref, 0xAB, sizeof ref);   /* the same filler where nothing is written */
    train(paths[0], 1, seq_out, &ref);
    int compared = 0;
    for (size_t p = 0; p < 4; p++) {
        if (!paths[p])
            continue;
        for (unsigned threads = 1; threads <= HOST_HOOK; threads++) {
            if (p == 0 && threads == 1)
                continue;
            memset(&got, 0xAB, sizeof got);
            train(paths[p], threads, seq_out, &got);
            for (size_t l = 0; l < 5; l++) {
                assert_int_equal(got.counts[l], ref.counts[l]);
                if (memcmp(got.weights[l], ref.weights[l], ref.counts[l] * sizeof(float)) != 0) {
                    print_error("layer %zu weights differ on %s with %u threads\n", l,
                                paths[p]->name, threads);
                    fail();
                }
            }
            if (memcmp(got.pred, ref.pred, sizeof ref.pred) != 0) {
                print_error("predictions differ on %s with %u threads\n", paths[p]->name, threads);
                fail();
            }
            compared++;
        }
    }
    assert_true(compared >= 3);   /* at least scalar with 2, 3 threads and the hook */
    assert_true(atomic_load(&host_calls) > 0);
}

static void test_last_state_output(void **state)
{
    (void)state;
    check_identical(0);
}

static void test_sequence_output(void **state)
{
    (void)state;
    check_identical(1);
}

/* A SimpleRNN large enough that its weight gradient runs in two fixed
 * halves of k (compute.h rl__gemm_at_rows_halves: SimpleRNN(64), T = 32,
 * batch 128): the halves are the shape's, so every path and thread count
 * (2 threads: one half each; 3 and the host hook: uneven) trains the same
 * bytes. One SGD step: the weights move by lr times the gradient itself
 * (Adam's first step is about lr times its sign). */
#define RNN_T 32
#define RNN_N 128
#define RNN_U 64

static void train_rnn(const rl_kernels *kernels, unsigned threads, float *w, size_t *count)
{
    static float x[RNN_N * RNN_T], y[RNN_N];
    tu_fill_uniform(x, RNN_N * RNN_T, 21, -1, 1);
    tu_fill_uniform(y, RNN_N, 22, -1, 1);
    rl_model *m;
    assert_int_equal(rl_model_create(&m, RNN_T, 1), RL_OK);
    assert_int_equal(rl_model_add_simple_rnn(m, RNN_U, RL_ACT_TANH, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 7), RL_OK);
    use_threads(m, threads);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    rl__pool_set_min_work(m->cx.pool, 0);
    m->cx.kernels = kernels;
    assert_int_equal(rl_fit(m, x, y, RNN_N, 1, RNN_N), RL_OK);
    assert_int_equal(rl_model_weight_count(m, 0, count), RL_OK);
    assert_true(*count <= 8192);
    assert_int_equal(rl_model_get_weights(m, 0, w, *count), RL_OK);
    rl_model_destroy(m);
}

static void test_simple_rnn_gradient_halves(void **state)
{
    (void)state;
    assert_true(rl__gemm_at_halves_split(1 + RNN_U + 1, RNN_U, RNN_T, RNN_N) > 0);
    const rl_kernels *paths[4] = { rl__kernels_scalar(), rl__kernels_avx2(), rl__kernels_avx512(),
                                   rl__kernels_neon() };
    static float ref[8192], got[8192];
    size_t ref_n = 0, got_n = 0;
    train_rnn(paths[0], 1, ref, &ref_n);
    for (size_t p = 0; p < 4; p++)
        for (unsigned threads = 1; paths[p] && threads <= HOST_HOOK; threads++) {
            if (p == 0 && threads == 1)
                continue;
            train_rnn(paths[p], threads, got, &got_n);
            assert_int_equal(got_n, ref_n);
            if (memcmp(got, ref, ref_n * sizeof(float)) != 0) {
                print_error("SimpleRNN weights differ on %s with %u threads\n", paths[p]->name,
                            threads);
                fail();
            }
        }
}

/* Predict with layers wide enough that the fused step's k runs in several
 * passes on AVX-512 (LSTM(144), GRU(200): the chains wait in the chain area
 * between passes) and a batch of 64 that the forward splits by rows on 2
 * and 3 threads and the host hook, where each thread's rows keep their
 * chains at their own place in the area (compute.c chain_rows_offset): the
 * bytes of one scalar thread. (Split by rows only where the packed weights,
 * 0.4 and 0.5 MB, fit a thread's L2 as the pool reads it; else by unit
 * blocks, the same bits either way.) */
#define WIDE_T 3
#define WIDE_N 64
#define WIDE_U 200

static void predict_wide(const rl_kernels *kernels, unsigned threads, float *out)
{
    static float x[WIDE_N * WIDE_T];
    tu_fill_uniform(x, WIDE_N * WIDE_T, 31, -1, 1);
    rl_model *m;
    assert_int_equal(rl_model_create(&m, WIDE_T, 1), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 144, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, WIDE_U, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 9), RL_OK);
    use_threads(m, threads);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    rl__pool_set_min_work(m->cx.pool, 0);
    m->cx.kernels = kernels;
    assert_int_equal(rl_predict(m, x, WIDE_N, out, WIDE_N * WIDE_U), RL_OK);
    rl_model_destroy(m);
}

static void test_wide_predict_by_rows(void **state)
{
    (void)state;
    const rl_kernels *paths[4] = { rl__kernels_scalar(), rl__kernels_avx2(), rl__kernels_avx512(),
                                   rl__kernels_neon() };
    static float ref[WIDE_N * WIDE_U], got[WIDE_N * WIDE_U];
    predict_wide(paths[0], 1, ref);
    for (size_t p = 0; p < 4; p++)
        for (unsigned threads = 1; paths[p] && threads <= HOST_HOOK; threads++) {
            if (p == 0 && threads == 1)
                continue;
            memset(got, 0xAB, sizeof got);
            predict_wide(paths[p], threads, got);
            if (memcmp(got, ref, sizeof ref) != 0) {
                print_error("wide predictions differ on %s with %u threads\n", paths[p]->name,
                            threads);
                fail();
            }
        }
}

/* The library and this test are compiled with the same flags. A float
 * expression must round to float at every operation, as on x86-64 SSE and
 * AArch64: gcc's s390x port evaluates float in double under -std=c11 unless
 * -fexcess-precision=fast (meson.build), and i686's x87 in 80 bits unless
 * -mfpmath=sse (cross/i686.ini). Either would change a trained model's bytes
 * (docs/portability.md). */
static void test_float_expressions_round_to_float(void **state)
{
    (void)state;
    volatile float big = 16777216.0f, one = 1.0f;   /* 2^24: 2^24 + 1 is not a float */
    float sum = big + one - big;
    assert_true(sum == 0.0f);
    volatile float third = 1.0f / 3.0f;
    float prod = third * 3.0f - 1.0f;   /* in float 1/3 * 3 rounds to exactly 1 */
    assert_true(prod == 0.0f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_expressions_round_to_float),
        cmocka_unit_test(test_last_state_output),
        cmocka_unit_test(test_sequence_output),
        cmocka_unit_test(test_simple_rnn_gradient_halves),
        cmocka_unit_test(test_wide_predict_by_rows),
    };
    return cmocka_run_group_tests_name("determinism", tests, NULL, NULL);
}
