/* Writes the golden model files of tests/golden/ (see README.md there):
 * for each model, <name>.rlm and <name>.pred (its input, its predictions,
 * and the attached scaler's output on the first sample). Public API only.
 * Run once per format version; never to refresh files already committed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rnnlite/rnnlite.h"

#define STEPS 5
#define FEATURES 2
#define N_TRAIN 40
#define N_PRED 6

#define CHECK(call)                                                                            \
    do {                                                                                       \
        rl_status s_ = (call);                                                                 \
        if (s_ != RL_OK) {                                                                     \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,                      \
                    rl_status_string(s_));                                                     \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

/* Two noisy sines in feature columns; y is the next point of column 0 (or,
 * for sequence outputs, column 0 one step ahead at every step). */
static float series(size_t t, size_t f)
{
    double noise = sin(12.9898 * (double)t + 78.233 * (double)f) * 0.05;
    return (float)(f == 0 ? sin(0.3 * (double)t) + noise : 0.5 * cos(0.17 * (double)t) + noise);
}

static void windows(float *x, float *y, size_t n, size_t first, size_t out_steps)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t t = 0; t < STEPS; t++)
            for (size_t f = 0; f < FEATURES; f++)
                x[(i * STEPS + t) * FEATURES + f] = series(first + i + t, f);
        for (size_t t = 0; t < out_steps; t++)
            y[i * out_steps + t] = series(first + i + t + (out_steps == 1 ? STEPS : 1), 0);
    }
}

static void write_floats(FILE *f, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%a%c", (double)v[i], (i + 1) % 8 == 0 || i + 1 == n ? '\n' : ' ');
}

static void emit(const char *dir, const char *name, rl_model *m, int scaler_kind)
{
    size_t out_steps, units;
    CHECK(rl_model_output_shape(m, &out_steps, &units));
    static float x[N_TRAIN * STEPS * FEATURES], y[N_TRAIN * STEPS], pred[N_PRED * STEPS * 4];
    windows(x, y, N_TRAIN, 0, out_steps);

    rl_scaler *sc = NULL;
    if (scaler_kind == 1)
        CHECK(rl_scaler_create_minmax(&sc, -1, 1));
    else if (scaler_kind == 2)
        CHECK(rl_scaler_create_standard(&sc));
    if (sc) {
        CHECK(rl_scaler_fit(sc, x, N_TRAIN * STEPS, FEATURES));
        CHECK(rl_scaler_transform(sc, x, x, N_TRAIN * STEPS, FEATURES));
        CHECK(rl_model_set_scaler(m, sc));
    }
    CHECK(rl_fit(m, x, y, N_TRAIN, 3, 8));

    char path[1024];
    snprintf(path, sizeof path, "%s/%s.rlm", dir, name);
    CHECK(rl_model_save(m, path));

    /* Prediction input: later windows, unscaled (the scaler line checks scaling). */
    windows(x, y, N_PRED, N_TRAIN + 3, out_steps);
    size_t per = out_steps * units;
    CHECK(rl_predict(m, x, N_PRED, pred, sizeof pred / sizeof pred[0]));
    snprintf(path, sizeof path, "%s/%s.pred", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f, "rnnlite-golden 1 %d %d %d %zu %d\n", N_PRED, STEPS, FEATURES, per, sc != NULL);
    write_floats(f, x, N_PRED * STEPS * FEATURES);
    write_floats(f, pred, N_PRED * per);
    if (sc) {
        float scaled[STEPS * FEATURES];
        CHECK(rl_scaler_transform(sc, x, scaled, STEPS, FEATURES));
        write_floats(f, scaled, STEPS * FEATURES);
    }
    fprintf(f, "end\n");
    fclose(f);
    rl_scaler_destroy(sc);
    rl_model_destroy(m);
}

static rl_model *create(unsigned seed)
{
    rl_model *m = NULL;
    CHECK(rl_model_create(&m, STEPS, FEATURES));
    CHECK(rl_model_set_param(m, RL_PARAM_SEED, seed));
    return m;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";

    rl_model *m = create(1);   /* Dense on every step, SGD */
    CHECK(rl_model_add_dense(m, 4, RL_ACT_RELU));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MSE));
    emit(dir, "dense", m, 0);

    m = create(2);
    CHECK(rl_model_add_simple_rnn(m, 5, RL_ACT_TANH, 0));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE));
    emit(dir, "simple_rnn", m, 0);

    m = create(3);
    CHECK(rl_model_add_lstm(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1));
    CHECK(rl_model_add_lstm(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.01));
    CHECK(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE));
    emit(dir, "lstm", m, 1);

    m = create(4);   /* sequence output */
    CHECK(rl_model_add_gru(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_set_param(m, RL_PARAM_RHO, 0.8));
    CHECK(rl_model_compile(m, RL_OPT_RMSPROP, RL_LOSS_HUBER));
    emit(dir, "gru", m, 2);

    m = create(5);
    CHECK(rl_model_add_simple_rnn(m, 3, RL_ACT_RELU, 1));
    CHECK(rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    CHECK(rl_model_add_dense(m, 2, RL_ACT_SIGMOID));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_set_param(m, RL_PARAM_MOMENTUM, 0.9));
    CHECK(rl_model_set_param(m, RL_PARAM_CLIPNORM, 1.0));
    CHECK(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MAE));
    emit(dir, "mixed", m, 1);
    return 0;
}
