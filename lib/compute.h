/* What layers call for their heavy lifting: a matrix product on the chosen
 * kernel path, split over the model's worker threads. Layers never see the
 * kernels or the threads. */
#ifndef RL_COMPUTE_H
#define RL_COMPUTE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/row_step.h"
#include "real.h"

typedef struct rl_pool rl_pool;

typedef struct rl_compute {
    const struct rl_kernels *kernels;  /* NULL: the process-wide choice */
    rl_pool *pool;                     /* NULL: run on the calling thread */
} rl_compute;

/* The fused step's k passes (kernels.h, rl_fused_step.pass_floats): the
   process's choice from this CPU's cache sizes (compute.c), and a setting
   of it for tests (both kinds of passes on any CPU): 0 the path's L1
   passes, RL_PASS_CPU the CPU's choice again, else passes of up to this
   many packed U floats. */
#define RL_PASS_CPU ((size_t)-1)
size_t rl__fused_pass_floats(void);
/* The choice for a core of l1d and l2 bytes of cache (0: not known). */
size_t rl__fused_pass_choice(size_t l1d, size_t l2);
void rl__set_fused_pass_floats(size_t floats);

typedef void (*rl_range_fn)(void *ctx, size_t begin, size_t end);
/* Runs fn over [0, n) in blocks whose boundaries are multiples of grain, on the model's
   pool when `work` (multiply-adds or element operations) is large enough to pay for a
   second thread, else on the caller in one call. */
void rl__parallel_for(const rl_compute *cx, size_t n, size_t grain, size_t work, rl_range_fn fn, void *ctx);
/* As rl__parallel_for, but in one block per thread (whole grains, sizes within one
   grain), block i run by the same thread at every call as long as that thread is on
   time (a late one's block is taken by another): for a step whose block reads what
   the same block wrote the step before (rows of h), which then stays in that core's
   cache instead of crossing to the other core at every step. */
void rl__parallel_for_shares(const rl_compute *cx, size_t n, size_t grain, size_t work,
                             rl_range_fn fn, void *ctx);
/* As rl__parallel_for, but split only from the work that wakes a sleeping worker
   (pool.c), never on the smaller threshold of a worker still spinning: for
   matrix products and memory passes, whose blocks (columns of the output)
   do not match how the next step reads them, so that below that size the
   traffic between the cores costs more than the second thread saves
   (measured: a 64 x 128 x 128 product before a one-thread activation ran
   at 0.63x on two threads). */
void rl__parallel_for_large(const rl_compute *cx, size_t n, size_t grain, size_t work,
                            rl_range_fn fn, void *ctx);

/* C = (accumulate ? C : 0) + A * B; layout as rl_gemm_fn in kernels/kernels.h. */
void rl__gemm(const rl_compute *cx, size_t m, size_t n, size_t k,
              const real *a, size_t a_rs, size_t a_cs,
              const real *b, size_t ldb,
              real *c, size_t ldc, int accumulate);

/* ---- B packed once (bwd) -------------------------------------------------
 * For a B that several products share (U^T at every step of a backward):
 * pack it once into the kernel path's panels, then each product reads the
 * panels instead of copying B again. Same bits as rl__gemm on B. */

/* Reals a packed [k x n] B takes (any kernel path); *ok = 0 when that
 * does not fit in size_t (ok untouched otherwise). */
size_t rl__packed_size(size_t k, size_t n, int *ok);

/* dst = B[k x n] packed for cx's kernel path; element (p, j) of B is
 * b[p * b_rs + j * b_cs] (b_cs = 1: row-major; b_rs = 1: B read transposed,
 * e.g. U^T from U [n x k] with b_cs = k). Split over the pool by panels. */
void rl__pack_b(const rl_compute *cx, real *dst, size_t k, size_t n,
                const real *b, size_t b_rs, size_t b_cs);

/* C = (accumulate ? C : 0) + A * B with B packed by rl__pack_b on the same
 * cx (same k, n); A as in rl__gemm. Split over the pool by panels. */
void rl__gemm_packed(const rl_compute *cx, size_t m, size_t n, size_t k,
                     const real *a, size_t a_rs, size_t a_cs,
                     const real *packed, real *c, size_t ldc, int accumulate);

