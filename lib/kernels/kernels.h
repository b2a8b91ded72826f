/* Matrix kernels, one implementation per instruction set, chosen at run time.
 *
 * Every path computes each output element as one fused multiply-add chain in
 * increasing k order, starting from 0 or from the old C value:
 *     c = fma(a[i][k], b[k][j], c)   for k = 0, 1, ..., K-1
 * so scalar, AVX2, AVX-512 and NEON give bit-identical results, and splitting the
 * output over threads changes nothing. A kernel includes only this header. */
#ifndef RL_KERNELS_H
#define RL_KERNELS_H

#include <stddef.h>

/* C[m x n] (row stride ldc) = (accumulate ? C : 0) + A[m x k] * B[k x n].
 * A element (i, p) is a[i * a_rs + p * a_cs]: a_cs = 1 is row-major A,
 * a_rs = 1 is A stored transposed. B is row-major with row stride ldb.
 * m, n or k may be 0 (k = 0 leaves C as 0 or unchanged). */
typedef void (*rl_gemm_fn)(size_t m, size_t n, size_t k,
                           const float *a, size_t a_rs, size_t a_cs,
                           const float *b, size_t ldb,
                           float *c, size_t ldc, int accumulate);

/* ---- B packed once (bwd): the backward's U^T and W^T ------------------
 * A B that several products share (U^T over every step of a backward) is
 * copied once into the panels the micro-kernel reads, instead of once per
 * product: panel q holds columns [q P, q P + P) of B as a dense [k x P]
 * block, rows in k order, zero beyond column n (P = the path's `panel`).
 * Panels follow each other, so panel q starts at q * k * P and columns
 * [q P, n) of B packed are themselves B[:, q P:] packed: products split at
 * panel boundaries need no other layout. */

/* Every path's panel divides this: rl__packed_floats sizes buffers for all. */
#define RL_PACK_PANEL_MAX 32

/* Floats a packed [k x n] B takes on any path. */
static inline size_t rl__packed_floats(size_t k, size_t n)
{
    return k * ((n + RL_PACK_PANEL_MAX - 1) / RL_PACK_PANEL_MAX * RL_PACK_PANEL_MAX);
}

/* dst (rl__packed_floats(k, n) floats) = B[k x n] packed, where element
 * (p, j) of B is b[p * b_rs + j * b_cs]: b_cs = 1 is row-major B, b_rs = 1
 * is B read transposed (U^T straight from U, no transpose first). */
typedef void (*rl_pack_b_fn)(float *dst, size_t k, size_t n,
                             const float *b, size_t b_rs, size_t b_cs);

/* As rl_gemm_fn with B given packed by the same path's pack_b (same k, n):
 * the same fma chain per element in increasing k order, so the same bits as
 * gemm on the unpacked B. */
typedef void (*rl_gemm_packed_fn)(size_t m, size_t n, size_t k,
                                  const float *a, size_t a_rs, size_t a_cs,
                                  const float *packed, float *c, size_t ldc, int accumulate);
/* ---- the same product, prefetching memory for the caller (bwd3) -------
 * In a backward through time, the cell backward of step t-1 runs right
 * after the product dh = dZ_t U^T, and its arrays (the gates it reads, the
 * dZ rows it writes) were last touched a whole pass earlier: measured
 * alone, the LSTM and GRU cell backward took about twice as long on cold
 * lines as on lines already in L2, mostly for its stores (each a read for
 * ownership from L3). gemm_packed_pf is gemm_packed (same loops, same
 * bits) that also prefetches the regions of `pf` towards L2, a few lines
 * per row tile, so that the loads arrive while the product computes. */
#define RL_PREFETCH_REGIONS 6
typedef struct rl_prefetch {
    const void *p[RL_PREFETCH_REGIONS];   /* NULL: region unused */
    size_t bytes[RL_PREFETCH_REGIONS];
} rl_prefetch;

typedef void (*rl_gemm_packed_pf_fn)(size_t m, size_t n, size_t k,
                                     const float *a, size_t a_rs, size_t a_cs,
                                     const float *packed, float *c, size_t ldc, int accumulate,
                                     const rl_prefetch *pf);

