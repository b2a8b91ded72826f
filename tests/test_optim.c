/* lib/optim.c against the tf.keras (>= 2.11) update formulas, written out
 * again here in double, and against a few values computed by hand (Python,
 * float64). The library works in float, so the comparisons allow float
 * rounding of a few steps. */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "optim.h"

#define N 5
#define STEPS 3

static const float w0[N] = { 0.5f, -1.25f, 2.0f, 0.0f, -0.03125f };
static const float grads[STEPS][N] = {
    { 0.5f, -2.0f, 0.125f, 1e-3f, -0.75f },
    { -0.25f, 1.5f, 0.25f, 0.0f, -0.5f },
    { 1.0f, -0.1f, -3.0f, 2e-3f, 0.25f },
};

/* ---- references in double ------------------------------------------------ */

static void ref_adam(double *w, double *m, double *v, const float *g, size_t t, double lr,
                     double b1, double b2, double eps)
{
    double alpha = lr * sqrt(1 - pow(b2, (double)t)) / (1 - pow(b1, (double)t));
    for (size_t i = 0; i < N; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * (double)g[i] * g[i];
        w[i] -= alpha * m[i] / (sqrt(v[i]) + eps);
    }
}

static void ref_sgd(double *w, double *vel, const float *g, double lr, double momentum)
{
    for (size_t i = 0; i < N; i++) {
        if (momentum > 0) {
            vel[i] = momentum * vel[i] - lr * g[i];
            w[i] += vel[i];
        } else {
            w[i] -= lr * g[i];
        }
    }
}

static void ref_rmsprop(double *w, double *vel, double *mom, const float *g, double lr,
                        double rho, double momentum, double eps)
{
    for (size_t i = 0; i < N; i++) {
        vel[i] = rho * vel[i] + (1 - rho) * (double)g[i] * g[i];
        double inc = lr * g[i] / sqrt(vel[i] + eps);
        if (momentum > 0) {
            mom[i] = momentum * mom[i] + inc;
            inc = mom[i];
        }
        w[i] -= inc;
    }
}

/* ---- driver ---------------------------------------------------------------- */

typedef struct run {
    float w[N], s0[N], s1[N];
    double rw[N], r0[N], r1[N];
} run;

static void start(run *r)
{
    memcpy(r->w, w0, sizeof w0);
    memset(r->s0, 0, sizeof r->s0);
    memset(r->s1, 0, sizeof r->s1);
    for (size_t i = 0; i < N; i++) {
        r->rw[i] = w0[i];
        r->r0[i] = r->r1[i] = 0;
    }
}

static void check(const run *r, const char *what)
{
    tu_assert_close(r->w, r->rw, N, 2e-6, 2e-7, what);
}

static void test_adam_matches_keras(void **state)
{
    (void)state;
    const rl_optim_config c = { .kind = RL_OPT_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999,
                                .epsilon = 1e-7 };
    run r;
    start(&r);
    for (size_t t = 1; t <= STEPS; t++) {
        assert_int_equal(rl__optim_step(&c, t, r.w, grads[t - 1], r.s0, r.s1, N), 1);
        ref_adam(r.rw, r.r0, r.r1, grads[t - 1], t, c.lr, c.beta1, c.beta2, c.epsilon);
        check(&r, "adam w");
        tu_assert_close(r.s0, r.r0, N, 1e-6, 1e-9, "adam m");
        tu_assert_close(r.s1, r.r1, N, 1e-6, 1e-12, "adam v");
    }
}

/* One weight by hand: w=1, lr=0.001, defaults, gradients 0.5, -0.25, 1.0. */
static void test_adam_hand_values(void **state)
{
    (void)state;
    const rl_optim_config c = { .kind = RL_OPT_ADAM, .lr = 0.001, .beta1 = 0.9,
                                .beta2 = 0.999, .epsilon = 1e-7 };
    static const float g[3] = { 0.5f, -0.25f, 1.0f };
    static const double want[3] = { 0.9990000063245154, 0.9987336707920792,
                                    0.9980755610087696 };
    float w = 1, m = 0, v = 0;
    for (size_t t = 1; t <= 3; t++) {
        assert_int_equal(rl__optim_step(&c, t, &w, &g[t - 1], &m, &v, 1), 1);
        tu_assert_close(&w, &want[t - 1], 1, 0, 1e-7, "adam by hand");
    }
    double m_want = 0.118, v_want = 0.00131193775;
    tu_assert_close(&m, &m_want, 1, 1e-6, 0, "adam m by hand");
    tu_assert_close(&v, &v_want, 1, 1e-6, 0, "adam v by hand");
}

