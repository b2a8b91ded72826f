/* The arguments of one fused one-row recurrent step (fused_row.h): the
 * recurrent product of a single row and the cell math in one pass, for a
 * stream step, a one-sample predict and each step of a forecast.
 *
 * Every gate pre-activation is one fma chain, as the unfused path computes
 * it: start, then x W in increasing k, then h U in increasing k (skipped
 * when fresh). The cell then runs cell_math.h's per-element sequence on the
 * chains' values, so the bits equal gemm + cell on every path.
 *
 * The fields are written once, for a scalar type T: float for the kernels
 * (pointwise.h), `real` for the layers (compute.h). */
#ifndef RL_ROW_STEP_H
#define RL_ROW_STEP_H

#include <stddef.h>

#define RL_ROW_STEP_FIELDS(T)                                                                  \
    size_t units;         /* u */                                                            \
    size_t in;            /* rows of kernel that x W continues the chains with; may be 0 */  \
    const T *start;       /* [G u] the chains' starting values (bias, or bias + x W) */      \
    const T *x;           /* [in] */                                                         \
    const T *kernel;      /* W [in][G u] */                                                  \
    const T *rec;         /* U [u][G u], row k at rec + k ld_rec */                          \
    size_t ld_rec;        /* 0: G u (the weights); a packed copy pads rows to whole,        \
                           * aligned vectors (rl_row_rec_ld) */                              \
    const T *h_prev;      /* [u] the state's h */                                            \
    T *h;                 /* [u] h'; must not overlap h_prev (SimpleRNN's chains end in h, \
                           * and each pass of them reads all of h_prev) */                   \
    const T *c_prev;      /* LSTM: [u] */                                                    \
    T *c;                 /* LSTM: [u] c', may be c_prev itself */                           \
    T *gates;             /* NULL, or [G u] the activated gates as the cell kernels store  \
                           * them (may be start itself) */                                   \
    T *ac;                /* LSTM: NULL, or [u] act(c') */                                   \
    const T *rec_start;   /* GRU: [3u] b_rec, the start of the h U chains */                 \
    T *rec_out;           /* GRU: NULL, or [3u] h U + b_rec */                               \
    T *work;              /* RL_ROW_WORK_FLOATS(G, u) floats: the chains' values when     \
                           * gates (GRU: and rec_out) are NULL */                            \
    const T *head_w;      /* NULL, or the next layer, a Dense head of head_n units, stepped \
                           * on h' in the same call: its W [u][head_n] */                   \
    const T *head_start;  /* [head_n] its bias */                                            \
    T *head_out;          /* [head_n] act(bias + h' W), the Dense step's bits */            \
    size_t head_n;        /* 1 .. the path's row_head_max (its vector width) */              \
    int head_act;                                                                            \
    size_t pass_bytes;    /* the most bytes of U a pass of the h U chains reads; 0: from  \
                           * the L1d the CPU reports (rl_row_pass_bytes), SIZE_MAX: no cut */ \
    int flip;             /* an odd step: the passes last to first (fused_row.h) */         \
    int width;            /* AVX-512 path, the h U chains' vectors: 0 as the CPU reports   \
                           * (rl__fp256: 256-bit where it runs 512 as two halves), 1 512-  \
                           * bit, 2 256-bit (the AVX2 path's chains); same bits each */    \
    int fresh;            /* h_prev is the zero state: h U is skipped, as forward's first  \
                           * step skips it */                                                \
    int act, ract;        /* rl_activation codes */

/* The fields in float: the kernels' argument (pointwise.h), and the
 * layers' rl_row_step itself in the float library (compute.h), passed to
 * the kernel as it is. */
typedef struct rl_row_args {
    RL_ROW_STEP_FIELDS(float)
} rl_row_args;

/* Room for the work field: one G u row per product (GRU two) and the
 * slack to align it to 64 bytes. */
#define RL_ROW_WORK_FLOATS(G, u) (2 * (G) * (u) + 16)

/* The row stride of a packed U: G u rounded up to whole 16-float (64-byte)
 * vectors, so that with a 64-byte aligned copy every load of a row is
 * aligned. Unaligned, most vectors of the LSTM(50) row straddle two cache
 * lines, and the one-row product is bound by those split loads. */
static inline size_t rl_row_rec_ld(size_t gu)
{
    return (gu + 15) / 16 * 16;
}

/* pass_bytes for a U of u_bytes, col_bytes a vector column of it, on a
 * core of l1d bytes of L1d (0: not known); 0: one pass.
 *
 * U larger than L1d but no more than twice it: passes of half L1d, which
 * with flip leave the last-read part of U in L1 for the next step (past
 * twice L1d too little of it would stay to pay for thinner passes).
 *
 * U within L1d but over three quarters of it: one pass in the same order
 * every step evicts, in the sets that also hold the step's other lines (h,
 * the chains' row, the cell's, the head's), the lines of U it reads next,
 * the cyclic pattern LRU loses every time; passes of half L1d with flip
 * read the recently used part first. Only where such a pass keeps at least
 * RL_ROW_SHARE_MIN_VECS chains: fewer leave the fma pipes waiting on a
 * chain's latency, which costs more than the misses. LSTM(50) on an
 * Emerald Rapids Xeon (48 KiB, packed U 41.6 KB, 7-vector passes): stream
 * step 0.88-0.91x; SimpleRNN(100) (44.8 KB, 4-vector passes) 1.05x, so
 * not cut (docs/performance.md, tenth session). */
#define RL_ROW_SHARE_MIN_VECS 6
static inline size_t rl_row_pass_bytes(size_t u_bytes, size_t col_bytes, size_t l1d)
{
    if (!l1d || u_bytes / 2 > l1d)
        return 0;
    if (u_bytes > l1d)
        return l1d / 2;
    if (u_bytes * 4 > l1d * 3 && col_bytes && l1d / 2 / col_bytes >= RL_ROW_SHARE_MIN_VECS)
        return l1d / 2;
    return 0;
}

#endif
