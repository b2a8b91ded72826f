/* Element-wise math of the recurrent cells, written once over a small set of
 * vector macros and instantiated per instruction set (scalar: one lane).
 * Every path therefore runs the same operation sequence on each element --
 * the same fused multiply-adds, the same rounding trick, the same division --
 * and gives bit-identical results. Accuracy is about 1-2 ulp (Cephes'
 * polynomials), well inside the 1e-5 relative agreement with Keras.
 *
 * The including file defines:
 *   VF, V_WIDTH                   vector type and lanes
 *   V_LOAD(p) V_STORE(p, v)       full vectors (unaligned)
 *   V_LOAD_N(p, n) V_STORE_N(p, v, n)   the first n < V_WIDTH lanes
 *   V_SET1(f) V_ADD V_SUB V_MUL V_DIV V_MIN V_MAX
 *   V_FMA(a, b, c)                a * b + c, one rounding
 *   V_ABS(v) V_COPYSIGN(mag, s)   sign handling
 *   V_LT_SELECT(a, b, x, y)       a < b ? x : y, per lane
 *   V_POW2I(n)                    2^n for integral n in [-126, 127]
 *   PW_NAME(name)                 the exported function name for this path */

#include <stddef.h>

#define PW_LOG2E 1.44269504088896341f
#define PW_ROUND_MAGIC 12582912.0f   /* 1.5 * 2^23: adding it rounds to an integer */

static inline VF pw_exp(VF x)
{
    x = V_MIN(V_MAX(x, V_SET1(-87.3365447505f)), V_SET1(88.3762626647949f));
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
    return V_MUL(p, V_POW2I(n));
}

static inline VF pw_sigmoid(VF x)
{
    return V_DIV(V_SET1(1.0f), V_ADD(V_SET1(1.0f), pw_exp(V_SUB(V_SET1(0.0f), x))));
}

static inline VF pw_tanh(VF x)
{
    VF a = V_ABS(x);
    /* |x| < 0.625: odd polynomial (no cancellation near 0); else via exp. */
    VF z = V_MUL(x, x);
    VF p = V_SET1(-5.70498872745e-3f);
    p = V_FMA(p, z, V_SET1(2.06390887954e-2f));
    p = V_FMA(p, z, V_SET1(-5.37397155531e-2f));
    p = V_FMA(p, z, V_SET1(1.33314422036e-1f));
    p = V_FMA(p, z, V_SET1(-3.33332819422e-1f));
    VF small = V_FMA(V_MUL(p, z), x, x);
    VF e = pw_exp(V_ADD(a, a));
    VF big = V_SUB(V_SET1(1.0f), V_DIV(V_SET1(2.0f), V_ADD(e, V_SET1(1.0f))));
    return V_LT_SELECT(a, V_SET1(0.625f), small, V_COPYSIGN(big, x));
}

/* Activation codes as rl_activation: 0 linear, 1 relu, 2 tanh, 3 sigmoid. */
static inline VF pw_act(int act, VF x)
{
    switch (act) {
    case 1: return V_MAX(x, V_SET1(0.0f));
    case 2: return pw_tanh(x);
    case 3: return pw_sigmoid(x);
    default: return x;
    }
}

void PW_NAME(activate)(int act, const float *x, float *y, size_t n)
{
    size_t j = 0;
    for (; j + V_WIDTH <= n; j += V_WIDTH)
        V_STORE(y + j, pw_act(act, V_LOAD(x + j)));
    if (j < n)
        V_STORE_N(y + j, pw_act(act, V_LOAD_N(x + j, n - j)), n - j);
}

/* One LSTM step for a batch: z rows [4u] (i, f, c, o pre-activations) become
 * the activated gates; c = f c_prev + i g, ac = act(c), h = o ac. */
static inline void lstm_lanes(float *zb, size_t u, size_t j, size_t n, const float *cp, float *c,
                              float *ac, float *h, int act, int ract)
{
#define PW_LD(p) (n == V_WIDTH ? V_LOAD(p) : V_LOAD_N(p, n))
#define PW_ST(p, v) (n == V_WIDTH ? V_STORE(p, v) : V_STORE_N(p, v, n))
    VF i_ = pw_act(ract, PW_LD(zb + j));
    VF f_ = pw_act(ract, PW_LD(zb + u + j));
    VF g_ = pw_act(act, PW_LD(zb + 2 * u + j));
    VF o_ = pw_act(ract, PW_LD(zb + 3 * u + j));
    VF c_ = V_FMA(f_, PW_LD(cp + j), V_MUL(i_, g_));
    VF a_ = pw_act(act, c_);
    PW_ST(zb + j, i_);
    PW_ST(zb + u + j, f_);
    PW_ST(zb + 2 * u + j, g_);
    PW_ST(zb + 3 * u + j, o_);
    PW_ST(c + j, c_);
    PW_ST(ac + j, a_);
    PW_ST(h + j, V_MUL(o_, a_));
}

