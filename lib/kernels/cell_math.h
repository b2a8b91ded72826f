/* The element-wise math of the layers, written once: the activations and
 * their derivatives, and the forward and backward of the LSTM and GRU cells.
 * It is instantiated for float on every kernel path (pointwise_impl.h, by
 * pointwise_scalar.c, pointwise_avx2.c, pointwise_avx512.c, pointwise_neon.c)
 * and for double
 * (pointwise_double.h, by the gradient-check build of lib/compute.c), so a
 * change here reaches every path and the gradient checks at once.
 *
 * Every path runs the same operation sequence on each element -- the same
 * fused multiply-adds, the same rounding, the same division -- so the float
 * paths give bit-identical results.
 *
 * The including file defines:
 *   PW_REAL                       the scalar type of the arrays (float, double)
 *   VF, V_WIDTH                   vector type and lanes
 *   V_LOAD(p) V_STORE(p, v)       full vectors (unaligned)
 *   V_LOAD_N(p, n) V_STORE_N(p, v, n)   the first n < V_WIDTH lanes
 *   V_SET1(f) V_ADD V_SUB V_MUL V_MAX
 *   V_FMA(a, b, c)                a * b + c, one rounding
 *   V_LT_SELECT(a, b, x, y)       a < b ? x : y, per lane
 *   PW_TANH(x) PW_SIGMOID(x)      the activations' transcendental parts
 *   PW_NAME(name)                 the function name for this instance
 *   PW_LINKAGE                    optional storage class (static for double)
 */

#include <stddef.h>

#ifndef PW_LINKAGE
#define PW_LINKAGE
#endif

/* ---- activations: the one place that defines each ---------------------- */

/* Activation codes as rl_activation: 0 linear, 1 relu, 2 tanh, 3 sigmoid,
 * 4 hard_sigmoid (tf.keras 2 / TF.js: 0.2 x + 0.5, multiplied then added as
 * TF.js does, clipped to [0, 1]).
 * A new activation is one case here and one in pw_act_grad (and a
 * transcendental hook like PW_TANH if it needs one). */
/* Always inlined: a call per vector (the switch and the transcendentals
 * out of line) cost a third of the fused step's time, and inlined with a
 * constant `act` the switch folds away. */
static inline __attribute__((always_inline)) VF pw_act(int act, VF x)
{
    switch (act) {
    /* x second: x86 max returns its second operand when either is NaN, and
     * the scalar macros copy that, so relu(NaN) is NaN, not 0 (a NaN from
     * an overflowing product must reach the loss, where fit stops). */
    case 1: return V_MAX(V_SET1(0.0f), x);
    case 2: return PW_TANH(x);
    case 3: return PW_SIGMOID(x);
    case 4: {
        VF t = V_MAX(V_ADD(V_MUL(x, V_SET1(0.2f)), V_SET1(0.5f)), V_SET1(0.0f));
        return V_LT_SELECT(t, V_SET1(1.0f), t, V_SET1(1.0f));
    }
    default: return x;
    }
}

/* Derivative of an activation at its output y (relu: y > 0, tanh: 1 - y^2,
 * sigmoid: y (1 - y), hard_sigmoid: 0.2 where 0 < y < 1, else 0). */
static inline __attribute__((always_inline)) VF pw_act_grad(int act, VF y)
{
    switch (act) {
    case 1: return V_LT_SELECT(V_SET1(0.0f), y, V_SET1(1.0f), V_SET1(0.0f));
    case 2: return V_SUB(V_SET1(1.0f), V_MUL(y, y));
    case 3: return V_MUL(y, V_SUB(V_SET1(1.0f), y));
    case 4: return V_LT_SELECT(V_SET1(0.0f), y, V_LT_SELECT(y, V_SET1(1.0f), V_SET1(0.2f),
                                                             V_SET1(0.0f)), V_SET1(0.0f));
    default: return V_SET1(1.0f);
    }
}