/* As rl__gemm_packed, also prefetching (towards L2, spread over the
 * product's row tiles) up to RL_PF_REGIONS regions of memory the caller
 * touches next (kernels.h gemm_packed_pf): a backward through time passes
 * the next step's cell inputs and the dZ rows it writes. Same bits as
 * rl__gemm_packed; pf may be NULL. With the product split over the pool
 * the regions are not prefetched. */
#define RL_PF_REGIONS 6
typedef struct rl_pf_src {
    const void *p[RL_PF_REGIONS];   /* NULL: unused */
    size_t bytes[RL_PF_REGIONS];
} rl_pf_src;
void rl__gemm_packed_pf(const rl_compute *cx, size_t m, size_t n, size_t k,
                        const real *a, size_t a_rs, size_t a_cs,
                        const real *packed, real *c, size_t ldc, int accumulate,
                        const rl_pf_src *pf);

/* ---- narrow B with a ragged end (lane8): the backward's dh = dZ U^T ----
 * For n = 16 q + 1 or + 2 columns (q <= 3: H = 50 is 3 x 16 + 2) the
 * AVX-512 path packs B so that the ragged columns of 8 rows of C share one
 * vector (kernels.h "narrow B"); elsewhere, and for other n, these are
 * rl__pack_b and rl__gemm_packed_pf. dst needs rl__packed_size(k, n)
 * reals either way; pack and product must see the same cx, k and n. Same
 * bits as rl__gemm on B. A is row-major (row stride lda). Split over the
 * pool by rows (then without the prefetches). */
void rl__pack_narrow(const rl_compute *cx, real *dst, size_t k, size_t n,
                     const real *b, size_t b_rs, size_t b_cs);
void rl__gemm_narrow_pf(const rl_compute *cx, size_t m, size_t n, size_t k,
                        const real *a, size_t lda, const real *packed, real *c, size_t ldc,
                        int accumulate, const rl_pf_src *pf);

/* ---- A read transposed (bwd: dW = h^T dZ, x^T dZ) ------------------------
 * C[m x n] = (accumulate ? C : 0) + A B where A element (i, p) is
 * a[p * lda + i] (h^T from h [k x m]): rl__gemm(a_rs = 1, a_cs = lda), same
 * bits, with each k block of A^T copied once into work so that every panel
 * reads it densely (kernels.h gemm_at). work: rl__gemm_at_size(m) reals,
 * the caller's (a layer workspace). Split over the pool by rows; on two
 * threads by columns when C is wider than tall (n > m), each share packing
 * A^T into its own half of work: the same bits. */
size_t rl__gemm_at_size(size_t m, int *ok);
void rl__gemm_at(const rl_compute *cx, size_t m, size_t n, size_t k, const real *a, size_t lda,
                 const real *b, size_t ldb, real *c, size_t ldc, int accumulate, real *work);

/* As rl__gemm_at with A^T's rows from two arrays then constant rows
 * (kernels.h rl_at_a): row i, element p is i < end1: a1[p lda1 + i];
 * i < end2: a2[p lda2 + i - end1]; i < end0: 0; else 1. One pass over B
 * gives a layer's whole weight gradient [x^T; h^T; 1] dZ, each row the
 * bits of its own product (the ones row those of rl__col_sums). */
typedef struct rl_at_src {
    const real *a1;
    size_t lda1, end1;
    const real *a2;
    size_t lda2, end2;
    size_t end0;
} rl_at_src;
void rl__gemm_at_rows(const rl_compute *cx, size_t m, size_t n, size_t k, const rl_at_src *a,
                      const real *b, size_t ldb, real *c, size_t ldc, int accumulate,
                      real *work);

/* A recurrent layer's weight gradient C = [x^T; h^T; 0; 1] dz in one pass
 * over dz: rl__gemm_at_rows(cx, m, n, k, a, b, ldb, c, ldc, 0, work), the
 * same bits, where the h rows (a's rows [end1, end2)) are zero over the
 * first h0_rows k (step 0's h_{-1} of a forward from the zero state: its
 * batch rows; 0 = none). Those zero products are skipped: the x and ones
 * rows take the first h0_rows k on their own (each element's chain from 0
 * in increasing k, as in the whole product), the h and zero rows start at
 * +0 (what a chain of zero products gives: fma(0, d, +0) = +0 for finite
 * d; a non-finite d there makes the ones row non-finite too, so the fit's
 * finiteness check rejects the step either way), and one product over the
 * remaining k accumulates onto all rows. Split over the pool by C's rows
 * as rl__gemm_at_rows, each thread skipping within its own rows (the same
 * skip-aware row range as the first half of rl__gemm_at_rows_halves). */
