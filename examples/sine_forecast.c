/* The seed tutorial ("Recurrent Neural Networks for time-series
 * forecasting", TensorFlow/Keras) end to end in C with rnnlite:
 *
 *   X = linspace(0, 100, 1000); y = sin(X); MinMaxScaler(0, 1)
 *   windows of 10 steps -> the next value (990 samples)
 *   A: SimpleRNN(50, relu) + Dense(1)    B: LSTM(50, relu) + Dense(1)
 *   Adam + MSE, 10 epochs, batch 64; predict every window; inverse-scale;
 *   MSE against the actual values; plot actual vs predicted.
 *
 * Usage: sine_forecast [out.svg]     (default: sine_forecast.svg)
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include <rnnlite/rnnlite.h>

#include "svg_plot.h"

enum {
    N_POINTS = 1000,
    TIME_STEPS = 10,
    N_WINDOWS = N_POINTS - TIME_STEPS,   /* 990 */
    UNITS = 50,
    EPOCHS = 10,
    BATCH = 64,
    SEED = 42,
};

typedef struct model_spec {
    const char *name;
    int lstm;                /* 0: SimpleRNN, 1: LSTM */
} model_spec;

typedef struct model_result {
    size_t params;
    float final_loss;
    double mse;              /* original units, all 990 windows */
    double fit_seconds;
    float pred[N_WINDOWS];   /* original units */
} model_result;

/* Report a failed call with the handle's detail; returns 0 so callers can
 * write `if (!ok(...)) goto fail;`. */
static int ok(rl_status st, const rl_model *m, const char *what)
{
    if (st == RL_OK)
        return 1;
    fprintf(stderr, "sine_forecast: %s: %s", what, rl_status_string(st));
    if (m)
        fprintf(stderr, " (%s)", rl_model_last_error(m));
    fputc('\n', stderr);
    return 0;
}

static double seconds_now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int print_epoch(size_t epoch, float loss, float val_loss, void *user_data)
{
    (void)val_loss;
    (void)user_data;
    printf("  epoch %2zu/%d  loss %.6f\n", epoch, EPOCHS, (double)loss);
    return 0;   /* keep training */
}

/* Build, train and run one model; fills r. Returns 1 on success. */
static int run_model(const model_spec *spec, const float *x, const float *y,
                     const rl_scaler *scaler, const float *actual, model_result *r)
{
    rl_model *m = NULL;
    int good = 0;
    if (!ok(rl_model_create(&m, TIME_STEPS, 1), m, "create"))
        goto done;
    /* Keras: SimpleRNN(50, activation='relu') / LSTM(50, activation='relu'),
     * whose recurrent_activation defaults to sigmoid; then Dense(1). */
    rl_status st = spec->lstm ? rl_model_add_lstm(m, UNITS, RL_ACT_RELU, RL_ACT_SIGMOID, 0)
                              : rl_model_add_simple_rnn(m, UNITS, RL_ACT_RELU, 0);
    if (!ok(st, m, "add recurrent layer") ||
        !ok(rl_model_add_dense(m, 1, RL_ACT_LINEAR), m, "add dense") ||
        !ok(rl_model_set_param(m, RL_PARAM_SEED, SEED), m, "set seed") ||
        !ok(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), m, "compile") ||
        !ok(rl_model_set_epoch_callback(m, print_epoch, NULL), m, "set callback"))
        goto done;

    r->params = 0;
    for (size_t layer = 0; layer < 2; layer++) {
        size_t count = 0;
        if (!ok(rl_model_weight_count(m, layer, &count), m, "weight count"))
            goto done;
        r->params += count;
    }

    printf("%s (%zu parameters)\n", spec->name, r->params);
    double t0 = seconds_now();
    if (!ok(rl_fit(m, x, y, N_WINDOWS, EPOCHS, BATCH), m, "fit"))
        goto done;
    r->fit_seconds = seconds_now() - t0;

    float history[EPOCHS];
    size_t ran = 0;
    if (!ok(rl_model_history(m, history, NULL, EPOCHS, &ran), m, "history") || ran == 0)
        goto done;
    r->final_loss = history[ran - 1];

    float scaled[N_WINDOWS];
    if (!ok(rl_predict(m, x, N_WINDOWS, scaled, N_WINDOWS), m, "predict") ||
        !ok(rl_scaler_inverse_transform_column(scaler, 0, scaled, r->pred, N_WINDOWS), NULL,
            "inverse transform"))
        goto done;

    /* The tutorial computes mean_squared_error(y_data[time_step:], predicted),
     * which pairs 980 scaled targets shifted by 10 steps with 990 predictions
     * in original units (and would fail on the length mismatch). Here each
     * prediction is compared with the value it forecasts, in original units:
     * window i predicts y[i + TIME_STEPS]. */
    double sum = 0;
    for (size_t i = 0; i < N_WINDOWS; i++) {
        double d = (double)r->pred[i] - (double)actual[i + TIME_STEPS];
        sum += d * d;
    }
    r->mse = sum / N_WINDOWS;
    printf("  fit time %.2f s, MSE %.6g\n\n", r->fit_seconds, r->mse);
    good = 1;
