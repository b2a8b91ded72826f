/* Transform pipelines: log, log1p, differencing and per-column scaling,
 * chained, fitted on training data, applied to raw rows and undone on
 * forecasts. See transform.h for the model of what a step is. */
#include "transform.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "scaler.h"

#define MAX_STEPS 64        /* a pipeline longer than this is a mistake */
#define MAX_LAG 100000      /* as RL_MAX_STEPS: no window is longer */

typedef struct step {
    int kind;
    size_t column;          /* index or RL_ALL_COLUMNS */
    size_t lag;
    double range_min, range_max;
    double *a, *b, *mul;    /* scaling steps, after fit: n_features each, one block at a */
} step;

struct rl_transform {
    step steps[MAX_STEPS];
    size_t n_steps;
    size_t n_features;      /* 0 until fitted */
    size_t lost;            /* sum of differencing lags */
    rl_error err;           /* the handle's last_error, written through error.h */
};


static const char *kind_name(int kind)
{
    switch (kind) {
    case RL__STEP_LOG: return "log";
    case RL__STEP_LOG1P: return "log1p";
    case RL__STEP_DIFF: return "diff";
    case RL__STEP_MINMAX: return "minmax";
    case RL__STEP_STANDARD: return "standard";
    default: return "?";
    }
}

static int is_scaling(int kind)
{
    return kind == RL__STEP_MINMAX || kind == RL__STEP_STANDARD;
}

static int touches(const step *s, size_t j)
{
    return s->column == RL_ALL_COLUMNS || s->column == j;
}

static void step_free(step *s)
{
    rl__free(s->a);
    s->a = s->b = s->mul = NULL;
}

/* ---- building -------------------------------------------------------------- */

rl_status rl_transform_create(rl_transform **out)
{
    if (!out)
        return RL_E_INVALID;
    *out = rl__calloc(1, sizeof **out);
    return *out ? RL_OK : RL_E_NOMEM;
}

void rl_transform_destroy(rl_transform *t)
{
    if (!t)
        return;
    for (size_t k = 0; k < t->n_steps; k++)
        step_free(&t->steps[k]);
    rl__free(t);
}

const char *rl_transform_last_error(const rl_transform *t)
{
    return t ? rl__error_text(t) : "rl_transform_last_error: the transform is NULL";
}

static rl_status add_step(rl_transform *t, step s)
{
    if (!t)
        return RL_E_INVALID;
    if (t->n_features)
        return rl__fail(t, RL_E_STATE,
                        "add steps before rl_transform_fit (the pipeline is fitted)");
    if (t->n_steps == MAX_STEPS)
        return rl__fail(t, RL_E_INVALID, "a pipeline holds at most %d steps", MAX_STEPS);
    t->steps[t->n_steps++] = s;
    if (s.kind == RL__STEP_DIFF)
        t->lost += s.lag;
    rl__clear_error(t);
    return RL_OK;
}

rl_status rl_transform_add_log(rl_transform *t, size_t column)
{
    return add_step(t, (step){ .kind = RL__STEP_LOG, .column = column });
}

rl_status rl_transform_add_log1p(rl_transform *t, size_t column)
{
    return add_step(t, (step){ .kind = RL__STEP_LOG1P, .column = column });
}

rl_status rl_transform_add_diff(rl_transform *t, size_t column, size_t lag)
{
    if (t && (lag == 0 || lag > MAX_LAG))
        return rl__fail(t, RL_E_INVALID, "differencing lag must be 1..%d, got %zu", MAX_LAG, lag);
    return add_step(t, (step){ .kind = RL__STEP_DIFF, .column = column, .lag = lag });
}

rl_status rl_transform_add_minmax(rl_transform *t, float range_min, float range_max)
{
    if (t && (!isfinite(range_min) || !isfinite(range_max) || !(range_min < range_max)))
        return rl__fail(t, RL_E_INVALID, "minmax range must be finite with min < max, got [%g, %g]",
                    (double)range_min, (double)range_max);
    return add_step(t, (step){ .kind = RL__STEP_MINMAX, .column = RL_ALL_COLUMNS,
                               .range_min = range_min, .range_max = range_max });
}

rl_status rl_transform_add_standard(rl_transform *t)
{
    return add_step(t, (step){ .kind = RL__STEP_STANDARD, .column = RL_ALL_COLUMNS });
}

/* ---- the math of one step ---------------------------------------------------- */

