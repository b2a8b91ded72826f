/* The fused forward step of the recurrent layers (rl_fused_step in
 * kernels.h), written once for the SIMD paths, as oneDNN's brgemm-based RNN
 * does it: per register tile of rows x one block of units, the accumulators
 * of all the gates of those units start from z (bias + x W) -- or, with the
 * input folded in, from the bias followed by x W -- take the recurrent
 * product h_prev U from gate-interleaved weights, and the cell math of
 * cell_math.h then runs on them while they are in registers; only what the
 * forward and backward need is stored (the activated gates, c, act(c), h;
 * for the GRU h U + b_rec).
 *
 * Bits: each accumulator lane is one product element's fma chain in
 * increasing k, started from the same value as the unfused step (bias ->
 * x W -> h U), stored and reloaded exactly between k blocks; the cell is the
 * register form of cell_math.h (pw_lstm_vec, pw_gru_vec, pw_act). So every
 * path gives the bits of scalar gemm + cell.
 *
 * Included after pointwise_impl.h (the V_ macros and the cell math) by
 * pointwise_<isa>.c, which defines:
 *   FS_NAME(name)                  exported name (rl__fs_<isa>_name)
 *   FS_ROWS_LSTM, FS_ROWS_GRU      rows per register tile (<= FS_MAX_ROWS)
 *   FS_ROWS_RNN, FS_VECS_RNN       the same for SimpleRNN, and its vectors of
 *                                  units per block (LSTM, GRU: one vector)
 *   FS_PANEL_FLOATS                packed U floats per k block: a block's
 *                                  panel stays in L1 while every row tile
 *                                  of the batch reads it */
#ifndef RL_FUSED_STEP_H
#define RL_FUSED_STEP_H

#include <stddef.h>

#include "kernels.h"

#define FS_MAX_ROWS 8
#define FS_MAX_Q 4   /* accumulator vectors per row: gates x vectors per block */
#define FS_INLINE inline __attribute__((always_inline))
/* A block's whole U in one k pass up to this many floats (else passes of
 * FS_PANEL_FLOATS): one pass has no chain stored and reloaded between
 * passes, and its U stays in L2. */
#ifndef FS_ONE_PASS_FLOATS
#define FS_ONE_PASS_FLOATS FS_PANEL_FLOATS
#endif
#ifndef FS_PF_LOCALITY
#define FS_PF_LOCALITY 2   /* __builtin_prefetch: 2 = prefetcht1 on x86 (to L2) */
#endif
/* Out of line with `rows` a run-time value: a copy specialised for 8 rows
 * unrolls every masked row move into one block that valgrind's VEX cannot
 * translate ("temporary storage exhausted"). clang has no noclone. */
#if defined(__clang__)
#define FS_NOCLONE __attribute__((noinline))
#else
#define FS_NOCLONE __attribute__((noinline, noclone))
#endif

static FS_INLINE size_t fs_vecs(unsigned gates)
{
    return gates == 1 ? FS_VECS_RNN : 1;
}

size_t FS_NAME(block_units)(unsigned gates)
{
    return fs_vecs(gates) * V_WIDTH;
}

/* The ragged last block of a gated cell (LSTM, GRU: one vector of units per
 * block) holds n < V_WIDTH units. Padding each gate's slice to a vector
 * would make its product G vectors per row for G n lanes (H = 50 on
 * AVX-512: 4 vectors for 8 lanes, 16 per row where 13 do), so it is packed
 * compact instead: per k, gate q's n units at lanes q n .. q n + n - 1, in
 * fs_ragged_q(G, n) vectors, zero-padded. */
static FS_INLINE int fs_ragged_q(unsigned gates, size_t n)
{
    return (int)((gates * n + V_WIDTH - 1) / V_WIDTH);
}

static FS_INLINE int fs_compact_block(unsigned gates, size_t u, size_t j0)
{
    return fs_vecs(gates) == 1 && u - j0 < V_WIDTH;
}

/* Blocks [b0, b1) of units (of FS_NAME(block_units) each) into their place
 * in dst, the packed area of all blocks: every block but a compact last
 * one is rows x gates x bw floats, so block b starts b times that in, and
 * disjoint ranges can be packed by different threads. */
void FS_NAME(pack)(const float *w, size_t rows, size_t u, unsigned gates, size_t b0, size_t b1,
                   float *dst)
{
    const size_t bw = FS_NAME(block_units)(gates), g = gates * u;
    const size_t j_end = b1 * bw < u ? b1 * bw : u;
    dst += b0 * rows * gates * bw;
    for (size_t j0 = b0 * bw; j0 < j_end; j0 += bw) {
        if (fs_compact_block(gates, u, j0)) {
            const size_t n = u - j0, width = (size_t)fs_ragged_q(gates, n) * V_WIDTH;
            for (size_t k = 0; k < rows; k++) {
                for (unsigned q = 0; q < gates; q++)
                    for (size_t l = 0; l < n; l++)
                        *dst++ = w[k * g + q * u + j0 + l];
                for (size_t l = gates * n; l < width; l++)
                    *dst++ = 0.0f;
            }
            continue;
        }
        for (size_t k = 0; k < rows; k++)
            for (unsigned q = 0; q < gates; q++)
                for (size_t l = 0; l < bw; l++)
                    *dst++ = j0 + l < u ? w[k * g + q * u + j0 + l] : 0.0f;
    }
}

/* Lanes of the vector at unit j in use (0 past the end). */
static FS_INLINE size_t fs_lanes(size_t u, size_t j)
{
    return j >= u ? 0 : u - j < V_WIDTH ? u - j : V_WIDTH;
}

static FS_INLINE VF fs_load(const float *p, size_t n)
{
    return n == V_WIDTH ? V_LOAD(p) : n ? V_LOAD_N(p, n) : V_SET1(0.0f);
}

static FS_INLINE void fs_store(float *p, VF v, size_t n)
{
    if (n == V_WIDTH)
        V_STORE(p, v);
    else if (n)
        V_STORE_N(p, v, n);
}

/* The ragged last block: each row's last vector of a gate holds only n <
 * V_WIDTH units, so the cell would run on mostly empty lanes (H = 50 on 16
 * lanes: a quarter of the vectors carry 2 units). Its epilogue instead packs
 * the rows' n units side by side -- row i at i * n -- and runs the cell over
 * rows * n units in full vectors. The cell is element-wise, so each element
 * sees the same operations wherever its lane is. */
#define FS_PACKED (FS_MAX_ROWS * V_WIDTH)

/* n < V_WIDTH lanes a row, moved by masked loads and stores (a loop of n
 * floats compiled to a memcpy call per row). */
static FS_INLINE void fs_gather(float *dst, const float *src, size_t ld, int rows, size_t n)
{
    for (int i = 0; i < rows; i++)
        V_STORE_N(dst + (size_t)i * n, V_LOAD_N(src + (size_t)i * ld, n), n);
}

static FS_INLINE void fs_scatter(float *dst, size_t ld, const float *src, int rows, size_t n)
{
    for (int i = 0; i < rows; i++)
        V_STORE_N(dst + (size_t)i * ld, V_LOAD_N(src + (size_t)i * n, n), n);
}

/* The first n lanes of each row's vector v[i][q] side by side in dst. */
static FS_INLINE void fs_pack_lanes(float *dst, VF v[FS_MAX_ROWS][FS_MAX_Q], int q, int rows,
                                    size_t n)
{
    float lanes[V_WIDTH];
    for (int i = 0; i < rows; i++) {
        V_STORE(lanes, v[i][q]);
        for (size_t l = 0; l < n; l++)
            dst[(size_t)i * n + l] = lanes[l];
    }
}