void rl__weight_grad(const rl_compute *cx, size_t m, size_t n, size_t k, size_t h0_rows,
                     const rl_at_src *a, const real *b, size_t ldb, real *c, size_t ldc,
                     real *work);

/* A weight gradient over a long k in two FIXED halves of k, the first ks
 * rows and the rest (a layer's T steps of the batch: the first
 * ceil(T/2) steps and the others): C = A[0, ks)^T B[0, ks) +
 * A[ks, k)^T B[ks, k), each half its own fma chain in increasing k from 0
 * (the bits of rl__gemm_at_rows on that half) and the two rounded into one
 * by a single addition per element. The partition is the shape's, never
 * the thread count's, so 1, 2, 3 threads and a host parallel-for give the
 * same bits; on two threads each thread runs one half for all of C's rows
 * (split by C's rows, both threads streamed all of B). work:
 * rl__gemm_at_halves_size(m, n) reals (both halves' packs of A^T and the
 * second half's C). ks = 0 or ks >= k: rl__gemm_at_rows (one chain).
 * h0_rows: as rl__weight_grad (above), the first k rows where A's rows
 * [end1, end2) (h_{-1} of a forward from the zero state) are zero: the
 * first half skips their products, the same bits. */
size_t rl__gemm_at_halves_size(size_t m, size_t n, int *ok);
/* Where a layer's weight gradient of T steps x batch rows is cut: 0 (not
 * split) under a size fixed by the shape alone (below it one thread would
 * pay the halves' sum and gain nothing), else ceil(T/2) * batch. */
size_t rl__gemm_at_halves_split(size_t m, size_t n, size_t steps, size_t batch);
void rl__gemm_at_rows_halves(const rl_compute *cx, size_t m, size_t n, size_t k, size_t ks,
                             size_t h0_rows, const rl_at_src *a, const real *b, size_t ldb,
                             real *c, size_t ldc, real *work);

/* sums[n] = column sums of d[rows][n], each in row order from 0: the bits
 * of rl__add_col_sums on zeroed sums, as a product by a row of ones
 * (fma(1, d, s) rounds s + d exactly as the addition does), so on the
 * kernel path and split over the pool. */
void rl__col_sums(const rl_compute *cx, real *sums, const real *d, size_t rows, size_t n);

/* rl__all_finite (finite.h) of v[n], split over cx's pool: whether every
 * element is finite (float library only). */
int rl__all_finite_on(const rl_compute *cx, const float *v, size_t n);

/* y = act(x) element-wise (x and y may alias); act is an rl_activation. */
void rl__activate_n(const rl_compute *cx, int act, const real *x, real *y, size_t n);

/* One LSTM step for a batch (rows of z are [4u]: i, f, c, o pre-activations,
 * replaced by the activated gates): c = f c_prev + i g, ac = act(c), h = o ac. */
void rl__lstm_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *c_prev,
                   real *c, real *ac, real *h, int act, int ract);

/* One GRU step (reset_after): rows of z [3u] hold x W + b_in and become the
 * activated z, r, h~; rows of rec [3u] hold h U + b_rec; h = z h_prev + (1-z) h~. */
void rl__gru_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *rec,
                  const real *h_prev, real *h, int act, int ract);

/* Backward of the cells above (dy may be NULL: no gradient from above at this step).
 * act_backward: dz = (dh + dy) act'(y).
 * lstm_cell_backward: dz [batch][4u] from the gates, c_prev, act(c), dh + dy
 *   and dc; dc becomes the gradient of c_prev.
 * gru_cell_backward: drec [batch][3u] (gradient of h U + b_rec) and dzx
 *   [batch][u]: the h~ third of the gradient of x W + b_in, whose z and r
 *   thirds equal drec's (stored once); dh becomes the direct part of the
 *   gradient of h_prev.
 * dz may be gates itself, drec rec itself: each lane is read before it is
 * written (the layers write the gradients over the forward's caches). */
