/* The public scaler API: argument checks and a status, then one call into
 * scaler.c, which owns the scaler's memory and math. A scaler has no message
 * buffer (a fitted scaler is const and may be shared by threads): every
 * status has one meaning, documented in rnnlite.h, except fit's, whose
 * reason (which value is not finite) rl_scaler_fit_detail() writes into a
 * caller buffer. */
#include <math.h>

#include "alloc.h"
#include "error.h"
#include "scaler.h"

rl_status rl_scaler_create_minmax(rl_scaler **out, float range_min, float range_max)
{
    if (!out || !isfinite(range_min) || !isfinite(range_max) || !(range_min < range_max))
        return RL_E_INVALID;
    rl_scaler *s = rl__scaler_new(RL__SCALER_MINMAX, range_min, range_max);
    if (!s)
        return RL_E_NOMEM;
    *out = s;
    return RL_OK;
}

rl_status rl_scaler_create_standard(rl_scaler **out)
{
    if (!out)
        return RL_E_INVALID;
    rl_scaler *s = rl__scaler_new(RL__SCALER_STANDARD, 0, 0);
    if (!s)
        return RL_E_NOMEM;
    *out = s;
    return RL_OK;
}

void rl_scaler_destroy(rl_scaler *s)
{
    rl__scaler_free(s);
}

rl_status rl_scaler_fit_detail(rl_scaler *s, const float *data, size_t n_rows, size_t n_features,
                               char *message, size_t message_len)
{
    rl__tell(message, message_len, RL_OK, "%s", "");
    if (!s || !data)
        return rl__tell(message, message_len, RL_E_INVALID,
                        "rl_scaler_fit: scaler and data must not be NULL");
    if (n_rows == 0 || n_features == 0)
        return rl__tell(message, message_len, RL_E_INVALID,
                        "rl_scaler_fit: %zu rows x %zu features: both must be >= 1", n_rows,
                        n_features);
    int ok = 1;
    rl__mul(n_rows, n_features, &ok);
    if (!ok)
        return rl__tell(message, message_len, RL_E_NOMEM,
                        "rl_scaler_fit: %zu rows x %zu features overflow the address space",
                        n_rows, n_features);
    rl_status st = rl__scaler_fit(s, data, n_rows, n_features);
    if (st == RL_E_NUMERIC) {
        size_t i = 0;
        while (i + 1 < n_rows * n_features && isfinite(data[i]))
            i++;
        return rl__tell(message, message_len, st,
                        "rl_scaler_fit: row %zu, column %zu is %g (not finite); the scaler is "
                        "unchanged", i / n_features, i % n_features, (double)data[i]);
    }
    if (st == RL_E_NOMEM)
        rl__tell(message, message_len, st, "rl_scaler_fit: out of memory for %zu columns",
                 n_features);
    return st;
}

rl_status rl_scaler_fit(rl_scaler *s, const float *data, size_t n_rows, size_t n_features)
{
    return rl_scaler_fit_detail(s, data, n_rows, n_features, NULL, 0);
}

/* Shared checks of transform and inverse_transform. */
static rl_status check_apply(const rl_scaler *s, const float *in, const float *out, size_t n_rows,
                             size_t n_features)
{
    if (!s || !in || !out || n_rows == 0)
        return RL_E_INVALID;
    if (rl__scaler_features(s) == 0)
        return RL_E_STATE;
    if (n_features != rl__scaler_features(s))
        return RL_E_SHAPE;
    int ok = 1;
    rl__mul(n_rows, n_features, &ok);
    return ok ? RL_OK : RL_E_INVALID;   /* no caller buffer can be that large */
}

rl_status rl_scaler_transform(const rl_scaler *s, const float *in, float *out, size_t n_rows,
                              size_t n_features)
{
    rl_status st = check_apply(s, in, out, n_rows, n_features);
    if (st != RL_OK)
        return st;
    rl__scaler_transform(s, in, out, n_rows);
    return RL_OK;
}

rl_status rl_scaler_inverse_transform(const rl_scaler *s, const float *in, float *out,
                                      size_t n_rows, size_t n_features)
{
    rl_status st = check_apply(s, in, out, n_rows, n_features);
    if (st != RL_OK)
        return st;
    rl__scaler_inverse(s, in, out, n_rows);
    return RL_OK;
}

rl_status rl_scaler_inverse_transform_column(const rl_scaler *s, size_t column, const float *in,
                                             float *out, size_t n)
{
    if (!s || !in || !out || n == 0)
        return RL_E_INVALID;
    if (rl__scaler_features(s) == 0)
        return RL_E_STATE;
    if (column >= rl__scaler_features(s))
        return RL_E_INVALID;
    rl__scaler_inverse_column(s, column, in, out, n);
    return RL_OK;
}

rl_status rl_scaler_feature_count(const rl_scaler *s, size_t *n_features)
{
    if (!s || !n_features)
        return RL_E_INVALID;
    *n_features = rl__scaler_features(s);
    return RL_OK;
}
