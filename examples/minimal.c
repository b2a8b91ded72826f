/* The smallest complete rnnlite program (quoted in README.md): learn to
 * predict the next value of a sine wave from the 8 values before it. */
#include <math.h>
#include <stdio.h>
#include <rnnlite/rnnlite.h>

#define CHECK(call)                                                                     \
    do {                                                                                \
        rl_status st_ = (call);                                                         \
        if (st_ != RL_OK) {                                                             \
            fprintf(stderr, "%s: %s: %s\n", #call, rl_status_string(st_),               \
                    rl_model_last_error(m));                                            \
            rl_model_destroy(m);                                                        \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

int main(void)
{
    enum { N = 200, T = 8 };   /* 200 windows of 8 steps, 1 feature */
    static float x[N][T], y[N], pred[N];
    for (int i = 0; i < N; i++) {
        for (int t = 0; t < T; t++)
            x[i][t] = sinf(0.1f * (float)(i + t));
        y[i] = sinf(0.1f * (float)(i + T));   /* the value after the window */
    }

    rl_model *m = NULL;
    CHECK(rl_model_create(&m, T, 1));
    CHECK(rl_model_add_lstm(m, 32, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE));
    CHECK(rl_fit(m, &x[0][0], y, N, 50, 32));
    CHECK(rl_predict(m, &x[0][0], N, pred, N));
    printf("last window: predicted %.3f, actual %.3f\n", pred[N - 1], y[N - 1]);
    rl_model_destroy(m);
    return 0;
}