static void test_adam_other_betas(void **state)
{
    (void)state;
    const rl_optim_config c = { .kind = RL_OPT_ADAM, .lr = 0.05, .beta1 = 0.5, .beta2 = 0.75,
                                .epsilon = 1e-3 };
    run r;
    start(&r);
    for (size_t t = 1; t <= STEPS; t++) {
        rl__optim_step(&c, t, r.w, grads[t - 1], r.s0, r.s1, N);
        ref_adam(r.rw, r.r0, r.r1, grads[t - 1], t, c.lr, c.beta1, c.beta2, c.epsilon);
        check(&r, "adam(0.5, 0.75) w");
    }
}

static void test_sgd_plain(void **state)
{
    (void)state;
    const rl_optim_config c = { .kind = RL_OPT_SGD, .lr = 0.1 };
    run r;
    start(&r);
    for (size_t t = 1; t <= STEPS; t++) {
        assert_int_equal(rl__optim_step(&c, t, r.w, grads[t - 1], r.s0, r.s1, N), 1);
        ref_sgd(r.rw, r.r0, grads[t - 1], c.lr, 0);
        check(&r, "sgd w");
    }
    /* By hand: 0.5 - 0.1*(0.5 - 0.25 + 1.0) = 0.375. */
    assert_float_equal(r.w[0], 0.375f, 1e-7f);
}

static void test_sgd_momentum(void **state)
{
    (void)state;
    const rl_optim_config c = { .kind = RL_OPT_SGD, .lr = 0.1, .momentum = 0.9 };
    run r;
    start(&r);
    for (size_t t = 1; t <= STEPS; t++) {
        assert_int_equal(rl__optim_step(&c, t, r.w, grads[t - 1], r.s0, r.s1, N), 1);
        ref_sgd(r.rw, r.r0, grads[t - 1], c.lr, c.momentum);
        check(&r, "sgd+momentum w");
    }
    /* By hand, weight 0: v = -0.05, -0.02, -0.118; w = 0.45, 0.43, 0.312. */
    assert_float_equal(r.w[0], 0.312f, 1e-6f);
}

static void test_rmsprop_plain(void **state)
{
    (void)state;
    const rl_optim_config c = { .kind = RL_OPT_RMSPROP, .lr = 0.01, .rho = 0.9,
                                .epsilon = 1e-7 };
    run r;
    start(&r);
    for (size_t t = 1; t <= STEPS; t++) {
        assert_int_equal(rl__optim_step(&c, t, r.w, grads[t - 1], r.s0, r.s1, N), 1);
        ref_rmsprop(r.rw, r.r0, r.r1, grads[t - 1], c.lr, c.rho, 0, c.epsilon);
        check(&r, "rmsprop w");
    }
    /* By hand, step 1 of weight 0: vel = 0.1*0.25, w = 0.5 - 0.01*0.5/sqrt(0.025+1e-7). */
    float w = 0.5f, vel = 0, mom = 0;
    const float g = 0.5f;
    rl__optim_step(&c, 1, &w, &g, &vel, &mom, 1);
    double want = 0.5 - 0.005 / sqrt(0.025 + 1e-7);
    tu_assert_close(&w, &want, 1, 0, 1e-7, "rmsprop by hand");
}

static void test_rmsprop_momentum(void **state)
{
    (void)state;
    const rl_optim_config c = { .kind = RL_OPT_RMSPROP, .lr = 0.01, .rho = 0.8,
                                .momentum = 0.5, .epsilon = 1e-6 };
    run r;
    start(&r);
    for (size_t t = 1; t <= STEPS; t++) {
        assert_int_equal(rl__optim_step(&c, t, r.w, grads[t - 1], r.s0, r.s1, N), 1);
        ref_rmsprop(r.rw, r.r0, r.r1, grads[t - 1], c.lr, c.rho, c.momentum, c.epsilon);
        check(&r, "rmsprop+momentum w");
    }
}

