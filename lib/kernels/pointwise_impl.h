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

/* sigmoid(x) = 1 / (1 + exp(-x)), exp(-x) by the operations of exp(t),
 * t = 0 - x (clamp, reduction, Cephes' polynomial, 2^n), with the
 * negation folded into them instead of taking an operation of its own.
 * Every step is the negation of exp(t)'s, and round-to-nearest is
 * symmetric, so each intermediate is bit for bit -1 times exp(t)'s (up to
 * the sign of a zero, which reaches only 1 - q, where it has no effect):
 *   t clamped to [-87.34, 88.38]      = -(x clamped to [-88.38, 87.34])
 *   n = round(t log2 e)               = fma(x, -log2 e, magic) - magic
 *   r = t - n ln2hi + n ln2lo         = -(x + n ln2hi - n ln2lo)       (rn = -r)
 *   Horner p = fma(p, r, c)           = fnma(p, rn, c)   (p itself the same)
 *   m = fma(p, r r, r)                = -fnma(p, rn rn, rn)            (q = -m)
 *   1 + m                             = 1 - q
 * Then 1 + (1 - q) 2^n, the scaling exact, in ONE fma with 2^n (formed off
 * the chain, beside the polynomial) instead of a scaling and an add: the
 * same rounding of the same sum (where (1 - q) 2^n is subnormal, both give
 * 1). One vector operation fewer than exp(0 - x) for each of the LSTM's
 * three and the GRU's two sigmoids a unit, and one fewer on the chain. x
 * goes second in the clamp: min and max return their second operand for a
 * NaN (x86; the scalar macros copy that), so sigmoid and tanh of NaN are
 * NaN instead of a bound's value. */
static inline __attribute__((always_inline)) VF pw_sigmoid(VF x)
{
    x = V_MAX(V_SET1(-88.3762626647949f), V_MIN(V_SET1(87.3365447505f), x));
    VF n = V_SUB(V_FMA(x, V_SET1(-PW_LOG2E), V_SET1(PW_ROUND_MAGIC)), V_SET1(PW_ROUND_MAGIC));
    /* ln 2 split in two so that the reduction is exact enough. */
    VF rn = V_FMA(n, V_SET1(0.693359375f), x);
    rn = V_FNMA(n, V_SET1(2.12194440e-4f), rn);
#ifdef V_MUL_POW2I
    VF t = V_MUL_POW2I(V_SET1(1.0f), n);   /* 2^n, n in [-126, 127] */
#else
    VF t = V_POW2I(n);
#endif
    VF p = V_SET1(1.9875691500e-4f);
    p = V_FNMA(p, rn, V_SET1(1.3981999507e-3f));
    p = V_FNMA(p, rn, V_SET1(8.3334519073e-3f));
    p = V_FNMA(p, rn, V_SET1(4.1665795894e-2f));
    p = V_FNMA(p, rn, V_SET1(1.6666665459e-1f));
    p = V_FNMA(p, rn, V_SET1(5.0000001201e-1f));
    VF q = V_FNMA(p, V_MUL(rn, rn), rn);
    return V_DIV(V_SET1(1.0f), V_FMA(V_SUB(V_SET1(1.0f), q), t, V_SET1(1.0f)));
}

/* tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|), on ONE path for
 * every x: e = 2^n (1 - m) with m = -expm1(-r) from the sigmoid's reduction
 * and polynomial (signs folded into the constants, see below), so 1 - e
 * = (1 - 2^n) + 2^n m and 1 + e = (1 + 2^n) - 2^n m each take one fma
 * and carry no cancellation near 0 (where the old odd polynomial was
 * needed) nor near 1. Max error 1.91 ulp over every float (the previous
 * two-path form, both computed then selected: 1.33 ulp, ~10 more vector
 * operations); odd and monotonic; |x| >= 10 gives exactly +-1. */
static inline __attribute__((always_inline)) VF pw_tanh(VF x)
{
    /* min(10, |x|): NaN stays NaN (second operand, see pw_sigmoid) */
    VF a = V_MIN(V_SET1(10.0f), V_ABS(x));
    /* On w = 2a: n = round(-w log2 e), r = -(-w - n ln 2) with ln 2 split as
     * in pw_sigmoid; the polynomial is exp's at -r: odd coefficients
     * negated, so m is -(e^-r - 1) with no negation of r. w itself is never
     * formed: every step runs on a = w / 2 with its constants scaled by a
     * power of two, so each value is exactly w's value times a power of two
     * (none is subnormal where it rounds) -- the same bits with one
     * operation fewer:
     *   n  = fma(a, -2 log2 e, magic) - magic        (w log2 e = a 2 log2 e)
     *   rh = r / 2 = fma(n, ln2hi / 2, a), then fma(n, -ln2lo / 2, rh)
     *   Horner on rh with coefficient j times 2^(j+1) gives 2 p(r)
     *   mh = m / 2 = fma(2 p, rh rh, rh)             (2 p r^2 / 4 + r / 2)
     *   (1 -+ e) / 2 = fma / fnma(t, mh, fnma / fma(t, 1/2, 1/2))
     * and the quotient of the halves is the quotient. */
    VF n = V_SUB(V_FMA(a, V_SET1(-2.0f * PW_LOG2E), V_SET1(PW_ROUND_MAGIC)),
                 V_SET1(PW_ROUND_MAGIC));
    VF rh = V_FMA(n, V_SET1(0.5f * 0.693359375f), a);
    rh = V_FMA(n, V_SET1(0.5f * -2.12194440e-4f), rh);
    VF p = V_SET1(64.0f * 1.9875691500e-4f);
    p = V_FMA(p, rh, V_SET1(32.0f * -1.3981999507e-3f));
    p = V_FMA(p, rh, V_SET1(16.0f * 8.3334519073e-3f));
    p = V_FMA(p, rh, V_SET1(8.0f * -4.1665795894e-2f));
    p = V_FMA(p, rh, V_SET1(4.0f * 1.6666665459e-1f));
    p = V_FMA(p, rh, V_SET1(2.0f * -5.0000001201e-1f));
    VF mh = V_FMA(p, V_MUL(rh, rh), rh);
#ifdef V_MUL_POW2I
    VF t = V_MUL_POW2I(V_SET1(1.0f), n);   /* 2^n, n in [-29, 0]: exact either way */
#else
    VF t = V_POW2I(n);
#endif
    VF num = V_FMA(t, mh, V_FNMA(t, V_SET1(0.5f), V_SET1(0.5f)));   /* (1 - e) / 2 */
    VF den = V_FNMA(t, mh, V_FMA(t, V_SET1(0.5f), V_SET1(0.5f)));   /* (1 + e) / 2 */
    return V_COPYSIGN(V_DIV(num, den), x);
}

#define PW_REAL float
#define PW_TANH(x) pw_tanh(x)
#define PW_SIGMOID(x) pw_sigmoid(x)
#include "cell_math.h"
