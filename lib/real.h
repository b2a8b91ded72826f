/* The scalar type of layer math. The library is float32; the gradient-check
 * tests compile the same layer sources with RL_REAL_DOUBLE so that finite
 * differences are not drowned in float rounding. */
#ifndef RL_REAL_H
#define RL_REAL_H

#include <math.h>

#ifdef RL_REAL_DOUBLE
typedef double real;
#define R_FMA(a, b, c) fma((a), (b), (c))
#define R_SQRT sqrt
#define R_ABS fabs
#else
typedef float real;
#define R_FMA(a, b, c) fmaf((a), (b), (c))
#define R_SQRT sqrtf
#define R_ABS fabsf
#endif

#endif