static void test_clip_by_norm(void **state)
{
    (void)state;
    float g[3] = { 3, 4, 0 };
    rl__clip_by_norm(g, 3, 1.0);   /* norm 5 -> 1 */
    assert_float_equal(g[0], 0.6f, 1e-7f);
    assert_float_equal(g[1], 0.8f, 1e-7f);
    assert_float_equal(g[2], 0.0f, 0);

    float h[2] = { 3, 4 };
    rl__clip_by_norm(h, 2, 5.0);   /* at the limit: unchanged */
    assert_true(h[0] == 3 && h[1] == 4);
    rl__clip_by_norm(h, 2, 10.0);  /* below: unchanged */
    assert_true(h[0] == 3 && h[1] == 4);
    rl__clip_by_norm(h, 2, 0.0);   /* 0 = off */
    assert_true(h[0] == 3 && h[1] == 4);

    /* Large values whose squares overflow float: the norm is summed in double. */
    float big[2] = { 3e20f, -4e20f };
    rl__clip_by_norm(big, 2, 2.5);
    assert_float_equal(big[0], 1.5f, 1e-6f);
    assert_float_equal(big[1], -2.0f, 1e-6f);

    /* Clipping then stepping: SGD with lr 1 moves by exactly the clipped vector. */
    const rl_optim_config c = { .kind = RL_OPT_SGD, .lr = 1.0, .clipnorm = 1.0 };
    float w[2] = { 0, 0 }, g2[2] = { 30, 40 }, s0[2] = { 0 }, s1[2] = { 0 };
    rl__clip_by_norm(g2, 2, c.clipnorm);
    rl__optim_step(&c, 1, w, g2, s0, s1, 2);
    assert_float_equal(w[0], -0.6f, 1e-7f);
    assert_float_equal(w[1], -0.8f, 1e-7f);
}

/* A step is all or nothing: when any new weight or slot would not be
 * finite, nothing is written (0.1 kept only the bad weights and moved the
 * others, and Adam's moments had advanced). */
static void test_non_finite_result_not_written(void **state)
{
    (void)state;
    const rl_optim_config sgd = { .kind = RL_OPT_SGD, .lr = 10, .momentum = 0.5 };
    float w[3] = { 1, 2, 3 }, g[3] = { 3e38f, 1, -FLT_MAX }, s0[3] = { 0.5f, 0.5f, 0.5f },
          s1[3] = { 0 };
    assert_int_equal(rl__optim_step(&sgd, 1, w, g, s0, s1, 3), 0);
    assert_true(w[0] == 1 && w[1] == 2 && w[2] == 3);
    assert_true(s0[0] == 0.5f && s0[1] == 0.5f && s0[2] == 0.5f);

    /* Adam with an infinite gradient: m/sqrt(v) is inf/inf = NaN. */
    const rl_optim_config adam = { .kind = RL_OPT_ADAM, .lr = 0.001, .beta1 = 0.9,
                                   .beta2 = 0.999, .epsilon = 1e-7 };
    float wa[2] = { 0.5f, 0.25f }, ga[2] = { INFINITY, 1 }, m[2] = { 0 }, v[2] = { 0 };
    assert_int_equal(rl__optim_step(&adam, 1, wa, ga, m, v, 2), 0);
    assert_true(wa[0] == 0.5f && wa[1] == 0.25f);
    assert_true(m[0] == 0 && m[1] == 0 && v[0] == 0 && v[1] == 0);
    /* A finite gradient whose square overflows v: the weight would stay
     * finite, but the moment would not; refused too. */
    float gb[1] = { 1e20f };
    assert_int_equal(rl__optim_step(&adam, 1, wa, gb, m, v, 1), 0);
    assert_true(v[0] == 0);
    /* And a good step goes through, all of it. */
    float gc[2] = { 1, -1 };
    assert_int_equal(rl__optim_step(&adam, 1, wa, gc, m, v, 2), 1);
    assert_true(wa[0] < 0.5f && wa[1] > 0.25f && m[0] != 0 && v[1] != 0);

    /* RMSprop whose step overflows at the top of the float range. */
    const rl_optim_config rms = { .kind = RL_OPT_RMSPROP, .lr = 1e36, .rho = 0.9,
                                  .epsilon = 1e-7 };
    float wr[1] = { -FLT_MAX }, gr[1] = { 1 }, vr[1] = { 0 }, mr[1] = { 0 };
    assert_int_equal(rl__optim_step(&rms, 1, wr, gr, vr, mr, 1), 0);
    assert_true(wr[0] == -FLT_MAX && vr[0] == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adam_matches_keras),
        cmocka_unit_test(test_adam_hand_values),
        cmocka_unit_test(test_adam_other_betas),
        cmocka_unit_test(test_sgd_plain),
        cmocka_unit_test(test_sgd_momentum),
        cmocka_unit_test(test_rmsprop_plain),
        cmocka_unit_test(test_rmsprop_momentum),
        cmocka_unit_test(test_clip_by_norm),
        cmocka_unit_test(test_non_finite_result_not_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
