/* The fused one-row recurrent step: for a single row (a stream step, a
 * one-sample predict, a forecast step) the whole step in one call -- the
 * chains of the gate pre-activations (start, x W, h U), then the cell.
 *
 * With one row the product is a chain of k dependent fmas per column, so it
 * is bound by latency and by loads, not by arithmetic. The chains run over
 * the row's G u columns as they lie in memory, up to FR_VECS vectors per
 * pass in registers (LSTM(50) on AVX-512: all 13 vectors of the 200 columns
 * in one pass, 13 independent chains). Their values go to a small aligned
 * buffer in L1, and the cell reads each gate's slice from there.
 *
 * Tried first and measured slower: the G gate slices of a block of units
 * in registers, the cell applied straight to the accumulators. Each slice
 * starts at g u, so for u = 50 nearly every load straddles two cache lines,
 * and the ragged last block pads 13 vectors to 16; the stream step was
 * 1.15x slower than gemm + cell (0.59 us against 0.51 us), while at u = 48
 * (aligned, no padding) it was 0.91x. The buffer costs 13 stores and 16
 * loads that hit L1.
 *
 * When U is larger than L1d, or fills more than three quarters of it
 * (pass_bytes set, rl_row_pass_bytes), the passes are cut to at most
 * pass_bytes of U each and an odd step (flip) visits them last to first:
 * the passes the step before read last are still in L1, and only the rest
 * streams from L2. LSTM(50) on Zen 4 (32 KiB L1d, U 41.6 KB): the product
 * at 2 cycles per vector in one pass (L2's 32 bytes a cycle), 1.5 in three
 * passes of 5, 4, 4 vectors by turns.
 *
 * Every chain is the unfused path's: start, x W in increasing k, h U in
 * increasing k, whatever the passes and their order; the cell is
 * cell_math.h's per-element sequence. Same bits as gemm + cell on every
 * path.
 *
 * Included after cell_math.h (through pointwise_impl.h, or
 * pointwise_double.h) by a file that also defines:
 *   FR_ARGS     the argument struct (RL_ROW_STEP_FIELDS, row_step.h)
 *   FR_VECS     most vectors of chains per pass (<= 16): the accumulators
 *               must fit the registers beside the broadcast and a load
 *   FR_L1D()    the L1d bytes the CPU reports (0: not known), for a
 *               pass_bytes of 0 */

/* Fewest vectors of a pass cut by pass_bytes: four chains still cover the
 * fma latency (4 cycles) on a core that does one vector fma a cycle. */
#define FR_MIN_VECS 4
#include <stddef.h>
#include <stdint.h>

#define FR_INLINE inline __attribute__((always_inline))

static FR_INLINE VF fr_load(const PW_REAL *p, int masked, size_t n)
{
    (void)n;   /* unused where V_LOAD_N ignores it (one lane) */
    return masked ? V_LOAD_N(p, n) : V_LOAD(p);
}

static FR_INLINE void fr_store(PW_REAL *p, VF v, int masked, size_t n)
{
    (void)n;
    if (masked)
        V_STORE_N(p, v, n);
    else
        V_STORE(p, v);
}

/* ---- the chains ------------------------------------------------------------ */

/* One product: z[j] = start[j] + sum_k a1[k] b1[k][j] + sum_k a2[k] b2[k][j]
 * for j < n, each sum in increasing k (k2 = 0: no second part). */
typedef struct fr_product {
    const PW_REAL *start;
    const PW_REAL *a1, *b1;
    size_t k1, ld1;
    const PW_REAL *a2, *b2;
    size_t k2, ld2;
    size_t n;
    PW_REAL *z;
    size_t most;   /* 0, or the most vectors a pass (below FR_VECS) */
    int flip;      /* the passes last to first */
} fr_product;

/* Columns [j0, j0 + nv V_WIDTH) of the product, the last vector `tail`
 * lanes when masked. nv and masked are constants after inlining, so the
 * accumulators are registers; b is read in place (aligned when packed). */
