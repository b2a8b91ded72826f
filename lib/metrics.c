/* Accuracy metrics, naive baselines, the chronological split and season
 * detection: the yardsticks a forecast is judged by, all in raw units and
 * in double. Definitions follow R's forecast package (accuracy(), naive(),
 * snaive(), rwf(drift = TRUE)); sMAPE is the M3 competition's. */
#include <math.h>

#include "alloc.h"
#include "metrics.h"

const char *rl_metric_name(rl_metric metric)
{
    static const char *const names[RL_METRIC_COUNT] = { "RMSE", "MAE", "MAPE", "sMAPE", "MASE" };
    return (unsigned)metric < RL_METRIC_COUNT ? names[metric] : "unknown";
}

const char *rl_method_name(rl_method method)
{
    static const char *const names[RL_METHOD_COUNT] = { "model", "last_value", "seasonal_naive",
                                                        "drift" };
    return (unsigned)method < RL_METHOD_COUNT ? names[method] : "unknown";
}

rl_status rl_mase_scale(const float *series, size_t n_points, size_t season, double *scale)
{
    if (!series || !scale || season == 0 || n_points <= season)
        return RL_E_INVALID;
    double sum = 0;
    for (size_t t = season; t < n_points; t++)
        sum += fabs((double)series[t] - series[t - season]);
    sum /= (double)(n_points - season);
    if (!isfinite(sum) || !(sum > 0))
        return RL_E_NUMERIC;
    *scale = sum;
    return RL_OK;
}

void rl__metric_add(rl_metric_acc *acc, double actual, double forecast, double mase_scale)
{
    double e = actual - forecast, ae = fabs(e);
    acc->n += 1;
    acc->sum[RL_METRIC_RMSE] += e * e;
    acc->sum[RL_METRIC_MAE] += ae;
    acc->sum[RL_METRIC_MAPE] += 100 * fabs(e / actual);
    double den = fabs(actual) + fabs(forecast);
    acc->sum[RL_METRIC_SMAPE] += den > 0 ? 200 * ae / den : 0;
    acc->sum[RL_METRIC_MASE] += ae / mase_scale;
}

double rl__metric_value(const rl_metric_acc *acc, rl_metric metric)
{
    double mean = acc->sum[metric] / (double)acc->n;
    return metric == RL_METRIC_RMSE ? sqrt(mean) : mean;
}

rl_status rl_metric_compute(rl_metric metric, const float *actual, const float *forecast,
                            size_t n, double mase_scale, double *value)
{
    if (!actual || !forecast || !value || n == 0 || (unsigned)metric >= RL_METRIC_COUNT)
        return RL_E_INVALID;
    if (metric == RL_METRIC_MASE && !(mase_scale > 0 && isfinite(mase_scale)))
        return RL_E_INVALID;
    rl_metric_acc acc = { 0 };
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(actual[i]) || !isfinite(forecast[i]))
            return RL_E_NUMERIC;
        rl__metric_add(&acc, actual[i], forecast[i], metric == RL_METRIC_MASE ? mase_scale : 1);
    }
    *value = rl__metric_value(&acc, metric);
    return RL_OK;
}

rl_status rl__baseline(rl_method method, const float *h, size_t n, size_t season, size_t horizon,
                       float *out)
{
    switch (method) {
    case RL_METHOD_LAST_VALUE:
        if (!isfinite(h[n - 1]))
            return RL_E_NUMERIC;
        for (size_t k = 0; k < horizon; k++)
            out[k] = h[n - 1];
        return RL_OK;
    case RL_METHOD_SEASONAL_NAIVE:
        if (season == 0 || n < season)
            return RL_E_INVALID;
        for (size_t k = 0; k < season && k < horizon; k++)
            if (!isfinite(h[n - season + k]))
                return RL_E_NUMERIC;
        for (size_t k = 0; k < horizon; k++)
            out[k] = h[n - season + k % season];
        return RL_OK;
    case RL_METHOD_DRIFT: {
        if (n < 2)
            return RL_E_INVALID;
        if (!isfinite(h[0]) || !isfinite(h[n - 1]))
            return RL_E_NUMERIC;
        double slope = ((double)h[n - 1] - h[0]) / (double)(n - 1);
        for (size_t k = 0; k < horizon; k++)
            out[k] = (float)(h[n - 1] + (double)(k + 1) * slope);
        return RL_OK;
    }
    default:
        return RL_E_INVALID;
    }
}

