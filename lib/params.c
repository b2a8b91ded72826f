#include "params.h"

#include <math.h>

typedef struct param_info {
    const char *name;
    double lower, upper, fallback;
    int integer;
} param_info;

#define BELOW_ONE 0.99999999999999989   /* the largest double < 1: ranges [0, 1) */

static const param_info infos[RL_PARAM_COUNT] = {
    [RL_PARAM_LEARNING_RATE] = { "learning_rate", 0, 1e6, 0.001, 0 },
    [RL_PARAM_BETA1] = { "beta1", 0, BELOW_ONE, 0.9, 0 },
    [RL_PARAM_BETA2] = { "beta2", 0, BELOW_ONE, 0.999, 0 },
    [RL_PARAM_EPSILON] = { "epsilon", 1e-30, 1, 1e-7, 0 },
    [RL_PARAM_MOMENTUM] = { "momentum", 0, BELOW_ONE, 0, 0 },
    [RL_PARAM_CLIPNORM] = { "clipnorm", 0, 1e30, 0, 0 },
    [RL_PARAM_SEED] = { "seed", 0, 9007199254740992.0, 0, 1 },
    [RL_PARAM_SHUFFLE] = { "shuffle", 0, 1, 1, 1 },
    [RL_PARAM_VALIDATION_SPLIT] = { "validation_split", 0, BELOW_ONE, 0, 0 },
    [RL_PARAM_PATIENCE] = { "patience", 0, 1e9, 0, 1 },
    [RL_PARAM_THREADS] = { "threads", 1, 64, 1, 1 },
    [RL_PARAM_RHO] = { "rho", 0, BELOW_ONE, 0.9, 0 },
    [RL_PARAM_STATEFUL] = { "stateful", 0, 1, 0, 1 },
};

void rl__params_defaults(double params[RL_PARAM_COUNT])
{
    for (int p = 0; p < RL_PARAM_COUNT; p++)
        params[p] = infos[p].fallback;
}

rl_status rl__param_check(rl_param p, double value)
{
    if ((unsigned)p >= RL_PARAM_COUNT || isnan(value))
        return RL_E_INVALID;
    const param_info *i = &infos[p];
    if (value < i->lower || value > i->upper)
        return RL_E_INVALID;
    if (i->integer && value != floor(value))
        return RL_E_INVALID;
    return RL_OK;
}

double rl__param_default_lr(rl_optimizer opt)
{
    return opt == RL_OPT_SGD ? 0.01 : 0.001;
}

const char *rl_param_name(rl_param p)
{
    return (unsigned)p < RL_PARAM_COUNT ? infos[p].name : "unknown";
}

rl_status rl_param_bounds(rl_param p, double *lower, double *upper)
{
    if ((unsigned)p >= RL_PARAM_COUNT || !lower || !upper)
        return RL_E_INVALID;
    *lower = infos[p].lower;
    *upper = infos[p].upper;
    return RL_OK;
}
