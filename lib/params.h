/* Model parameters: defaults (Keras'), names and accepted ranges. */
#ifndef RL_PARAMS_H
#define RL_PARAMS_H

#include "rnnlite/rnnlite.h"

void rl__params_defaults(double params[RL_PARAM_COUNT]);
/* RL_OK, or RL_E_INVALID for an unknown parameter, NaN, out of range, or a
 * fraction where an integer is needed. */
rl_status rl__param_check(rl_param p, double value);
/* Keras' default learning rate of an optimiser. */
double rl__param_default_lr(rl_optimizer opt);

#endif