/* Compact vectors (fs_ragged_q) of each row, gate by gate: gate q of row i
 * to dst[q m + i n ..], m = rows n -- the cell then runs on full vectors. */
static FS_INLINE void fs_unpack_compact(float *dst, VF v[FS_MAX_ROWS][FS_MAX_Q], int rows,
                                        unsigned gates, size_t n)
{
    const size_t m = (size_t)rows * n;
    for (int i = 0; i < rows; i++) {
        const float *lanes = (const float *)v[i];   /* the row's vectors, in memory here */
        for (unsigned q = 0; q < gates; q++)
            V_STORE_N(dst + q * m + (size_t)i * n, V_LOAD_N(lanes + q * n, n), n);
    }
}

/* A chain between k passes: compact vectors <-> the rows of mat (ld floats
 * a row, gate q's units at q u + j0). */
static FS_INLINE void fs_store_compact(int rows, int nq, unsigned gates,
                                       VF acc[FS_MAX_ROWS][FS_MAX_Q], float *mat, size_t ld,
                                       size_t u, size_t j0)
{
    const size_t n = u - j0;
    float lanes[FS_MAX_Q * V_WIDTH];
    for (int i = 0; i < rows; i++) {
        for (int q = 0; q < nq; q++)
            V_STORE(lanes + q * V_WIDTH, acc[i][q]);
        for (unsigned q = 0; q < gates; q++)
            for (size_t l = 0; l < n; l++)
                mat[(size_t)i * ld + q * u + j0 + l] = lanes[q * n + l];
    }
}

static FS_INLINE void fs_load_compact(int rows, int nq, unsigned gates,
                                      VF acc[FS_MAX_ROWS][FS_MAX_Q], const float *mat,
                                      size_t ld, size_t u, size_t j0)
{
    const size_t n = u - j0;
    float lanes[FS_MAX_Q * V_WIDTH];
    for (size_t l = gates * n; l < (size_t)nq * V_WIDTH; l++)
        lanes[l] = 0.0f;
    for (int i = 0; i < rows; i++) {
        for (unsigned q = 0; q < gates; q++)
            for (size_t l = 0; l < n; l++)
                lanes[q * n + l] = mat[(size_t)i * ld + q * u + j0 + l];
        for (int q = 0; q < nq; q++)
            acc[i][q] = V_LOAD(lanes + q * V_WIDTH);
    }
}

/* One k of a tile: acc[rows][nq] += A[rows][p] * panel row p. */
static FS_INLINE void fs_link(int rows, int nq, VF acc[FS_MAX_ROWS][FS_MAX_Q], const float *a,
                              size_t a_rs, size_t p, const float *panel)
{
    const float *bp = panel + p * (size_t)nq * V_WIDTH;
    for (int i = 0; i < rows; i++) {
        const VF ai = V_SET1(a[(size_t)i * a_rs + p]);
        for (int q = 0; q < nq; q++)
            acc[i][q] = V_FMA(ai, V_LOAD(bp + q * V_WIDTH), acc[i][q]);
    }
}

/* acc[rows][nq] += A[rows x kc] * panel[kc x nq vectors], k ascending. rows
 * and nq are constants after inlining, so acc stays in registers. The first
 * npf links each also prefetch one cache line, pf + 64 p bytes, towards L2
 * (a prefetch changes no value). */
static FS_INLINE void fs_chain_pf(int rows, int nq, VF acc[FS_MAX_ROWS][FS_MAX_Q], const float *a,
                                  size_t a_rs, size_t kc, const float *panel, const char *pf,
                                  size_t npf)
{
    size_t p = 0;
    for (; p < npf && p < kc; p++) {
        __builtin_prefetch(pf + p * 64, 0, FS_PF_LOCALITY);
        fs_link(rows, nq, acc, a, a_rs, p, panel);
    }
    for (; p < kc; p++)
        fs_link(rows, nq, acc, a, a_rs, p, panel);
}

/* fs_chain_pf with a second stream: link p also prefetches dst[p] for
 * p < ndst (fit: the tile's own destination lines, see fs_dst). */
static FS_INLINE void fs_chain_pf2(int rows, int nq, VF acc[FS_MAX_ROWS][FS_MAX_Q],
                                   const float *a, size_t a_rs, size_t kc, const float *panel,
                                   const char *pf, size_t npf, const char *const *dst,
                                   size_t ndst)
{
    size_t p = 0;
    for (; p < ndst && p < kc; p++) {
        if (p < npf)
            __builtin_prefetch(pf + p * 64, 0, FS_PF_LOCALITY);
        __builtin_prefetch(dst[p], 0, FS_PF_LOCALITY);
        fs_link(rows, nq, acc, a, a_rs, p, panel);
    }
    for (; p < npf && p < kc; p++) {
        __builtin_prefetch(pf + p * 64, 0, FS_PF_LOCALITY);
        fs_link(rows, nq, acc, a, a_rs, p, panel);
    }
    for (; p < kc; p++)
        fs_link(rows, nq, acc, a, a_rs, p, panel);
}

/* In fit the step's caches (LSTM gates, c, act(c), h; GRU z, h U + b_rec,
 * h) go to lines last touched a whole training step earlier (L3): each
 * store is a read for ownership, and a tile's run of them filled the store
 * buffer. The tile's first k pass prefetches them (towards L2, one line
 * per link; a prefetch changes no value): FS_DST_LINES lines a row. */
#define FS_DST_LINES 8
/* LSTM and GRU (fs_lstm_tile, fs_gru_tile), from 128 units: paired fit
 * steps (batch 64, 50 steps) H = 128 0.90-0.93, H = 64 1.01-1.02 (no gain
 * there, the prefetches' cost), seed shape H = 50 1.02-1.06. */
#define FS_DST_MIN_UNITS 128
#define FS_FIT_DST(gates, u) ((gates) != 1 && (u) >= FS_DST_MIN_UNITS)
typedef struct fs_dst {
    const char *line[FS_MAX_ROWS * FS_DST_LINES];
    size_t n;
} fs_dst;

static FS_INLINE void fs_lstm_dst(const rl_fused_step *s, size_t r0, int rows, size_t j0,
                                  fs_dst *d)
{
    const size_t u = s->u;
    size_t n = 0;
    for (int i = 0; i < rows; i++) {
        const size_t row = r0 + (size_t)i, o = row * u + j0;
        for (int q = 0; q < 4; q++)
            d->line[n++] = (const char *)(s->z + row * 4 * u + (size_t)q * u + j0);
        d->line[n++] = (const char *)(s->c + o);
        d->line[n++] = (const char *)(s->ac + o);
        d->line[n++] = (const char *)(s->h + o);
        d->line[n++] = (const char *)(s->c_prev + o);   /* read by the epilogue only */
    }
    d->n = n;
}

static FS_INLINE void fs_gru_dst(const rl_fused_step *s, size_t r0, int rows, size_t j0,
                                 fs_dst *d)
{
    const size_t u = s->u;
    size_t n = 0;
    for (int i = 0; i < rows; i++) {
        const size_t row = r0 + (size_t)i;
        for (int q = 0; q < 3; q++) {
            d->line[n++] = (const char *)(s->rec + row * 3 * u + (size_t)q * u + j0);
            d->line[n++] = (const char *)(s->z + row * 3 * u + (size_t)q * u + j0);
        }
        d->line[n++] = (const char *)(s->h + row * u + j0);
    }
    d->n = n;
}

