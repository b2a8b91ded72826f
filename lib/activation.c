#include "activation.h"

int rl__activation_valid(int act)
{
    return act >= RL_ACT_LINEAR && act <= RL_ACT_SIGMOID;
}

const char *rl__activation_name(rl_activation act)
{
    static const char *const names[] = { "linear", "relu", "tanh", "sigmoid" };
    return rl__activation_valid((int)act) ? names[act] : "unknown";
}

void rl__activate(rl_activation act, const real *x, real *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = rl__activation_one(act, x[i]);
}
