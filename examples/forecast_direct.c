/* Forecasting with targets and known future covariates (docs/guide.md,
 * "Forecasting"). A room's temperature (column 1) follows the heating
 * setpoint (column 0) with a lag, plus a daily swing. The setpoint schedule
 * is known in advance, so it is a covariate: the model forecasts only the
 * temperature, 12 steps at a time (a direct model), and rl_forecast feeds it
 * the planned setpoints.
 *
 * Steps: scale, cut windows with rl_window_make_targets, train LSTM(16) +
 * Dense(12), rl_model_set_targets, rl_forecast in raw units, save for
 * deployment (inference-only), reload and forecast again. Exits non-zero
 * when the forecast is not better than repeating the last observation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <rnnlite/rnnlite.h>

enum { N = 700, F = 2, T = 24, H = 12, TRAIN = 640 };

#define CHECK(call)                                                                     \
    do {                                                                                \
        rl_status st_ = (call);                                                         \
        if (st_ != RL_OK) {                                                             \
            fprintf(stderr, "%s: %s: %s\n", #call, rl_status_string(st_),               \
                    rl_model_last_error(m));                                            \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

/* series[i][0] = setpoint (deg C), series[i][1] = room temperature. */
static void make_series(float series[N][F])
{
    float temp = 18.0f;
    unsigned noise = 12345;
    for (int i = 0; i < N; i++) {
        float setpoint = (i / 30) % 2 ? 22.0f : 17.0f;   /* a schedule switched every 30 steps */
        noise = noise * 1103515245u + 12345u;
        float jitter = ((float)(noise >> 16 & 0x7fff) / 32767.0f - 0.5f) * 0.1f;
        temp += 0.15f * (setpoint - temp) + 0.06f * sinf(6.2831853f * (float)i / 24.0f) +
                jitter;
        series[i][0] = setpoint;
        series[i][1] = temp;
    }
}

static int run(rl_model *m, float series[N][F])
{
    /* 1. Scale with statistics of the training part only. */
    static float scaled[N][F];
    rl_scaler *sc = NULL;
    if (rl_scaler_create_minmax(&sc, 0.0f, 1.0f) != RL_OK ||
        rl_scaler_fit(sc, &series[0][0], TRAIN, F) != RL_OK ||
        rl_scaler_transform(sc, &series[0][0], &scaled[0][0], N, F) != RL_OK)
        return 1;

    /* 2. Windows: x = 24 rows of both columns, y = the next 12 temperatures. */
    const size_t target[1] = { 1 };
    size_t count;
    CHECK(rl_window_count(TRAIN, T, H, &count));
    float *x = malloc(count * T * F * sizeof(float)), *y = malloc(count * H * sizeof(float));
    if (!x || !y)
        return 1;
    CHECK(rl_window_make_targets(&scaled[0][0], TRAIN, F, T, H, target, 1, x, count * T * F, y,
                                 count * H));

    /* 3. A direct model: 12 outputs = 12 future steps of one target column. */
    CHECK(rl_model_add_lstm(m, 16, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    CHECK(rl_model_add_dense(m, H, RL_ACT_LINEAR));
    CHECK(rl_model_set_param(m, RL_PARAM_SEED, 7));
    CHECK(rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.01));
    CHECK(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE));
    CHECK(rl_fit(m, x, y, count, 12, 32));
    CHECK(rl_model_set_targets(m, target, 1));
    CHECK(rl_model_set_scaler(m, sc));   /* rl_forecast works in raw units through it */
    rl_scaler_destroy(sc);
    free(x);
    free(y);

    /* 4. Forecast the 24 steps after the training data (two calls of the
     *    direct model) from raw history and the planned setpoints. */
    enum { HORIZON = 2 * H };
    float out[HORIZON];
    CHECK(rl_forecast(m, &series[0][0], TRAIN, &series[TRAIN][0], N - TRAIN, HORIZON, out,
                      HORIZON));
    double err = 0, naive = 0;
    printf("step  setpoint  actual  forecast\n");
    for (int k = 0; k < HORIZON; k++) {
        float actual = series[TRAIN + k][1];
        printf("%4d  %8.1f  %6.2f  %8.2f\n", k + 1, series[TRAIN + k][0], actual, out[k]);
        err += (out[k] - actual) * (out[k] - actual);
        naive += (series[TRAIN - 1][1] - actual) * (series[TRAIN - 1][1] - actual);
    }
    err = sqrt(err / HORIZON);
    naive = sqrt(naive / HORIZON);
    printf("RMSE %.3f (repeating the last value: %.3f)\n", err, naive);

    /* 5. Deploy: an inference-only file (no optimiser state) forecasts the same. */
    void *buf = NULL;
    size_t size = 0, full = 0;
    CHECK(rl_model_save_to(m, NULL, 0, &full));
    CHECK(rl_model_save_buffer_flags(m, &buf, &size, RL_SAVE_INFERENCE_ONLY));
    rl_model *deployed = NULL;
    rl_status st = rl_model_load_buffer(&deployed, buf, size);
    rl_free(buf);
    if (st != RL_OK)
        return 1;
    float again[HORIZON];
    st = rl_forecast(deployed, &series[0][0], TRAIN, &series[TRAIN][0], N - TRAIN, HORIZON,
                     again, HORIZON);
    rl_model_destroy(deployed);
    int same = st == RL_OK;
    for (int k = 0; same && k < HORIZON; k++)
        same = again[k] == out[k];
    printf("inference-only file: %zu bytes of %zu, same forecast: %s\n", size, full,
           same ? "yes" : "no");
    return same && err < naive ? 0 : 1;
}

int main(void)
{
    static float series[N][F];
    make_series(series);
    rl_model *m = NULL;
    if (rl_model_create(&m, T, F) != RL_OK)
        return 1;
    int r = run(m, series);
    rl_model_destroy(m);
    return r;
}