static FS_INLINE void fs_chain(int rows, int nq, VF acc[FS_MAX_ROWS][FS_MAX_Q], const float *a,
                               size_t a_rs, size_t kc, const float *panel)
{
    for (size_t p = 0; p < kc; p++)
        fs_link(rows, nq, acc, a, a_rs, p, panel);
}

/* Accumulators from a packed bias row (every row alike). */
static FS_INLINE void fs_from_bias(int rows, int nq, VF acc[FS_MAX_ROWS][FS_MAX_Q],
                                   const float *bias_packed)
{
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nq; q++)
            acc[i][q] = V_LOAD(bias_packed + q * V_WIDTH);
}

/* Vector q of a row sits at column col(q) = (q / nv) * u + j0 + (q % nv) * V_WIDTH
 * (gate, then vector within the block). */
static FS_INLINE size_t fs_col(int q, int nv, size_t u, size_t j0)
{
    return (size_t)(q / nv) * u + j0 + (size_t)(q % nv) * V_WIDTH;
}

static FS_INLINE void fs_load_rows(int rows, int nq, int nv, VF acc[FS_MAX_ROWS][FS_MAX_Q],
                                   const float *m, size_t ld, size_t u, size_t j0)
{
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nq; q++) {
            const size_t j = j0 + (size_t)(q % nv) * V_WIDTH;
            acc[i][q] = fs_load(m + (size_t)i * ld + fs_col(q, nv, u, j0), fs_lanes(u, j));
        }
}

static FS_INLINE void fs_store_rows(int rows, int nq, int nv, VF acc[FS_MAX_ROWS][FS_MAX_Q],
                                    float *m, size_t ld, size_t u, size_t j0)
{
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nq; q++) {
            const size_t j = j0 + (size_t)(q % nv) * V_WIDTH;
            fs_store(m + (size_t)i * ld + fs_col(q, nv, u, j0), acc[i][q], fs_lanes(u, j));
        }
}

/* One pass of a tile over k rows [p0, p0 + kc) of h U: the accumulators
 * start from z (or, first pass with the input folded in, from bias + x W;
 * GRU: from b_rec) or from the chain a previous pass stored, and end stored
 * for the next pass, or in the cell's epilogue after the last one. */
typedef struct fs_pass {
    size_t p0, kc;      /* k rows of this pass */
    int first, last;    /* first / last pass over k */
    const char *pf;     /* cache lines this tile prefetches: the next pass's */
    size_t npf;         /* packed U, a share per row tile (see FS_ROW_TILES) */
    float *ch;          /* the tile's chains between passes (s->chain), or NULL */
    int dst;            /* fit, first pass: prefetch the tile's caches (fs_dst) */
} fs_pass;

/* A pass's links over h_prev's k rows [p0, p0 + kc) and U's panel (nq
 * gates), prefetching the next pass's panel share and, when d is not NULL,
 * the tile's own cache lines (fit, first pass): the LSTM and GRU tiles'. */
static FS_INLINE void fs_rec_links(const rl_fused_step *s, size_t r0, int rows, int nq,
                                   VF acc[FS_MAX_ROWS][FS_MAX_Q], const float *u_pan, fs_pass ps,
                                   const fs_dst *d)
{
    const float *h = s->h_prev + r0 * s->u + ps.p0, *panel = u_pan + ps.p0 * (size_t)nq * V_WIDTH;
    if (d)
        fs_chain_pf2(rows, nq, acc, h, s->u, ps.kc, panel, ps.pf, ps.npf, d->line, d->n);
    else
        fs_chain_pf(rows, nq, acc, h, s->u, ps.kc, panel, ps.pf, ps.npf);
}

/* A tile's chains between k passes in the compact chain area: row i's nq
 * vectors side by side at ch + i nq V_WIDTH (see rl_fused_step.chain). */
static FS_INLINE void fs_load_chain(int rows, int nq, VF acc[FS_MAX_ROWS][FS_MAX_Q],
                                    const float *ch)
{
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nq; q++)
            acc[i][q] = V_LOAD(ch + ((size_t)i * (size_t)nq + (size_t)q) * V_WIDTH);
}

static FS_INLINE void fs_store_chain(int rows, int nq, VF acc[FS_MAX_ROWS][FS_MAX_Q], float *ch)
{
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nq; q++)
            V_STORE(ch + ((size_t)i * (size_t)nq + (size_t)q) * V_WIDTH, acc[i][q]);
}

/* Floats between the rows of x_t: the caller's samples [batch][T][in] are
 * read in place (x_ld = T in), a gathered step [batch][in] has in. */
static FS_INLINE size_t fs_x_ld(const rl_fused_step *s)
{
    return s->x_ld ? s->x_ld : s->in;
}

/* ---- LSTM ---------------------------------------------------------------- */

/* The epilogues run with act and ract as constants for Keras' default
 * pair (tanh = 2, sigmoid = 3) and for relu (1) with sigmoid, so the
 * activations' switches fold away; any other pair takes the same code with
 * the switches. */
#define FS_WITH_ACTS(s, call)                                                                  \
    do {                                                                                       \
        if ((s)->act == 2 && (s)->ract == 3) {                                                 \
            const int act = 2, ract = 3;                                                       \
            call;                                                                              \
        } else if ((s)->act == 1 && (s)->ract == 3) {                                          \
            const int act = 1, ract = 3;                                                       \
            call;                                                                              \
        } else {                                                                               \
            const int act = (s)->act, ract = (s)->ract;                                        \
            call;                                                                              \
        }                                                                                      \
    } while (0)

/* cell_math.h's lstm_lanes / gru_lanes (the same loads, pw_lstm_vec /
 * pw_gru_vec, stores) inlined, so the act switches fold here too: the
 * ragged block's cell called them out of line. */
static FS_INLINE void fs_lstm_lanes(float *zb, size_t u, size_t j, size_t n, const float *cp,
                                    float *c, float *ac, float *h, int act, int ract)
{
    VF i_ = fs_load(zb + j, n), f_ = fs_load(zb + u + j, n), g_ = fs_load(zb + 2 * u + j, n);
    VF o_ = fs_load(zb + 3 * u + j, n), c_, a_;
    VF h_ = pw_lstm_vec(&i_, &f_, &g_, &o_, fs_load(cp + j, n), &c_, &a_, act, ract);
    fs_store(zb + j, i_, n);
    fs_store(zb + u + j, f_, n);
    fs_store(zb + 2 * u + j, g_, n);
    fs_store(zb + 3 * u + j, o_, n);
    fs_store(c + j, c_, n);
    fs_store(ac + j, a_, n);
    fs_store(h + j, h_, n);
}

static FS_INLINE void fs_gru_lanes(float *zb, const float *rb, size_t u, size_t j, size_t n,
                                   const float *hp, float *h, int act, int ract)
{
    VF z_ = fs_load(zb + j, n), r_ = fs_load(zb + u + j, n), hh = fs_load(zb + 2 * u + j, n);
    VF h_ = pw_gru_vec(&z_, &r_, &hh, fs_load(rb + j, n), fs_load(rb + u + j, n),
                       fs_load(rb + 2 * u + j, n), fs_load(hp + j, n), act, ract);
    fs_store(zb + j, z_, n);
    fs_store(zb + u + j, r_, n);
    fs_store(zb + 2 * u + j, hh, n);
    fs_store(h + j, h_, n);
}