/* Derived multiplier of a MinMax column, as scaler.c (sklearn's
 * _handle_zeros_in_scale: a near-zero data range counts as 1). */
static double minmax_mul(const step *s, size_t j)
{
    double range = s->b[j] - s->a[j];
    if (range < 10 * DBL_EPSILON)
        range = 1;
    return (s->range_max - s->range_min) / range;
}

static double scale_one(const step *s, size_t j, double v)
{
    if (s->kind == RL__STEP_MINMAX)
        return s->range_min + (v - s->a[j]) * s->mul[j];
    return (v - s->a[j]) / s->b[j];
}

static double unscale_one(const step *s, size_t j, double v)
{
    if (s->kind == RL__STEP_MINMAX)
        return s->a[j] + (v - s->range_min) / s->mul[j];
    return v * s->b[j] + s->a[j];
}

/* ---- one cell ---------------------------------------------------------------- */

/* Value of column c at the raw row `row` points to, after steps [0, k).
 * Differencing reads earlier rows: the caller keeps the lags of the steps
 * before k readable before `row`. One formula for fit, apply, forecasts and
 * streams, so all of them round alike; no allocation. */
static double value_at(const rl_transform *t, size_t k, const float *row, size_t nf, size_t c)
{
    double v = row[c];
    for (size_t i = 0; i < k; i++) {
        const step *s = &t->steps[i];
        if (!touches(s, c))
            continue;
        switch (s->kind) {
        case RL__STEP_LOG: v = log(v); break;
        case RL__STEP_LOG1P: v = log1p(v); break;
        case RL__STEP_DIFF: v -= value_at(t, i, row - s->lag * nf, nf, c); break;
        default: v = scale_one(s, c, v);
        }
    }
    return v;
}

/* Rows the differencing steps before step k consume. */
static size_t lost_before(const rl_transform *t, size_t k)
{
    size_t lost = 0;
    for (size_t i = 0; i < k; i++)
        lost += t->steps[i].lag;
    return lost;
}

/* The first bad value of raw [n_rows][nf] (row-major order): RL_E_NUMERIC
 * for NaN/Inf, RL_E_INVALID for a value outside the domain of a log step
 * (checked where that step is defined, i.e. after the rows differencing
 * before it consumes). Needs the scaling steps before each log fitted. */
static rl_status find_bad(const rl_transform *t, const float *raw, size_t n_rows, size_t nf,
                          size_t *bad_row, size_t *bad_col)
{
    for (size_t r = 0; r < n_rows; r++)
        for (size_t c = 0; c < nf; c++)
            if (!isfinite(raw[r * nf + c])) {
                *bad_row = r;
                *bad_col = c;
                return RL_E_NUMERIC;
            }
    for (size_t k = 0; k < t->n_steps; k++) {
        const step *s = &t->steps[k];
        if (s->kind != RL__STEP_LOG && s->kind != RL__STEP_LOG1P)
            continue;
        for (size_t r = lost_before(t, k); r < n_rows; r++)
            for (size_t c = 0; c < nf; c++) {
                if (!touches(s, c))
                    continue;
                double v = value_at(t, k, raw + r * nf, nf, c);
                if (s->kind == RL__STEP_LOG ? !(v > 0) : !(v > -1)) {
                    *bad_row = r;
                    *bad_col = c;
                    return RL_E_INVALID;
                }
            }
    }
    return RL_OK;
}

/* Fits scaling step k on rows [lost before k, n_rows) of data (sklearn
 * semantics, see scaler.c); the steps before it are fitted. */