static FR_INLINE void fr_pass(const fr_product *p, size_t j0, int nv, int masked, size_t tail)
{
    VF acc[16];
#define FR_LAST(v) ((masked) && (v) == nv - 1)
    for (int v = 0; v < nv; v++)
        acc[v] = fr_load(p->start + j0 + (size_t)v * V_WIDTH, FR_LAST(v), tail);
    for (size_t k = 0; k < p->k1; k++) {
        const VF ak = V_SET1(p->a1[k]);
        const PW_REAL *bk = p->b1 + k * p->ld1 + j0;
        for (int v = 0; v < nv; v++)
            acc[v] = V_FMA(ak, fr_load(bk + (size_t)v * V_WIDTH, FR_LAST(v), tail), acc[v]);
    }
    for (size_t k = 0; k < p->k2; k++) {
        const VF ak = V_SET1(p->a2[k]);
        const PW_REAL *bk = p->b2 + k * p->ld2 + j0;
        for (int v = 0; v < nv; v++)
            acc[v] = V_FMA(ak, fr_load(bk + (size_t)v * V_WIDTH, FR_LAST(v), tail), acc[v]);
    }
    for (int v = 0; v < nv; v++)
        fr_store(p->z + j0 + (size_t)v * V_WIDTH, acc[v], FR_LAST(v), tail);
#undef FR_LAST
}

/* The vectors split into the fewest passes of at most FR_VECS (or p->most),
 * as even as possible (a thin last pass would have too few chains to hide
 * the fma latency), visited first to last or (flip) last to first; each
 * pass size reaches fr_pass as a constant. */
static void fr_run(const fr_product *p)
{
    const size_t vecs = (p->n + V_WIDTH - 1) / V_WIDTH;
    const size_t tail = p->n % V_WIDTH ? p->n % V_WIDTH : V_WIDTH;
    const size_t most = p->most && p->most < FR_VECS ? p->most : FR_VECS;
    const size_t passes = (vecs + most - 1) / most;
    for (size_t i = 0; i < passes; i++) {
        const size_t q = p->flip ? passes - 1 - i : i;
        const size_t v0 = q * vecs / passes, nv = (q + 1) * vecs / passes - v0;
        const int m = v0 + nv == vecs && p->n % V_WIDTH != 0;
        const size_t j0 = v0 * V_WIDTH;
        switch (nv * 2 + (size_t)m) {
#define FR_CASE(n)                                                                             \
        case 2 * (n):                                                                          \
            if ((n) <= FR_VECS)                                                                \
                fr_pass(p, j0, (n) <= FR_VECS ? (n) : 1, 0, tail);                             \
            break;                                                                             \
        case 2 * (n) + 1:                                                                      \
            if ((n) <= FR_VECS)                                                                \
                fr_pass(p, j0, (n) <= FR_VECS ? (n) : 1, 1, tail);                             \
            break;
        FR_CASE(1) FR_CASE(2) FR_CASE(3) FR_CASE(4) FR_CASE(5) FR_CASE(6) FR_CASE(7)
        FR_CASE(8) FR_CASE(9) FR_CASE(10) FR_CASE(11) FR_CASE(12) FR_CASE(13) FR_CASE(14)
        FR_CASE(15) FR_CASE(16)
#undef FR_CASE
        default: break;
        }
    }
}

/* The work buffer, aligned to 64 bytes (RL_ROW_WORK_FLOATS has the slack). */
static FR_INLINE PW_REAL *fr_work(PW_REAL *w)
{
    return (PW_REAL *)(((uintptr_t)w + 63) & ~(uintptr_t)63);
}

/* Most vectors a pass of the h U chains over `rows` rows of U, rows g
 * columns wide (0: FR_VECS). */
static FR_INLINE size_t fr_most(const FR_ARGS *s, size_t rows, size_t g)
{
    size_t bytes = s->pass_bytes;
    if (!rows)
        return 0;
    if (!bytes)
        bytes = rl_row_pass_bytes(rows * (s->ld_rec ? s->ld_rec : g) * sizeof(PW_REAL),
                                  rows * V_WIDTH * sizeof(PW_REAL), FR_L1D());
    if (!bytes)
        return 0;
    const size_t v = bytes / (rows * V_WIDTH * sizeof(PW_REAL));
    return v < FR_MIN_VECS ? FR_MIN_VECS : v;
}