static FS_INLINE void fs_lstm_cell(const rl_fused_step *s, size_t row, size_t j0,
                                   VF v[FS_MAX_Q], int act, int ract)
{
    const size_t u = s->u, n = fs_lanes(u, j0), o = row * u + j0;
    float *z = s->z + row * 4 * u + j0;
    VF c_, a_;
    VF h_ = pw_lstm_vec(&v[0], &v[1], &v[2], &v[3], fs_load(s->c_prev + o, n), &c_, &a_, act,
                        ract);
    for (int q = 0; q < 4; q++)
        fs_store(z + (size_t)q * u, v[q], n);
    fs_store(s->c + o, c_, n);
    fs_store(s->ac + o, a_, n);
    fs_store(s->h + o, h_, n);
}

/* The order of the epilogues' loads and stores (fs_lstm_rows, fs_gru_rows;
 * the values and addresses are the same either way, so are the bits). 1:
 * the LSTM stores a row's activated gates (fit) in the first sweep, as
 * soon as they are activated, and the GRU loads a row's x part before it
 * stores the row's h U + b_rec; 0: the gates stored in the second sweep
 * with the row's c, act(c) and h, the x part loaded after. Set per path
 * (pointwise_<isa>.c): on AVX-512 the early order took the seed-shape
 * fit-mode forward to 0.95 (LSTM) and 0.93 (GRU) of the time, on AVX2 it
 * made both 1.03x slower. */
#ifndef FS_EPILOGUE_EARLY
#define FS_EPILOGUE_EARLY 0
#endif

/* The cell over a tile's rows in two sweeps: every row's gate activations
 * (4 rows x 4 independent chains), then every row's c, act(c), h. Row by
 * row, each row's act(c) chain waited on its gates with little else in the
 * out-of-order window (the cell ran at about half its port throughput);
 * the operations on each element are those of pw_lstm_vec. */
static FS_INLINE void fs_lstm_rows(const rl_fused_step *s, size_t r0, int rows, size_t j0,
                                   VF v[FS_MAX_ROWS][FS_MAX_Q], int act, int ract)
{
    const size_t u = s->u, n = fs_lanes(u, j0);
    for (int i = 0; i < rows; i++) {
        pw_lstm_gates_vec(&v[i][0], &v[i][1], &v[i][2], &v[i][3], act, ract);
        if (FS_EPILOGUE_EARLY && !s->no_caches) {
            float *z = s->z + (r0 + (size_t)i) * 4 * u + j0;
            for (int q = 0; q < 4; q++)
                fs_store(z + (size_t)q * u, v[i][q], n);
        }
    }
    for (int i = 0; i < rows; i++) {
        const size_t row = r0 + (size_t)i, o = row * u + j0;
        float *z = s->z + row * 4 * u + j0;
        VF c_, a_;
        VF h_ = pw_lstm_out_vec(v[i][0], v[i][1], v[i][2], v[i][3], fs_load(s->c_prev + o, n),
                                &c_, &a_, act);
        if (!s->no_caches) {
            if (!FS_EPILOGUE_EARLY)
                for (int q = 0; q < 4; q++)
                    fs_store(z + (size_t)q * u, v[i][q], n);
            fs_store(s->ac + o, a_, n);
        }
        fs_store(s->c + o, c_, n);
        fs_store(s->h + o, h_, n);
    }
}

static __attribute__((noinline)) void fs_lstm_epilogue(const rl_fused_step *s, size_t r0,
                                                       int rows, size_t j0,
                                                       VF v[FS_MAX_ROWS][FS_MAX_Q])
{
    FS_WITH_ACTS(s, fs_lstm_rows(s, r0, rows, j0, v, act, ract));
}

static FS_NOCLONE void fs_lstm_ragged(const rl_fused_step *s, size_t r0, int rows,
                                                     size_t j0, VF v[FS_MAX_ROWS][FS_MAX_Q])
{
    const size_t u = s->u, n = u - j0, m = (size_t)rows * n, o = r0 * u + j0;
#ifdef FS_ROW_LANES
    if (m <= V_WIDTH && 4 * n <= V_WIDTH) {   /* all in one vector, in registers */
        float *zr = s->z + r0 * 4 * u + j0;
        VF gq[4];
        FS_LANES_UNPACK4(v, gq, rows, n);
        VF i_ = gq[0], f_ = gq[1], g_ = gq[2], o_ = gq[3];
        VF cp_ = FS_LANES_GATHER(s->c_prev + o, u, rows, n), c_, a_, h_;
        FS_WITH_ACTS(s, h_ = pw_lstm_vec(&i_, &f_, &g_, &o_, cp_, &c_, &a_, act, ract));
        FS_LANES_SCATTER(zr, 4 * u, i_, rows, n);
        FS_LANES_SCATTER(zr + u, 4 * u, f_, rows, n);
        FS_LANES_SCATTER(zr + 2 * u, 4 * u, g_, rows, n);
        FS_LANES_SCATTER(zr + 3 * u, 4 * u, o_, rows, n);
        FS_LANES_SCATTER(s->c + o, u, c_, rows, n);
        FS_LANES_SCATTER(s->ac + o, u, a_, rows, n);
        FS_LANES_SCATTER(s->h + o, u, h_, rows, n);
        return;
    }
#endif
    float z[4 * FS_PACKED], cp[FS_PACKED], c[FS_PACKED], ac[FS_PACKED], h[FS_PACKED];
    fs_unpack_compact(z, v, rows, 4, n);
    fs_gather(cp, s->c_prev + o, u, rows, n);
    FS_WITH_ACTS(s, for (size_t j = 0; j < m; j += V_WIDTH)
                        fs_lstm_lanes(z, m, j, m - j < V_WIDTH ? m - j : V_WIDTH, cp, c, ac, h,
                                      act, ract));
    for (int q = 0; q < 4; q++)
        fs_scatter(s->z + r0 * 4 * u + (size_t)q * u + j0, 4 * u, z + (size_t)q * m, rows, n);
    fs_scatter(s->c + o, u, c, rows, n);
    fs_scatter(s->ac + o, u, ac, rows, n);
    fs_scatter(s->h + o, u, h, rows, n);
}

/* The ragged last block on its compact vectors (nq of them a row). */
static FS_INLINE void fs_lstm_ragged_tile(int rows, int nq, const rl_fused_step *s, size_t r0,
                                          size_t j0, const float *u_pan, const float *w_pan,
                                          const float *b_pan, fs_pass ps)
{
    const size_t u = s->u, g = 4 * u;
    float *z = s->z + r0 * g;
    VF acc[FS_MAX_ROWS][FS_MAX_Q];
    if (ps.first && s->x) {
        fs_from_bias(rows, nq, acc, b_pan);
        fs_chain(rows, nq, acc, s->x + r0 * fs_x_ld(s), fs_x_ld(s), s->in, w_pan);
    } else {
        fs_load_compact(rows, nq, 4, acc, z, g, u, j0);
    }
    if (ps.kc)
        fs_chain(rows, nq, acc, s->h_prev + r0 * u + ps.p0, u, ps.kc,
                 u_pan + ps.p0 * (size_t)nq * V_WIDTH);
    if (!ps.last) {
        fs_store_compact(rows, nq, 4, acc, z, g, u, j0);
        return;
    }
    VF out[FS_MAX_ROWS][FS_MAX_Q];   /* a copy: acc's address must not escape the k loop */
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nq; q++)
            out[i][q] = acc[i][q];
    fs_lstm_ragged(s, r0, rows, j0, out);
}