PW_LINKAGE void PW_NAME(activate)(int act, const PW_REAL *x, PW_REAL *y, size_t n)
{
    size_t j = 0;
    for (; j + V_WIDTH <= n; j += V_WIDTH)
        V_STORE(y + j, pw_act(act, V_LOAD(x + j)));
    if (j < n)
        V_STORE_N(y + j, pw_act(act, V_LOAD_N(x + j, n - j)), n - j);
}

/* The cells on registers, shared by the passes below and the fused step
 * (fused_step.h), which applies them to the product's accumulators: one
 * operation sequence per element wherever the cell runs.
 * LSTM: the pre-activations i, f, g, o become the activated gates;
 * c = f c_prev + i g, a = act(c); returns h = o a. */
static inline __attribute__((always_inline)) void pw_lstm_gates_vec(VF *i_, VF *f_, VF *g_, VF *o_,
                                                                    int act, int ract)
{
    *i_ = pw_act(ract, *i_);
    *f_ = pw_act(ract, *f_);
    *g_ = pw_act(act, *g_);
    *o_ = pw_act(ract, *o_);
}

/* The rest of the cell on the activated gates: c, a = act(c), returns h. */
static inline __attribute__((always_inline)) VF pw_lstm_out_vec(VF i_, VF f_, VF g_, VF o_,
                                                                VF c_prev, VF *c_, VF *a_,
                                                                int act)
{
    *c_ = V_FMA(f_, c_prev, V_MUL(i_, g_));
    *a_ = pw_act(act, *c_);
    return V_MUL(o_, *a_);
}

/* pw_lstm_gates_vec then pw_lstm_out_vec: the fused step runs the two
 * halves over a whole row tile in turn (its epilogue), so many independent
 * chains are in flight; the operations on each element are these. */
static inline __attribute__((always_inline)) VF pw_lstm_vec(VF *i_, VF *f_, VF *g_, VF *o_, VF c_prev, VF *c_, VF *a_, int act,
                             int ract)
{
    pw_lstm_gates_vec(i_, f_, g_, o_, act, ract);
    return pw_lstm_out_vec(*i_, *f_, *g_, *o_, c_prev, c_, a_, act);
}

/* GRU (reset_after): x parts z, r, h~ (x W + b_in) become the activated
 * gates, given the recurrent parts (h U + b_rec); returns h. */
static inline __attribute__((always_inline)) void pw_gru_gates_vec(VF *z_, VF *r_, VF rec_z,
                                                                   VF rec_r, int ract)
{
    *z_ = pw_act(ract, V_ADD(*z_, rec_z));
    *r_ = pw_act(ract, V_ADD(*r_, rec_r));
}

/* The rest on the activated z, r: h~, returns h. */
static inline __attribute__((always_inline)) VF pw_gru_out_vec(VF z_, VF r_, VF *hh, VF rec_h,
                                                               VF h_prev, int act)
{
    *hh = pw_act(act, V_FMA(r_, rec_h, *hh));
    return V_FMA(z_, h_prev, V_MUL(V_SUB(V_SET1(1.0f), z_), *hh));
}

/* pw_gru_gates_vec then pw_gru_out_vec (the fused step runs the halves over
 * a whole row tile in turn, as for the LSTM). */
static inline __attribute__((always_inline)) VF pw_gru_vec(VF *z_, VF *r_, VF *hh, VF rec_z, VF rec_r, VF rec_h, VF h_prev,
                            int act, int ract)
{
    pw_gru_gates_vec(z_, r_, rec_z, rec_r, ract);
    return pw_gru_out_vec(*z_, *r_, hh, rec_h, h_prev, act);
}

/* One LSTM step for a batch: z rows [4u] (i, f, c, o pre-activations) become
 * the activated gates; c = f c_prev + i g, ac = act(c), h = o ac. */