void PW_NAME(lstm_cell)(size_t batch, size_t u, float *z, const float *c_prev, float *c,
                        float *ac, float *h, int act, int ract)
{
    for (size_t b = 0; b < batch; b++) {
        float *zb = z + b * 4 * u;
        size_t o = b * u, j = 0;
        for (; j + V_WIDTH <= u; j += V_WIDTH)
            lstm_lanes(zb, u, j, V_WIDTH, c_prev + o, c + o, ac + o, h + o, act, ract);
        if (j < u)
            lstm_lanes(zb, u, j, u - j, c_prev + o, c + o, ac + o, h + o, act, ract);
    }
}

/* One GRU step (reset_after): z rows [3u] hold x W + b_in and become the
 * activated z, r, h~; rec rows [3u] hold h U + b_rec. */
static inline void gru_lanes(float *zb, const float *rb, size_t u, size_t j, size_t n,
                             const float *hp, float *h, int act, int ract)
{
    VF z_ = pw_act(ract, V_ADD(PW_LD(zb + j), PW_LD(rb + j)));
    VF r_ = pw_act(ract, V_ADD(PW_LD(zb + u + j), PW_LD(rb + u + j)));
    VF hh = pw_act(act, V_FMA(r_, PW_LD(rb + 2 * u + j), PW_LD(zb + 2 * u + j)));
    PW_ST(zb + j, z_);
    PW_ST(zb + u + j, r_);
    PW_ST(zb + 2 * u + j, hh);
    PW_ST(h + j, V_FMA(z_, PW_LD(hp + j), V_MUL(V_SUB(V_SET1(1.0f), z_), hh)));
#undef PW_LD
#undef PW_ST
}

void PW_NAME(gru_cell)(size_t batch, size_t u, float *z, const float *rec, const float *h_prev,
                       float *h, int act, int ract)
{
    for (size_t b = 0; b < batch; b++) {
        float *zb = z + b * 3 * u;
        const float *rb = rec + b * 3 * u;
        size_t o = b * u, j = 0;
        for (; j + V_WIDTH <= u; j += V_WIDTH)
            gru_lanes(zb, rb, u, j, V_WIDTH, h_prev + o, h + o, act, ract);
        if (j < u)
            gru_lanes(zb, rb, u, j, u - j, h_prev + o, h + o, act, ract);
    }
}

/* ---- backward ---------------------------------------------------------- */

/* Derivative of an activation at its output y (relu: y > 0, tanh: 1 - y^2,
 * sigmoid: y (1 - y)). */
static inline VF pw_act_grad(int act, VF y)
{
    switch (act) {
    case 1: return V_LT_SELECT(V_SET1(0.0f), y, V_SET1(1.0f), V_SET1(0.0f));
    case 2: return V_SUB(V_SET1(1.0f), V_MUL(y, y));
    case 3: return V_MUL(y, V_SUB(V_SET1(1.0f), y));
    default: return V_SET1(1.0f);
    }
}

#define PW_LD(p) (n == V_WIDTH ? V_LOAD(p) : V_LOAD_N(p, n))
#define PW_ST(p, v) (n == V_WIDTH ? V_STORE(p, v) : V_STORE_N(p, v, n))
/* dy may be NULL (no gradient arrives at this step from above). */
#define PW_LD_OPT(p) ((p) ? PW_LD(p) : V_SET1(0.0f))

/* dz = (dh + dy) * act'(y), n elements. */
void PW_NAME(act_backward)(int act, const float *y, const float *dh, const float *dy, float *dz,
                           size_t count)
{
    for (size_t j = 0; j < count; j += V_WIDTH) {
        size_t n = count - j < V_WIDTH ? count - j : V_WIDTH;
        VF d = V_ADD(PW_LD(dh + j), PW_LD_OPT(dy ? dy + j : NULL));
        PW_ST(dz + j, V_MUL(d, pw_act_grad(act, PW_LD(y + j))));
    }
}