static FS_INLINE void fs_lstm_tile(int rows, const rl_fused_step *s, size_t r0, size_t j0,
                                   const float *u_pan, const float *w_pan, const float *b_pan,
                                   fs_pass ps)
{
    const size_t u = s->u, g = 4 * u;
    float *z = s->z + r0 * g;
    VF acc[FS_MAX_ROWS][FS_MAX_Q];
    if (ps.first && s->x) {
        fs_from_bias(rows, 4, acc, b_pan);
        fs_chain(rows, 4, acc, s->x + r0 * fs_x_ld(s), fs_x_ld(s), s->in, w_pan);
    } else if (!ps.first && ps.ch) {
        fs_load_chain(rows, 4, acc, ps.ch);
    } else {
        fs_load_rows(rows, 4, 1, acc, z, g, u, j0);
    }
    if (ps.kc) {
        fs_dst d;
        if (ps.dst)
            fs_lstm_dst(s, r0, rows, j0, &d);
        fs_rec_links(s, r0, rows, 4, acc, u_pan, ps, ps.dst ? &d : NULL);
    }
    if (!ps.last) {
        if (ps.ch)
            fs_store_chain(rows, 4, acc, ps.ch);
        else
            fs_store_rows(rows, 4, 1, acc, z, g, u, j0);
        return;
    }
    VF out[FS_MAX_ROWS][FS_MAX_Q];
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < 4; q++)
            out[i][q] = acc[i][q];
    fs_lstm_epilogue(s, r0, rows, j0, out);
}

/* ---- GRU (reset_after) --------------------------------------------------- */

static FS_INLINE void fs_gru_cell(const rl_fused_step *s, size_t row, size_t j0, VF v[FS_MAX_Q],
                                  int act, int ract)
{
    const size_t u = s->u, n = fs_lanes(u, j0), o = row * u + j0;
    float *z = s->z + row * 3 * u + j0, *rec = s->rec + row * 3 * u + j0;
    for (int q = 0; q < 3; q++)
        fs_store(rec + (size_t)q * u, v[q], n);
    VF z_ = fs_load(z, n), r_ = fs_load(z + u, n), hh = fs_load(z + 2 * u, n);
    VF h_ = pw_gru_vec(&z_, &r_, &hh, v[0], v[1], v[2], fs_load(s->h_prev + o, n), act, ract);
    fs_store(z, z_, n);
    fs_store(z + u, r_, n);
    fs_store(z + 2 * u, hh, n);
    fs_store(s->h + o, h_, n);
}

/* fs_gru_cell over a tile's rows in two sweeps (as fs_lstm_rows): every
 * row's z, r, then every row's h~ and h; the same operations per element.
 * With FS_EPILOGUE_EARLY a row's x part (z, r, h~ thirds: b_in + x W,
 * stored by the tile before its product) is loaded before the row's h U +
 * b_rec is stored (fit), else after (z, r) and in the second sweep (h~).
 * The x part is in z, or with xb not NULL (a block's only k pass) in the
 * tile's own buffer, row i's three vectors at xb + 3 i V_WIDTH: in L1,
 * where z's rows (3 u floats apart, 24 lines a tile) were stored and read
 * back from L2 (GRU forward H = 64-128 0.96-0.98 of the time). */
static FS_INLINE void fs_gru_rows(const rl_fused_step *s, size_t r0, int rows, size_t j0,
                                  VF v[FS_MAX_ROWS][FS_MAX_Q], const float *xb, int act,
                                  int ract)
{
    const size_t u = s->u, n = fs_lanes(u, j0);
    VF zr[FS_MAX_ROWS][3];   /* z, r (activated in the first sweep); h~'s x part */
    for (int i = 0; i < rows; i++) {
        const size_t row = r0 + (size_t)i;
        float *z = s->z + row * 3 * u + j0, *rec = s->rec + row * 3 * u + j0;
        const float *xz = xb ? xb + (size_t)i * 3 * V_WIDTH : z;
        const size_t xq = xb ? V_WIDTH : u;
        if (FS_EPILOGUE_EARLY)
            for (int q = 0; q < 3; q++)
                zr[i][q] = fs_load(xz + (size_t)q * xq, n);
        if (!s->no_caches)
            for (int q = 0; q < 3; q++)
                fs_store(rec + (size_t)q * u, v[i][q], n);
        if (!FS_EPILOGUE_EARLY) {
            zr[i][0] = fs_load(xz, n);
            zr[i][1] = fs_load(xz + xq, n);
        }
        pw_gru_gates_vec(&zr[i][0], &zr[i][1], v[i][0], v[i][1], ract);
    }
    for (int i = 0; i < rows; i++) {
        const size_t row = r0 + (size_t)i, o = row * u + j0;
        float *z = s->z + row * 3 * u + j0;
        VF hh = FS_EPILOGUE_EARLY ? zr[i][2]
                : fs_load(xb ? xb + ((size_t)i * 3 + 2) * V_WIDTH : z + 2 * u, n);
        VF h_ = pw_gru_out_vec(zr[i][0], zr[i][1], &hh, v[i][2], fs_load(s->h_prev + o, n), act);
        if (!s->no_caches) {
            fs_store(z, zr[i][0], n);
            fs_store(z + u, zr[i][1], n);
            fs_store(z + 2 * u, hh, n);
        }
        fs_store(s->h + o, h_, n);
    }
}

static __attribute__((noinline)) void fs_gru_epilogue(const rl_fused_step *s, size_t r0,
                                                      int rows, size_t j0,
                                                      VF v[FS_MAX_ROWS][FS_MAX_Q],
                                                      const float *xb)
{
    FS_WITH_ACTS(s, fs_gru_rows(s, r0, rows, j0, v, xb, act, ract));
}

/* Whether the GRU's ragged rows fit one vector (FS_ROW_LANES paths). */
static FS_INLINE int fs_gru_one_vector(int rows, size_t n)
{
#ifdef FS_ROW_LANES
    return (size_t)rows * n <= V_WIDTH && 3 * n <= V_WIDTH;
#else
    (void)rows, (void)n;
    return 0;
#endif
}

/* xv: the x part's compact vectors when the tile kept them in registers
 * (one k pass, one vector: fs_gru_one_vector), else NULL and the x part is
 * in z. */
