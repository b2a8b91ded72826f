/* What the model, the forecast loop, streams and the file format need of a
 * transform pipeline beyond the public API.
 *
 * Every step acts on each column on its own (a step either touches a column
 * or passes it through), so a column's raw values and its model values are
 * linked by a chain of one-column maps. Differencing at lag L drops the first
 * L rows: a pipeline whose differencing lags sum to `lost` turns n raw rows
 * into n - lost model rows, row i of the output standing for raw row i + lost.
 * All arithmetic is in double; values become float only at the end, so a
 * one-step MinMax/Standard pipeline gives the bits rl_scaler gives. */
#ifndef RL_TRANSFORM_H
#define RL_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "rnnlite/rnnlite.h"

/* Step kinds. Values are stored in model files: fixed forever. */
enum {
    RL__STEP_LOG = 1,
    RL__STEP_LOG1P = 2,
    RL__STEP_DIFF = 3,
    RL__STEP_MINMAX = 4,
    RL__STEP_STANDARD = 5
};

/* A step as plain numbers (what a file stores). `column` is a column index
 * or RL_ALL_COLUMNS. For MINMAX a/b are the column minima/maxima of the
 * fitted data, for STANDARD the means/scales (n_features each, as scaler.h);
 * NULL for the other kinds. */
typedef struct rl_transform_step_parts {
    int kind;
    size_t column;
    size_t lag;                /* DIFF only, >= 1 */
    double range_min, range_max;   /* MINMAX only */
    const double *a, *b;
} rl_transform_step_parts;

/* Deep copy; NULL when allocation fails or t is NULL. */
rl_transform *rl__transform_clone(const rl_transform *t);

/* A fitted one-step pipeline doing what a fitted scaler does, bit for bit. */
rl_status rl__transform_from_scaler(rl_transform **out, const rl_scaler *s);

/* Fitted feature count (0 before fit), step count, rows differencing drops. */
size_t rl__transform_features(const rl_transform *t);
size_t rl__transform_steps(const rl_transform *t);
size_t rl__transform_lost_rows(const rl_transform *t);
/* Step k's parts; a/b point into t and live as long as it. */
void rl__transform_step(const rl_transform *t, size_t k, rl_transform_step_parts *p);

/* A fitted pipeline from parts (copied); RL_E_INVALID when they do not make
 * one (a file reader reports RL_E_FORMAT), RL_E_NOMEM. */
rl_status rl__transform_from_parts(rl_transform **out, size_t n_features,
                                   const rl_transform_step_parts *steps, size_t n_steps);

/* Model units of n_rows raw rows: raw points to the first of them, and the
 * lost rows before it must be readable (differencing reads them). out is
 * [n_rows][n_features]; no allocation, cannot fail (NaN in, NaN out). */
void rl__transform_forward_rows(const rl_transform *t, const float *raw, size_t n_rows, float *out);

/* First bad value of raw [n_rows][n_features]: NaN/Inf, or a value outside
 * a log step's domain where that step is defined. RL_E_NUMERIC with the
 * position, else RL_OK. */
rl_status rl__transform_find_bad(const rl_transform *t, const float *raw, size_t n_rows,
                                 size_t *bad_row, size_t *bad_col);

/* Raw values of columns cols[n_cols] (NULL: columns 0..n_cols-1) for
 * n_steps rows following prev (raw [n_prev][n_features], n_prev >= lost;
 * the last row is the latest), from their model units `in` [n_steps][n_cols].
 * out is [n_steps][n_cols] and may alias in. Differencing is undone from
 * prev and, past its end, from the steps already undone, in double; no
 * allocation. */
void rl__transform_inverse_rows(const rl_transform *t, const float *prev, size_t n_prev,
                                const size_t *cols, size_t n_cols, const float *in,
                                size_t n_steps, float *out);

#endif
