/* Shuffling draws a new permutation every epoch (issue 10, item 8). A
 * library whose shuffle works on a copy of the generator that is never
 * advanced reuses epoch 1's order in every epoch, and stays self-consistent
 * (same seed, same result; shuffled differs from unshuffled; resume matches),
 * so only a test that knows the orders can catch it:
 *   A: a 2-epoch shuffled fit, batch 1, plain SGD (order matters);
 *   C: the same model unshuffled, fed epoch 1's permutation then epoch 2's;
 *   B: the same model unshuffled, fed epoch 1's permutation twice.
 * A must equal C bit for bit and differ from B. The permutations come from
 * the documented shuffle: Fisher-Yates (i from n-1 down to 1, j uniform in
 * [0, i]) on the model's own generator, seeded at compile from
 * RL_PARAM_SEED ^ 0x5eed5eed5eed5eed. Also: the generator state saved with
 * the model moves on with every shuffled epoch. */
#include "testutil.h"

#include <string.h>

#include "rng.h"
#include "rnnlite/rnnlite.h"

#define N 8
#define F 2
#define SEED 1234

static float xs[N * F], ys[N];

static void permutations(size_t perm[2][N])
{
    rl_rng r;
    rl__rng_seed(&r, (uint64_t)SEED ^ 0x5eed5eed5eed5eedULL);
    for (int e = 0; e < 2; e++) {
        for (size_t i = 0; i < N; i++)
            perm[e][i] = i;
        for (size_t i = N - 1; i > 0; i--) {
            size_t j = (size_t)rl__rng_below(&r, (uint64_t)i + 1);
            size_t t = perm[e][i];
            perm[e][i] = perm[e][j];
            perm[e][j] = t;
        }
    }
}

static rl_model *model(int shuffle)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, 1, F), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 3, RL_ACT_TANH), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, SEED), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, shuffle), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.2), RL_OK);
    return m;
}

/* One unshuffled epoch over the samples in the order `perm`. */
static void epoch_in_order(rl_model *m, const size_t *perm)
{
    float x[N * F], y[N];
    for (size_t i = 0; i < N; i++) {
        memcpy(x + i * F, xs + perm[i] * F, F * sizeof(float));
        y[i] = ys[perm[i]];
    }
    assert_int_equal(rl_fit(m, x, y, N, 1, 1), RL_OK);
}

static void weights(const rl_model *m, float *w)
{
    assert_int_equal(rl_model_get_weights(m, 0, w, F * 3 + 3), RL_OK);
    assert_int_equal(rl_model_get_weights(m, 1, w + F * 3 + 3, 4), RL_OK);
}

static void every_epoch_draws_a_new_order(void **state)
{
    (void)state;
    tu_fill_uniform(xs, N * F, 21, -1, 1);
    tu_fill_uniform(ys, N, 22, -1, 1);
    size_t perm[2][N];
    permutations(perm);
    assert_memory_not_equal(perm[0], perm[1], sizeof perm[0]);   /* the seed gives two orders */

    rl_model *a = model(1), *b = model(0), *c = model(0);
    assert_int_equal(rl_fit(a, xs, ys, N, 2, 1), RL_OK);
    epoch_in_order(c, perm[0]);
    epoch_in_order(c, perm[1]);
    epoch_in_order(b, perm[0]);
    epoch_in_order(b, perm[0]);
    enum { W = F * 3 + 3 + 4 };
    float wa[W], wb[W], wc[W];
    weights(a, wa);
    weights(b, wb);
    weights(c, wc);
    assert_memory_equal(wa, wc, sizeof wa);       /* epoch 2 used epoch 2's order */
    assert_memory_not_equal(wa, wb, sizeof wa);   /* ...not epoch 1's again */
    rl_model_destroy(a);
    rl_model_destroy(b);
    rl_model_destroy(c);
}

/* The generator saved with the model (OPTS: 8-byte step count, then the 32
 * bytes of its state) moves on with every shuffled epoch. */
static void saved_generator_advances(void **state)
{
    (void)state;
    unsigned char rng_after[3][32];
    for (int epochs = 0; epochs < 3; epochs++) {
        rl_model *m = model(1);
        if (epochs > 0)
            assert_int_equal(rl_fit(m, xs, ys, N, (size_t)epochs, 4), RL_OK);
        void *buf = NULL;
        size_t size = 0;
        assert_int_equal(rl_model_save_buffer(m, &buf, &size), RL_OK);
        const unsigned char *b = buf;
        size_t opts = 0;
        for (size_t at = 20; at + 16 <= size - 4;) {   /* walk the sections to OPTS */
            uint64_t len = 0;
            for (int k = 7; k >= 0; k--)
                len = len << 8 | b[at + 8 + k];
            if (memcmp(b + at, "OPTS", 4) == 0)
                opts = at + 16;
            at += 16 + (size_t)len;
        }
        assert_true(opts > 0);
        memcpy(rng_after[epochs], b + opts + 8, 32);
        rl_free(buf);
        rl_model_destroy(m);
    }
    assert_memory_not_equal(rng_after[0], rng_after[1], 32);
    assert_memory_not_equal(rng_after[1], rng_after[2], 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_epoch_draws_a_new_order),
        cmocka_unit_test(saved_generator_advances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