static rl_status fit_scaling(rl_transform *t, size_t k, const float *data, size_t n_rows, size_t nf)
{
    step *s = &t->steps[k];
    double *block = rl__calloc(3 * nf, sizeof(double));   /* nf <= RL_MAX_FEATURES */
    if (!block)
        return RL_E_NOMEM;
    double *a = block, *b = block + nf;
    size_t first = lost_before(t, k);
    double rows = (double)(n_rows - first);
    for (size_t j = 0; j < nf; j++) {
        a[j] = s->kind == RL__STEP_MINMAX ? INFINITY : 0;
        b[j] = s->kind == RL__STEP_MINMAX ? -INFINITY : 0;
    }
    for (size_t r = first; r < n_rows; r++)
        for (size_t j = 0; j < nf; j++) {
            double v = value_at(t, k, data + r * nf, nf, j);
            if (s->kind == RL__STEP_MINMAX) {
                a[j] = v < a[j] ? v : a[j];
                b[j] = v > b[j] ? v : b[j];
            } else {
                a[j] += v;
            }
        }
    if (s->kind == RL__STEP_STANDARD) {
        /* Two passes: deviations from the mean do not cancel as sum(x^2) - n mean^2 does. */
        for (size_t j = 0; j < nf; j++)
            a[j] /= rows;
        for (size_t r = first; r < n_rows; r++)
            for (size_t j = 0; j < nf; j++) {
                double d = value_at(t, k, data + r * nf, nf, j) - a[j];
                b[j] += d * d;
            }
        for (size_t j = 0; j < nf; j++) {
            double var = b[j] / rows;
            double bound = rows * DBL_EPSILON * var + (rows * a[j] * DBL_EPSILON) * (rows * a[j] * DBL_EPSILON);
            b[j] = var <= bound ? 1.0 : sqrt(var);   /* sklearn: constant column -> scale 1 */
        }
    }
    step_free(s);
    s->a = a;
    s->b = b;
    s->mul = block + 2 * nf;
    for (size_t j = 0; s->kind == RL__STEP_MINMAX && j < nf; j++)
        s->mul[j] = minmax_mul(s, j);
    return RL_OK;
}

static const char *domain_text(const rl_transform *t)
{
    for (size_t k = 0; k < t->n_steps; k++)
        if (t->steps[k].kind == RL__STEP_LOG1P)
            return "log/log1p needs values > 0 (log) or > -1 (log1p)";
    return "log needs values > 0";
}

/* ---- fit, apply, invert -------------------------------------------------------- */

static rl_status check_columns(const rl_transform *t, size_t nf)
{
    for (size_t k = 0; k < t->n_steps; k++) {
        size_t c = t->steps[k].column;
        if (c != RL_ALL_COLUMNS && c >= nf)
            return rl__fail(t, RL_E_INVALID, "step %zu (%s) names column %zu of %zu", k,
                        kind_name(t->steps[k].kind), c, nf);
    }
    return RL_OK;
}

/* Message for a bad value found by find_bad (or the forecast checks). */
static rl_status report_bad(const rl_transform *t, const char *fn, rl_status st,
                            const float *data, size_t nf, size_t r, size_t c)
{
    if (st == RL_E_NUMERIC)
        return rl__fail(t, st, "%s: value at row %zu, column %zu is not finite", fn, r, c);
    return rl__fail(t, st, "%s: value %g at row %zu, column %zu is outside the domain: %s", fn,
                (double)data[r * nf + c], r, c, domain_text(t));
}

rl_status rl_transform_fit(rl_transform *t, const float *data, size_t n_rows, size_t n_features)
{
    if (!t)
        return RL_E_INVALID;
    if (!data || n_rows == 0 || n_features == 0 || n_features > 65536)
        return rl__fail(t, RL_E_INVALID, "rl_transform_fit: NULL data or a zero/oversized shape");
    if (t->n_features)
        return rl__fail(t, RL_E_STATE, "the pipeline is fitted already (make a new one to refit)");
    rl_status st = check_columns(t, n_features);
    if (st != RL_OK)
        return st;
    if (n_rows <= t->lost)
        return rl__fail(t, RL_E_INVALID, "%zu rows leave none after differencing (lags sum to %zu)",
                    n_rows, t->lost);
    int ok = 1;
    rl__mul(n_rows, n_features, &ok);
    if (!ok)
        return rl__fail(t, RL_E_INVALID, "rl_transform_fit: %zu rows is too many", n_rows);
    size_t br = 0, bc = 0;
    /* Steps run in order: each scaling step is fitted on what the steps
     * before it (fitted already) make of the data. */
    for (size_t k = 0; k < t->n_steps && st == RL_OK; k++) {
        if (is_scaling(t->steps[k].kind)) {
            st = find_bad(t, data, n_rows, n_features, &br, &bc);
            if (st == RL_OK)
                st = fit_scaling(t, k, data, n_rows, n_features);
        }
    }
    if (st == RL_OK)
        st = find_bad(t, data, n_rows, n_features, &br, &bc);
    if (st != RL_OK) {   /* nothing fitted stays behind */
        for (size_t k = 0; k < t->n_steps; k++)
            step_free(&t->steps[k]);
        if (st == RL_E_NOMEM)
            return rl__fail(t, st, "rl_transform_fit: no memory for the fitted statistics");
        return report_bad(t, "rl_transform_fit", st, data, n_features, br, bc);
    }
    t->n_features = n_features;
    rl__clear_error(t);
    return RL_OK;
}