void rl__act_backward(const rl_compute *cx, int act, const real *y, const real *dh,
                      const real *dy, real *dz, size_t n);
void rl__lstm_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                            const real *c_prev, const real *ac, const real *dy, const real *dh,
                            real *dc, real *dz, int act, int ract);
void rl__gru_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                           const real *rec, const real *h_prev, const real *dy, real *dh,
                           real *dzx, real *drec, int act, int ract);

/* One step of one row, the recurrent product and the cell fused
 * (kernels/row_step.h has the fields, kernels/fused_row.h the loops): a
 * stream step, a one-sample predict, a forecast step. Same bits as
 * rl__gemm + the cell functions above. Never split over threads: one row is
 * latency-bound. */
#ifdef RL_REAL_DOUBLE
typedef struct rl_row_step {
    RL_ROW_STEP_FIELDS(real)
} rl_row_step;
#else
typedef rl_row_args rl_row_step;   /* real is float: the kernels' own argument */
#endif
void rl__lstm_row(const rl_compute *cx, const rl_row_step *s);
void rl__gru_row(const rl_compute *cx, const rl_row_step *s);
void rl__rnn_row(const rl_compute *cx, const rl_row_step *s);
/* Most units of a Dense head (head_n) the row steps take on cx's path. */
size_t rl__row_head_max(const rl_compute *cx);
/* Whether a one-row step's aligned copy of a U of rec_bytes (rows padded to
 * whole vectors, rl__layer_row_pack) pays on this CPU: not where U
 * outgrows the L1d the CPU reports, where the step streams a third of U
 * from L2 (rl_row_pass_bytes) and the padding's extra lines cost more than
 * the split loads of U read in place. */
int rl__row_pack_pays(size_t rec_bytes);

/* dst[cols x rows] = src[rows x cols]^T, both dense; split over tiles of
 * rows on cx's pool when large. */
void rl__transpose(const rl_compute *cx, real *restrict dst, const real *restrict src, size_t rows,
                   size_t cols);

/* ---- one time step of a recurrent layer: product and cell together ----
 * On paths with a fused step (kernels/fused_step.h) the cell runs as the
 * epilogue of the recurrent product on weights packed once per forward call
 * (rl__step_pack); elsewhere (the scalar path, a pool of several threads
 * until the step is split by unit blocks, the double build) it is today's
 * fill + gemm + cell. The bits are the same either way. */
typedef struct rl_cell_step {
    size_t batch, u, in;
    /* The input folded into the step (z computed from the bias), or NULL:
     * z already holds bias + x W from one product over all steps. */
    const real *x;                 /* x_t [batch][in], rows x_ld floats apart */
    size_t x_ld;                   /* 0: in (x_t's rows side by side) */
    const real *kernel, *bias;     /* W [in][G u], b (GRU: b_in) */
    const real *rec_kernel;        /* U [u][G u] */
    const real *rec_bias;          /* GRU: b_rec */
    const real *packed;            /* rl__step_pack's output (fused paths) */
    const real *h_prev, *c_prev;   /* [batch][u]; c_prev: LSTM */
    int recurrent;                 /* 0: no h U (first step, no initial state) */
    int flip;                      /* an odd step (rl_row_step.flip; rl__run_steps sets it) */
    real *z;    /* [batch][G u] -> activated gates (SimpleRNN: z == h) */
    real *rec;  /* GRU: -> h U + b_rec [batch][3u] */
    real *c, *ac, *h;
    int act, ract;
    int no_caches;   /* forward only: gates, act(c), h U + b_rec may go unstored */
    real *chain;     /* NULL or rl__step_chain_floats() of room (fused step) */
} rl_cell_step;

/* Floats of room for the fused step's chains between k passes (the chain
 * of rl_cell_step), for a batch of `batch` rows of u units; 0 with *ok
 * cleared on overflow. */
size_t rl__step_chain_floats(size_t batch, size_t u, int *ok);

/* Whether this compute context runs the fused step (and so wants packed
 * weights), and whether it folds an input of `in` columns into the step. */
int rl__step_fused(const rl_compute *cx);
int rl__step_folds_input(const rl_compute *cx, size_t in, size_t u, unsigned gates);
/* Whether a path with the fused step folds an input of `in` columns: a
 * forward's arrays by row shares (rl__step_shares, fused paths only) hold
 * one step of gates then, not every step's input projection. */