static inline void lstm_back_lanes(const float *gb, float *dzb, size_t u, size_t j, size_t n,
                                   const float *cp, const float *ac, const float *dy,
                                   const float *dh, float *dc, int act, int ract)
{
    VF i_ = PW_LD(gb + j), f_ = PW_LD(gb + u + j), g_ = PW_LD(gb + 2 * u + j);
    VF o_ = PW_LD(gb + 3 * u + j), a_ = PW_LD(ac + j);
    VF dh_ = V_ADD(PW_LD(dh + j), PW_LD_OPT(dy ? dy + j : NULL));
    VF dc_ = V_ADD(PW_LD(dc + j), V_MUL(V_MUL(dh_, o_), pw_act_grad(act, a_)));
    PW_ST(dzb + j, V_MUL(V_MUL(dc_, g_), pw_act_grad(ract, i_)));
    PW_ST(dzb + u + j, V_MUL(V_MUL(dc_, PW_LD(cp + j)), pw_act_grad(ract, f_)));
    PW_ST(dzb + 2 * u + j, V_MUL(V_MUL(dc_, i_), pw_act_grad(act, g_)));
    PW_ST(dzb + 3 * u + j, V_MUL(V_MUL(dh_, a_), pw_act_grad(ract, o_)));
    PW_ST(dc + j, V_MUL(dc_, f_));
}

/* One LSTM step backward: from the activated gates, c_prev and act(c), the
 * incoming dh (recurrent, in dh) + dy, and dc, the gate pre-activation
 * gradients dz [batch][4u]; dc becomes the gradient for c_prev. */
void PW_NAME(lstm_cell_backward)(size_t batch, size_t u, const float *gates, const float *c_prev,
                                 const float *ac, const float *dy, const float *dh, float *dc,
                                 float *dz, int act, int ract)
{
    for (size_t b = 0; b < batch; b++) {
        size_t o = b * u;
        for (size_t j = 0; j < u; j += V_WIDTH) {
            size_t n = u - j < V_WIDTH ? u - j : V_WIDTH;
            lstm_back_lanes(gates + b * 4 * u, dz + b * 4 * u, u, j, n, c_prev + o, ac + o,
                            dy ? dy + o : NULL, dh + o, dc + o, act, ract);
        }
    }
}

static inline void gru_back_lanes(const float *gb, const float *rb, float *dxb, float *drb,
                                  size_t u, size_t j, size_t n, const float *hp,
                                  const float *dy, float *dh, int act, int ract)
{
    VF z_ = PW_LD(gb + j), r_ = PW_LD(gb + u + j), hh = PW_LD(gb + 2 * u + j);
    VF dh_ = V_ADD(PW_LD(dh + j), PW_LD_OPT(dy ? dy + j : NULL));
    VF da = V_MUL(V_MUL(dh_, V_SUB(V_SET1(1.0f), z_)), pw_act_grad(act, hh));
    VF dz = V_MUL(V_MUL(dh_, V_SUB(PW_LD(hp + j), hh)), pw_act_grad(ract, z_));
    VF dr = V_MUL(V_MUL(da, PW_LD(rb + 2 * u + j)), pw_act_grad(ract, r_));
    PW_ST(dxb + j, dz);
    PW_ST(drb + j, dz);
    PW_ST(dxb + u + j, dr);
    PW_ST(drb + u + j, dr);
    PW_ST(dxb + 2 * u + j, da);
    PW_ST(drb + 2 * u + j, V_MUL(da, r_));
    PW_ST(dh + j, V_MUL(dh_, z_));   /* the direct path; U^T adds the rest */
}

/* One GRU step backward: dzx [batch][3u] (gradient of x W + b_in), drec
 * [batch][3u] (of h U + b_rec); dh becomes the direct part of the gradient
 * for h_prev. */
void PW_NAME(gru_cell_backward)(size_t batch, size_t u, const float *gates, const float *rec,
                                const float *h_prev, const float *dy, float *dh, float *dzx,
                                float *drec, int act, int ract)
{
    for (size_t b = 0; b < batch; b++) {
        size_t o = b * u, r = b * 3 * u;
        for (size_t j = 0; j < u; j += V_WIDTH) {
            size_t n = u - j < V_WIDTH ? u - j : V_WIDTH;
            gru_back_lanes(gates + r, rec + r, dzx + r, drec + r, u, j, n, h_prev + o,
                           dy ? dy + o : NULL, dh + o, act, ract);
        }
    }
}
#undef PW_LD
#undef PW_ST
#undef PW_LD_OPT
