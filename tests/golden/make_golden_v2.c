/* Writes the format-version-2 golden files of tests/golden/ (README.md
 * there): v2_<name>.rlm, v2_<name>.pred (same layout as the version-1
 * .pred files) and v2_<name>.forecast (a raw history, the covariates, and
 * rl_forecast's output). Public API only. Run once; never to refresh files
 * already committed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rnnlite/rnnlite.h"

#define STEPS 5
#define FEATURES 2
#define N_SERIES 60
#define N_HISTORY 40
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

/* Two noisy sines, as make_golden.c, around 10 and 3 (raw units that a scaler moves). */
static void make_series(float *s)
{
    for (size_t t = 0; t < N_SERIES; t++)
        for (size_t f = 0; f < FEATURES; f++) {
            double noise = sin(12.9898 * (double)t + 78.233 * (double)f) * 0.05;
            s[t * FEATURES + f] = (float)(f == 0 ? 10 + 2 * sin(0.3 * (double)t) + noise
                                                 : 3 + cos(0.17 * (double)t) + noise);
        }
}

static void write_floats(FILE *f, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%a%c", (double)v[i], (i + 1) % 8 == 0 || i + 1 == n ? '\n' : ' ');
}

static FILE *open_out(const char *dir, const char *name, const char *ext)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/v2_%s.%s", dir, name, ext);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    return f;
}

/* Train on the scaled series' windows, save with `flags`, write the files. */
static void emit(const char *dir, const char *name, rl_model *m, const size_t *targets,
                 size_t n_targets, size_t out_steps, int scaler_kind, unsigned flags,
                 size_t horizon)
{
    static float raw[N_SERIES * FEATURES], scaled[N_SERIES * FEATURES];
    static float x[N_SERIES * STEPS * FEATURES], y[N_SERIES * 8], pred[N_PRED * 8];
    make_series(raw);
    rl_scaler *sc = NULL;
    CHECK(scaler_kind == 1 ? rl_scaler_create_minmax(&sc, -1, 1) : rl_scaler_create_standard(&sc));
    CHECK(rl_scaler_fit(sc, raw, N_HISTORY, FEATURES));
    CHECK(rl_scaler_transform(sc, raw, scaled, N_SERIES, FEATURES));
    CHECK(rl_model_set_scaler(m, sc));
    size_t count;
    CHECK(rl_window_count(N_HISTORY, STEPS, out_steps, &count));
    CHECK(rl_window_make_targets(scaled, N_HISTORY, FEATURES, STEPS, out_steps, targets,
                                 n_targets, x, sizeof x / sizeof x[0], y, sizeof y / sizeof y[0]));
    CHECK(rl_fit(m, x, y, count, 3, 8));
    CHECK(rl_model_set_targets(m, targets, n_targets));

    char path[1024];
    snprintf(path, sizeof path, "%s/v2_%s.rlm", dir, name);
    CHECK(rl_model_save_flags(m, path, flags));

    /* .pred: unscaled later windows through rl_predict, as version 1. */
    for (size_t i = 0; i < N_PRED; i++)
        for (size_t k = 0; k < STEPS * FEATURES; k++)
            x[i * STEPS * FEATURES + k] = raw[(N_HISTORY + i) * FEATURES + k];
    size_t per = out_steps * n_targets;
    CHECK(rl_predict(m, x, N_PRED, pred, sizeof pred / sizeof pred[0]));
    FILE *f = open_out(dir, name, "pred");
    fprintf(f, "rnnlite-golden 2 %d %d %d %zu 1\n", N_PRED, STEPS, FEATURES, per);
    write_floats(f, x, N_PRED * STEPS * FEATURES);
    write_floats(f, pred, N_PRED * per);
    float s5[STEPS * FEATURES];
    CHECK(rl_scaler_transform(sc, x, s5, STEPS, FEATURES));
    write_floats(f, s5, STEPS * FEATURES);
    fprintf(f, "end\n");
    fclose(f);

    /* .forecast: history = the first N_HISTORY raw rows, future = the rest. */
    float out[64];
    CHECK(rl_forecast(m, raw, N_HISTORY, raw + N_HISTORY * FEATURES, N_SERIES - N_HISTORY,
                      horizon, out, 64));
    f = open_out(dir, name, "forecast");
    fprintf(f, "rnnlite-golden-forecast 2 %d %d %d %zu %zu", N_SERIES, N_HISTORY, FEATURES,
            horizon, n_targets);
    for (size_t j = 0; j < n_targets; j++)
        fprintf(f, " %zu", targets[j]);
    fprintf(f, "\n");
    write_floats(f, raw, N_SERIES * FEATURES);
    write_floats(f, out, horizon * n_targets);
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

    /* Column 0 forecast 3 steps per call, column 1 a covariate; full save. */
    rl_model *m = create(11);
    CHECK(rl_model_add_gru(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    CHECK(rl_model_add_dense(m, 3, RL_ACT_LINEAR));
    CHECK(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE));
    const size_t col0[1] = { 0 };
    emit(dir, "direct", m, col0, 1, 3, 1, 0, 7);

    /* Both columns, swapped, one step per call; inference-only save. */
    m = create(12);
    CHECK(rl_model_add_lstm(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    CHECK(rl_model_add_dense(m, 2, RL_ACT_LINEAR));
    CHECK(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE));
    const size_t swapped[2] = { 1, 0 };
    emit(dir, "lean", m, swapped, 2, 1, 2, RL_SAVE_INFERENCE_ONLY, 5);
    return 0;
}
