#include "activation.h"

int rl__activation_valid(int act)
{
    return act >= RL_ACT_LINEAR && act <= RL_ACT_HARD_SIGMOID;
}

const char *rl__activation_name(rl_activation act)
{
    static const char *const names[] = { "linear", "relu", "tanh", "sigmoid",
                                           "hard_sigmoid" };
    return rl__activation_valid((int)act) ? names[act] : "unknown";
}
