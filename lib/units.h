/* Raw units <-> model units, for every call that runs a model on raw
 * observations (rl_forecast, streams). It lives in one place so that a
 * forecast and a stream round exactly alike, and so that the transforms
 * pipeline (log, differencing, ...) extends it here without touching callers.
 *
 * Also what a model's output row means: its target columns (set with
 * rl_model_set_targets) and how many future steps one output row holds.
 * With a transform pipeline attached (transform.h) its per-cell formulas do
 * the work; with a scaler, the scaler's element functions.
 *
 * Callers check rl__units_check() once before using the other calls; after
 * that none of them can fail. None of them allocates. */
#ifndef RL_UNITS_H
#define RL_UNITS_H

#include <stddef.h>

#include "model.h"

/* Target columns of the output row, in output order: the ones set with
 * rl_model_set_targets, else every input column (the contract's default). */
size_t rl__units_target_count(const rl_model *m);
size_t rl__units_target_column(const rl_model *m, size_t j);
/* Whether input column c is a target (else it is a covariate the caller knows). */
int rl__units_is_target(const rl_model *m, size_t c);

/* Future rows one output row forecasts: n_outputs / target count. */
size_t rl__units_out_steps(const rl_model *m);

/* RL_OK when the model's outputs and scaler fit its targets and inputs;
 * otherwise RL_E_STATE with a message naming `fn` in rl_model_last_error:
 * outputs not a multiple of the targets, a scaler of another width. */
rl_status rl__units_check(const rl_model *m, const char *fn);

/* Raw rows a caller must keep before the model's window, beyond time_steps,
 * for rl__units_to_model (0 with a scaler only; differencing at lag L needs
 * L more). A forecast needs time_steps + this many history rows. */
size_t rl__units_history_rows(const rl_model *m);

/* Model-unit input rows from raw rows.
 * raw:      the first of n_rows raw rows [n_rows][n_features] to convert;
 * n_before: raw rows readable right before it (raw - n_before * n_features),
 *           at least rl__units_history_rows(m): what differencing reads;
 * out:      [n_rows][n_features] model units (must not overlap raw). */
void rl__units_to_model(const rl_model *m, const float *raw, size_t n_before, size_t n_rows,
                        float *out);

/* Raw target values from a predicted output row in model units.
 * prev:    the raw rows [n_prev][n_features] observed (or forecast) up to the
 *          step right before the first predicted one; the last row is the
 *          latest. Inverting a difference adds back the value it was taken
 *          from, found here (and, across the predicted steps, in out);
 * pred:    [n_steps][target count] model units, as the model's output row;
 * out:     [n_steps][target count] raw units (may alias pred). */
void rl__units_outputs_to_raw(const rl_model *m, const float *prev, size_t n_prev,
                              const float *pred, size_t n_steps, float *out);

#endif
