/* Keras' initial weights, drawn from the model's own generator. */
#ifndef RL_INIT_H
#define RL_INIT_H

#include "layer.h"
#include "rng.h"
#include "rnnlite/rnnlite.h"

/* Fills every tensor of the layer with the initialiser its kind's table row
 * names (ops->tensors), in order. Returns RL_E_NOMEM when the orthogonal
 * scratch cannot be allocated. */
rl_status rl__init_layer(rl_layer *l, rl_rng *rng);

#endif