/* start + x W (+ h U unless fresh) over g columns into z. A path that
 * defines FR_NARROW_CHAINS (AVX-512) hands them to narrower vectors' chains
 * when s->width asks for it, or (0) when the g columns end in a part of a
 * vector and FR_NARROW() says so: on Zen 4, which runs a 512-bit operation
 * as two 256-bit halves, the 256-bit chains issue the same fmas in the
 * same slots but fewer idle lanes, and fewer of their loads straddle two
 * cache lines (LSTM(50)'s in-place U rows of 800 bytes: every other row's
 * 64-byte loads straddle, none of the 32-byte ones). Paired on Zen 4,
 * stream step: LSTM(50) 0.94-0.97x, GRU(50) 0.87x, SimpleRNN(100) 0.92x;
 * where the columns are whole 512-bit vectors (LSTM(32), GRU(64), LSTM(100))
 * 1.01-1.05x slower, so those keep 512 bits. */
static FR_INLINE void fr_chains(const FR_ARGS *s, const PW_REAL *start, size_t g, int with_x,
                                PW_REAL *z)
{
#ifdef FR_NARROW_CHAINS
    if (s->width == 2 || (s->width == 0 && g % V_WIDTH != 0 && FR_NARROW())) {
        FR_NARROW_CHAINS(s, start, g, with_x, z);
        return;
    }
#endif
    const size_t k2 = s->fresh ? 0 : s->units;
    fr_product p = {
        .start = start, .a1 = s->x, .b1 = s->kernel, .k1 = with_x ? s->in : 0, .ld1 = g,
        .a2 = s->h_prev, .b2 = s->rec, .k2 = k2,
        .ld2 = s->ld_rec ? s->ld_rec : g, .n = g, .z = z,
        .most = fr_most(s, k2, g), .flip = s->flip,
    };
    fr_run(&p);
}

/* ---- the head ---------------------------------------------------------------- */

/* A Dense head of at most one vector of units on h': its chains (bias,
 * then h'[k] W[k] in increasing k -- the Dense step's own) take the links
 * of a block of units once the cell wrote that block's h', so they run
 * beside the cell of the next blocks instead of after the whole cell.
 * (The LSTM(50) + Dense(1) head is one chain of 50 dependent fmas, 200
 * cycles.) The LSTM puts a block's links in the middle of the next block's
 * cell, after its gates: right after the block itself, its links and their
 * wait for h' stood between the blocks, and on Zen 4 the head still cost
 * 46 ns of a 480 ns stream step; in the middle 28 ns (stream step 0.979x,
 * paired). A quarter of the links after each gate was no better. */
static FR_INLINE VF fr_head_start(const FR_ARGS *s)
{
    return s->head_w ? fr_load(s->head_start, s->head_n < V_WIDTH, s->head_n) : V_SET1(0.0f);
}

static FR_INLINE void fr_head_links(const FR_ARGS *s, VF *acc, size_t j, size_t n)
{
    if (!s->head_w)
        return;
    const int masked = s->head_n < V_WIDTH;
    for (size_t k = j; k < j + n; k++)
        *acc = V_FMA(V_SET1(s->h[k]), fr_load(s->head_w + k * s->head_n, masked, s->head_n), *acc);
}

static FR_INLINE void fr_head_end(const FR_ARGS *s, VF acc)
{
    if (s->head_w)
        fr_store(s->head_out, pw_act(s->head_act, acc), s->head_n < V_WIDTH, s->head_n);
}

/* ---- the cells, one block of units at a time ---------------------------------- */

static FR_INLINE void lstm_block_out(const FR_ARGS *s, size_t j, int m, size_t n, int act, VF i_,
                                     VF f_, VF g_, VF o_);

/* lstm_lanes' sequence on units [j, j + n) of the pre-activations z; the
 * head's links of the block before (units [pj, pj + pn)) go between its
 * gates and the rest of its cell. */