rl_status rl_baseline_forecast(rl_method method, const float *history, size_t n_points,
                               size_t season, size_t horizon, float *out, size_t out_len)
{
    if (!history || !out || n_points == 0 || horizon == 0 || method == RL_METHOD_MODEL ||
        (unsigned)method >= RL_METHOD_COUNT)
        return RL_E_INVALID;
    if (method == RL_METHOD_SEASONAL_NAIVE && (season == 0 || n_points < season))
        return RL_E_INVALID;
    if (method == RL_METHOD_DRIFT && n_points < 2)
        return RL_E_INVALID;
    if (out_len < horizon)
        return RL_E_SHAPE;
    return rl__baseline(method, history, n_points, season, horizon, out);
}

rl_status rl_split_chronological(size_t n_points, double train_fraction, size_t *n_train)
{
    if (!n_train || !(train_fraction > 0 && train_fraction < 1))
        return RL_E_INVALID;
    double k = floor((double)n_points * train_fraction + 0.5);
    if (k < 1 || k >= (double)n_points)
        return RL_E_INVALID;
    *n_train = (size_t)k;
    return RL_OK;
}

/* Sample autocorrelation of x [n] at lag k (the usual biased estimator, as R's acf()). */
static double acf(const double *x, size_t n, size_t k, double mean, double var)
{
    double s = 0;
    for (size_t t = k; t < n; t++)
        s += (x[t] - mean) * (x[t - k] - mean);
    return s / (double)n / var;
}

/* Whether lag k is a local maximum of the autocorrelation above the 0.3 floor. */
static int acf_peak(const double *r, size_t k, size_t max_period)
{
    return r[k] > 0.3 && r[k] > r[k - 1] && (k == max_period || r[k] >= r[k + 1]);
}

rl_status rl_detect_season(const float *series, size_t n_points, size_t max_period,
                           size_t *period)
{
    if (!series || !period || max_period < 2 || max_period > 100000 ||
        n_points < 2 * max_period + 2)
        return RL_E_INVALID;
    size_t n = n_points;
    double *d = rl__calloc(n + max_period + 1, sizeof(double));
    if (!d)
        return RL_E_NOMEM;
    double *r = d + n;
    /* Remove the least-squares line: a trend makes every autocorrelation
     * high and hides the season (differencing instead would smear it over
     * the season's multiples). */
    double tm = (double)(n - 1) / 2, ym = 0, sxy = 0, sxx = 0;
    for (size_t t = 0; t < n; t++) {
        if (!isfinite(series[t])) {
            rl__free(d);
            return RL_E_NUMERIC;
        }
        ym += series[t];
    }
    ym /= (double)n;
    for (size_t t = 0; t < n; t++) {
        sxy += ((double)t - tm) * (series[t] - ym);
        sxx += ((double)t - tm) * ((double)t - tm);
    }
    double slope = sxy / sxx, var = 0;
    for (size_t t = 0; t < n; t++) {
        d[t] = series[t] - ym - slope * ((double)t - tm);
        var += d[t] * d[t];
    }
    var /= (double)n;
    size_t best = 1;
    if (var > 0) {
        for (size_t k = 1; k <= max_period; k++)
            r[k] = acf(d, n, k, 0, var);
        for (size_t k = 2; k <= max_period; k++)
            if (acf_peak(r, k, max_period) && (best == 1 || r[k] > r[best]))
                best = k;
        /* A season shows again at its multiples: prefer the shortest
         * period whose peak is nearly as high. */
        for (size_t k = 2; best > 1 && k < best; k++)
            if (best % k == 0 && acf_peak(r, k, max_period) && r[k] >= 0.9 * r[best]) {
                best = k;
                break;
            }
    }
    rl__free(d);
    *period = best;
    return RL_OK;
}