int rl__step_may_fold(size_t in);

/* Floats rl__step_pack writes for a cell of `gates` gates (1, 3, 4), u
 * units and `in` inputs, on any path; dst must be 64-byte aligned. */
size_t rl__step_pack_floats(size_t in, size_t u, unsigned gates);

/* Packs U (and with fold W and the bias; GRU: b_rec) for the fused step
 * into dst. Nothing to do on paths without one. */
void rl__step_pack(const rl_compute *cx, const rl_cell_step *s, unsigned gates, int fold,
                   real *dst);

/* What a layer's packed area holds (rl__step_pack_kept): the pack of the
 * weights of generation `gen` (the model's weights_gen), for this path and
 * fold, at dst. valid = 0: unknown (a new workspace, a pass not keyed). */
typedef struct rl_pack_key {
    uint64_t gen;
    const void *kernels;
    const real *dst;
    int fold, valid;
} rl_pack_key;

/* rl__step_pack, skipped when *key says dst holds this pack already: a
 * forward-only pass (predict, evaluate) repacks nothing while the weights
 * are those of the last pack, as oneDNN's inference takes its weights
 * reordered once. keyed = 0 (a pass whose caller does not know the weights'
 * generation) always packs and forgets the key. Same packed floats either
 * way, so the same bits. */
void rl__step_pack_kept(const rl_compute *cx, const rl_cell_step *s, unsigned gates, int fold,
                        real *dst, rl_pack_key *key, int keyed, uint64_t gen);

void rl__lstm_step(const rl_compute *cx, const rl_cell_step *s);
void rl__gru_step(const rl_compute *cx, const rl_cell_step *s);
void rl__rnn_step(const rl_compute *cx, const rl_cell_step *s);

/* fn(ctx, cx1, r0, r1) over the rows [0, batch) of a loop over time whose
 * rows are independent (a backward through time: dz_t and dh_{t-1} of row
 * r read only row r): split once by rows, one share per thread (the same
 * rows on the same thread at every call), cx1 a one-thread context whose
 * calls run on the thread that got the share, when the step's weights
 * (`weight_bytes`, read by every thread) fit in a few times a thread's
 * own cache (as a fit's forward: split_fit_by_rows) and `work` (the whole
 * loop's) pays; else fn(ctx, cx, 0, batch) once, each
 * call inside splitting itself. Same bits either way. */
typedef void (*rl_rows_fn)(void *ctx, const rl_compute *cx, size_t r0, size_t r1);
void rl__run_rows(const rl_compute *cx, size_t batch, size_t weight_bytes, size_t work,
                  rl_rows_fn fn, void *ctx);
/* A per-row area that rl__run_rows' shares write at every step (a
 * backward through time's dh, dc: u reals a row): row r starts at
 * r (u + RL_ROWS_PAD) (rl__rows_at), so the shares that threads run, whose
 * first rows are multiples of 8, lie >= 4 KiB apart. Back to back, the
 * first thread's stream over its rows ran on into the second's first
 * lines, and rows 32-63 took longer than rows 0-31 on either thread (two
 * threads at H = 256, thread CPU time of the backward through time: GRU
 * 6 %, SimpleRNN 3 %, LSTM 1.5-3 %; one thread over both blocks in turn:
 * equal); compute.c's chain_rows_offset keeps the fused step's chains
 * apart likewise. rl__rows_area_floats: the area's reals for `batch` rows
 * (*ok cleared on overflow). */
enum { RL_ROWS_PAD = 128 };
size_t rl__rows_area_floats(size_t batch, size_t u, int *ok);
static inline real *rl__rows_at(real *area, size_t r0, size_t u)
{
    return area + r0 * (u + RL_ROWS_PAD);
}