static FS_NOCLONE void fs_gru_ragged(const rl_fused_step *s, size_t r0, int rows,
                                                    size_t j0, VF v[FS_MAX_ROWS][FS_MAX_Q],
                                                    VF xv[FS_MAX_ROWS][FS_MAX_Q])
{
    const size_t u = s->u, g = 3 * u, n = u - j0, m = (size_t)rows * n, o = r0 * u + j0;
#ifdef FS_ROW_LANES
    if (fs_gru_one_vector(rows, n)) {   /* all in one vector, in registers */
        float *zr = s->z + r0 * g + j0, *rr = s->rec + r0 * g + j0;
        VF gq[4];
        FS_LANES_UNPACK4(v, gq, rows, n);
        VF rz = gq[0], rr_ = gq[1], rh = gq[2];
        FS_LANES_SCATTER(rr, g, rz, rows, n);
        FS_LANES_SCATTER(rr + u, g, rr_, rows, n);
        FS_LANES_SCATTER(rr + 2 * u, g, rh, rows, n);
        VF z_, r_, hh;
        if (xv) {
            VF xq[4];
            FS_LANES_UNPACK4(xv, xq, rows, n);
            z_ = xq[0];
            r_ = xq[1];
            hh = xq[2];
        } else {
            z_ = FS_LANES_GATHER(zr, g, rows, n);
            r_ = FS_LANES_GATHER(zr + u, g, rows, n);
            hh = FS_LANES_GATHER(zr + 2 * u, g, rows, n);
        }
        VF hp_ = FS_LANES_GATHER(s->h_prev + o, u, rows, n), h_;
        FS_WITH_ACTS(s, h_ = pw_gru_vec(&z_, &r_, &hh, rz, rr_, rh, hp_, act, ract));
        FS_LANES_SCATTER(zr, g, z_, rows, n);
        FS_LANES_SCATTER(zr + u, g, r_, rows, n);
        FS_LANES_SCATTER(zr + 2 * u, g, hh, rows, n);
        FS_LANES_SCATTER(s->h + o, u, h_, rows, n);
        return;
    }
#else
    (void)xv;   /* only the one-vector path above takes it */
#endif
    float z[3 * FS_PACKED], rec[3 * FS_PACKED], hp[FS_PACKED], h[FS_PACKED];
    fs_unpack_compact(rec, v, rows, 3, n);
    for (int q = 0; q < 3; q++) {
        fs_scatter(s->rec + r0 * g + (size_t)q * u + j0, g, rec + (size_t)q * m, rows, n);
        fs_gather(z + (size_t)q * m, s->z + r0 * g + (size_t)q * u + j0, g, rows, n);
    }
    fs_gather(hp, s->h_prev + o, u, rows, n);
    FS_WITH_ACTS(s, for (size_t j = 0; j < m; j += V_WIDTH)
                        fs_gru_lanes(z, rec, m, j, m - j < V_WIDTH ? m - j : V_WIDTH, hp, h, act,
                                  ract));
    for (int q = 0; q < 3; q++)
        fs_scatter(s->z + r0 * g + (size_t)q * u + j0, g, z + (size_t)q * m, rows, n);
    fs_scatter(s->h + o, u, h, rows, n);
}

/* The ragged last block on its compact vectors (nq of them a row). */
static FS_INLINE void fs_gru_ragged_tile(int rows, int nq, const rl_fused_step *s, size_t r0,
                                         size_t j0, const float *u_pan, const float *w_pan,
                                         const float *b_pan, fs_pass ps)
{
    const size_t u = s->u, g = 3 * u;
    float *rec = s->rec + r0 * g;
    VF acc[FS_MAX_ROWS][FS_MAX_Q], xacc[FS_MAX_ROWS][FS_MAX_Q];
    /* One pass, one vector: the x part stays in registers for the cell
     * (stored to z and gathered back, it stalled on store forwarding). */
    const int keep_x = ps.first && ps.last && s->x && fs_gru_one_vector(rows, u - j0);
    if (ps.first && s->x) {   /* the x part: b_in + x W, to z */
        fs_from_bias(rows, nq, acc, b_pan);
        fs_chain(rows, nq, acc, s->x + r0 * fs_x_ld(s), fs_x_ld(s), s->in, w_pan);
        if (keep_x)
            for (int i = 0; i < rows; i++)
                for (int q = 0; q < nq; q++)
                    xacc[i][q] = acc[i][q];
        else
            fs_store_compact(rows, nq, 3, acc, s->z + r0 * g, g, u, j0);
    }
    if (ps.first)
        fs_from_bias(rows, nq, acc, s->rec_bias_packed + j0 / V_WIDTH * 3 * V_WIDTH);
    else
        fs_load_compact(rows, nq, 3, acc, rec, g, u, j0);
    if (ps.kc)
        fs_chain(rows, nq, acc, s->h_prev + r0 * u + ps.p0, u, ps.kc,
                 u_pan + ps.p0 * (size_t)nq * V_WIDTH);
    if (!ps.last) {
        fs_store_compact(rows, nq, 3, acc, rec, g, u, j0);
        return;
    }
    /* copies: acc's and xacc's addresses must not escape the k loop */
    VF out[FS_MAX_ROWS][FS_MAX_Q], xout[FS_MAX_ROWS][FS_MAX_Q];
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nq; q++) {
            out[i][q] = acc[i][q];
            xout[i][q] = keep_x ? xacc[i][q] : acc[i][q];
        }
    fs_gru_ragged(s, r0, rows, j0, out, keep_x ? xout : NULL);
}

static FS_INLINE void fs_gru_tile(int rows, const rl_fused_step *s, size_t r0, size_t j0,
                                  const float *u_pan, const float *w_pan, const float *b_pan,
                                  fs_pass ps)
{
    const size_t u = s->u, g = 3 * u;
    float *rec = s->rec + r0 * g;
    VF acc[FS_MAX_ROWS][FS_MAX_Q];
    float xb[FS_MAX_ROWS * 3 * V_WIDTH];   /* one pass: the x part (fs_gru_rows) */
    const int x_here = ps.first && ps.last && s->x;
    if (ps.first && s->x) {   /* the x part: b_in + x W, to z (one pass: to xb) */
        fs_from_bias(rows, 3, acc, b_pan);
        fs_chain(rows, 3, acc, s->x + r0 * fs_x_ld(s), fs_x_ld(s), s->in, w_pan);
        if (x_here)
            for (int i = 0; i < rows; i++)
                for (int q = 0; q < 3; q++)
                    V_STORE(xb + ((size_t)i * 3 + (size_t)q) * V_WIDTH, acc[i][q]);
        else
            fs_store_rows(rows, 3, 1, acc, s->z + r0 * g, g, u, j0);
    }
    if (ps.first)
        fs_from_bias(rows, 3, acc, s->rec_bias_packed + j0 / V_WIDTH * 3 * V_WIDTH);
    else if (ps.ch)
        fs_load_chain(rows, 3, acc, ps.ch);
    else
        fs_load_rows(rows, 3, 1, acc, rec, g, u, j0);
    if (ps.kc) {
        fs_dst d;
        if (ps.dst)
            fs_gru_dst(s, r0, rows, j0, &d);
        fs_rec_links(s, r0, rows, 3, acc, u_pan, ps, ps.dst ? &d : NULL);
    }
    if (!ps.last) {
        if (ps.ch)
            fs_store_chain(rows, 3, acc, ps.ch);
        else
            fs_store_rows(rows, 3, 1, acc, rec, g, u, j0);
        return;
    }
    VF out[FS_MAX_ROWS][FS_MAX_Q];
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < 3; q++)
            out[i][q] = acc[i][q];
    fs_gru_epilogue(s, r0, rows, j0, out, x_here ? xb : NULL);
}

/* ---- SimpleRNN ----------------------------------------------------------- */

/* The last block: full vectors as they are, the ragged one packed. */
static __attribute__((noinline)) void fs_rnn_ragged(const rl_fused_step *s, size_t r0, int rows,
                                                    size_t j0, VF v[FS_MAX_ROWS][FS_MAX_Q])
{
    const size_t u = s->u;
    float *h = s->h + r0 * u;
    for (int q = 0; q < FS_VECS_RNN; q++) {
        const size_t j = j0 + (size_t)q * V_WIDTH, n = fs_lanes(u, j);
        if (n == V_WIDTH) {
            for (int i = 0; i < rows; i++)
                V_STORE(h + (size_t)i * u + j, pw_act(s->act, v[i][q]));
        } else if (n) {
            float a[FS_PACKED];
            fs_pack_lanes(a, v, q, rows, n);
            PW_NAME(activate)(s->act, a, a, (size_t)rows * n);
            fs_scatter(h + j, u, a, rows, n);
        }
    }
}

static FS_INLINE void fs_act_all(int rows, int nv, VF acc[FS_MAX_ROWS][FS_MAX_Q], int act)
{
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nv; q++)
            acc[i][q] = pw_act(act, acc[i][q]);
}

