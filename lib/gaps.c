/* Gaps in a series (NaN or Inf): finding the first one, and filling them
 * for callers who prefer a guess to a hole. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "rnnlite/rnnlite.h"

rl_status rl_find_nonfinite(const float *data, size_t n_rows, size_t n_columns, size_t *row,
                            size_t *column)
{
    if (!data || !row || !column)
        return RL_E_INVALID;
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = 0; j < n_columns; j++)
            if (!isfinite(data[i * n_columns + j])) {
                *row = i;
                *column = j;
                return RL_E_NUMERIC;
            }
    return RL_OK;
}

/* Fills column j of out [n][nf] (already a copy of the input). */
static size_t fill_column(float *out, size_t n, size_t nf, size_t j, rl_fill method)
{
    size_t filled = 0, last = SIZE_MAX;   /* last finite row so far */
    for (size_t i = 0; i < n; i++) {
        float v = out[i * nf + j];
        if (!isfinite(v))
            continue;
        if (last == SIZE_MAX) {
            /* Leading gap: nothing before it, take the first observation. */
            for (size_t g = 0; g < i; g++)
                out[g * nf + j] = v;
            filled += i;
        } else if (i > last + 1) {
            double a = out[last * nf + j], b = v, span = (double)(i - last);
            for (size_t g = last + 1; g < i; g++)
                out[g * nf + j] = method == RL_FILL_LINEAR
                                      ? (float)(a + (b - a) * (double)(g - last) / span)
                                      : (float)a;
            filled += i - last - 1;
        }
        last = i;
    }
    /* Trailing gap: carried forward either way (no later point to draw to). */
    for (size_t g = last + 1; g < n; g++)
        out[g * nf + j] = out[last * nf + j];
    return filled + (n - last - 1);
}

rl_status rl_fill_gaps(const float *in, float *out, size_t n_points, size_t n_features,
                       rl_fill method, size_t *n_filled)
{
    if (!in || !out || n_points == 0 || n_features == 0 ||
        (method != RL_FILL_LINEAR && method != RL_FILL_LOCF))
        return RL_E_INVALID;
    int ok = 1;
    size_t n = rl__mul(n_points, n_features, &ok);
    if (!ok)
        return RL_E_INVALID;
    /* A column without any observation cannot be filled: check before writing. */
    for (size_t j = 0; j < n_features; j++) {
        size_t i = 0;
        while (i < n_points && !isfinite(in[i * n_features + j]))
            i++;
        if (i == n_points)
            return RL_E_NUMERIC;
    }
    if (out != in)
        memmove(out, in, n * sizeof(float));
    size_t filled = 0;
    for (size_t j = 0; j < n_features; j++)
        filled += fill_column(out, n_points, n_features, j, method);
    if (n_filled)
        *n_filled = filled;
    return RL_OK;
}
