/* Finiteness of float arrays, checked fast: fit checks every gradient each
 * step and fit/predict/evaluate check every input float each call. */
#ifndef RL_FINITE_H
#define RL_FINITE_H

#include <stddef.h>

/* Element loops in wider vectors where the CPU has them, chosen at load
 * time (ifunc), not by -march: AVX-512 runs 16 lanes where the default
 * x86-64 build's SSE2 runs 4. For loops whose every lane gives the same
 * bits on any clone (integer tests; +, -, *, / and sqrt, correctly rounded,
 * with -ffp-contract=off). */
#if defined(__x86_64__) && defined(__ELF__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define RL_WIDE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef RL_WIDE_CLONES
#define RL_WIDE_CLONES
#endif

/* 1 when every float of v[0, n) is finite (no NaN, no infinity), else 0. */
int rl__all_finite(const float *v, size_t n);

#endif
