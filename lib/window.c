/* Sliding windows over a series: the supervised samples a recurrent model
 * trains on (the Keras tutorials' create_dataset, plus a forecast horizon). */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "rnnlite/rnnlite.h"

/* Windows of a series, without overflow: time_steps + horizon may exceed SIZE_MAX. */
static size_t window_count(size_t n_points, size_t time_steps, size_t horizon)
{
    if (time_steps > n_points || horizon > n_points - time_steps)
        return 0;
    return n_points - time_steps - horizon + 1;
}

rl_status rl_window_count(size_t n_points, size_t time_steps, size_t horizon, size_t *count)
{
    if (!count || time_steps == 0 || horizon == 0)
        return RL_E_INVALID;
    *count = window_count(n_points, time_steps, horizon);
    return RL_OK;
}

rl_status rl_window_make_detail(const float *series, size_t n_points, size_t n_features,
                                size_t time_steps, size_t horizon, size_t target_column,
                                float *x, size_t x_len, float *y, size_t y_len, char *message,
                                size_t message_len)
{
    rl__tell(message, message_len, RL_OK, "%s", "");
    if (!series || !x || !y)
        return rl__tell(message, message_len, RL_E_INVALID,
                        "rl_window_make: series, x and y must not be NULL");
    if (n_points == 0 || n_features == 0 || time_steps == 0 || horizon == 0)
        return rl__tell(message, message_len, RL_E_INVALID,
                        "rl_window_make: n_points %zu, n_features %zu, time_steps %zu and "
                        "horizon %zu must all be >= 1", n_points, n_features, time_steps, horizon);
    int all = target_column == RL_ALL_COLUMNS;
    if (!all && target_column >= n_features)
        return rl__tell(message, message_len, RL_E_INVALID,
                        "rl_window_make: target_column %zu of a series with %zu features",
                        target_column, n_features);
    int ok = 1;
    rl__mul(n_points, n_features, &ok);
    if (!ok)   /* no series can be that long */
        return rl__tell(message, message_len, RL_E_INVALID,
                        "rl_window_make: %zu points x %zu features overflow the address space",
                        n_points, n_features);
    size_t count = window_count(n_points, time_steps, horizon);
    if (count == 0)
        return rl__tell(message, message_len, RL_E_INVALID,
                        "rl_window_make: %zu points make no window of time_steps %zu and "
                        "horizon %zu (at least %zu points are needed)", n_points, time_steps,
                        horizon, time_steps + horizon);

    size_t x_row = rl__mul(time_steps, n_features, &ok);
    size_t x_need = rl__mul(count, x_row, &ok);
    size_t y_row = all ? n_features : 1;
    size_t y_need = rl__mul(count, y_row, &ok);
    /* A size that overflows is larger than any buffer the caller can pass. */
    if (!ok || x_len < x_need)
        return rl__tell(message, message_len, RL_E_SHAPE,
                        "rl_window_make: x holds %zu floats, %zu windows need %zu", x_len, count,
                        x_need);
    if (y_len < y_need)
        return rl__tell(message, message_len, RL_E_SHAPE,
                        "rl_window_make: y holds %zu floats, %zu windows need %zu", y_len, count,
                        y_need);

    for (size_t i = 0; i < count; i++) {
        /* Rows i .. i+time_steps-1 are contiguous in the series. */
        memcpy(x + i * x_row, series + i * n_features, x_row * sizeof(float));
        const float *target = series + (i + time_steps + horizon - 1) * n_features;
        if (all)
            memcpy(y + i * y_row, target, n_features * sizeof(float));
        else
            y[i] = target[target_column];
    }
    return RL_OK;
}

rl_status rl_window_make(const float *series, size_t n_points, size_t n_features,
                         size_t time_steps, size_t horizon, size_t target_column,
                         float *x, size_t x_len, float *y, size_t y_len)
{
    return rl_window_make_detail(series, n_points, n_features, time_steps, horizon,
                                 target_column, x, x_len, y, y_len, NULL, 0);
}

rl_status rl_window_make_targets(const float *series, size_t n_points, size_t n_features,
                                 size_t time_steps, size_t out_steps, const size_t *columns,
                                 size_t n_columns, float *x, size_t x_len, float *y, size_t y_len)
{
    if (!series || !x || !y || !columns || n_points == 0 || n_features == 0 || time_steps == 0 ||
        out_steps == 0 || n_columns == 0)
        return RL_E_INVALID;
    for (size_t j = 0; j < n_columns; j++)
        if (columns[j] >= n_features)
            return RL_E_INVALID;
    int ok = 1;
    rl__mul(n_points, n_features, &ok);
    if (!ok)
        return RL_E_INVALID;   /* no series can be that long */
    size_t count = window_count(n_points, time_steps, out_steps);
    if (count == 0)
        return RL_E_INVALID;

    size_t x_row = rl__mul(time_steps, n_features, &ok);
    size_t x_need = rl__mul(count, x_row, &ok);
    size_t y_row = rl__mul(out_steps, n_columns, &ok);
    size_t y_need = rl__mul(count, y_row, &ok);
    if (!ok || x_len < x_need || y_len < y_need)
        return RL_E_SHAPE;

    for (size_t i = 0; i < count; i++) {
        memcpy(x + i * x_row, series + i * n_features, x_row * sizeof(float));
        /* y row: step k of the future, then the target columns in the given order,
         * as rl_model_set_targets lays out the model's output row. */
        float *yi = y + i * y_row;
        for (size_t k = 0; k < out_steps; k++) {
            const float *src = series + (i + time_steps + k) * n_features;
            for (size_t j = 0; j < n_columns; j++)
                yi[k * n_columns + j] = src[columns[j]];
        }
    }
    return RL_OK;
}

