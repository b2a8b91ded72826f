/* The double instance of the cell math (cell_math.h), one lane, with libm's
 * tanh and exp: what the gradient-check build of lib/compute.c runs, so
 * finite differences are not drowned in float rounding. Included only by
 * compute.c under RL_REAL_DOUBLE; its functions are static there. */
#include <math.h>

typedef double VF;
#define PW_REAL double
#define V_WIDTH 1
#define V_LOAD(p) (*(p))
#define V_STORE(p, v) (*(p) = (v))
#define V_LOAD_N(p, n) (*(p))
#define V_STORE_N(p, v, n) (*(p) = (v))
#define V_SET1(f) ((double)(f))
#define V_ADD(a, b) ((a) + (b))
#define V_SUB(a, b) ((a) - (b))
#define V_MUL(a, b) ((a) * (b))
#define V_MAX(a, b) ((a) > (b) ? (a) : (b))
#define V_FMA(a, b, c) fma((a), (b), (c))
#define V_LT_SELECT(a, b, x, y) ((a) < (b) ? (x) : (y))
#define PW_TANH(x) tanh(x)
#define PW_SIGMOID(x) (1 / (1 + exp(-(x))))
#define PW_NAME(name) pw_double_##name
#define PW_LINKAGE static

#include "cell_math.h"
