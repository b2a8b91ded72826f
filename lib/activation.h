/* Which activations exist and what they are called. Their math (values and
 * derivatives, in float on every kernel path and in double for the gradient
 * checks) is written once, in kernels/cell_math.h (pw_act, pw_act_grad). */
#ifndef RL_ACTIVATION_H
#define RL_ACTIVATION_H

#include "rnnlite/rnnlite.h"

int rl__activation_valid(int act);
const char *rl__activation_name(rl_activation act);

#endif