rl_status rl_transform_lost_rows(const rl_transform *t, size_t *rows)
{
    if (!t || !rows)
        return RL_E_INVALID;
    *rows = t->lost;
    return RL_OK;
}

rl_status rl_transform_feature_count(const rl_transform *t, size_t *n_features)
{
    if (!t || !n_features)
        return RL_E_INVALID;
    *n_features = t->n_features;
    return RL_OK;
}

void rl__transform_forward_rows(const rl_transform *t, const float *raw, size_t n_rows, float *out)
{
    size_t nf = t->n_features;
    for (size_t i = 0; i < n_rows; i++)
        for (size_t c = 0; c < nf; c++)
            out[i * nf + c] = (float)value_at(t, t->n_steps, raw + i * nf, nf, c);
}

rl_status rl__transform_find_bad(const rl_transform *t, const float *raw, size_t n_rows,
                                 size_t *bad_row, size_t *bad_col)
{
    rl_status st = find_bad(t, raw, n_rows, t->n_features, bad_row, bad_col);
    return st == RL_E_INVALID ? RL_E_NUMERIC : st;
}

/* Shared checks of apply and invert: fitted, shapes, rows. */
static rl_status check_use(const rl_transform *t, const char *fn, size_t n_rows, size_t nf)
{
    if (!t->n_features)
        return rl__fail(t, RL_E_STATE, "%s: the pipeline is not fitted", fn);
    if (nf != t->n_features)
        return rl__fail(t, RL_E_SHAPE, "%s: %zu columns given, the pipeline was fitted on %zu", fn,
                    nf, t->n_features);
    if (n_rows <= t->lost)
        return rl__fail(t, RL_E_INVALID, "%s: %zu rows, differencing needs more than %zu", fn,
                    n_rows, t->lost);
    int ok = 1;
    rl__mul(n_rows, nf, &ok);
    return ok ? RL_OK : rl__fail(t, RL_E_INVALID, "%s: %zu rows is too many", fn, n_rows);
}

rl_status rl_transform_apply(const rl_transform *t, const float *in, size_t n_rows,
                             size_t n_features, float *out, size_t out_len)
{
    if (!t)
        return RL_E_INVALID;
    const char *fn = "rl_transform_apply";
    if (!in || !out)
        return rl__fail(t, RL_E_INVALID, "%s: NULL buffer", fn);
    rl_status st = check_use(t, fn, n_rows, n_features);
    if (st != RL_OK)
        return st;
    size_t rows = n_rows - t->lost;
    if (out_len / n_features < rows)
        return rl__fail(t, RL_E_SHAPE, "%s: out holds %zu floats, %zu needed", fn, out_len,
                    rows * n_features);
    size_t br = 0, bc = 0;
    st = find_bad(t, in, n_rows, n_features, &br, &bc);
    if (st != RL_OK) {
        report_bad(t, fn, st, in, n_features, br, bc);
        return RL_E_NUMERIC;
    }
    rl__transform_forward_rows(t, in + t->lost * n_features, rows, out);
    rl__clear_error((rl_transform *)t);
    return RL_OK;
}

/* Stage-k value of target column jc at predicted step s: the model value
 * with steps [k, n_steps) undone. A difference is undone by adding its
 * partner one lag back, from the history or from an earlier predicted step.
 * All in double; no allocation. */
typedef struct inverse_ctx {
    const rl_transform *t;
    const float *prev;   /* raw rows before the first predicted step */
    size_t n_prev, nf, c, jc, n_cols;
    const float *in;     /* [n_steps][n_cols] model units */
} inverse_ctx;

static double pred_at(const inverse_ctx *x, size_t k, size_t s)
{
    const rl_transform *t = x->t;
    double v = x->in[s * x->n_cols + x->jc];
    for (size_t i = t->n_steps; i-- > k;) {
        const step *st = &t->steps[i];
        if (!touches(st, x->c))
            continue;
        switch (st->kind) {
        case RL__STEP_LOG: v = exp(v); break;
        case RL__STEP_LOG1P: v = expm1(v); break;
        case RL__STEP_DIFF:
            v += s >= st->lag ? pred_at(x, i, s - st->lag)
                              : value_at(t, i, x->prev + (x->n_prev + s - st->lag) * x->nf, x->nf, x->c);
            break;
        default: v = unscale_one(st, x->c, v);
        }
    }
    return v;
}