static inline void lstm_lanes(PW_REAL *zb, size_t u, size_t j, size_t n, const PW_REAL *cp,
                              PW_REAL *c, PW_REAL *ac, PW_REAL *h, int act, int ract)
{
#define PW_LD(p) (n == V_WIDTH ? V_LOAD(p) : V_LOAD_N(p, n))
#define PW_ST(p, v) (n == V_WIDTH ? V_STORE(p, v) : V_STORE_N(p, v, n))
    VF i_ = PW_LD(zb + j), f_ = PW_LD(zb + u + j), g_ = PW_LD(zb + 2 * u + j);
    VF o_ = PW_LD(zb + 3 * u + j), c_, a_;
    VF h_ = pw_lstm_vec(&i_, &f_, &g_, &o_, PW_LD(cp + j), &c_, &a_, act, ract);
    PW_ST(zb + j, i_);
    PW_ST(zb + u + j, f_);
    PW_ST(zb + 2 * u + j, g_);
    PW_ST(zb + 3 * u + j, o_);
    PW_ST(c + j, c_);
    PW_ST(ac + j, a_);
    PW_ST(h + j, h_);
}

PW_LINKAGE void PW_NAME(lstm_cell)(size_t batch, size_t u, PW_REAL *z, const PW_REAL *c_prev,
                                   PW_REAL *c, PW_REAL *ac, PW_REAL *h, int act, int ract)
{
    for (size_t b = 0; b < batch; b++) {
        PW_REAL *zb = z + b * 4 * u;
        size_t o = b * u, j = 0;
        for (; j + V_WIDTH <= u; j += V_WIDTH)
            lstm_lanes(zb, u, j, V_WIDTH, c_prev + o, c + o, ac + o, h + o, act, ract);
        if (j < u)
            lstm_lanes(zb, u, j, u - j, c_prev + o, c + o, ac + o, h + o, act, ract);
    }
}

/* One GRU step (reset_after): z rows [3u] hold x W + b_in and become the
 * activated z, r, h~; rec rows [3u] hold h U + b_rec. */
static inline void gru_lanes(PW_REAL *zb, const PW_REAL *rb, size_t u, size_t j, size_t n,
                             const PW_REAL *hp, PW_REAL *h, int act, int ract)
{
    VF z_ = PW_LD(zb + j), r_ = PW_LD(zb + u + j), hh = PW_LD(zb + 2 * u + j);
    VF h_ = pw_gru_vec(&z_, &r_, &hh, PW_LD(rb + j), PW_LD(rb + u + j), PW_LD(rb + 2 * u + j),
                       PW_LD(hp + j), act, ract);
    PW_ST(zb + j, z_);
    PW_ST(zb + u + j, r_);
    PW_ST(zb + 2 * u + j, hh);
    PW_ST(h + j, h_);
#undef PW_LD
#undef PW_ST
}

PW_LINKAGE void PW_NAME(gru_cell)(size_t batch, size_t u, PW_REAL *z, const PW_REAL *rec,
                                  const PW_REAL *h_prev, PW_REAL *h, int act, int ract)
{
    for (size_t b = 0; b < batch; b++) {
        PW_REAL *zb = z + b * 3 * u;
        const PW_REAL *rb = rec + b * 3 * u;
        size_t o = b * u, j = 0;
        for (; j + V_WIDTH <= u; j += V_WIDTH)
            gru_lanes(zb, rb, u, j, V_WIDTH, h_prev + o, h + o, act, ract);
        if (j < u)
            gru_lanes(zb, rb, u, j, u - j, h_prev + o, h + o, act, ract);
    }
}

/* ---- backward ---------------------------------------------------------- */

#define PW_LD(p) (n == V_WIDTH ? V_LOAD(p) : V_LOAD_N(p, n))
#define PW_ST(p, v) (n == V_WIDTH ? V_STORE(p, v) : V_STORE_N(p, v, n))
/* dy may be NULL (no gradient arrives at this step from above). */
#define PW_LD_OPT(p) ((p) ? PW_LD(p) : V_SET1(0.0f))

