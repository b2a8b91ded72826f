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

/* Whether opt is an rl_optimizer this library implements (the one bound the
 * API and the file reader check). */
int rl__optim_valid(int opt);

/* Scales g in place to L2 norm <= clipnorm (tf.clip_by_norm); clipnorm 0 is off. */
void rl__clip_by_norm(float *g, size_t n, double clipnorm);

/* One update of w (n floats) from gradient g at iteration t (from 1), and
 * of the slots s0, s1 (n floats each; unused ones keep their values). A
 * step is all or nothing (issue 10): rl__optim_step_finite() says whether
 * every new weight and slot would be finite, writing nothing;
 * rl__optim_apply() writes them unchecked (the model checks every tensor
 * first, then applies all); rl__optim_step() is both for one tensor and
 * returns 0, having written nothing, when any value would not be finite. */
int rl__optim_step_finite(const rl_optim_config *c, uint64_t t, const float *w, const float *g,
                          const float *s0, const float *s1, size_t n);
void rl__optim_apply(const rl_optim_config *c, uint64_t t, float *w, const float *g, float *s0,
                     float *s1, size_t n);
int rl__optim_step(const rl_optim_config *c, uint64_t t, float *w, const float *g, float *s0,
                   float *s1, size_t n);

/* The first two, split over cx's pool by element ranges when n is large
 * enough to pay (each element's formula is the same whoever runs it; the
 * verdict is the AND of every range's, so it is the same too). */
struct rl_compute;
int rl__optim_step_finite_on(const struct rl_compute *cx, const rl_optim_config *c, uint64_t t,
                             const float *w, const float *g, const float *s0, const float *s1,
                             size_t n);
void rl__optim_apply_on(const struct rl_compute *cx, const rl_optim_config *c, uint64_t t,
                        float *w, const float *g, float *s0, float *s1, size_t n);

#endif