/* ---- a layer's steps, and their arrays in regions by row shares --------
 * The steps t = 0 .. steps - 1 of a layer's forward, each rl__lstm_step,
 * rl__gru_step or rl__rnn_step (by gates: 4, 3, 1) of *base with the
 * per-step fields that at(ctx, t, r0, r1, s) sets for the rows [r0, r1)
 * (x, z, rec, h_prev, c_prev, c, ac, h, recurrent; s->batch is set). The
 * rows of a batch are separate sequences: when a step would be split over
 * threads by rows, the whole sequence is split by rows instead, each
 * thread running every step of its own rows with no hand-off between the
 * steps; a fit's forward (base without no_caches) is split by rows also
 * for weights up to a few times a thread's cache (compute.c,
 * split_fit_by_rows). Same bits either way.
 *
 * A forward-only pass so split keeps each thread's rows of every step in
 * a region of its own (the layer's choice, rl__layer_shares): an array of
 * `steps` steps of the batch ([steps][batch][width] dense) laid out share
 * by share, the rows [r0, r1) of a share holding all their steps as
 * [steps][r1 - r0][width], regions r0 RL_ROWS_PAD floats apart beyond
 * their sizes. Back to back by step, each thread's rows of a step lay
 * next to rows the other thread was writing, and a two-thread step lost
 * up to half its speed to that (docs/performance.md, the seventeenth and
 * eighteenth sessions). One share, the whole batch, is the dense layout
 * itself. A fit keeps the dense layout: the copies that the products over
 * all rows would need of the regions (h, dZ) cost what the layout saved.
 */
enum { RL_SHARES_MAX = 16 };
typedef struct rl_shares {
    size_t n;                    /* >= 1 */
    size_t end[RL_SHARES_MAX];   /* share i: rows [i ? end[i - 1] : 0, end[i]) */
} rl_shares;

/* One share, the whole batch: the dense layout. */
void rl__shares_one(rl_shares *sh, size_t batch);
/* The shares a layer's steps of base (with step 0's x set when the input
 * is folded) split by: the pool's threads' rows (the pool's own blocks of
 * one block per thread) when rl__run_steps would split the steps
 * by rows, else one. */
void rl__step_shares(const rl_compute *cx, const rl_cell_step *base, unsigned gates,
                     size_t steps, rl_shares *sh);
/* Floats of an area of steps x batch rows of width floats by shares (any
 * shares); *ok cleared on overflow. */
size_t rl__shares_area_floats(size_t steps, size_t batch, size_t width, int *ok);
/* Where row r of step t lies in such an area, r in the share [r0, r1). */
static inline size_t rl__share_at(size_t steps, size_t width, size_t r0, size_t r1, size_t t,
                                  size_t r)
{
    return r0 * (steps * width + RL_ROWS_PAD) + (t * (r1 - r0) + (r - r0)) * width;
}
/* A copy between an array's dense layout ([steps][batch][width]) and its
 * regions (an area of `steps` steps by shares, rl__share_at): steps
 * [t0, t1), dense -> region before the steps, region -> dense after. The
 * steps run a share's copies on that share's own thread, on its rows,
 * before and after the rows' steps: no hand-off of their own, and the
 * rows copied are in that thread's cache. */
typedef struct rl_share_copy {
    real *dense, *region;
    size_t steps, t0, t1, width;
} rl_share_copy;
enum { RL_SHARE_COPIES = 4 };
typedef struct rl_share_copies {
    size_t n_before, n_after;
    rl_share_copy before[RL_SHARE_COPIES];   /* dense -> region */
    rl_share_copy after[RL_SHARE_COPIES];    /* region -> dense */
} rl_share_copies;
/* Adds a copy to run before (dense -> region) or after (region -> dense)
 * (at most RL_SHARE_COPIES of each). */
void rl__share_copy_add(rl_share_copies *c, int after, real *dense, real *region, size_t steps,
                        size_t t0, size_t t1, size_t width);
/* The steps (above), at(ctx, t, s0, s1, r0, s) setting the fields of
 * step t for s->batch rows from r0 on, inside the share [s0, s1) of sh
 * (one share, [0, batch): the dense layout), split over the pool share by
 * share when sh->n > 1 or the steps split by rows, each share's rows
 * between their copies (NULL: none; with one share there are none to
 * make). */
typedef void (*rl_step_rows_fn)(void *ctx, size_t t, size_t s0, size_t s1, size_t r0,
                                rl_cell_step *s);
void rl__run_steps(const rl_compute *cx, const rl_cell_step *base, unsigned gates, size_t steps,
                   const rl_shares *sh, const rl_share_copies *copies, rl_step_rows_fn at,
                   void *ctx);

#endif