/* dz = (dh + dy) * act'(y), n elements. */
PW_LINKAGE void PW_NAME(act_backward)(int act, const PW_REAL *y, const PW_REAL *dh,
                                      const PW_REAL *dy, PW_REAL *dz, size_t count)
{
    for (size_t j = 0; j < count; j += V_WIDTH) {
        size_t n = count - j < V_WIDTH ? count - j : V_WIDTH;
        VF d = V_ADD(PW_LD(dh + j), PW_LD_OPT(dy ? dy + j : NULL));
        PW_ST(dz + j, V_MUL(d, pw_act_grad(act, PW_LD(y + j))));
    }
}

/* The backward cells run a row's lanes as full vectors only when u >=
 * V_WIDTH: a ragged end is one more full vector ending at lane u (its lanes
 * [u - V_WIDTH, u) overlap the last full vector's), all of whose inputs are
 * loaded before any lane of the row is stored, and whose results are stored
 * last. Each lane's operations are the same in both vectors, so an
 * overlapped lane is stored twice with the same bits. (The masked loads
 * and stores of a ragged end took ~20 % of the LSTM(50) cell backward:
 * their nominal 64 bytes overlap the next gate's or row's lanes, which
 * then wait for the stores to reach L1.) The LSTM's row loop is
 * instantiated with the activations as constants (the usual pair, tanh and
 * sigmoid, and the general case), so their switches fold away (0.95x); the
 * GRU's measured 1.04x slower so, and keeps them as branches. */
typedef struct lstm_back_out {
    VF di, df, dg, dout, dc;
} lstm_back_out;

static inline __attribute__((always_inline)) lstm_back_out
lstm_back_vec(const PW_REAL *gb, size_t u, size_t j, size_t n, const PW_REAL *cp,
              const PW_REAL *ac, const PW_REAL *dy, const PW_REAL *dh, const PW_REAL *dc,
              int act, int ract)
{
    VF i_ = PW_LD(gb + j), f_ = PW_LD(gb + u + j), g_ = PW_LD(gb + 2 * u + j);
    VF o_ = PW_LD(gb + 3 * u + j), a_ = PW_LD(ac + j);
    VF dh_ = V_ADD(PW_LD(dh + j), PW_LD_OPT(dy ? dy + j : NULL));
    VF dc_ = V_ADD(PW_LD(dc + j), V_MUL(V_MUL(dh_, o_), pw_act_grad(act, a_)));
    lstm_back_out r;
    r.di = V_MUL(V_MUL(dc_, g_), pw_act_grad(ract, i_));
    r.df = V_MUL(V_MUL(dc_, PW_LD(cp + j)), pw_act_grad(ract, f_));
    r.dg = V_MUL(V_MUL(dc_, i_), pw_act_grad(act, g_));
    r.dout = V_MUL(V_MUL(dh_, a_), pw_act_grad(ract, o_));
    r.dc = V_MUL(dc_, f_);
    return r;
}

static inline __attribute__((always_inline)) void
lstm_back_store(PW_REAL *dzb, size_t u, size_t j, size_t n, PW_REAL *dc, lstm_back_out r)
{
    PW_ST(dzb + j, r.di);
    PW_ST(dzb + u + j, r.df);
    PW_ST(dzb + 2 * u + j, r.dg);
    PW_ST(dzb + 3 * u + j, r.dout);
    PW_ST(dc + j, r.dc);
}