static FR_INLINE void lstm_block(const FR_ARGS *s, const PW_REAL *z, size_t j, int m, size_t n,
                                 int act, int ract, VF *head, size_t pj, size_t pn)
{
    const size_t u = s->units;
    VF i_ = pw_act(ract, fr_load(z + j, m, n));
    VF f_ = pw_act(ract, fr_load(z + u + j, m, n));
    VF g_ = pw_act(act, fr_load(z + 2 * u + j, m, n));
    VF o_ = pw_act(ract, fr_load(z + 3 * u + j, m, n));
    fr_head_links(s, head, pj, pn);
    lstm_block_out(s, j, m, n, act, i_, f_, g_, o_);
}

#ifdef FR_LANES_DOWN
/* A masked block of at most a quarter vector of units (LSTM(50) on
 * AVX-512: 2) with its four gates' pre-activations side by side in ONE
 * vector (lanes [q n, q n + n) gate q, FR_LOAD_AT), so that the gates take
 * two activations instead of four: ract and act on the whole vector, each
 * gate's lanes then moved down to lanes [0, n) (FR_LANES_DOWN). Every lane
 * is the per-element sequence's: same bits. LSTM(50) + Dense(1) on Zen 4,
 * paired over 4-6 processes: stream step 0.99x, window 0.99x; only where
 * the gates are not kept (the stream's step): forward's row step (gates
 * kept, the one-sample predict) ran 1.04x slower with it. */
static FR_INLINE void lstm_block_packed(const FR_ARGS *s, const PW_REAL *z, size_t j, size_t n,
                                        int act, int ract, VF *head, size_t pj, size_t pn)
{
    const size_t u = s->units;
    VF p = V_SET1(0.0f);
    for (size_t q = 0; q < 4; q++)
        p = FR_LOAD_AT(p, z + q * u + j, q * n, n);
    const VF sg = pw_act(ract, p), th = pw_act(act, p);
    const VF f_ = FR_LANES_DOWN(sg, n), g_ = FR_LANES_DOWN(th, 2 * n),
             o_ = FR_LANES_DOWN(sg, 3 * n);
    fr_head_links(s, head, pj, pn);
    lstm_block_out(s, j, 1, n, act, sg, f_, g_, o_);
}
#endif

/* the rest of lstm_lanes' sequence on the activated gates */
static FR_INLINE void lstm_block_out(const FR_ARGS *s, size_t j, int m, size_t n, int act, VF i_,
                                     VF f_, VF g_, VF o_)
{
    const size_t u = s->units;
    VF c_ = V_FMA(f_, fr_load(s->c_prev + j, m, n), V_MUL(i_, g_));
    VF a_ = pw_act(act, c_);
    if (s->gates) {
        fr_store(s->gates + j, i_, m, n);
        fr_store(s->gates + u + j, f_, m, n);
        fr_store(s->gates + 2 * u + j, g_, m, n);
        fr_store(s->gates + 3 * u + j, o_, m, n);
    }
    fr_store(s->c + j, c_, m, n);
    if (s->ac)
        fr_store(s->ac + j, a_, m, n);
    fr_store(s->h + j, V_MUL(o_, a_), m, n);
}

/* gru_lanes' sequence on units [j, j + n): x parts zx, h parts zh. */
static FR_INLINE void gru_block(const FR_ARGS *s, const PW_REAL *zx, const PW_REAL *zh, size_t j,
                                int m, size_t n, int act, int ract)
{
    const size_t u = s->units;
    VF z_ = pw_act(ract, V_ADD(fr_load(zx + j, m, n), fr_load(zh + j, m, n)));
    VF r_ = pw_act(ract, V_ADD(fr_load(zx + u + j, m, n), fr_load(zh + u + j, m, n)));
    VF c_ = pw_act(act, V_FMA(r_, fr_load(zh + 2 * u + j, m, n), fr_load(zx + 2 * u + j, m, n)));
    if (s->gates) {
        fr_store(s->gates + j, z_, m, n);
        fr_store(s->gates + u + j, r_, m, n);
        fr_store(s->gates + 2 * u + j, c_, m, n);
    }
    fr_store(s->h + j, V_FMA(z_, fr_load(s->h_prev + j, m, n),
                             V_MUL(V_SUB(V_SET1(1.0f), z_), c_)), m, n);
}

