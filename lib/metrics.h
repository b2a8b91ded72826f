/* Shared between metrics.c and backtest.c: metric sums that grow one
 * (actual, forecast) pair at a time, and the baselines without argument checks. */
#ifndef RL_METRICS_H
#define RL_METRICS_H

#include <stddef.h>

#include "rnnlite/rnnlite.h"

typedef struct rl_metric_acc {
    double sum[RL_METRIC_COUNT];
    size_t n;
} rl_metric_acc;

/* Adds one pair; mase_scale divides the absolute error for MASE. */
void rl__metric_add(rl_metric_acc *acc, double actual, double forecast, double mase_scale);
/* The metric of the pairs added so far (acc->n >= 1). */
double rl__metric_value(const rl_metric_acc *acc, rl_metric metric);

/* A baseline forecast of history h [n]; the caller checked pointers and sizes
 * except what depends on the method (RL_E_INVALID), RL_E_NUMERIC for NaN read. */
rl_status rl__baseline(rl_method method, const float *h, size_t n, size_t season, size_t horizon,
                       float *out);

#endif