/* ---- windows that skip gaps -------------------------------------------------- */

/* Whether window i (x rows [i, i+ts), y row i+ts+horizon-1) is all finite;
 * `row_ok` [n_points] says which rows are finite (in the columns that matter). */
static int window_complete(const unsigned char *row_ok, const float *series, size_t nf,
                           size_t i, size_t ts, size_t horizon, size_t target_column)
{
    for (size_t r = i; r < i + ts; r++)
        if (!row_ok[r])
            return 0;
    const float *target = series + (i + ts + horizon - 1) * nf;
    if (target_column != RL_ALL_COLUMNS)
        return isfinite(target[target_column]);
    return row_ok[i + ts + horizon - 1];
}

/* Marks finite rows; NULL when out of memory. */
static unsigned char *finite_rows(const float *series, size_t n, size_t nf)
{
    unsigned char *ok = rl__calloc(n ? n : 1, 1);
    for (size_t i = 0; ok && i < n; i++) {
        ok[i] = 1;
        for (size_t j = 0; j < nf; j++)
            if (!isfinite(series[i * nf + j])) {
                ok[i] = 0;
                break;
            }
    }
    return ok;
}

static rl_status complete_args(const float *series, size_t n_points, size_t n_features,
                               size_t time_steps, size_t horizon, size_t target_column)
{
    if (!series || n_points == 0 || n_features == 0 || time_steps == 0 || horizon == 0)
        return RL_E_INVALID;
    if (target_column != RL_ALL_COLUMNS && target_column >= n_features)
        return RL_E_INVALID;
    int ok = 1;
    rl__mul(n_points, n_features, &ok);
    return ok ? RL_OK : RL_E_INVALID;
}

rl_status rl_window_count_complete(const float *series, size_t n_points, size_t n_features,
                                   size_t time_steps, size_t horizon, size_t target_column,
                                   size_t *count)
{
    rl_status st = complete_args(series, n_points, n_features, time_steps, horizon, target_column);
    if (st != RL_OK || !count)
        return RL_E_INVALID;
    size_t total = window_count(n_points, time_steps, horizon), c = 0;
    unsigned char *row_ok = finite_rows(series, n_points, n_features);
    if (!row_ok)
        return RL_E_NOMEM;
    for (size_t i = 0; i < total; i++)
        c += (size_t)window_complete(row_ok, series, n_features, i, time_steps, horizon,
                                     target_column);
    rl__free(row_ok);
    *count = c;
    return RL_OK;
}

rl_status rl_window_make_complete(const float *series, size_t n_points, size_t n_features,
                                  size_t time_steps, size_t horizon, size_t target_column,
                                  float *x, size_t x_len, float *y, size_t y_len,
                                  size_t *n_windows)
{
    if (!x || !y || !n_windows)
        return RL_E_INVALID;
    size_t count = 0;
    rl_status st = rl_window_count_complete(series, n_points, n_features, time_steps, horizon,
                                            target_column, &count);
    if (st != RL_OK)
        return st;
    if (count == 0)
        return RL_E_INVALID;
    int ok = 1;
    size_t x_row = rl__mul(time_steps, n_features, &ok);
    size_t y_row = target_column == RL_ALL_COLUMNS ? n_features : 1;
    if (!ok || x_len / x_row < count || y_len / y_row < count)
        return RL_E_SHAPE;
    unsigned char *row_ok = finite_rows(series, n_points, n_features);
    if (!row_ok)
        return RL_E_NOMEM;
    size_t total = window_count(n_points, time_steps, horizon), w = 0;
    for (size_t i = 0; i < total; i++) {
        if (!window_complete(row_ok, series, n_features, i, time_steps, horizon, target_column))
            continue;
        memcpy(x + w * x_row, series + i * n_features, x_row * sizeof(float));
        const float *target = series + (i + time_steps + horizon - 1) * n_features;
        if (target_column == RL_ALL_COLUMNS)
            memcpy(y + w * y_row, target, n_features * sizeof(float));
        else
            y[w] = target[target_column];
        w++;
    }
    rl__free(row_ok);
    *n_windows = w;
    return RL_OK;
}
