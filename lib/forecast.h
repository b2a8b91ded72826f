/* The forecast loop behind rl_forecast (api_forecast.c checks its
 * arguments and the model's state first). */
#ifndef RL_FORECAST_H
#define RL_FORECAST_H

#include <stddef.h>

#include "model.h"

/* horizon rows of the target columns into out [horizon][targets], from the
 * last rows of history [n_points][n_features] (time_steps plus
 * rl__units_history_rows) and, for covariate columns, future
 * [horizon][n_features]. RL_E_NUMERIC (the forecast stopped being finite) or
 * RL_E_NOMEM, each with a message in the model; out is written only on RL_OK. */
rl_status rl__forecast(rl_model *m, const float *history, size_t n_points, const float *future,
                       size_t horizon, float *out);

#endif
