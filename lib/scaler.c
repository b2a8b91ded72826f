/* Per-column feature scaling with sklearn's semantics (MinMaxScaler,
 * StandardScaler): the scaler's memory and math. The public rl_scaler_*
 * calls check their arguments in api_scaler.c and call these. Statistics
 * are computed and applied in double so that float data round-trips
 * through transform and inverse without drift. */
#include "scaler.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc.h"

struct rl_scaler {
    int kind;                  /* RL__SCALER_MINMAX or RL__SCALER_STANDARD */
    double range_min, range_max;
    size_t n_features;         /* 0 until fitted */
    double *stats;             /* one block: a, b, mul (n_features each) */
    double *a, *b;             /* see scaler.h */
    double *mul;               /* MinMax: (range_max - range_min) / data range (sklearn scale_) */
};

rl_scaler *rl__scaler_new(int kind, double range_min, double range_max)
{
    rl_scaler *s = rl__calloc(1, sizeof *s);
    if (s) {
        s->kind = kind;
        s->range_min = range_min;
        s->range_max = range_max;
    }
    return s;
}

/* Fresh stats block of n columns, or NULL (also on size overflow). */
static double *stats_alloc(size_t n)
{
    int ok = 1;
    size_t count = rl__mul(n, 3, &ok);
    return ok ? rl__calloc(count, sizeof(double)) : NULL;
}

/* Take ownership of stats (filled in a and b) and derive mul. */
static void scaler_install(rl_scaler *s, double *stats, size_t n)
{
    rl__free(s->stats);
    s->stats = stats;
    s->n_features = n;
    s->a = stats;
    s->b = stats + n;
    s->mul = stats + 2 * n;
    if (s->kind != RL__SCALER_MINMAX)
        return;
    for (size_t j = 0; j < n; j++) {
        double range = s->b[j] - s->a[j];
        /* sklearn's _handle_zeros_in_scale: a (near) zero range counts as 1,
         * so a constant column maps to range_min instead of dividing by 0. */
        if (range < 10 * DBL_EPSILON)
            range = 1;
        s->mul[j] = (s->range_max - s->range_min) / range;
    }
}

void rl__scaler_free(rl_scaler *s)
{
    if (!s)
        return;
    rl__free(s->stats);
    rl__free(s);
}

/* Column minimum and maximum into lo, hi; 0 when a value is not finite. */
static int fit_minmax(const float *data, size_t rows, size_t cols, double *lo, double *hi)
{
    for (size_t j = 0; j < cols; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    for (size_t i = 0; i < rows; i++) {
        const float *row = data + i * cols;
        for (size_t j = 0; j < cols; j++) {
            double v = row[j];
            if (!isfinite(v))
                return 0;
            lo[j] = v < lo[j] ? v : lo[j];
            hi[j] = v > hi[j] ? v : hi[j];
        }
    }
    return 1;
}

/* Column mean and scale (population std; 1 for a constant column) into
 * mean, scale; 0 when a value is not finite. Two passes: the sum of squared
 * deviations from the mean does not cancel the way sum(x^2) - n*mean^2 does. */
static int fit_standard(const float *data, size_t rows, size_t cols, double *mean, double *scale)
{
    for (size_t i = 0; i < rows; i++) {
        const float *row = data + i * cols;
        for (size_t j = 0; j < cols; j++) {
            if (!isfinite(row[j]))
                return 0;
            mean[j] += row[j];
        }
    }
    for (size_t j = 0; j < cols; j++)
        mean[j] /= (double)rows;
    for (size_t i = 0; i < rows; i++) {
        const float *row = data + i * cols;
        for (size_t j = 0; j < cols; j++) {
            double d = row[j] - mean[j];
            scale[j] += d * d;
        }
    }
    for (size_t j = 0; j < cols; j++) {
        double n = (double)rows;
        double var = scale[j] / n;
        /* sklearn's _is_constant_feature: a variance within rounding error
         * of zero means a constant column, which gets scale 1. */
        double bound = n * DBL_EPSILON * var + (n * mean[j] * DBL_EPSILON) * (n * mean[j] * DBL_EPSILON);
        scale[j] = var <= bound ? 1.0 : sqrt(var);
    }
    return 1;
}

rl_status rl__scaler_fit(rl_scaler *s, const float *data, size_t n_rows, size_t n_features)
{
    double *stats = stats_alloc(n_features);
    if (!stats)
        return RL_E_NOMEM;
    double *a = stats, *b = stats + n_features;
    int finite = s->kind == RL__SCALER_MINMAX ? fit_minmax(data, n_rows, n_features, a, b)
                                              : fit_standard(data, n_rows, n_features, a, b);
    if (!finite) {
        rl__free(stats);
        return RL_E_NUMERIC;
    }
    scaler_install(s, stats, n_features);
    return RL_OK;
}

static float forward_one(const rl_scaler *s, size_t j, float v)
{
    if (s->kind == RL__SCALER_MINMAX)
        return (float)(s->range_min + ((double)v - s->a[j]) * s->mul[j]);
    return (float)(((double)v - s->a[j]) / s->b[j]);
}

static float inverse_one(const rl_scaler *s, size_t j, float v)
{
    if (s->kind == RL__SCALER_MINMAX)
        return (float)(s->a[j] + ((double)v - s->range_min) / s->mul[j]);
    return (float)((double)v * s->b[j] + s->a[j]);
}

void rl__scaler_transform(const rl_scaler *s, const float *in, float *out, size_t n_rows)
{
    size_t n_features = s->n_features;
    /* Element by element, each read before its write: in == out is fine. */
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = 0; j < n_features; j++)
            out[i * n_features + j] = forward_one(s, j, in[i * n_features + j]);
}

