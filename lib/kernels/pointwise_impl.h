/* The float instance of the cell math (cell_math.h) for one instruction
 * set: the library's own exp, tanh and sigmoid on float vectors, then the
 * cell formulas. Accuracy is about 1-2 ulp (Cephes' polynomials), well
 * inside the 1e-5 relative agreement with Keras.
 *
 * The including file (pointwise_<isa>.c) defines:
 *   VF, V_WIDTH                   vector type and lanes
 *   V_LOAD(p) V_STORE(p, v)       full vectors (unaligned)
 *   V_LOAD_N(p, n) V_STORE_N(p, v, n)   the first n < V_WIDTH lanes
 *   V_SET1(f) V_ADD V_SUB V_MUL V_DIV V_MIN V_MAX
 *   V_FMA(a, b, c)                a * b + c, one rounding
 *   V_FNMA(a, b, c)               c - a * b, one rounding
 *   V_ABS(v) V_COPYSIGN(mag, s)   sign handling
 *   V_LT_SELECT(a, b, x, y)       a < b ? x : y, per lane
 *   V_POW2I(n)                    2^n for integral n in [-126, 127]
 *   V_MUL_POW2I(p, n)             optional: p 2^n in one instruction, the same
 *                                 bits as V_MUL(p, V_POW2I(n)) (both the
 *                                 correctly rounded p 2^n, 2^n normal)
 *   PW_NAME(name)                 the exported function name for this path */

#include <stddef.h>

#define PW_LOG2E 1.44269504088896341f
#define PW_ROUND_MAGIC 12582912.0f   /* 1.5 * 2^23: adding it rounds to an integer */

static inline __attribute__((always_inline)) VF pw_exp(VF x)
{
    /* The clamp keeps 2^n representable. x goes second: min/max return
     * their second operand for a NaN (x86; the scalar macros copy it), so a
     * NaN passes through and exp, sigmoid and tanh of NaN are NaN instead
     * of the clamp's finite bounds. */
    x = V_MIN(V_SET1(88.3762626647949f), V_MAX(V_SET1(-87.3365447505f), x));
    VF n = V_SUB(V_FMA(x, V_SET1(PW_LOG2E), V_SET1(PW_ROUND_MAGIC)), V_SET1(PW_ROUND_MAGIC));
    /* ln 2 split in two so that x - n ln 2 is exact enough. */
    VF r = V_FMA(n, V_SET1(-0.693359375f), x);
    r = V_FMA(n, V_SET1(2.12194440e-4f), r);
    VF p = V_SET1(1.9875691500e-4f);
    p = V_FMA(p, r, V_SET1(1.3981999507e-3f));
    p = V_FMA(p, r, V_SET1(8.3334519073e-3f));
    p = V_FMA(p, r, V_SET1(4.1665795894e-2f));
    p = V_FMA(p, r, V_SET1(1.6666665459e-1f));
    p = V_FMA(p, r, V_SET1(5.0000001201e-1f));
    p = V_FMA(p, V_MUL(r, r), r);
    p = V_ADD(p, V_SET1(1.0f));
#ifdef V_MUL_POW2I
    return V_MUL_POW2I(p, n);
#else
    return V_MUL(p, V_POW2I(n));
#endif
}

static inline __attribute__((always_inline)) VF pw_sigmoid(VF x)
{
    return V_DIV(V_SET1(1.0f), V_ADD(V_SET1(1.0f), pw_exp(V_SUB(V_SET1(0.0f), x))));
}

/* tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|), on ONE path for
 * every x: e = 2^n (1 - m) with m = -expm1(-r) from pw_exp's reduction
 * and polynomial (signs folded into the constants, see below), so 1 - e
 * = (1 - 2^n) + 2^n m and 1 + e = (1 + 2^n) - 2^n m each take one fma
 * and carry no cancellation near 0 (where the old odd polynomial was
 * needed) nor near 1. Max error 1.91 ulp over every float (the previous
 * two-path form, both computed then selected: 1.33 ulp, ~10 more vector
 * operations); odd and monotonic; |x| >= 10 gives exactly +-1. */
static inline __attribute__((always_inline)) VF pw_tanh(VF x)
{
    /* min(10, |x|): NaN stays NaN (second operand, see pw_exp) */
    VF a = V_MIN(V_SET1(10.0f), V_ABS(x));
    VF w = V_ADD(a, a);
    /* n = round(-w log2 e), r = -(-w - n ln 2) with ln 2 split as in pw_exp;
     * the polynomial is pw_exp's at -r: odd coefficients negated, so m is
     * -(e^-r - 1) with no negation of r. */
    VF n = V_SUB(V_FMA(w, V_SET1(-PW_LOG2E), V_SET1(PW_ROUND_MAGIC)), V_SET1(PW_ROUND_MAGIC));
    VF r = V_FMA(n, V_SET1(0.693359375f), w);
    r = V_FMA(n, V_SET1(-2.12194440e-4f), r);
    VF p = V_SET1(1.9875691500e-4f);
    p = V_FMA(p, r, V_SET1(-1.3981999507e-3f));
    p = V_FMA(p, r, V_SET1(8.3334519073e-3f));
    p = V_FMA(p, r, V_SET1(-4.1665795894e-2f));
    p = V_FMA(p, r, V_SET1(1.6666665459e-1f));
    p = V_FMA(p, r, V_SET1(-5.0000001201e-1f));
    VF m = V_FMA(p, V_MUL(r, r), r);
#ifdef V_MUL_POW2I
    VF t = V_MUL_POW2I(V_SET1(1.0f), n);   /* 2^n, n in [-29, 0]: exact either way */
#else
    VF t = V_POW2I(n);
#endif
    VF num = V_FMA(t, m, V_SUB(V_SET1(1.0f), t));    /* 1 - e */
    VF den = V_FNMA(t, m, V_ADD(V_SET1(1.0f), t));   /* 1 + e */
    return V_COPYSIGN(V_DIV(num, den), x);
}

#define PW_REAL float
#define PW_TANH(x) pw_tanh(x)
#define PW_SIGMOID(x) pw_sigmoid(x)
#include "cell_math.h"
