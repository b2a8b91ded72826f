/* An outside C program built against the installed tree with
 * `pkg-config --cflags --libs rnnlite` (tests/install/run.sh): it sees only
 * the installed header and library. Exit 0 when the library works. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <rnnlite/rnnlite.h>

#define STR_(x) #x
#define STR(x) STR_(x)

static int fail(const rl_model *m, const char *what, rl_status st)
{
    fprintf(stderr, "host.c: %s: %s: %s\n", what, rl_status_string(st), rl_model_last_error(m));
    return 1;
}

int main(void)
{
    enum { N = 32, T = 4, EPOCHS = 30 };
    float x[N * T], y[N], pred[N], hist[EPOCHS];
    size_t epochs = 0;
    rl_model *m = NULL;
    rl_status st;
    int i, t, rc = 1;
    const char *version = STR(RL_VERSION_MAJOR) "." STR(RL_VERSION_MINOR) "." STR(RL_VERSION_PATCH);

    if (rl_version_number() != RL_VERSION_NUMBER || strcmp(rl_version_string(), version) != 0) {
        fprintf(stderr, "host.c: header %s (%d), library %s (%u)\n", version, RL_VERSION_NUMBER,
                rl_version_string(), rl_version_number());
        return 1;
    }
    /* Target: the mean of the window, which a Dense layer on a GRU can learn. */
    for (i = 0; i < N; i++) {
        y[i] = 0.0f;
        for (t = 0; t < T; t++) {
            x[i * T + t] = sinf(0.3f * (float)(i + t));
            y[i] += x[i * T + t] / T;
        }
    }
    if ((st = rl_model_create(&m, T, 1)) != RL_OK)
        return fail(NULL, "create", st);
    if ((st = rl_model_add_gru(m, 8, RL_ACT_TANH, RL_ACT_SIGMOID, 0)) != RL_OK)
        rc = fail(m, "add_gru", st);
    else if ((st = rl_model_add_dense(m, 1, RL_ACT_LINEAR)) != RL_OK)
        rc = fail(m, "add_dense", st);
    else if ((st = rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.01)) != RL_OK)
        rc = fail(m, "set_param", st);
    else if ((st = rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE)) != RL_OK)
        rc = fail(m, "compile", st);
    else if ((st = rl_fit(m, x, y, N, EPOCHS, 8)) != RL_OK)
        rc = fail(m, "fit", st);
    else if ((st = rl_predict(m, x, N, pred, N)) != RL_OK)
        rc = fail(m, "predict", st);
    else if ((st = rl_model_history(m, hist, NULL, EPOCHS, &epochs)) != RL_OK)
        rc = fail(m, "history", st);
    else if (epochs != EPOCHS || !(hist[EPOCHS - 1] < hist[0]) || !isfinite(pred[0]))
        fprintf(stderr, "host.c: training did not reduce the loss (%zu epochs, %g -> %g)\n",
                epochs, (double)hist[0], (double)hist[EPOCHS - 1]);
    else if (rl_predict(m, x, N, pred, N - 1) != RL_E_SHAPE)
        fprintf(stderr, "host.c: a short output buffer was accepted\n");
    else
        rc = 0;
    rl_model_destroy(m);
    if (rc == 0)
        printf("host.c: ok, rnnlite %s, loss %.4f -> %.4f\n", rl_version_string(), (double)hist[0],
               (double)hist[EPOCHS - 1]);
    return rc;
}