/* ---- narrow B with a ragged end (lane8): dh = dZ U^T at H = 50 --------
 * A B of n = 16 q + w columns, w = 1 or 2, packed in 16-lane vectors puts
 * w real lanes in each row's last vector (H = 50: 22 % of dh's fmas on
 * zero lanes). A path with these entries packs the ragged columns of 8
 * rows of C into one vector instead (kernels/narrow_gemm.h): narrow_floats
 * says whether it takes the shape (0: no; use pack_b / gemm_packed) and
 * how many floats its packing needs (never more than rl__packed_floats).
 * narrow_gemm is C = (accumulate ? C : 0) + A B with A row-major (row
 * stride lda), B packed by narrow_pack: the same fma chain per element in
 * increasing k, so the bits of gemm; pf as gemm_packed_pf's (may be NULL).
 * NULL entries: the path has no narrow layout. */
typedef size_t (*rl_narrow_floats_fn)(size_t k, size_t n);
typedef void (*rl_narrow_gemm_fn)(size_t m, size_t n, size_t k, const float *a, size_t lda,
                                  const float *packed, float *c, size_t ldc, int accumulate,
                                  const rl_prefetch *pf);

/* ---- A read transposed, packed per k block (bwd: dW = h^T dZ) ---------
 * A element (i, p) is a[p * lda + i] (h^T straight from h [k x m]). Read in
 * place, each k step of a row tile touched TILE_ROWS floats of a different
 * row of h, lda floats apart: with lda a multiple of 512 every k block
 * mapped onto two sets of L1 (measured 52 % of peak at LSTM H = 512). The
 * path copies each k block of A^T once into `work` (the caller's,
 * rl__gemm_at_floats(m) floats), row tile by row tile, k-major, and every
 * panel then streams it. The chains are gemm's (same k blocks, same order):
 * the bits of gemm(a_rs = 1, a_cs = lda). */
#define RL_GEMM_AT_KBLOCK_MAX 256   /* every path's K_BLOCK is at most this */
/* A of at most this many floats (m * k) is read in place when B has fewer
 * than RL_GEMM_AT_PACK_MIN_COLS columns: it stays in L1/L2 whatever its
 * stride, and the copy, shared by few panels, would cost more than it
 * saves (the seed fit's SimpleRNN [x^T; h^T; 1] dZ, 52 x 640 x 50: fit
 * 1.06-1.12x slower packed). With more columns the copy is shared by
 * enough panels, and in place the rows of each source run as products of
 * their own: the seed fit's LSTM [x^T; h^T; 1] dZ (52 x 640 x 200) ran as
 * 1 + 50 + 1 rows, the single rows as latency-bound chains (fit 0.97x
 * packed, GRU 0.97x). A path with tall row tiles (tiled_gemm.h at_plan:
 * AVX-512) packs whatever A's size: its last tile takes the rows' tail in,
 * and the SimpleRNN's 52 x 640 x 50 ran packed at 0.89 of the time (seed
 * fit 0.98-0.99). */
#define RL_GEMM_AT_PACK_MIN_FLOATS (64 * 1024)
#define RL_GEMM_AT_PACK_MIN_COLS 128

static inline size_t rl__gemm_at_floats(size_t m)
{
    return m * RL_GEMM_AT_KBLOCK_MAX;
}

/* A^T's rows may come from two arrays and end with constant rows, so that
 * one product (one pass over B = dZ) yields a layer's whole weight
 * gradient, [x^T; h^T; 1] dZ = kernel, recurrent kernel and bias rows:
 * row i, element p is
 *     i < end1: a1[p * lda1 + i];   i < end2: a2[p * lda2 + (i - end1)];
 *     i < end0: 0;                  else 1
 * (a ones row gives the column sums of B: fma(1, b, s) rounds as s + b). */
typedef struct rl_at_a {
    const float *a1;
    size_t lda1, end1;
    const float *a2;
    size_t lda2, end2;
    size_t end0;
} rl_at_a;

/* The same rows from row i0 on (a thread's share). */
static inline rl_at_a rl__at_a_from(const rl_at_a *a, size_t i0)
{
    rl_at_a r = *a;
    r.end1 = a->end1 > i0 ? a->end1 - i0 : 0;
    r.end2 = a->end2 > i0 ? a->end2 - i0 : 0;
    r.end0 = a->end0 > i0 ? a->end0 - i0 : 0;
    r.a1 = r.end1 ? a->a1 + i0 : NULL;
    r.a2 = r.end2 > r.end1 ? a->a2 + (i0 > a->end1 ? i0 - a->end1 : 0) : NULL;
    return r;
}