static inline __attribute__((always_inline)) void
lstm_back_rows(size_t batch, size_t u, const PW_REAL *gates, const PW_REAL *c_prev,
               const PW_REAL *ac, const PW_REAL *dy, const PW_REAL *dh, PW_REAL *dc,
               PW_REAL *dz, int act, int ract)
{
    const size_t full = u / V_WIDTH * V_WIDTH;
    for (size_t b = 0; b < batch; b++) {
        const size_t o = b * u;
        const PW_REAL *gb = gates + b * 4 * u, *cp = c_prev + o, *acb = ac + o, *dhb = dh + o;
        const PW_REAL *dyb = dy ? dy + o : NULL;
        PW_REAL *dzb = dz + b * 4 * u, *dcb = dc + o;
        if (u < V_WIDTH) {
            const size_t n = u;
            lstm_back_store(dzb, u, 0, n, dcb,
                            lstm_back_vec(gb, u, 0, n, cp, acb, dyb, dhb, dcb, act, ract));
            continue;
        }
        const size_t n = V_WIDTH;
        if (full == u) {
            for (size_t j = 0; j < u; j += V_WIDTH)
                lstm_back_store(dzb, u, j, n, dcb,
                                lstm_back_vec(gb, u, j, n, cp, acb, dyb, dhb, dcb, act, ract));
            continue;
        }
        const size_t e = u - V_WIDTH;   /* the ragged end's vector: lanes [e, u) */
        const lstm_back_out end = lstm_back_vec(gb, u, e, n, cp, acb, dyb, dhb, dcb, act, ract);
        for (size_t j = 0; j < full; j += V_WIDTH)
            lstm_back_store(dzb, u, j, n, dcb,
                            lstm_back_vec(gb, u, j, n, cp, acb, dyb, dhb, dcb, act, ract));
        lstm_back_store(dzb, u, e, n, dcb, end);
    }
}

/* One LSTM step backward: from the activated gates, c_prev and act(c), the
 * incoming dh (recurrent, in dh) + dy, and dc, the gate pre-activation
 * gradients dz [batch][4u]; dc becomes the gradient for c_prev. dz may be
 * gates (layer_lstm.c writes it over them): a row's gates are loaded before
 * any of its dz is stored. */
PW_LINKAGE void PW_NAME(lstm_cell_backward)(size_t batch, size_t u, const PW_REAL *gates,
                                            const PW_REAL *c_prev, const PW_REAL *ac,
                                            const PW_REAL *dy, const PW_REAL *dh, PW_REAL *dc,
                                            PW_REAL *dz, int act, int ract)
{
    if (act == 2 && ract == 3)
        lstm_back_rows(batch, u, gates, c_prev, ac, dy, dh, dc, dz, 2, 3);
    else
        lstm_back_rows(batch, u, gates, c_prev, ac, dy, dh, dc, dz, act, ract);
}

typedef struct gru_back_out {
    VF dz, dr, da, dhh, dh;
} gru_back_out;

static inline __attribute__((always_inline)) gru_back_out
gru_back_vec(const PW_REAL *gb, const PW_REAL *rb, size_t u, size_t j, size_t n,
             const PW_REAL *hp, const PW_REAL *dy, const PW_REAL *dh, int act, int ract)
{
    VF z_ = PW_LD(gb + j), r_ = PW_LD(gb + u + j), hh = PW_LD(gb + 2 * u + j);
    VF dh_ = V_ADD(PW_LD(dh + j), PW_LD_OPT(dy ? dy + j : NULL));
    gru_back_out o;
    o.da = V_MUL(V_MUL(dh_, V_SUB(V_SET1(1.0f), z_)), pw_act_grad(act, hh));
    o.dz = V_MUL(V_MUL(dh_, V_SUB(PW_LD(hp + j), hh)), pw_act_grad(ract, z_));
    o.dr = V_MUL(V_MUL(o.da, PW_LD(rb + 2 * u + j)), pw_act_grad(ract, r_));
    o.dhh = V_MUL(o.da, r_);
    o.dh = V_MUL(dh_, z_);   /* the direct path; U^T adds the rest */
    return o;
}

static inline __attribute__((always_inline)) void
gru_back_store(PW_REAL *dab, PW_REAL *drb, size_t u, size_t j, size_t n, PW_REAL *dh,
               gru_back_out o)
{
    PW_ST(drb + j, o.dz);
    PW_ST(drb + u + j, o.dr);
    PW_ST(dab + j, o.da);
    PW_ST(drb + 2 * u + j, o.dhh);
    PW_ST(dh + j, o.dh);
}