static FS_INLINE void fs_rnn_tile(int rows, const rl_fused_step *s, size_t r0, size_t j0,
                                  const float *u_pan, const float *w_pan, const float *b_pan,
                                  fs_pass ps)
{
    const int nv = FS_VECS_RNN;
    const size_t u = s->u;
    float *z = s->z + r0 * u;
    VF acc[FS_MAX_ROWS][FS_MAX_Q];
    if (ps.first && s->x) {
        fs_from_bias(rows, nv, acc, b_pan);
        fs_chain(rows, nv, acc, s->x + r0 * fs_x_ld(s), fs_x_ld(s), s->in, w_pan);
    } else if (!ps.first && ps.ch) {
        fs_load_chain(rows, nv, acc, ps.ch);
    } else {
        fs_load_rows(rows, nv, nv, acc, z, u, u, j0);
    }
    if (ps.kc)
        fs_chain_pf(rows, nv, acc, s->h_prev + r0 * u + ps.p0, u, ps.kc,
                    u_pan + ps.p0 * (size_t)nv * V_WIDTH, ps.pf, ps.npf);
    if (!ps.last) {
        if (ps.ch)
            fs_store_chain(rows, nv, acc, ps.ch);
        else
            fs_store_rows(rows, nv, nv, acc, z, u, u, j0);
        return;
    }
    if (fs_lanes(u, j0 + (size_t)(nv - 1) * V_WIDTH) == V_WIDTH) {   /* a full block */
        if (s->act == 2)   /* tanh and relu with the switch folded away */
            fs_act_all(rows, nv, acc, 2);
        else if (s->act == 1)
            fs_act_all(rows, nv, acc, 1);
        else
            fs_act_all(rows, nv, acc, s->act);
        fs_store_rows(rows, nv, nv, acc, s->h + r0 * u, u, u, j0);
        return;
    }
    VF out[FS_MAX_ROWS][FS_MAX_Q];
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < nv; q++)
            out[i][q] = acc[i][q];
    fs_rnn_ragged(s, r0, rows, j0, out);
}

/* A block's only k pass with the input folded in (LSTM and GRU to H = 128,
 * SimpleRNN to 256 on AVX-512; predict, or fit below FS_DST_MIN_UNITS):
 * the tile with first, last, no prefetch and x known, so the pass's run-time
 * branches and the accumulators' moves between them fold away (the same
 * fmas in the same order: only control flow). With the flags at run time
 * about a sixth of the step's time went outside the k loop, most of it
 * the accumulators stored to the stack and reloaded between the x W loop,
 * the h U loops and the epilogue. */
#define FS_TILE_ONE_PASS(tile_fn)                                                              \
    static FS_INLINE void tile_fn##_one(int rows, const rl_fused_step *s, size_t r0,          \
                                        size_t j0, const float *u_pan, const float *w_pan,     \
                                        const float *b_pan, fs_pass ps)                        \
    {                                                                                          \
        if (!s->x)                                                                             \
            __builtin_unreachable();   /* FS_STEP_BODY checked it */                           \
        ps.p0 = 0;                                                                             \
        ps.first = 1;                                                                          \
        ps.last = 1;                                                                           \
        ps.pf = NULL;                                                                          \
        ps.npf = 0;                                                                            \
        ps.dst = 0;                                                                            \
        tile_fn(rows, s, r0, j0, u_pan, w_pan, b_pan, ps);                                     \
    }
FS_TILE_ONE_PASS(fs_lstm_tile)
FS_TILE_ONE_PASS(fs_gru_tile)
FS_TILE_ONE_PASS(fs_rnn_tile)

/* ---- the steps: blocks of units, k passes, row tiles --------------------- */

/* Every row tile of the batch over one block of units: rows in tiles of
 * `full` (a constant), the rest in one smaller tile. The pass's next panel
 * of packed U (pf_next, pf_lines cache lines; the whole U of the blocks is
 * one contiguous stream) is prefetched while this one is computed: row tile
 * t takes lines [t kc, t kc + kc), one per link, so the first tiles fetch
 * the panel's start, farthest ahead of its use. On a block's last pass with
 * the input folded in, the first pfw_tiles row tiles fetch the next block's
 * W panel (pfw_next, pfw_lines) first, and the next ones U. */
#define FS_ROW_TILES(tile_fn, full)                                                            \
    do {                                                                                       \
        size_t r0 = 0;                                                                         \
        fs_pass ps = pass;                                                                     \
        for (; r0 + (full) <= s->batch; r0 += (full)) {                                        \
            const size_t t0 = r0 / (full) * pass.kc;                                           \
            if (t0 < pfw_lines) {                                                              \
                ps.npf = pfw_lines - t0;                                                       \
                ps.pf = (const char *)pfw_next + t0 * 64;                                      \
            } else {                                                                           \
                const size_t tu = t0 - pfw_tiles * pass.kc;                                    \
                ps.npf = pf_lines > tu ? pf_lines - tu : 0;                                    \
                ps.pf = (const char *)pf_next + (ps.npf ? tu * 64 : 0);                        \
            }                                                                                  \
            ps.ch = pass.ch ? pass.ch + r0 * FS_MAX_Q * V_WIDTH : NULL;                       \
            tile_fn((full), s, r0, j0, u_pan, w_pan, b_pan, ps);                               \
        }                                                                                      \
        ps.npf = 0;                                                                            \
        ps.ch = pass.ch ? pass.ch + r0 * FS_MAX_Q * V_WIDTH : NULL;                           \
        switch (s->batch - r0) {                                                               \
        case 1: if (1 < (full)) tile_fn(1, s, r0, j0, u_pan, w_pan, b_pan, ps); break;        \
        case 2: if (2 < (full)) tile_fn(2, s, r0, j0, u_pan, w_pan, b_pan, ps); break;        \
        case 3: if (3 < (full)) tile_fn(3, s, r0, j0, u_pan, w_pan, b_pan, ps); break;        \
        case 4: if (4 < (full)) tile_fn(4, s, r0, j0, u_pan, w_pan, b_pan, ps); break;        \
        case 5: if (5 < (full)) tile_fn(5, s, r0, j0, u_pan, w_pan, b_pan, ps); break;        \
        case 6: if (6 < (full)) tile_fn(6, s, r0, j0, u_pan, w_pan, b_pan, ps); break;        \
        case 7: if (7 < (full)) tile_fn(7, s, r0, j0, u_pan, w_pan, b_pan, ps); break;        \
        default: break;                                                                        \
        }                                                                                      \
    } while (0)

/* ---- the ragged last block of LSTM and GRU --------------------------------- */

/* Its own row tiles and k passes on the compact panel (fs_ragged_q vectors
 * a row): as many rows per tile as the register budget of the full tiles
 * allows (FS_MAX_ROWS when the vectors are few), so the product keeps
 * enough chains in flight and the cell's rows x n lanes fill whole vectors
 * (H = 50 on AVX-512: 8 rows x 2 units, one vector). */
#define FS_RAGGED_ACCS (FS_ROWS_LSTM * 4)
#define FS_RAGGED_ROWS(nq) \
    (FS_RAGGED_ACCS / (nq) < FS_MAX_ROWS ? FS_RAGGED_ACCS / (nq) : FS_MAX_ROWS)

#define FS_RAGGED_TILE_NQ(name, tile, nq)                                                      \
    static FS_INLINE void name(int rows, const rl_fused_step *s, size_t r0, size_t j0,         \
                               const float *u_pan, const float *w_pan, const float *b_pan,     \
                               fs_pass ps)                                                     \
    {                                                                                          \
        tile(rows, nq, s, r0, j0, u_pan, w_pan, b_pan, ps);                                    \
    }
