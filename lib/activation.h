/* Element-wise activations and their derivatives. Derivatives are taken
 * from the activation's output y (relu: y > 0, tanh: 1 - y^2, sigmoid:
 * y (1 - y)), so backward passes need only the stored outputs. */
#ifndef RL_ACTIVATION_H
#define RL_ACTIVATION_H

#include <stddef.h>

#include "real.h"
#include "rnnlite/rnnlite.h"

int rl__activation_valid(int act);
const char *rl__activation_name(rl_activation act);

/* y[i] = act(x[i]); x and y may alias. */
void rl__activate(rl_activation act, const real *x, real *y, size_t n);

/* Derivative at output y. */
static inline real rl__activation_grad(rl_activation act, real y)
{
    switch (act) {
    case RL_ACT_RELU: return y > 0 ? (real)1 : (real)0;
    case RL_ACT_TANH: return 1 - y * y;
    case RL_ACT_SIGMOID: return y * (1 - y);
    default: return 1;
    }
}

/* Single value, for fused cell loops. */
static inline real rl__activation_one(rl_activation act, real x)
{
    switch (act) {
    case RL_ACT_RELU: return x > 0 ? x : 0;
#ifdef RL_REAL_DOUBLE
    case RL_ACT_TANH: return tanh(x);
    case RL_ACT_SIGMOID: return 1 / (1 + exp(-x));
#else
    case RL_ACT_TANH: return tanhf(x);
    case RL_ACT_SIGMOID: return 1 / (1 + expf(-x));
#endif
    default: return x;
    }
}

#endif