void rl__scaler_inverse(const rl_scaler *s, const float *in, float *out, size_t n_rows)
{
    size_t n_features = s->n_features;
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = 0; j < n_features; j++)
            out[i * n_features + j] = inverse_one(s, j, in[i * n_features + j]);
}

void rl__scaler_inverse_column(const rl_scaler *s, size_t column, const float *in, float *out,
                               size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = inverse_one(s, column, in[i]);
}

/* ---- internal: copy and (de)serialisation, see scaler.h ---- */

rl_scaler *rl__scaler_clone(const rl_scaler *s)
{
    if (!s)
        return NULL;
    rl_scaler *c = rl__scaler_new(s->kind, s->range_min, s->range_max);
    if (!c || s->n_features == 0)
        return c;
    double *stats = stats_alloc(s->n_features);
    if (!stats) {
        rl__free(c);
        return NULL;
    }
    memcpy(stats, s->stats, 3 * s->n_features * sizeof(double));
    scaler_install(c, stats, s->n_features);
    return c;
}

float rl__scaler_forward_value(const rl_scaler *s, size_t column, float v)
{
    return forward_one(s, column, v);
}

float rl__scaler_inverse_value(const rl_scaler *s, size_t column, float v)
{
    return inverse_one(s, column, v);
}

int rl__scaler_kind(const rl_scaler *s)
{
    return s->kind;
}

size_t rl__scaler_features(const rl_scaler *s)
{
    return s->n_features;
}

void rl__scaler_range(const rl_scaler *s, double *range_min, double *range_max)
{
    *range_min = s->range_min;
    *range_max = s->range_max;
}

const double *rl__scaler_a(const rl_scaler *s)
{
    return s->n_features ? s->a : NULL;
}

const double *rl__scaler_b(const rl_scaler *s)
{
    return s->n_features ? s->b : NULL;
}

static int parts_valid(int kind, double range_min, double range_max, size_t n, const double *a,
                       const double *b)
{
    if (n == 0 || !a || !b)
        return 0;
    if (kind == RL__SCALER_MINMAX) {
        if (!isfinite(range_min) || !isfinite(range_max) || !(range_min < range_max) ||
            !isfinite(range_max - range_min))
            return 0;
        for (size_t j = 0; j < n; j++) {
            /* The range must be finite too, or inverse would divide by a zero scale. */
            if (!isfinite(a[j]) || !isfinite(b[j]) || !(a[j] <= b[j]) || !isfinite(b[j] - a[j]))
                return 0;
        }
        return 1;
    }
    if (kind == RL__SCALER_STANDARD) {
        for (size_t j = 0; j < n; j++) {
            if (!isfinite(a[j]) || !isfinite(b[j]) || !(b[j] >= DBL_MIN))
                return 0;
        }
        return 1;
    }
    return 0;
}

rl_status rl__scaler_from_parts(rl_scaler **out, int kind, double range_min, double range_max,
                                size_t n_features, const double *a, const double *b)
{
    if (!out || !parts_valid(kind, range_min, range_max, n_features, a, b))
        return RL_E_INVALID;
    if (kind == RL__SCALER_STANDARD)
        range_min = range_max = 0;
    rl_scaler *s = rl__scaler_new(kind, range_min, range_max);
    double *stats = stats_alloc(n_features);
    if (!s || !stats) {
        rl__free(s);
        rl__free(stats);
        return RL_E_NOMEM;
    }
    memcpy(stats, a, n_features * sizeof(double));
    memcpy(stats + n_features, b, n_features * sizeof(double));
    scaler_install(s, stats, n_features);
    for (size_t j = 0; kind == RL__SCALER_MINMAX && j < n_features; j++) {
        /* A feature range huge against a tiny data range (or the reverse)
         * would give a scale of inf or 0: not a scaler fit() can make. */
        if (!isfinite(s->mul[j]) || !(s->mul[j] > 0)) {
            rl__scaler_free(s);
            return RL_E_INVALID;
        }
    }
    *out = s;
    return RL_OK;
}
