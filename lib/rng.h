/* The library's own random generator (xoshiro256**, seeded by splitmix64):
 * the same seed gives the same numbers on every machine, and each model owns
 * its state, so models in different threads never interfere. */
#ifndef RL_RNG_H
#define RL_RNG_H

#include <stdint.h>

typedef struct rl_rng {
    uint64_t s[4];
} rl_rng;

void rl__rng_seed(rl_rng *r, uint64_t seed);
uint64_t rl__rng_next(rl_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double rl__rng_uniform(rl_rng *r);
/* Standard normal (Marsaglia polar method). */
double rl__rng_normal(rl_rng *r);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint64_t rl__rng_below(rl_rng *r, uint64_t n);

#endif