typedef void (*rl_gemm_at_fn)(size_t m, size_t n, size_t k, const rl_at_a *a, const float *b,
                              size_t ldb, float *c, size_t ldc, int accumulate, float *work);

/* ---- fused forward step of the recurrent layers (kernels/fused_step.h) ----
 * One time step of a batch: the recurrent product h_prev U on gate-
 * interleaved weights, with the cell applied to the accumulators as the
 * product's epilogue. Each product element keeps the chain of the unfused
 * step: it starts from z (bias + x W, already there) or, when `x` is set
 * (the input folded into the step), from the bias followed by the fmas over
 * x W in increasing k; then the fmas over h U in increasing k. The cell is
 * cell_math.h's register form. So the bits equal gemm + cell on every path.
 *
 * Packed weights (pack): per block of `block_units(gates)` units, for each
 * row k of W [rows x gates*u] (gate q's columns at q*u), the gates' slices of
 * the block side by side, zero past u: block b starts at
 * b * rows * gates * block_units floats. */
typedef struct rl_fused_step {
    size_t batch, u;
    size_t in;                     /* inputs per row of x (with x) */
    const float *x;                /* x_t [batch][in], or NULL: z holds bias + x W */
    size_t x_ld;                   /* floats between x_t's rows (0: in) */
    const float *w_packed;         /* with x: W [in][gates*u] packed */
    const float *bias_packed;      /* with x: bias (GRU: b_in) packed, one row */
    const float *u_packed;         /* U [u][gates*u] packed */
    const float *rec_bias_packed;  /* GRU: b_rec packed, one row */
    const float *h_prev;           /* [batch][u] */
    int recurrent;                 /* 0: no h U (first step without an initial state:
                                      0 * inf would make a NaN the unfused step has not) */
    const float *c_prev;           /* LSTM: [batch][u] */
    float *z;      /* [batch][gates*u]: in bias + x W (without x); out the
                      activated gates (SimpleRNN: z == h) */
    float *rec;    /* GRU: out h U + b_rec [batch][3u] (backward reads it) */
    float *c, *ac; /* LSTM: out c and act(c) [batch][u] */
    float *h;      /* out [batch][u] */
    int act, ract;
    /* 1: no backward follows (predict): the activated gates, act(c) and the
     * GRU's h U + b_rec need not be stored (z still carries the chains
     * between k passes, and the GRU's x part in) */
    int no_caches;
    /* NULL, or room where a tile's chains wait between k passes instead of
     * the rows of z (GRU: rec), which lie G u floats apart -- at H = 512 a
     * multiple of 4 KiB, so a tile's rows all fall in the same few L1 sets
     * and evict the panel. Row r of a call on blocks [b0, b1) at
     * chain + (b0 batch + r) 4 V_WIDTH: rl__step_chain_floats(). LSTM and
     * GRU use it in forward-only calls; fit keeps z (rec), whose lines the
     * epilogue then writes anyway: an area there made the epilogue's stores
     * miss (fit step 1.04-1.06x slower at H = 256). SimpleRNN's chains wait
     * in its output h, u floats apart, for the same reason (an area: 1.03x
     * slower at H = 512). */
    float *chain;
    /* 0: k passes whose packed U panel stays in L1 (the path's
     * FS_PANEL_FLOATS; one pass for a block's U up to FS_ONE_PASS_FLOATS);
     * else passes of up to this many packed U floats, read from L2: one pass
     * over a block's whole k where it fits, no chain stored and reloaded
     * between passes (compute.c chooses from the CPU's cache sizes) */
    size_t pass_floats;
} rl_fused_step;

/* Units per block for a cell of `gates` gates (1: SimpleRNN, 3: GRU, 4: LSTM). */
typedef size_t (*rl_fused_block_fn)(unsigned gates);
/* The packed rows x (gates x u) of w, unit blocks [block_begin, block_end)
 * of it into their place in dst (the whole packed area): disjoint ranges
 * may run on different threads. */
