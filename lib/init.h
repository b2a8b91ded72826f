/* Keras' initial weights, drawn from the model's own generator. */
#ifndef RL_INIT_H
#define RL_INIT_H

#include "layer.h"
#include "rng.h"
#include "rnnlite/rnnlite.h"

/* glorot_uniform kernel, orthogonal recurrent kernel, zero bias, LSTM forget
 * bias 1. Returns RL_E_NOMEM when the orthogonal scratch cannot be allocated. */
rl_status rl__init_layer(rl_layer *l, rl_rng *rng);

#endif