FS_RAGGED_TILE_NQ(fs_lstm_rt1, fs_lstm_ragged_tile, 1)
FS_RAGGED_TILE_NQ(fs_lstm_rt2, fs_lstm_ragged_tile, 2)
FS_RAGGED_TILE_NQ(fs_lstm_rt3, fs_lstm_ragged_tile, 3)
FS_RAGGED_TILE_NQ(fs_lstm_rt4, fs_lstm_ragged_tile, 4)
FS_RAGGED_TILE_NQ(fs_gru_rt1, fs_gru_ragged_tile, 1)
FS_RAGGED_TILE_NQ(fs_gru_rt2, fs_gru_ragged_tile, 2)
FS_RAGGED_TILE_NQ(fs_gru_rt3, fs_gru_ragged_tile, 3)

/* The k passes over every row tile of the block at j0 (u - j0 < V_WIDTH). */
#define FS_RAGGED_PASSES(tile_fn, nq)                                                          \
    do {                                                                                       \
        const size_t panel_ = s->pass_floats ? s->pass_floats : FS_PANEL_FLOATS;               \
        size_t kb = panel_ / ((size_t)(nq) * V_WIDTH), p0 = 0;                                 \
        if (kb == 0)                                                                           \
            kb = 1;                                                                            \
        do {                                                                                   \
            const size_t kc = k - p0 < kb ? k - p0 : kb;                                       \
            const fs_pass pass = { p0, kc, p0 == 0, p0 + kc >= k, NULL, 0, NULL, 0 };             \
            const float *pf_next = u_pan; /* the last block: nothing of U after it */          \
            const size_t pf_lines = 0, pfw_lines = 0, pfw_tiles = 0;                           \
            const float *pfw_next = u_pan;                                                     \
            FS_ROW_TILES(tile_fn, FS_RAGGED_ROWS(nq));                                         \
            p0 += kc;                                                                          \
        } while (p0 < k);                                                                      \
    } while (0)

static __attribute__((noinline)) void fs_lstm_ragged_block(const rl_fused_step *s, size_t j0,
                                                           const float *u_pan,
                                                           const float *w_pan,
                                                           const float *b_pan)
{
    const size_t k = s->recurrent ? s->u : 0;
    switch (fs_ragged_q(4, s->u - j0)) {
    case 1: FS_RAGGED_PASSES(fs_lstm_rt1, 1); break;
    case 2: FS_RAGGED_PASSES(fs_lstm_rt2, 2); break;
    case 3: FS_RAGGED_PASSES(fs_lstm_rt3, 3); break;
    default: FS_RAGGED_PASSES(fs_lstm_rt4, 4); break;
    }
}

static __attribute__((noinline)) void fs_gru_ragged_block(const rl_fused_step *s, size_t j0,
                                                          const float *u_pan, const float *w_pan,
                                                          const float *b_pan)
{
    const size_t k = s->recurrent ? s->u : 0;
    switch (fs_ragged_q(3, s->u - j0)) {
    case 1: FS_RAGGED_PASSES(fs_gru_rt1, 1); break;
    case 2: FS_RAGGED_PASSES(fs_gru_rt2, 2); break;
    default: FS_RAGGED_PASSES(fs_gru_rt3, 3); break;
    }
}

/* SimpleRNN's last block keeps the general tiles (fs_rnn_ragged). */
static FS_INLINE void fs_rnn_ragged_block(const rl_fused_step *s, size_t j0, const float *u_pan,
                                          const float *w_pan, const float *b_pan)
{
    (void)s, (void)j0, (void)u_pan, (void)w_pan, (void)b_pan;
}

/* Blocks [b0, b1) of a cell with `gates` gates: per block, the k passes
 * over h U (one when there is no recurrent product), each over all rows. */
#define FS_STEP_BODY(gates, tile_fn, ragged_fn, full)                                          \
    do {                                                                                       \
        const size_t bw = FS_NAME(block_units)(gates), u = s->u;                               \
        const size_t row_floats = (size_t)(gates) * bw;                                        \
        const size_t k = s->recurrent ? u : 0;                                                 \
        size_t kb = s->pass_floats ? s->pass_floats / row_floats                               \
                  : k * row_floats <= FS_ONE_PASS_FLOATS ? k : FS_PANEL_FLOATS / row_floats;   \
        if (kb == 0)                                                                           \
            kb = 1;                                                                            \
        const float *u_end = s->u_packed + (k ? b1 : b0) * u * row_floats;                    \
        /* one chain area for all the blocks of this call (see rl_fused_step.chain) */        \
        float *const chain = s->chain ? s->chain + b0 * s->batch * FS_MAX_Q * V_WIDTH : NULL; \
        for (size_t b = b0; b < b1; b++) {                                                     \
            const size_t j0 = b * bw;                                                          \
            const float *u_pan = s->u_packed + b * u * row_floats;                             \
            const float *w_pan = s->x ? s->w_packed + b * s->in * row_floats : NULL;           \
            const float *b_pan = s->x ? s->bias_packed + b * row_floats : NULL;                \
            if (fs_compact_block(gates, u, j0)) {                                              \
                ragged_fn(s, j0, u_pan, w_pan, b_pan);                                         \
                continue;                                                                      \
            }                                                                                  \
            size_t p0 = 0;                                                                     \
            do {                                                                               \
                const size_t kc = k - p0 < kb ? k - p0 : kb;                                   \
                const fs_pass pass = { p0, kc, p0 == 0, p0 + kc >= k, NULL, 0, chain,          \
                                       p0 == 0 && FS_FIT_DST(gates, u) && !s->no_caches };    \
                const float *pf_next = u_pan + (p0 + kc) * row_floats;                         \
                const size_t pf_left = (size_t)(u_end - pf_next);                              \
                const size_t pf_lines = k <= kb ? 0 /* one pass: U stays in L2 */              \
                    : (pf_left < kb * row_floats ? pf_left : kb * row_floats) / 16;            \
                /* the last pass: the first row tiles fetch the next block's W panel */        \
                const int pfw = s->x && pf_lines && pass.last && b + 1 < b1;                   \
                const float *pfw_next = pfw ? w_pan + s->in * row_floats : u_pan;              \
                const size_t pfw_lines = pfw ? s->in * row_floats / 16 : 0;                    \
                const size_t pfw_tiles = pfw ? (pfw_lines + kc - 1) / kc : 0;                  \
                if (kc && pass.first && pass.last && s->x && !pass.dst && !pf_lines)           \
                    FS_ROW_TILES(tile_fn##_one, full);                                         \
                else                                                                           \
                    FS_ROW_TILES(tile_fn, full);                                               \
                p0 += kc;                                                                      \
            } while (p0 < k);                                                                  \
        }                                                                                      \
    } while (0)

void FS_NAME(lstm_step)(const rl_fused_step *s, size_t b0, size_t b1)
{
    FS_STEP_BODY(4, fs_lstm_tile, fs_lstm_ragged_block, FS_ROWS_LSTM);
}

void FS_NAME(gru_step)(const rl_fused_step *s, size_t b0, size_t b1)
{
    FS_STEP_BODY(3, fs_gru_tile, fs_gru_ragged_block, FS_ROWS_GRU);
}

void FS_NAME(rnn_step)(const rl_fused_step *s, size_t b0, size_t b1)
{
    FS_STEP_BODY(1, fs_rnn_tile, fs_rnn_ragged_block, FS_ROWS_RNN);
}

#endif
