/* Rolling-origin backtest: the caller's forecaster and the naive baselines
 * forecast from the same expanding histories, and every error is kept, so
 * metrics per step, comparisons and conformal intervals come from one run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "metrics.h"
#include "rnnlite/rnnlite.h"

struct rl_backtest {
    size_t n_origins, horizon;
    int has_model;
    float *forecast[RL_METHOD_COUNT];   /* [n_origins][horizon] each; one block at [0] */
    float *actual;                      /* [n_origins][horizon] */
    double *scale;                      /* [n_origins] MASE scale of each history, 0 if none */
    rl_error err;           /* the handle's last_error, written through error.h */
};


rl_status rl_backtest_create(rl_backtest **out)
{
    if (!out)
        return RL_E_INVALID;
    *out = rl__calloc(1, sizeof **out);
    return *out ? RL_OK : RL_E_NOMEM;
}

static void free_results(rl_backtest *b)
{
    rl__free(b->forecast[0]);
    rl__free(b->scale);
    for (int k = 0; k < RL_METHOD_COUNT; k++)
        b->forecast[k] = NULL;
    b->actual = NULL;
    b->scale = NULL;
    b->n_origins = b->horizon = 0;
    b->has_model = 0;
}

void rl_backtest_destroy(rl_backtest *b)
{
    if (!b)
        return;
    free_results(b);
    rl__free(b);
}

const char *rl_backtest_last_error(const rl_backtest *b)
{
    return b ? rl__error_text(b) : "rl_backtest_last_error: the backtest is NULL";
}

/* The new results of a run, built aside so a failed run changes nothing. */
typedef struct results {
    float *block, *target, *future;
    double *scale;
} results;

static void results_free(results *r)
{
    rl__free(r->block);
    rl__free(r->target);
    rl__free(r->future);
    rl__free(r->scale);
}

rl_status rl_backtest_run(rl_backtest *b, const float *series, size_t n_points,
                          size_t n_features, size_t target_column, size_t initial, size_t step,
                          size_t horizon, size_t season, size_t refit_every, rl_forecaster fn,
                          void *user_data)
{
    if (!b)
        return RL_E_INVALID;
    if (!series || n_features == 0 || target_column >= n_features || step == 0 ||
        horizon == 0 || season == 0)
        return rl__fail(b, RL_E_INVALID, "rl_backtest_run: NULL series, zero size or target column "
                                     "%zu out of %zu", target_column, n_features);
    if (initial < 2 || initial < season)
        return rl__fail(b, RL_E_INVALID,
                        "rl_backtest_run: initial %zu must be >= 2 and >= season %zu",
                    initial, season);
    if (initial > n_points || horizon > n_points - initial)
        return rl__fail(b, RL_E_INVALID,
                        "rl_backtest_run: %zu points leave no origin (initial %zu, "
                                     "horizon %zu)", n_points, initial, horizon);
    int ok = 1;
    rl__mul(n_points, n_features, &ok);
    size_t n_origins = (n_points - horizon - initial) / step + 1;
    size_t cells = rl__mul(n_origins, horizon, &ok);
    size_t block_n = rl__mul(cells, RL_METHOD_COUNT + 1, &ok);
    size_t future_n = rl__mul(horizon, n_features, &ok);
    if (!ok)
        return rl__fail(b, RL_E_INVALID, "rl_backtest_run: sizes overflow");
    for (size_t i = 0; i < n_points; i++)
        if (!isfinite(series[i * n_features + target_column]))
            return rl__fail(b, RL_E_INVALID, "rl_backtest_run: target value at row %zu, column %zu "
                                         "is not finite (fill gaps first: rl_fill_gaps)",
                        i, target_column);

    results r = { rl__calloc(block_n, sizeof(float)), rl__calloc(n_points, sizeof(float)),
                  rl__calloc(future_n, sizeof(float)), rl__calloc(n_origins, sizeof(double)) };
    if (!r.block || !r.target || !r.future || !r.scale) {
        results_free(&r);
        return rl__fail(b, RL_E_NOMEM, "rl_backtest_run: no memory for %zu origins", n_origins);
    }
    for (size_t i = 0; i < n_points; i++)
        r.target[i] = series[i * n_features + target_column];
    float *fc[RL_METHOD_COUNT], *actual = r.block + RL_METHOD_COUNT * cells;
    for (int k = 0; k < RL_METHOD_COUNT; k++)
        fc[k] = r.block + (size_t)k * cells;

    for (size_t o = 0; o < n_origins; o++) {
        size_t origin = initial + o * step;
        memcpy(actual + o * horizon, r.target + origin, horizon * sizeof(float));
        double sc = 0;
        if (rl_mase_scale(r.target, origin, season, &sc) == RL_OK)
            r.scale[o] = sc;
        for (int k = RL_METHOD_LAST_VALUE; k < RL_METHOD_COUNT; k++)
            rl__baseline((rl_method)k, r.target, origin, season, horizon, fc[k] + o * horizon);
        if (!fn) {
            for (size_t h = 0; h < horizon; h++)
                fc[RL_METHOD_MODEL][o * horizon + h] = NAN;
            continue;
        }
        memcpy(r.future, series + origin * n_features, future_n * sizeof(float));
        for (size_t h = 0; h < horizon; h++)
            r.future[h * n_features + target_column] = NAN;
        int refit = o == 0 || (refit_every > 0 && o % refit_every == 0);
        float *out = fc[RL_METHOD_MODEL] + o * horizon;
        rl_status st = fn(series, origin, n_features, r.future, horizon, refit, out, user_data);
        if (st != RL_OK) {
            results_free(&r);
            return rl__fail(b, st,
                            "rl_backtest_run: the forecaster failed at origin %zu (row %zu): %s",
                        o, origin, rl_status_string(st));
        }
        for (size_t h = 0; h < horizon; h++)
            if (!isfinite(out[h])) {
                results_free(&r);
                return rl__fail(b, RL_E_NUMERIC, "rl_backtest_run: the forecaster returned a "
                                             "non-finite value at origin %zu, step %zu", o, h + 1);
            }
    }
    free_results(b);
    b->n_origins = n_origins;
    b->horizon = horizon;
    b->has_model = fn != NULL;
    for (int k = 0; k < RL_METHOD_COUNT; k++)
        b->forecast[k] = fc[k];
    b->actual = actual;
    b->scale = r.scale;
    rl__free(r.target);
    rl__free(r.future);
    rl__clear_error(b);
    return RL_OK;
}