void rl__transform_inverse_rows(const rl_transform *t, const float *prev, size_t n_prev,
                                const size_t *cols, size_t n_cols, const float *in,
                                size_t n_steps, float *out)
{
    /* pred_at reads `in` only, at this column and at steps <= s: going from
     * the last step back, a stored result is never read again, so out may
     * alias in. */
    for (size_t s = n_steps; s-- > 0;)
        for (size_t jc = 0; jc < n_cols; jc++) {
            inverse_ctx x = { t, prev, n_prev, t->n_features, cols ? cols[jc] : jc, jc, n_cols, in };
            out[s * n_cols + jc] = (float)pred_at(&x, 0, s);
        }
}

static rl_status invert_common(const rl_transform *t, const char *fn, const float *history,
                               size_t n_history, size_t n_features, const size_t *cols,
                               size_t n_cols, const float *in, size_t n_steps, float *out,
                               size_t out_len)
{
    if (!history || !in || !out || n_steps == 0 || n_cols == 0)
        return rl__fail(t, RL_E_INVALID, "%s: NULL buffer or zero steps", fn);
    rl_status st = check_use(t, fn, n_history, n_features);
    if (st != RL_OK)
        return st;
    for (size_t j = 0; cols && j < n_cols; j++)
        if (cols[j] >= n_features)
            return rl__fail(t, RL_E_INVALID, "%s: column %zu of %zu", fn, cols[j], n_features);
    int ok = 1;
    size_t need = rl__mul(n_steps, n_cols, &ok);
    if (!ok || out_len < need)
        return rl__fail(t, RL_E_SHAPE, "%s: out holds %zu floats, %zu steps x %zu columns needed",
                    fn, out_len, n_steps, n_cols);
    size_t br = 0, bc = 0;
    st = find_bad(t, history, n_history, n_features, &br, &bc);
    if (st != RL_OK) {
        report_bad(t, fn, st, history, n_features, br, bc);
        return RL_E_NUMERIC;
    }
    rl__transform_inverse_rows(t, history, n_history, cols, n_cols, in, n_steps, out);
    rl__clear_error((rl_transform *)t);
    return RL_OK;
}

rl_status rl_transform_invert_columns(const rl_transform *t, const float *history,
                                      size_t n_history, size_t n_features, const size_t *columns,
                                      size_t n_columns, const float *in, size_t n_steps,
                                      float *out, size_t out_len)
{
    if (!t)
        return RL_E_INVALID;
    if (!columns)
        return rl__fail(t, RL_E_INVALID, "rl_transform_invert_columns: columns is NULL");
    return invert_common(t, "rl_transform_invert_columns", history, n_history, n_features,
                         columns, n_columns, in, n_steps, out, out_len);
}

rl_status rl_transform_invert(const rl_transform *t, const float *history, size_t n_history,
                              size_t n_features, const float *in, size_t n_rows, float *out,
                              size_t out_len)
{
    if (!t)
        return RL_E_INVALID;
    return invert_common(t, "rl_transform_invert", history, n_history, n_features, NULL,
                         n_features, in, n_rows, out, out_len);
}

/* ---- internal: copies and parts ------------------------------------------------ */

size_t rl__transform_features(const rl_transform *t)
{
    return t->n_features;
}

size_t rl__transform_steps(const rl_transform *t)
{
    return t->n_steps;
}

size_t rl__transform_lost_rows(const rl_transform *t)
{
    return t->lost;
}

void rl__transform_step(const rl_transform *t, size_t k, rl_transform_step_parts *p)
{
    const step *s = &t->steps[k];
    *p = (rl_transform_step_parts){ .kind = s->kind, .column = s->column, .lag = s->lag,
                                    .range_min = s->range_min, .range_max = s->range_max,
                                    .a = s->a, .b = s->b };
}

