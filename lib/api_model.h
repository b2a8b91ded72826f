/* What api_model.c shares with the file reader, which rebuilds a model
 * through the same checks as the public calls. */
#ifndef RL_API_MODEL_H
#define RL_API_MODEL_H

#include "layer.h"
#include "rnnlite/rnnlite.h"

/* rl_model_add_<kind>() for any kind of the layer table: the checks, the
 * message, the layer. Kinds without a recurrent activation take
 * RL_ACT_LINEAR there, and non-recurrent ones return_sequences 0. */
rl_status rl__api_add_layer(rl_model *m, rl_layer_kind kind, size_t units, rl_activation act,
                            rl_activation rec_act, int return_sequences);

#endif