rl_status rl_backtest_shape(const rl_backtest *b, size_t *n_origins, size_t *horizon)
{
    if (!b || !n_origins || !horizon)
        return RL_E_INVALID;
    *n_origins = b->n_origins;
    *horizon = b->horizon;
    return RL_OK;
}

/* Shared checks of the accessors. */
static rl_status check_method(const rl_backtest *b, rl_method method, const char *fn)
{
    if ((unsigned)method >= RL_METHOD_COUNT)
        return rl__fail(b, RL_E_INVALID, "%s: unknown method %d", fn, (int)method);
    if (!b->n_origins)
        return rl__fail(b, RL_E_STATE, "%s: run the backtest first", fn);
    if (method == RL_METHOD_MODEL && !b->has_model)
        return rl__fail(b, RL_E_STATE, "%s: the run had no forecaster", fn);
    return RL_OK;
}

static rl_status copy_out(const rl_backtest *b, rl_method method, float *out, size_t out_len,
                          int errors, const char *fn)
{
    if (!b)
        return RL_E_INVALID;
    if (!out)
        return rl__fail(b, RL_E_INVALID, "%s: out is NULL", fn);
    rl_status st = check_method(b, method, fn);
    if (st != RL_OK)
        return st;
    size_t n = b->n_origins * b->horizon;
    if (out_len < n)
        return rl__fail(b, RL_E_SHAPE, "%s: out holds %zu floats, %zu needed", fn, out_len, n);
    for (size_t i = 0; i < n; i++)
        out[i] = errors ? b->actual[i] - b->forecast[method][i] : b->forecast[method][i];
    return RL_OK;
}

rl_status rl_backtest_forecasts(const rl_backtest *b, rl_method method, float *out,
                                size_t out_len)
{
    return copy_out(b, method, out, out_len, 0, "rl_backtest_forecasts");
}

rl_status rl_backtest_errors(const rl_backtest *b, rl_method method, float *out, size_t out_len)
{
    return copy_out(b, method, out, out_len, 1, "rl_backtest_errors");
}