typedef void (*rl_fused_pack_fn)(const float *w, size_t rows, size_t u, unsigned gates,
                                 size_t block_begin, size_t block_end, float *dst);
/* The step on unit blocks [block_begin, block_end): disjoint ranges may run
 * on different threads. */
typedef void (*rl_fused_step_fn)(const rl_fused_step *s, size_t block_begin, size_t block_end);

typedef struct rl_kernels {
    const char *name;   /* "scalar", "avx2", "avx512", "neon" */
    rl_gemm_fn gemm;
    /* bwd: packed B */
    size_t panel;                    /* columns per packed panel, divides RL_PACK_PANEL_MAX */
    rl_pack_b_fn pack_b;
    rl_gemm_packed_fn gemm_packed;
    rl_gemm_packed_pf_fn gemm_packed_pf;   /* bwd3: gemm_packed + prefetch of pf */
    /* bwd: A read transposed, packed per k block */
    rl_gemm_at_fn gemm_at;
    /* lane8: narrow B with a ragged end (NULL on paths without it) */
    rl_narrow_floats_fn narrow_floats;
    rl_pack_b_fn narrow_pack;
    rl_narrow_gemm_fn narrow_gemm;
    /* fused forward step (NULL on paths without it: gemm + cell there) */
    rl_fused_block_fn fused_block_units;
    rl_fused_pack_fn fused_pack;
    rl_fused_step_fn lstm_step, gru_step, rnn_step;
} rl_kernels;

/* The fused-step entries of a path's table, defined in pointwise_<isa>.c. */
#define RL_FUSED_DECLARE(isa)                                                                  \
    size_t rl__fs_##isa##_block_units(unsigned gates);                                        \
    void rl__fs_##isa##_pack(const float *w, size_t rows, size_t u, unsigned gates,           \
                             size_t b0, size_t b1, float *dst);                               \
    void rl__fs_##isa##_lstm_step(const rl_fused_step *s, size_t b0, size_t b1);              \
    void rl__fs_##isa##_gru_step(const rl_fused_step *s, size_t b0, size_t b1);               \
    void rl__fs_##isa##_rnn_step(const rl_fused_step *s, size_t b0, size_t b1);
#define RL_FUSED_ENTRIES(isa)                                                                  \
    .fused_block_units = rl__fs_##isa##_block_units, .fused_pack = rl__fs_##isa##_pack,       \
    .lstm_step = rl__fs_##isa##_lstm_step, .gru_step = rl__fs_##isa##_gru_step,               \
    .rnn_step = rl__fs_##isa##_rnn_step
RL_FUSED_DECLARE(avx2)
RL_FUSED_DECLARE(avx512)
RL_FUSED_DECLARE(neon)

/* Each returns NULL when the path is not compiled in or the CPU (and OS,
 * via XGETBV) cannot run it. */
const rl_kernels *rl__kernels_scalar(void);
const rl_kernels *rl__kernels_avx2(void);
const rl_kernels *rl__kernels_avx512(void);
const rl_kernels *rl__kernels_neon(void);   /* AArch64 ASIMD */

/* The tables of the SIMD files; reach them through the functions above,
 * which check that the CPU can run them. */
extern const rl_kernels rl__avx2_kernels;
extern const rl_kernels rl__avx512_kernels;
extern const rl_kernels rl__neon_kernels;

/* The path in use: the best available, or the one RNNLITE_ISA forces.
 * Chosen once per process. */
const rl_kernels *rl__kernels(void);

/* Bytes of L1 data cache of a core as the C library reports it (glibc:
 * CPUID leaf 4, or 0x8000001D on AMD), 0 when not known. Read once per
 * process; the one-row step cuts its passes by it (rl_row_pass_bytes). */
size_t rl__l1d_bytes(void);
/* The same for a core's L2 (0 when not known): the fused step's k passes
 * (compute.c, rl__fused_pass_choice) and the pool's split by rows. */
size_t rl__l2_bytes(void);
/* 1 when the CPU reports a 256-bit wide FP/SIMD datapath (CPUID
 * 0x8000001A FP256: AVX-512 issues as two 256-bit halves, Zen 4), else 0.
 * Read once per process; the AVX-512 one-row step's h U chains then take
 * 256-bit vectors (rl_row_args.width, fused_row.h). */
int rl__fp256(void);

#endif
