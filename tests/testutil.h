/* Helpers shared by the test executables. */
#ifndef RL_TESTUTIL_H
#define RL_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Deterministic test data: uniform floats in [lo, hi) from a seed. */
void tu_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi);

/* Path of a file under tests/ (static buffer). */
const char *tu_data_path(const char *rel);

/* |a - b| <= atol + rtol * |b|, else fail with the index. */
void tu_assert_close(const float *a, const double *b, size_t n, double rtol, double atol,
                     const char *what);

#endif