static int parts_valid(size_t nf, const rl_transform_step_parts *p)
{
    if (p->column != RL_ALL_COLUMNS && p->column >= nf)
        return 0;
    switch (p->kind) {
    case RL__STEP_LOG:
    case RL__STEP_LOG1P: return 1;
    case RL__STEP_DIFF: return p->lag >= 1 && p->lag <= MAX_LAG;
    case RL__STEP_MINMAX:
        if (!isfinite(p->range_min) || !isfinite(p->range_max) || !(p->range_min < p->range_max) ||
            !isfinite(p->range_max - p->range_min) || p->column != RL_ALL_COLUMNS || !p->a || !p->b)
            return 0;
        for (size_t j = 0; j < nf; j++)
            if (!isfinite(p->a[j]) || !isfinite(p->b[j]) || !(p->a[j] <= p->b[j]) ||
                !isfinite(p->b[j] - p->a[j]))
                return 0;
        return 1;
    case RL__STEP_STANDARD:
        if (p->column != RL_ALL_COLUMNS || !p->a || !p->b)
            return 0;
        for (size_t j = 0; j < nf; j++)
            if (!isfinite(p->a[j]) || !isfinite(p->b[j]) || !(p->b[j] >= DBL_MIN))
                return 0;
        return 1;
    default: return 0;
    }
}

rl_status rl__transform_from_parts(rl_transform **out, size_t n_features,
                                   const rl_transform_step_parts *steps, size_t n_steps)
{
    if (!out || n_features == 0 || n_features > 65536 || n_steps > MAX_STEPS)
        return RL_E_INVALID;
    for (size_t k = 0; k < n_steps; k++)
        if (!parts_valid(n_features, &steps[k]))
            return RL_E_INVALID;
    rl_transform *t = NULL;
    if (rl_transform_create(&t) != RL_OK)
        return RL_E_NOMEM;
    for (size_t k = 0; k < n_steps; k++) {
        const rl_transform_step_parts *p = &steps[k];
        step *s = &t->steps[k];
        *s = (step){ .kind = p->kind, .column = p->column, .lag = p->kind == RL__STEP_DIFF ? p->lag : 0,
                     .range_min = p->kind == RL__STEP_MINMAX ? p->range_min : 0,
                     .range_max = p->kind == RL__STEP_MINMAX ? p->range_max : 0 };
        t->n_steps = k + 1;
        t->lost += s->lag;
        if (!is_scaling(p->kind))
            continue;
        s->a = rl__calloc(3 * n_features, sizeof(double));
        if (!s->a) {
            rl_transform_destroy(t);
            return RL_E_NOMEM;
        }
        s->b = s->a + n_features;
        s->mul = s->b + n_features;
        memcpy(s->a, p->a, n_features * sizeof(double));
        memcpy(s->b, p->b, n_features * sizeof(double));
        for (size_t j = 0; j < n_features; j++) {
            if (p->kind == RL__STEP_MINMAX) {
                s->mul[j] = minmax_mul(s, j);
                /* As scaler.c: a scale of inf or 0 is not one fit can make. */
                if (!isfinite(s->mul[j]) || !(s->mul[j] > 0)) {
                    rl_transform_destroy(t);
                    return RL_E_INVALID;
                }
            }
        }
    }
    t->n_features = n_features;
    *out = t;
    return RL_OK;
}

rl_transform *rl__transform_clone(const rl_transform *t)
{
    if (!t)
        return NULL;
    rl_transform *c = NULL;
    if (!t->n_features) {   /* unfitted: only the recipe */
        if (rl_transform_create(&c) != RL_OK)
            return NULL;
        memcpy(c->steps, t->steps, sizeof t->steps);
        c->n_steps = t->n_steps;
        c->lost = t->lost;
        return c;
    }
    rl_transform_step_parts parts[MAX_STEPS];
    for (size_t k = 0; k < t->n_steps; k++)
        rl__transform_step(t, k, &parts[k]);
    return rl__transform_from_parts(&c, t->n_features, parts, t->n_steps) == RL_OK ? c : NULL;
}

rl_status rl__transform_from_scaler(rl_transform **out, const rl_scaler *s)
{
    rl_transform_step_parts p = { .column = RL_ALL_COLUMNS, .a = rl__scaler_a(s), .b = rl__scaler_b(s) };
    p.kind = rl__scaler_kind(s) == RL__SCALER_MINMAX ? RL__STEP_MINMAX : RL__STEP_STANDARD;
    rl__scaler_range(s, &p.range_min, &p.range_max);
    return rl__transform_from_parts(out, rl__scaler_features(s), &p, 1);
}