rl_status rl_backtest_metric(const rl_backtest *b, rl_method method, rl_metric metric,
                             size_t step, double *value)
{
    if (!b)
        return RL_E_INVALID;
    if (!value || (unsigned)metric >= RL_METRIC_COUNT)
        return rl__fail(b, RL_E_INVALID, "rl_backtest_metric: NULL value or unknown metric");
    rl_status st = check_method(b, method, "rl_backtest_metric");
    if (st != RL_OK)
        return st;
    if (step > b->horizon)
        return rl__fail(b, RL_E_INVALID, "rl_backtest_metric: step %zu beyond horizon %zu", step,
                    b->horizon);
    rl_metric_acc acc = { 0 };
    for (size_t o = 0; o < b->n_origins; o++) {
        if (metric == RL_METRIC_MASE && !(b->scale[o] > 0))
            return rl__fail(b, RL_E_NUMERIC, "rl_backtest_metric: the history of origin %zu has a "
                                         "zero seasonal-naive MAE (MASE undefined)", o);
        for (size_t h = step ? step - 1 : 0; h < (step ? step : b->horizon); h++) {
            size_t i = o * b->horizon + h;
            rl__metric_add(&acc, b->actual[i], b->forecast[method][i],
                           b->scale[o] > 0 ? b->scale[o] : 1);
        }
    }
    *value = rl__metric_value(&acc, metric);
    return RL_OK;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Half-widths from origins [first, first + count); scratch holds count floats. */
static void half_widths(const rl_backtest *b, rl_method method, double coverage, size_t first,
                        size_t count, float *scratch, float *hw)
{
    double rank = ceil((double)(count + 1) * coverage);   /* conformal rank, 1-based */
    for (size_t h = 0; h < b->horizon; h++) {
        for (size_t o = 0; o < count; o++) {
            size_t i = (first + o) * b->horizon + h;
            scratch[o] = fabsf(b->actual[i] - b->forecast[method][i]);
        }
        qsort(scratch, count, sizeof(float), cmp_float);
        hw[h] = rank > (double)count ? INFINITY : scratch[(size_t)rank - 1];
    }
}

static rl_status interval_args(const rl_backtest *b, rl_method method, double coverage,
                               const char *fn)
{
    if (!(coverage > 0 && coverage < 1))
        return rl__fail(b, RL_E_INVALID, "%s: coverage %g is not in (0, 1)", fn, coverage);
    return check_method(b, method, fn);
}

rl_status rl_backtest_interval(const rl_backtest *b, rl_method method, double coverage,
                               size_t first, size_t count, float *half_width, size_t len)
{
    if (!b)
        return RL_E_INVALID;
    if (!half_width)
        return rl__fail(b, RL_E_INVALID, "rl_backtest_interval: half_width is NULL");
    rl_status st = interval_args(b, method, coverage, "rl_backtest_interval");
    if (st != RL_OK)
        return st;
    if (first >= b->n_origins || count > b->n_origins - first)
        return rl__fail(b, RL_E_INVALID,
                        "rl_backtest_interval: origins [%zu, +%zu) outside the %zu run",
                    first, count, b->n_origins);
    if (count == 0)
        count = b->n_origins - first;
    if (len < b->horizon)
        return rl__fail(b, RL_E_SHAPE,
                        "rl_backtest_interval: room for %zu steps, horizon is %zu", len,
                    b->horizon);
    float *scratch = rl__calloc(count, sizeof(float));
    if (!scratch)
        return rl__fail(b, RL_E_NOMEM, "rl_backtest_interval: no memory");
    half_widths(b, method, coverage, first, count, scratch, half_width);
    rl__free(scratch);
    return RL_OK;
}

rl_status rl_backtest_coverage(const rl_backtest *b, rl_method method, double coverage,
                               size_t n_calibration, double *observed)
{
    if (!b)
        return RL_E_INVALID;
    if (!observed)
        return rl__fail(b, RL_E_INVALID, "rl_backtest_coverage: observed is NULL");
    rl_status st = interval_args(b, method, coverage, "rl_backtest_coverage");
    if (st != RL_OK)
        return st;
    if (n_calibration == 0 || n_calibration >= b->n_origins)
        return rl__fail(b, RL_E_INVALID,
                        "rl_backtest_coverage: %zu calibration origins of %zu leave "
                                     "none to check", n_calibration, b->n_origins);
    float *buf = rl__calloc((n_calibration + b->horizon), sizeof(float));
    if (!buf)
        return rl__fail(b, RL_E_NOMEM, "rl_backtest_coverage: no memory");
    float *hw = buf + n_calibration;
    half_widths(b, method, coverage, 0, n_calibration, buf, hw);
    size_t inside = 0, total = 0;
    for (size_t o = n_calibration; o < b->n_origins; o++)
        for (size_t h = 0; h < b->horizon; h++) {
            size_t i = o * b->horizon + h;
            inside += fabsf(b->actual[i] - b->forecast[method][i]) <= hw[h];
            total++;
        }
    rl__free(buf);
    *observed = (double)inside / (double)total;
    return RL_OK;
}
