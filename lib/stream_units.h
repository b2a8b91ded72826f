/* Raw units <-> model units for streams: the only place stream code reaches
 * the scaler or the model's targets. Each call forwards to the units module
 * shared with rl_forecast (lib/units.h), so that a stream and a forecast
 * round exactly alike. */
#ifndef RL_STREAM_UNITS_H
#define RL_STREAM_UNITS_H

#include "scaler.h"
#include "transform.h"
#include "units.h"

/* Raw rows read before a window's first row (differencing); 0 with a scaler. */
static inline size_t su_history(const rl_model *m)
{
    return rl__units_history_rows(m);
}

static inline size_t su_target_count(const rl_model *m)
{
    return rl__units_target_count(m);
}

static inline size_t su_target_column(const rl_model *m, size_t j)
{
    return rl__units_target_column(m, j);
}

static inline int su_is_target(const rl_model *m, size_t c)
{
    return rl__units_is_target(m, c);
}

/* Whether an output row of n_out floats is whole rows of targets that the
 * attached scaler can unscale (rl__units_check without its message). */
static inline int su_outputs_fit(const rl_model *m, size_t n_out)
{
    return n_out % rl__units_target_count(m) == 0 &&
           (!m->scaler || rl__scaler_features(m->scaler) == m->n_features) &&
           (!m->transform || rl__transform_features(m->transform) == m->n_features);
}

/* n_rows raw rows (with n_before readable rows before them) -> model units. */
static inline void su_to_model(const rl_model *m, const float *raw, size_t n_before, size_t n_rows,
                               float *out)
{
    rl__units_to_model(m, raw, n_before, n_rows, out);
}

/* Output row [n_steps][targets] in model units -> raw units (out may alias pred);
 * prev: the n_prev raw rows up to the step before the first predicted one. */
static inline void su_outputs_to_raw(const rl_model *m, const float *prev, size_t n_prev,
                                     const float *pred, size_t n_steps, float *out)
{
    rl__units_outputs_to_raw(m, prev, n_prev, pred, n_steps, out);
}

#endif
