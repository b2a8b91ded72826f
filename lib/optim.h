/* Optimiser steps as tf.keras 2.x (the optimizers of Keras >= 2.11). */
#ifndef RL_OPTIM_H
#define RL_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "rnnlite/rnnlite.h"

typedef struct rl_optim_config {
    rl_optimizer kind;
    double lr, beta1, beta2, epsilon, momentum, rho, clipnorm;
} rl_optim_config;

/* Every optimiser keeps two slots of state per weight (Adam m and v,
 * RMSprop velocity and momentum, SGD momentum), allocated at compile so that
 * changing MOMENTUM later needs no allocation. */
#define RL_OPTIM_SLOTS 2

/* Scales g in place to L2 norm <= clipnorm (tf.clip_by_norm); clipnorm 0 is off. */
void rl__clip_by_norm(float *g, size_t n, double clipnorm);

/* One update of w (n floats) from gradient g at iteration t (from 1).
 * s0, s1: the slots (may be NULL when unused). A result that would not be
 * finite is not written: the weight keeps its value and 0 is returned. */
int rl__optim_step(const rl_optim_config *c, uint64_t t, float *w, const float *g, float *s0,
                   float *s1, size_t n);

#endif