/* Every block of the units: whole vectors, then the masked rest. */
#define FR_BLOCKS(call)                                                                        \
    do {                                                                                       \
        size_t j = 0;                                                                          \
        for (; j + V_WIDTH <= s->units; j += V_WIDTH)                                          \
            call(0, V_WIDTH);                                                                  \
        if (j < s->units)                                                                      \
            call(1, s->units - j);                                                             \
    } while (0)

static FR_INLINE void lstm_row_acts(const FR_ARGS *s, int act, int ract)
{
    const size_t g = 4 * s->units;
    PW_REAL *z = s->gates ? s->gates : fr_work(s->work);
    fr_chains(s, s->start, g, 1, z);
    VF head = fr_head_start(s);
    size_t pj = 0, pn = 0;
#ifdef FR_LANES_DOWN
#define FR_LSTM(m, n)                                                                          \
    ((m) && 4 * (n) <= V_WIDTH && !s->gates                                                    \
         ? lstm_block_packed(s, z, j, (n), act, ract, &head, pj, pn)                           \
         : lstm_block(s, z, j, (m), (n), act, ract, &head, pj, pn),                            \
     pj = j, pn = (n))
#else
#define FR_LSTM(m, n) (lstm_block(s, z, j, (m), (n), act, ract, &head, pj, pn), pj = j, pn = (n))
#endif
    FR_BLOCKS(FR_LSTM);
#undef FR_LSTM
    fr_head_links(s, &head, pj, pn);
    fr_head_end(s, head);
}

static FR_INLINE void gru_row_acts(const FR_ARGS *s, int act, int ract)
{
    const size_t g = 3 * s->units;
    PW_REAL *work = fr_work(s->work), *zh = s->rec_out ? s->rec_out : work + g;
    const PW_REAL *zx = s->start;   /* bias + x W already, unless x is given */
    if (s->in) {
        PW_REAL *dst = s->gates ? s->gates : work;
        fr_product p = { .start = s->start, .a1 = s->x, .b1 = s->kernel, .k1 = s->in,
                         .ld1 = g, .n = g, .z = dst };
        fr_run(&p);
        zx = dst;
    }
    fr_chains(s, s->rec_start, g, 0, zh);
    VF head = fr_head_start(s);
#define FR_GRU(m, n) (gru_block(s, zx, zh, j, (m), (n), act, ract), fr_head_links(s, &head, j, (n)))
    FR_BLOCKS(FR_GRU);
#undef FR_GRU
    fr_head_end(s, head);
}

static FR_INLINE void rnn_row_acts(const FR_ARGS *s, int act)
{
    fr_chains(s, s->start, s->units, 1, s->h);   /* h may be start: read before written */
    VF head = fr_head_start(s);
#define FR_RNN(m, n)                                                                           \
    (fr_store(s->h + j, pw_act(act, fr_load(s->h + j, (m), (n))), (m), (n)),                   \
     fr_head_links(s, &head, j, (n)))
    FR_BLOCKS(FR_RNN);
#undef FR_RNN
    fr_head_end(s, head);
}

/* Keras' defaults (tanh, sigmoid) get their own copy with the activations
 * known, so pw_act's switch folds away; any other pair runs the switch. */
PW_LINKAGE void PW_NAME(lstm_row)(const FR_ARGS *s)
{
    if (s->act == 2 && s->ract == 3)
        lstm_row_acts(s, 2, 3);
    else
        lstm_row_acts(s, s->act, s->ract);
}

PW_LINKAGE void PW_NAME(gru_row)(const FR_ARGS *s)
{
    if (s->act == 2 && s->ract == 3)
        gru_row_acts(s, 2, 3);
    else
        gru_row_acts(s, s->act, s->ract);
}

PW_LINKAGE void PW_NAME(rnn_row)(const FR_ARGS *s)
{
    if (s->act == 2)
        rnn_row_acts(s, 2);
    else
        rnn_row_acts(s, s->act);
}

#undef FR_BLOCKS
#undef FR_INLINE