/* Rows ahead whose drec z, r thirds and dxh lines the GRU cell backward
 * asks for (with intent to write) before it runs a row: it stores there
 * without loading first, and each store waited for its line from L2 at
 * retirement (the store buffer full). Asked for two rows early, the lines
 * are in L1 when the stores retire: the function 0.94x of its time at the
 * seed shape with the masked end, 0.76x with the overlapped end (which,
 * without the prefetch, ran 1.07x slower than the masked one). */
enum { GRU_PF_AHEAD = 2 };

static inline __attribute__((always_inline)) void
gru_back_rows(size_t batch, size_t u, const PW_REAL *gates, const PW_REAL *rec,
              const PW_REAL *h_prev, const PW_REAL *dy, PW_REAL *dh, PW_REAL *dxh,
              PW_REAL *drec, int act, int ract)
{
    const size_t full = u / V_WIDTH * V_WIDTH;
    for (size_t b = 0; b < batch; b++) {
        const size_t o = b * u, r = b * 3 * u;
        if (b + GRU_PF_AHEAD < batch) {
            const char *pz = (const char *)(drec + (b + GRU_PF_AHEAD) * 3 * u);
            const char *px = (const char *)(dxh + (b + GRU_PF_AHEAD) * u);
            for (size_t i = 0; i < 2 * u * sizeof(PW_REAL); i += 64)
                __builtin_prefetch(pz + i, 1, 3);
            for (size_t i = 0; i < u * sizeof(PW_REAL); i += 64)
                __builtin_prefetch(px + i, 1, 3);
        }
        const PW_REAL *gb = gates + r, *rb = rec + r, *hp = h_prev + o;
        const PW_REAL *dyb = dy ? dy + o : NULL;
        PW_REAL *dab = dxh + o, *drb = drec + r, *dhb = dh + o;
        if (u < V_WIDTH) {
            const size_t n = u;
            gru_back_store(dab, drb, u, 0, n, dhb,
                           gru_back_vec(gb, rb, u, 0, n, hp, dyb, dhb, act, ract));
            continue;
        }
        const size_t n = V_WIDTH;
        if (full == u) {
            for (size_t j = 0; j < u; j += V_WIDTH)
                gru_back_store(dab, drb, u, j, n, dhb,
                               gru_back_vec(gb, rb, u, j, n, hp, dyb, dhb, act, ract));
            continue;
        }
        const size_t e = u - V_WIDTH;   /* the ragged end's vector: lanes [e, u) */
        const gru_back_out end = gru_back_vec(gb, rb, u, e, n, hp, dyb, dhb, act, ract);
        for (size_t j = 0; j < full; j += V_WIDTH)
            gru_back_store(dab, drb, u, j, n, dhb,
                           gru_back_vec(gb, rb, u, j, n, hp, dyb, dhb, act, ract));
        gru_back_store(dab, drb, u, e, n, dhb, end);
    }
}

/* One GRU step backward: drec [batch][3u] (gradient of h U + b_rec) and
 * dxh [batch][u], the h~ third of the gradient of x W + b_in (its z and r
 * thirds are drec's: stored once); dh becomes the direct part of the
 * gradient for h_prev. drec may be rec (layer_gru.c writes it over it): a
 * row's h~ third of rec is loaded before any of its drec is stored. */
PW_LINKAGE void PW_NAME(gru_cell_backward)(size_t batch, size_t u, const PW_REAL *gates,
                                           const PW_REAL *rec, const PW_REAL *h_prev,
                                           const PW_REAL *dy, PW_REAL *dh, PW_REAL *dxh,
                                           PW_REAL *drec, int act, int ract)
{
    gru_back_rows(batch, u, gates, rec, h_prev, dy, dh, dxh, drec, act, ract);
}
#undef PW_LD
#undef PW_ST
#undef PW_LD_OPT
