/* The scaler behind the public rl_scaler_* calls (api_scaler.c checks their
 * arguments and calls these), and what the model and the file format need
 * beyond them: a copy, and its state as plain numbers so a file can carry it
 * exactly.
 *
 * A fitted scaler is fully described by (kind, range_min, range_max,
 * n_features, a[n_features], b[n_features]):
 *   MinMax:   a = column minimum, b = column maximum (sklearn data_min_, data_max_);
 *             range = the feature range.
 *   Standard: a = column mean, b = column scale (population std, 1 for a
 *             constant column: sklearn mean_, scale_); range is (0, 0).
 * Writing these out and giving them to rl__scaler_from_parts() rebuilds a
 * scaler that transforms bit for bit as the original. */
#ifndef RL_SCALER_H
#define RL_SCALER_H

#include <stddef.h>

#include "rnnlite/rnnlite.h"

/* Values are stored in model files: fixed forever. */
enum { RL__SCALER_MINMAX = 1, RL__SCALER_STANDARD = 2 };

/* The scaler's lifetime: scaler.c alone allocates and frees it. A new
 * unfitted scaler (kind as above; range (0, 0) for Standard), or NULL when
 * out of memory. */
rl_scaler *rl__scaler_new(int kind, double range_min, double range_max);
void rl__scaler_free(rl_scaler *s);   /* NULL is harmless */

/* Statistics of n_rows x n_features finite-checked data, replacing earlier
 * ones only on success: RL_E_NUMERIC (a value is not finite) or RL_E_NOMEM. */
rl_status rl__scaler_fit(rl_scaler *s, const float *data, size_t n_rows, size_t n_features);
/* Rows of the fitted feature count; in and out may be the same buffer. */
void rl__scaler_transform(const rl_scaler *s, const float *in, float *out, size_t n_rows);
void rl__scaler_inverse(const rl_scaler *s, const float *in, float *out, size_t n_rows);
/* n values of one fitted column (column < the feature count). */
void rl__scaler_inverse_column(const rl_scaler *s, size_t column, const float *in, float *out,
                               size_t n);

/* Deep copy (fitted or not); NULL when allocation fails or s is NULL. */
rl_scaler *rl__scaler_clone(const rl_scaler *s);

int rl__scaler_kind(const rl_scaler *s);
/* Fitted feature columns; 0 before fit. */
size_t rl__scaler_features(const rl_scaler *s);
void rl__scaler_range(const rl_scaler *s, double *range_min, double *range_max);
/* The per-column arrays described above, n_features long; NULL before fit. */
const double *rl__scaler_a(const rl_scaler *s);
const double *rl__scaler_b(const rl_scaler *s);

/* A fitted scaler from its parts (copied).
 * RL_E_INVALID when they do not describe a valid fitted scaler (unknown kind,
 * zero features, non-finite values, range_min >= range_max for MinMax,
 * a > b for MinMax, b <= 0 for Standard) -- a file reader reports that as
 * RL_E_FORMAT; RL_E_NOMEM when allocation fails. *out is set only on RL_OK. */
rl_status rl__scaler_from_parts(rl_scaler **out, int kind, double range_min, double range_max,
                                size_t n_features, const double *a, const double *b);

/* One value of column `column` scaled / unscaled, exactly as
 * rl_scaler_transform / rl_scaler_inverse_transform do it (units.c relies on
 * that for bit-for-bit equality). The scaler is fitted and column in range. */
float rl__scaler_forward_value(const rl_scaler *s, size_t column, float v);
float rl__scaler_inverse_value(const rl_scaler *s, size_t column, float v);

#endif