done:
    rl_model_destroy(m);
    return good;
}

static int write_plot(const char *path, const float *t, const float *actual,
                      const model_spec *specs, const model_result *res)
{
    char label[2][64];
    for (int k = 0; k < 2; k++)
        snprintf(label[k], sizeof label[k], "%s (MSE %.2g)", specs[k].name, res[k].mse);
    const svg_series series[3] = {
        {t + TIME_STEPS, actual + TIME_STEPS, N_WINDOWS, "actual sin(X)", "#222222", NULL, 2.0},
        {t + TIME_STEPS, res[0].pred, N_WINDOWS, label[0], "#E69F00", "7 4", 1.8},
        {t + TIME_STEPS, res[1].pred, N_WINDOWS, label[1], "#0072B2", "2 3", 1.8},
    };
    const svg_chart chart = {
        .title = "rnnlite: next-value forecast of sin(X), 10-step windows",
        .x_label = "X (time)",
        .y_label = "value",
        .width = 1200,
        .height = 480,
    };
    return svg_line_chart(path, &chart, series, 3) == 0;
}

int main(int argc, char **argv)
{
    const char *svg_path = argc > 1 ? argv[1] : "sine_forecast.svg";
    if (rl_version_number() != RL_VERSION_NUMBER)
        fprintf(stderr, "sine_forecast: warning: header %d, library %u\n", RL_VERSION_NUMBER,
                rl_version_number());
    printf("rnnlite %s, kernels: %s\n\n", rl_version_string(), rl_runtime_isa());

    static float t[N_POINTS], actual[N_POINTS], scaled[N_POINTS];
    for (size_t i = 0; i < N_POINTS; i++) {
        t[i] = (float)(100.0 * (double)i / (N_POINTS - 1));   /* np.linspace(0, 100, 1000) */
        actual[i] = (float)sin(100.0 * (double)i / (N_POINTS - 1));
    }

    rl_scaler *scaler = NULL;
    int good = 0;
    if (!ok(rl_scaler_create_minmax(&scaler, 0, 1), NULL, "scaler create") ||
        !ok(rl_scaler_fit(scaler, actual, N_POINTS, 1), NULL, "scaler fit") ||
        !ok(rl_scaler_transform(scaler, actual, scaled, N_POINTS, 1), NULL, "scaler transform"))
        goto done;

    static float x[N_WINDOWS * TIME_STEPS], y[N_WINDOWS];
    size_t n_windows = 0;
    if (!ok(rl_window_count(N_POINTS, TIME_STEPS, 1, &n_windows), NULL, "window count") ||
        !ok(rl_window_make(scaled, N_POINTS, 1, TIME_STEPS, 1, 0, x, N_WINDOWS * TIME_STEPS, y,
                           N_WINDOWS),
            NULL, "window make"))
        goto done;
    printf("%zu points -> %zu windows of %d steps\n\n", (size_t)N_POINTS, n_windows, TIME_STEPS);

    static const model_spec specs[2] = {{"SimpleRNN(50, relu)", 0}, {"LSTM(50, relu)", 1}};
    static model_result res[2];
    for (int k = 0; k < 2; k++)
        if (!run_model(&specs[k], x, y, scaler, actual, &res[k]))
            goto done;

    printf("%-22s %8s %12s %12s %10s\n", "model", "params", "final loss", "MSE", "fit time");
    for (int k = 0; k < 2; k++)
        printf("%-22s %8zu %12.3g %12.3g %9.2fs\n", specs[k].name, res[k].params,
               (double)res[k].final_loss, res[k].mse, res[k].fit_seconds);

    if (!write_plot(svg_path, t, actual, specs, res)) {
        perror(svg_path);
        goto done;
    }
    printf("\nplot written to %s\n", svg_path);
    good = 1;
done:
    rl_scaler_destroy(scaler);
    return good ? 0 : 1;
}
