/* The compute layer under the layers: matrix products on the chosen kernel
 * path (split over the model's pool), and the element-wise math of
 * kernels/cell_math.h -- in float on the same path as the products, in
 * double (RL_REAL_DOUBLE) for the gradient checks. */
#include "compute.h"

#include <string.h>

#include "alloc.h"

#ifdef RL_REAL_DOUBLE
#include "kernels/pointwise_double.h"
#define FR_ARGS rl_row_step
#define FR_VECS 8
#define FR_L1D() ((size_t)0)   /* the gradient checks' double path: the usual passes */
#include "kernels/fused_row.h"
#define POINTWISE(cx, fn) pw_double_##fn
#define ROW_STEP(cx, fn, s) ((void)(cx), pw_double_##fn(s))
#define ROW_HEAD_MAX(cx) ((void)(cx), (size_t)1)
#else
#include <stdatomic.h>

#include "finite.h"
#include "kernels/kernels.h"
#include "kernels/pointwise.h"
#include "pool.h"
#endif

/* In square tiles, so that both the reads and the strided writes stay in
 * cache lines already loaded (the plain double loop missed on every write). */
enum { TRANSPOSE_TILE = 16, WORK_TRANSPOSED = 4 };   /* work: multiply-adds per element moved */

typedef struct transpose_job {
    real *dst;
    const real *src;
    size_t rows, cols;
} transpose_job;

static void transpose_rows(void *ctx, size_t r0, size_t r1)
{
    const transpose_job *t = ctx;
    for (size_t i0 = r0; i0 < r1; i0 += TRANSPOSE_TILE) {
        size_t i1 = i0 + TRANSPOSE_TILE < r1 ? i0 + TRANSPOSE_TILE : r1;
        for (size_t j0 = 0; j0 < t->cols; j0 += TRANSPOSE_TILE) {
            size_t j1 = j0 + TRANSPOSE_TILE < t->cols ? j0 + TRANSPOSE_TILE : t->cols;
            for (size_t i = i0; i < i1; i++)
                for (size_t j = j0; j < j1; j++)
                    t->dst[j * t->rows + i] = t->src[i * t->cols + j];
        }
    }
}

void rl__transpose(const rl_compute *cx, real *restrict dst, const real *restrict src, size_t rows,
                   size_t cols)
{
    transpose_job t = { dst, src, rows, cols };
    rl__parallel_for_large(cx, rows, TRANSPOSE_TILE, rows * cols * WORK_TRANSPOSED, transpose_rows,
                           &t);
}

#ifdef RL_REAL_DOUBLE
/* The double build (gradient checks) has no pool: everything on the caller. */
void rl__parallel_for(const rl_compute *cx, size_t n, size_t grain, size_t work, rl_range_fn fn,
                      void *ctx)
{
    (void)cx;
    (void)grain;
    (void)work;
    if (n)
        fn(ctx, 0, n);
}

void rl__parallel_for_large(const rl_compute *cx, size_t n, size_t grain, size_t work,
                            rl_range_fn fn, void *ctx)
{
    rl__parallel_for(cx, n, grain, work, fn, ctx);
}

void rl__parallel_for_shares(const rl_compute *cx, size_t n, size_t grain, size_t work,
                             rl_range_fn fn, void *ctx)
{
    rl__parallel_for(cx, n, grain, work, fn, ctx);
}

/* The double build (gradient checks) needs only a correct product. */
void rl__gemm(const rl_compute *cx, size_t m, size_t n, size_t k,
              const real *a, size_t a_rs, size_t a_cs,
              const real *b, size_t ldb, real *c, size_t ldc, int accumulate)
{
    (void)cx;
    for (size_t i = 0; i < m; i++) {
        real *ci = c + i * ldc;
        if (!accumulate)
            for (size_t j = 0; j < n; j++)
                ci[j] = 0;
        for (size_t p = 0; p < k; p++)
            for (size_t j = 0; j < n; j++)
                ci[j] = fma(a[i * a_rs + p * a_cs], b[p * ldb + j], ci[j]);
    }
}

/* Packed here is B itself, dense [k x n]: the product needs no layout. */
size_t rl__packed_size(size_t k, size_t n, int *ok)
{
    return rl__mul(k, n, ok);
}

void rl__pack_b(const rl_compute *cx, real *dst, size_t k, size_t n,
                const real *b, size_t b_rs, size_t b_cs)
{
    (void)cx;
    for (size_t p = 0; p < k; p++)
        for (size_t j = 0; j < n; j++)
            dst[p * n + j] = b[p * b_rs + j * b_cs];
}

void rl__gemm_packed(const rl_compute *cx, size_t m, size_t n, size_t k,
                     const real *a, size_t a_rs, size_t a_cs,
                     const real *packed, real *c, size_t ldc, int accumulate)
{
    rl__gemm(cx, m, n, k, a, a_rs, a_cs, packed, n, c, ldc, accumulate);
}

void rl__gemm_packed_pf(const rl_compute *cx, size_t m, size_t n, size_t k,
                        const real *a, size_t a_rs, size_t a_cs,
                        const real *packed, real *c, size_t ldc, int accumulate,
                        const rl_pf_src *pf)
{
    (void)pf;
    rl__gemm_packed(cx, m, n, k, a, a_rs, a_cs, packed, c, ldc, accumulate);
}

void rl__pack_narrow(const rl_compute *cx, real *dst, size_t k, size_t n,
                     const real *b, size_t b_rs, size_t b_cs)
{
    rl__pack_b(cx, dst, k, n, b, b_rs, b_cs);
}

void rl__gemm_narrow_pf(const rl_compute *cx, size_t m, size_t n, size_t k,
                        const real *a, size_t lda, const real *packed, real *c, size_t ldc,
                        int accumulate, const rl_pf_src *pf)
{
    rl__gemm_packed_pf(cx, m, n, k, a, lda, 1, packed, c, ldc, accumulate, pf);
}

size_t rl__gemm_at_size(size_t m, int *ok)
{
    (void)m;
    (void)ok;
    return 0;
}

void rl__gemm_at(const rl_compute *cx, size_t m, size_t n, size_t k, const real *a, size_t lda,
                 const real *b, size_t ldb, real *c, size_t ldc, int accumulate, real *work)
{
    (void)work;
    rl__gemm(cx, m, n, k, a, 1, lda, b, ldb, c, ldc, accumulate);
}

void rl__gemm_at_rows(const rl_compute *cx, size_t m, size_t n, size_t k, const rl_at_src *a,
                      const real *b, size_t ldb, real *c, size_t ldc, int accumulate,
                      real *work)
{
    static const real zero = 0, one = 1;
    (void)work;
    for (size_t i = 0; i < m; i++) {
        const real *row = i < a->end1 ? a->a1 + i : i < a->end2 ? a->a2 + (i - a->end1)
                        : i < a->end0 ? &zero : &one;
        const size_t cs = i < a->end1 ? a->lda1 : i < a->end2 ? a->lda2 : 0;
        rl__gemm(cx, 1, n, k, row, 0, cs, b, ldb, c + i * ldc, ldc, accumulate);
    }
}

#else
static const rl_kernels *kernels_of(const rl_compute *cx)
{
    return (cx && cx->kernels) ? cx->kernels : rl__kernels();
}

/* Cell kernels of the same path as the matrix kernels. The process's own
 * path is looked up once: by name it cost a few string compares per cell
 * call, 1-2 % of a stream step. */
static const rl_pointwise *pointwise_of(const rl_compute *cx)
{
    static _Atomic(const rl_pointwise *) of_process_path;
    const rl_kernels *k = kernels_of(cx);
    if (k != rl__kernels())
        return rl__pointwise_for(k->name);
    const rl_pointwise *p = atomic_load_explicit(&of_process_path, memory_order_acquire);
    if (!p) {   /* a race only makes two threads look up the same table */
        p = rl__pointwise_for(k->name);
        atomic_store_explicit(&of_process_path, p, memory_order_release);
    }
    return p;
}
#define POINTWISE(cx, fn) pointwise_of(cx)->fn

/* Split only where the pool (placement, host hook, spin-then-sleep
 * hand-off, minimum work) decides it pays; every block boundary a multiple
 * of grain, so callers can keep their own alignment. */
void rl__parallel_for(const rl_compute *cx, size_t n, size_t grain, size_t work, rl_range_fn fn,
                      void *ctx)
{
    rl__pool_for(cx ? cx->pool : NULL, n, grain, work, fn, ctx);
}

void rl__parallel_for_large(const rl_compute *cx, size_t n, size_t grain, size_t work,
                            rl_range_fn fn, void *ctx)
{
    rl__pool_for_large(cx ? cx->pool : NULL, n, grain, work, fn, ctx);
}

void rl__parallel_for_shares(const rl_compute *cx, size_t n, size_t grain, size_t work,
                             rl_range_fn fn, void *ctx)
{
    rl__pool_for_shares(cx ? cx->pool : NULL, n, grain, work, fn, ctx);
}

/* How a step is split over threads. By rows of the batch, each thread
 * reads all of the weights (read-only: every core keeps its own copy in
 * its L2) and only rows of h it wrote itself the step before; by columns
 * (units), each thread reads part of the weights but all of h, half of it
 * written by the other core the step before: that hand-over of h between
 * the cores at every step cost SimpleRNN(256) at batch 64 a quarter of its
 * two-thread time (2T/1T forward 1.36x by units, 1.76x by rows, the same
 * thread always taking the same rows: rl__parallel_for_shares). So by rows
 * when the weights fit in a thread's own cache (with room for the rows)
 * and the batch gives each thread two register tiles of rows (SHARE_ROWS,
 * a multiple of every path's row tile but the LSTM's 6 and 3); each row's
 * chains and cell are the same either way, so are the bits. */
enum { SHARE_ROWS = 8, PACK_WORK = 64 };

static int split_by_rows(const rl_compute *cx, size_t rows, size_t weight_bytes)
{
    const rl_pool *p = cx ? cx->pool : NULL;
    return p && rows >= 2 * SHARE_ROWS * (size_t)rl__pool_threads(p) &&
           weight_bytes <= rl__pool_private_cache(p) / 4 * 3;
}

/* The passes of a fit -- the forward that keeps its caches (gates, states)
 * and the backwards through time that read them -- split by rows up to
 * FIT_ROWS_L2 times a thread's cache of weights: each thread then reads
 * back only the caches it wrote. By unit blocks, the forward left each
 * row's caches half in the other core's cache and the backward handed the
 * rows of dh over at every step. Paired bench_rnnlite --threads 1,2,
 * batch 64, T = 50, fit step 2T/1T, unit blocks -> rows: GRU(512) (packed
 * weights 3.2-3.6 MB, L2 2 MiB) I = 1 1.80-1.94 -> 1.85-2.08, I = 64
 * 1.79-1.95 -> 1.91-2.02; LSTM(512) (4.2-4.7 MB) I = 1 1.82-1.99 ->
 * 1.94-2.17, I = 64 1.75-1.93 -> 2.02-2.07. A forward-only pass keeps the
 * limit above (LSTM(512) I = 64 predict by rows: 1.80-1.89 against
 * 1.83-1.91). Past FIT_ROWS_L2 (not measured) by unit blocks as before. */
enum { FIT_ROWS_L2 = 3 };

static int split_fit_by_rows(const rl_compute *cx, size_t rows, size_t weight_bytes)
{
    const rl_pool *p = cx ? cx->pool : NULL;
    return p && rows >= 2 * SHARE_ROWS * (size_t)rl__pool_threads(p) &&
           weight_bytes / FIT_ROWS_L2 <= rl__pool_private_cache(p);
}

/* A forward-only pass (predict, evaluate) split by rows up to the fit's
 * limit while the pool's cores are far apart (rl__pool_handoff_ns at
 * RL_POOL_FAR_HANDOFF_NS or more): there the hand-over of h at every step
 * costs more than each thread reading all of weights that do not fit its
 * L2. Paired on AMD Zen 5 with the round trip
 * at 364-448 ns (pair_builds --mode fwd --threads 2, 80 pairs, median new /
 * old): GRU(256) I = 1 0.92, I = 64 0.94; LSTM(256) I = 1 0.96, I = 64
 * 1.00; at H = 512 (past the limit, weights 3.2-4.7 MB) rows gained
 * nothing (0.99-1.00). Near cores keep split_by_rows: on the Xeon,
 * LSTM(512) I = 64 by rows 1.80-1.89x against 1.83-1.91x by units. */
static int split_forward_by_rows(const rl_compute *cx, size_t rows, size_t weight_bytes)
{
    const rl_pool *p = cx ? cx->pool : NULL;
    if (rl__pool_handoff_ns(p) >= RL_POOL_FAR_HANDOFF_NS)
        return split_fit_by_rows(cx, rows, weight_bytes);
    return split_by_rows(cx, rows, weight_bytes);
}

/* The layers' struct is the kernels' here (real is float, compute.h):
 * passed as it is. A copy into the kernels' type cost a stalled load of
 * each field just stored (no store forwarding across the layers' stores). */
#define ROW_STEP(cx, fn, s) pointwise_of(cx)->fn(s)
#define ROW_HEAD_MAX(cx) pointwise_of(cx)->row_head_max

void rl__gemm(const rl_compute *cx, size_t m, size_t n, size_t k,
              const real *a, size_t a_rs, size_t a_cs,
              const real *b, size_t ldb, real *c, size_t ldc, int accumulate)
{
    const rl_kernels *kern = kernels_of(cx);
    if (m == 0 || n == 0)
        return;
    if (cx && cx->pool) {
        rl__pool_gemm(cx->pool, kern->gemm, m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
        return;
    }
    kern->gemm(m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, accumulate);
}

/* ---- B packed once: both calls split over panels, so a thread's share of
 * B is whole panels and its share of C whole panel columns. */

size_t rl__packed_size(size_t k, size_t n, int *ok)
{
    const size_t pad = RL_PACK_PANEL_MAX - 1;
    if (n > (size_t)-1 - pad) {
        *ok = 0;
        return 0;
    }
    return rl__mul(k, (n + pad) / RL_PACK_PANEL_MAX * RL_PACK_PANEL_MAX, ok);
}

typedef struct packed_job {
    const rl_kernels *kern;
    size_t m, n, k;
    const float *a;
    size_t a_rs, a_cs;
    const float *b;        /* pack: the source */
    size_t b_rs, b_cs;
    float *packed;         /* pack: the destination; gemm: the panels */
    float *c;
    size_t ldc;
    int accumulate;
} packed_job;

/* Ranges [c0, c1) of columns from rl__parallel_for: c0 is a multiple of
 * the panel (the grain), so the range's panels start at c0 * k. */
static void pack_columns(void *ctx, size_t c0, size_t c1)
{
    const packed_job *j = ctx;
    j->kern->pack_b(j->packed + c0 * j->k, j->k, c1 - c0, j->b + c0 * j->b_cs, j->b_rs, j->b_cs);
}

static void gemm_columns(void *ctx, size_t c0, size_t c1)
{
    const packed_job *j = ctx;
    j->kern->gemm_packed(j->m, c1 - c0, j->k, j->a, j->a_rs, j->a_cs, j->packed + c0 * j->k,
                         j->c + c0, j->ldc, j->accumulate);
}

void rl__pack_b(const rl_compute *cx, real *dst, size_t k, size_t n,
                const real *b, size_t b_rs, size_t b_cs)
{
    const rl_kernels *kern = kernels_of(cx);
    packed_job j = { .kern = kern, .n = n, .k = k, .b = b, .b_rs = b_rs, .b_cs = b_cs,
                     .packed = dst };
    /* A packed element costs a strided load and a store, some 64
     * multiply-adds' time (U^T of SimpleRNN(256): 74 us on the caller alone
     * while the worker waited, ~3 % of a two-thread fit step). As shares,
     * each thread packs the same panels at every call. */
    const size_t elems = k * n;
    const size_t work = elems > (size_t)-1 / PACK_WORK ? (size_t)-1 : elems * PACK_WORK;
    rl__parallel_for_shares(cx, n, kern->panel, work, pack_columns, &j);
}

static void gemm_rows(void *ctx, size_t r0, size_t r1)
{
    const packed_job *j = ctx;
    j->kern->gemm_packed(r1 - r0, j->n, j->k, j->a + r0 * j->a_rs, j->a_rs, j->a_cs, j->packed,
                         j->c + r0 * j->ldc, j->ldc, j->accumulate);
}

/* By rows when B fits in each thread's cache (split_by_rows): the steps of
 * a backward read rows of A (dz) that the same thread wrote just before. */
void rl__gemm_packed(const rl_compute *cx, size_t m, size_t n, size_t k,
                     const real *a, size_t a_rs, size_t a_cs,
                     const real *packed, real *c, size_t ldc, int accumulate)
{
    const rl_kernels *kern = kernels_of(cx);
    if (m == 0 || n == 0)
        return;
    packed_job j = { .kern = kern, .m = m, .n = n, .k = k, .a = a, .a_rs = a_rs, .a_cs = a_cs,
                     .packed = (float *)packed, .c = c, .ldc = ldc, .accumulate = accumulate };
    int ok = 1;
    const size_t b_bytes = rl__packed_size(k, n, &ok) * sizeof(float);
    const size_t work = m * n * (k ? k : 1);
    if (ok && split_by_rows(cx, m, b_bytes))
        rl__parallel_for_shares(cx, m, SHARE_ROWS, work, gemm_rows, &j);
    else
        rl__parallel_for_large(cx, n, kern->panel, work, gemm_columns, &j);
}

_Static_assert(RL_PF_REGIONS == RL_PREFETCH_REGIONS, "compute.h mirrors kernels.h");

void rl__gemm_packed_pf(const rl_compute *cx, size_t m, size_t n, size_t k,
                        const real *a, size_t a_rs, size_t a_cs,
                        const real *packed, real *c, size_t ldc, int accumulate,
                        const rl_pf_src *pf)
{
    if (!pf || rl__pool_threads(cx ? cx->pool : NULL) > 1) {   /* split: whose regions? */
        rl__gemm_packed(cx, m, n, k, a, a_rs, a_cs, packed, c, ldc, accumulate);
        return;
    }
    rl_prefetch regions;
    for (size_t r = 0; r < RL_PREFETCH_REGIONS; r++) {
        regions.p[r] = pf->p[r];
        regions.bytes[r] = pf->bytes[r];
    }
    kernels_of(cx)->gemm_packed_pf(m, n, k, a, a_rs, a_cs, packed, c, ldc, accumulate, &regions);
}

/* ---- narrow B (lane8): the path's narrow layout when it takes (k, n) */

static int narrow_takes(const rl_kernels *kern, size_t k, size_t n)
{
    return kern->narrow_floats && kern->narrow_floats(k, n) != 0;
}

void rl__pack_narrow(const rl_compute *cx, real *dst, size_t k, size_t n,
                     const real *b, size_t b_rs, size_t b_cs)
{
    const rl_kernels *kern = kernels_of(cx);
    if (narrow_takes(kern, k, n))
        kern->narrow_pack(dst, k, n, b, b_rs, b_cs);   /* at most 3 x 16 + 2 columns: small */
    else
        rl__pack_b(cx, dst, k, n, b, b_rs, b_cs);
}

typedef struct narrow_job {
    const rl_kernels *kern;
    size_t n, k;
    const float *a;
    size_t lda;
    const float *packed;
    float *c;
    size_t ldc;
    int accumulate;
} narrow_job;

static void narrow_rows(void *ctx, size_t r0, size_t r1)
{
    const narrow_job *j = ctx;
    j->kern->narrow_gemm(r1 - r0, j->n, j->k, j->a + r0 * j->lda, j->lda, j->packed,
                         j->c + r0 * j->ldc, j->ldc, j->accumulate, NULL);
}

void rl__gemm_narrow_pf(const rl_compute *cx, size_t m, size_t n, size_t k,
                        const real *a, size_t lda, const real *packed, real *c, size_t ldc,
                        int accumulate, const rl_pf_src *pf)
{
    const rl_kernels *kern = kernels_of(cx);
    if (!narrow_takes(kern, k, n)) {
        rl__gemm_packed_pf(cx, m, n, k, a, lda, 1, packed, c, ldc, accumulate, pf);
        return;
    }
    if (m == 0 || n == 0)
        return;
    if (!pf || rl__pool_threads(cx ? cx->pool : NULL) > 1) {   /* split: whose regions? */
        narrow_job j = { kern, n, k, a, lda, packed, c, ldc, accumulate };
        rl__parallel_for_shares(cx, m, SHARE_ROWS, m * n * (k ? k : 1), narrow_rows, &j);
        return;
    }
    rl_prefetch regions;
    for (size_t r = 0; r < RL_PREFETCH_REGIONS; r++) {
        regions.p[r] = pf->p[r];
        regions.bytes[r] = pf->bytes[r];
    }
    kern->narrow_gemm(m, n, k, a, lda, packed, c, ldc, accumulate, &regions);
}

/* ---- A read transposed: split by rows, each thread packing its own rows
 * of each k block into its own part of work (rows [i0, i1) use
 * work[i0 K, i1 K), K = RL_GEMM_AT_KBLOCK_MAX); or, on two threads, by
 * columns, each share packing all of A^T into a part of its own
 * (gemm_at_run): work holds AT_COLUMN_SHARES packs. */
enum { AT_COLUMN_SHARES = 2 };

/* One pack of A^T for m rows of C (rl__gemm_at_floats, size-checked). */
static size_t at_pack_size(size_t m, int *ok)
{
    return rl__mul(m, RL_GEMM_AT_KBLOCK_MAX, ok);
}

size_t rl__gemm_at_size(size_t m, int *ok)
{
    return rl__mul(AT_COLUMN_SHARES, at_pack_size(m, ok), ok);
}

typedef struct at_job {
    const rl_kernels *kern;
    size_t m, n, k;
    rl_at_a a;
    const float *b;
    size_t ldb;
    float *c;
    size_t ldc;
    int accumulate;
    float *work;
    size_t skip;   /* the first k rows, where A's rows [end1, end2) are zero (h0_rows) */
} at_job;

/* A's rows from k row ks on. */
static rl_at_a at_a_from_k(const rl_at_a *a, size_t ks)
{
    rl_at_a r = *a;
    r.a1 = a->a1 ? a->a1 + ks * a->lda1 : NULL;
    r.a2 = a->a2 ? a->a2 + ks * a->lda2 : NULL;
    return r;
}

/* Rows [i0, i1) of C = A^T B (+ C), every product computed. */
static void gemm_at_all(const at_job *j, size_t i0, size_t i1)
{
    if (i1 <= i0)
        return;
    const rl_at_a a = rl__at_a_from(&j->a, i0);
    j->kern->gemm_at(i1 - i0, j->n, j->k, &a, j->b, j->ldb, j->c + i0 * j->ldc, j->ldc,
                     j->accumulate, j->work + rl__gemm_at_floats(i0));
}

/* Rows [i0, i1) of C = A^T B without the products of the first j->skip k
 * rows' zero rows [end1, end2) of A (h_{-1} of a forward from the zero
 * state; rl__weight_grad): the x rows and the ones rows over those k rows
 * alone, the h and zero rows from +0 (what a chain of zero products gives:
 * fma(0, d, +0) = +0 for finite d), then every row over the rest of k,
 * accumulating. Each element's chain is the whole product's, so are the
 * bits; on the caller over all rows, or a thread's rows inside a pool
 * job, alike. C is overwritten (accumulate 0: the skip needs a chain from
 * 0). */
static void gemm_at_range(const at_job *j, size_t i0, size_t i1)
{
    static const float one = 1.0f;
    if (i1 <= i0)
        return;
    const rl_at_a a = rl__at_a_from(&j->a, i0);
    const size_t m = i1 - i0, n = j->n;
    if (j->skip == 0 || a.end2 == a.end1) {   /* nothing skipped, or no h rows here */
        gemm_at_all(j, i0, i1);
        return;
    }
    const size_t skip = j->skip < j->k ? j->skip : j->k;
    float *c = j->c + i0 * j->ldc;
    const size_t end1 = a.end1 < m ? a.end1 : m, end0 = a.end0 < m ? a.end0 : m;
    if (end1) {
        const rl_at_a x_rows = { .a1 = a.a1, .lda1 = a.lda1, .end1 = end1, .end2 = end1,
                                 .end0 = end1 };
        j->kern->gemm_at(end1, n, skip, &x_rows, j->b, j->ldb, c, j->ldc, 0,
                         j->work + rl__gemm_at_floats(i0));
    }
    for (size_t i = end1; i < end0; i++)
        memset(c + i * j->ldc, 0, n * sizeof(float));
    for (size_t i = end0; i < m; i++)   /* the ones row: rl__col_sums' product */
        j->kern->gemm(1, n, skip, &one, 0, 0, j->b, j->ldb, c + i * j->ldc, j->ldc, 0);
    if (j->k > skip) {
        at_job rest = *j;
        rest.k = j->k - skip;
        rest.b = j->b + skip * j->ldb;
        rest.a = at_a_from_k(&j->a, skip);
        rest.accumulate = 1;
        gemm_at_all(&rest, i0, i1);
    }
}

/* The rows of a long-k product split by cost, in units of 1/16 row: a row
 * read from x (the first a.end1) costs AT_X_COST (measured, SimpleRNN(256),
 * I = 64: x's 64 floats a step are one sequential stream, each thread's
 * part of h a strided one), any other row 16, and a last ragged row tile
 * of 1-3 rows (the bias row of [x^T; h^T; 1] dZ, m = in + u + 1) runs at
 * half speed or less (too few independent fma chains to hide their
 * latency): AT_TAIL_COST in all. Equal blocks of 8-row multiples
 * (SimpleRNN(256), I = 64: rows 0-159 and 160-320, the 1-row tile in the
 * second) left the second thread 1.08-1.10x as long in the product as
 * the first (perf, 3 runs), which waited; split at 164, 0.97-1.03x. The
 * shares are ranges of units mapped back to rows on multiples of AT_ROWS
 * (the same unit gives the same row: the shares tile [0, m); where the
 * row tiles fall never changes an element's chain). */
enum { AT_ROWS = SHARE_ROWS / 2, AT_X_COST = 15, AT_ROW_COST = 16, AT_TAIL_COST = 64 };

typedef struct at_costs {
    size_t x_end, body_end, tail;   /* rows: x, then others to body_end, then the tail */
    size_t x_units, body_units, units;
} at_costs;

static at_costs at_costs_of(size_t m, size_t end1)
{
    at_costs k;
    k.x_end = end1 < m ? end1 : m;
    k.tail = m > SHARE_ROWS && m % SHARE_ROWS < AT_ROWS ? m % SHARE_ROWS : 0;
    if (m - k.x_end < k.tail)
        k.tail = 0;
    k.body_end = m - k.tail;
    k.x_units = k.x_end * AT_X_COST;
    k.body_units = k.x_units + (k.body_end - k.x_end) * AT_ROW_COST;
    k.units = k.body_units + (k.tail ? AT_TAIL_COST : 0);
    return k;
}

static size_t at_row_of_cost(const at_job *j, size_t c)
{
    const size_t m = j->m;
    const at_costs k = at_costs_of(m, j->a.end1);
    if (c >= k.units)
        return m;
    size_t r = c <= k.x_units      ? c / AT_X_COST
               : c <= k.body_units ? k.x_end + (c - k.x_units) / AT_ROW_COST
                                   : k.body_end + (c - k.body_units) * k.tail / AT_TAIL_COST;
    r = (r + AT_ROWS / 2) / AT_ROWS * AT_ROWS;
    return r < m ? r : m;
}

static void gemm_at_cost_rows(void *ctx, size_t c0, size_t c1)
{
    const at_job *j = ctx;
    gemm_at_range(j, at_row_of_cost(j, c0), at_row_of_cost(j, c1));
}

/* Two threads, C wider than tall (n > m: an LSTM's or GRU's gates, n =
 * 4u or 3u against m = in + u + 1): each thread takes half of C's columns
 * and so reads half of B (dZ, the largest array of the backward: 13 MB at
 * LSTM(256), T = 50, batch 64) and all of A (x, h: 3.3 MB), where by C's
 * rows each read all of B and half of A. Each share packs A^T into its own
 * part of work (rl__gemm_at_size: AT_COLUMN_SHARES of them); an element's
 * chain is the same either way, so are the bits. On AMD Zen 5 with the
 * cores far apart (round trip 350-450 ns), the layer's weight gradient
 * timed inside two-thread fit steps took 0.91 (LSTM(256) I = 1), 0.98
 * (I = 64), 0.92 (LSTM(512) I = 1) and 0.98 (I = 64) of its time by rows;
 * whole fit steps, paired builds, 0.99-1.03 far and 0.94-1.01 near. More
 * threads: by rows (one pack area each would grow with the thread
 * count). A share is one block (rl__parallel_for_shares: at most one per
 * thread), so the second is the one that starts past column 0. */
enum { AT_COL_GRAIN = 16 };   /* columns: one AVX-512 vector, so B's shares start on a line */

typedef struct at_cols_job {
    at_job whole;
    real *work2;   /* the second share's pack of A^T */
} at_cols_job;

static void gemm_at_cols(void *ctx, size_t c0, size_t c1)
{
    const at_cols_job *cj = ctx;
    at_job j = cj->whole;
    j.b += c0;
    j.c += c0;
    j.n = c1 - c0;
    if (c0 != 0)
        j.work = cj->work2;
    gemm_at_range(&j, 0, j.m);
}

static int at_by_columns(const rl_compute *cx, size_t m, size_t n)
{
    return rl__pool_threads(cx ? cx->pool : NULL) == AT_COLUMN_SHARES && n > m &&
           n >= AT_COLUMN_SHARES * AT_COL_GRAIN;
}

static void gemm_at_run(const rl_compute *cx, size_t m, size_t n, size_t k, const rl_at_a *a,
                        const real *b, size_t ldb, real *c, size_t ldc, int accumulate,
                        size_t skip, real *work)
{
    const rl_kernels *kern = kernels_of(cx);
    if (m == 0 || n == 0)
        return;
    at_job j = { .kern = kern, .m = m, .n = n, .k = k, .a = *a, .b = b, .ldb = ldb, .c = c,
                 .ldc = ldc, .accumulate = accumulate, .work = work, .skip = skip };
    if (at_by_columns(cx, m, n)) {
        at_cols_job cj = { j, work + rl__gemm_at_floats(m) };
        rl__parallel_for_shares(cx, n, AT_COL_GRAIN, m * n * (k ? k : 1), gemm_at_cols, &cj);
        return;
    }
    /* One block of rows per thread: each block streams all of B (k x n,
     * dZ of every step), so blocks of 24 rows each read it again (dU of
     * SimpleRNN(256): 1.1x on two threads in 11 blocks, 1.8x in 2). */
    rl__parallel_for_shares(cx, at_costs_of(m, a->end1).units, AT_ROW_COST, m * n * (k ? k : 1),
                            gemm_at_cost_rows, &j);
}

void rl__gemm_at(const rl_compute *cx, size_t m, size_t n, size_t k, const real *a, size_t lda,
                 const real *b, size_t ldb, real *c, size_t ldc, int accumulate, real *work)
{
    const rl_at_a rows = { .a1 = a, .lda1 = lda, .end1 = m, .end2 = m, .end0 = m };
    gemm_at_run(cx, m, n, k, &rows, b, ldb, c, ldc, accumulate, 0, work);
}

static rl_at_a at_a_of(const rl_at_src *a)
{
    const rl_at_a r = { .a1 = a->a1, .lda1 = a->lda1, .end1 = a->end1, .a2 = a->a2,
                        .lda2 = a->lda2, .end2 = a->end2, .end0 = a->end0 };
    return r;
}

void rl__gemm_at_rows(const rl_compute *cx, size_t m, size_t n, size_t k, const rl_at_src *a,
                      const real *b, size_t ldb, real *c, size_t ldc, int accumulate,
                      real *work)
{
    const rl_at_a rows = at_a_of(a);
    gemm_at_run(cx, m, n, k, &rows, b, ldb, c, ldc, accumulate, 0, work);
}

void rl__weight_grad(const rl_compute *cx, size_t m, size_t n, size_t k, size_t h0_rows,
                     const rl_at_src *a, const real *b, size_t ldb, real *c, size_t ldc,
                     real *work)
{
    const rl_at_a rows = at_a_of(a);
    gemm_at_run(cx, m, n, k, &rows, b, ldb, c, ldc, 0, h0_rows, work);
}
#endif

/* ---- a weight gradient in two fixed halves of k (compute.h) -------------
 * Why: on two threads, a split of [x^T; h^T; 1] dZ by C's rows has each
 * thread stream all of B (dZ, 3.2 MiB at SimpleRNN(256), T = 50, batch
 * 64) and pack all of its panels, by C's columns all of A: the two halves
 * run one after the other took 1.11-1.14x the whole on one thread, and
 * SimpleRNN(256)'s two-thread training step stayed at 1.60-1.78x. One
 * chain per element over all of k cannot be split by k; two chains, one
 * per fixed half of the time steps, summed once, can: each thread then
 * reads half of A and half of B once, and one thread pays only the sum of
 * the halves (m n additions). The halves are the shape's (ceil(T/2)
 * steps, then the rest), so the bits do not depend on the thread count;
 * they differ from one chain over all of k by that one rounding per
 * element, on every kernel path alike. Products under AT_HALVES_MIN_WORK
 * multiply-adds keep one chain (there a second thread does not pay). */
enum { AT_HALVES_MIN_WORK = 1 << 24, WORK_ADD_HALVES = 4 };

size_t rl__gemm_at_halves_split(size_t m, size_t n, size_t steps, size_t batch)
{
    int ok = 1;
    const size_t work = rl__mul(rl__mul(m, n, &ok), rl__mul(steps, batch, &ok), &ok);
    if (steps < 2 || !ok || work < AT_HALVES_MIN_WORK)
        return 0;
    return (steps + 1) / 2 * batch;
}

typedef struct add_halves_job {
    real *c;
    size_t ldc;
    const real *second;   /* [m][n] */
    size_t n;
} add_halves_job;

static void add_halves_rows(void *ctx, size_t r0, size_t r1)
{
    const add_halves_job *j = ctx;
    for (size_t i = r0; i < r1; i++) {
        real *restrict ci = j->c + i * j->ldc;
        const real *restrict si = j->second + i * j->n;
        for (size_t col = 0; col < j->n; col++)
            ci[col] += si[col];
    }
}

static void add_halves(const rl_compute *cx, size_t m, size_t n, real *c, size_t ldc,
                       const real *second)
{
    add_halves_job j = { c, ldc, second, n };
    rl__parallel_for_shares(cx, m, 1, m * n * WORK_ADD_HALVES, add_halves_rows, &j);
}

#ifdef RL_REAL_DOUBLE
/* The gradient checks' double: the whole product (skipped or not, zero
 * products leave the same values). */
void rl__weight_grad(const rl_compute *cx, size_t m, size_t n, size_t k, size_t h0_rows,
                     const rl_at_src *a, const real *b, size_t ldb, real *c, size_t ldc,
                     real *work)
{
    (void)h0_rows;
    rl__gemm_at_rows(cx, m, n, k, a, b, ldb, c, ldc, 0, work);
}

size_t rl__gemm_at_halves_size(size_t m, size_t n, int *ok)
{
    return rl__mul(m, n, ok);
}

/* A's rows from k row ks on (the second half). */
static rl_at_src at_src_from_k(const rl_at_src *a, size_t ks)
{
    rl_at_src r = *a;
    r.a1 = a->a1 ? a->a1 + ks * a->lda1 : NULL;
    r.a2 = a->a2 ? a->a2 + ks * a->lda2 : NULL;
    return r;
}

void rl__gemm_at_rows_halves(const rl_compute *cx, size_t m, size_t n, size_t k, size_t ks,
                             size_t h0_rows, const rl_at_src *a, const real *b, size_t ldb,
                             real *c, size_t ldc, real *work)
{
    (void)h0_rows;   /* zero products: the same values either way */
    if (ks == 0 || ks >= k) {
        rl__gemm_at_rows(cx, m, n, k, a, b, ldb, c, ldc, 0, work);
        return;
    }
    const rl_at_src second = at_src_from_k(a, ks);
    rl__gemm_at_rows(cx, m, n, ks, a, b, ldb, c, ldc, 0, NULL);
    rl__gemm_at_rows(cx, m, n, k - ks, &second, b + ks * ldb, ldb, work, n, 0, NULL);
    add_halves(cx, m, n, c, ldc, work);
}
#else
size_t rl__gemm_at_halves_size(size_t m, size_t n, int *ok)
{
    /* one pack of A^T per half (gemm_at_halves), then the second half's C */
    const size_t packs = rl__mul(2, at_pack_size(m, ok), ok);
    const size_t second = rl__mul(m, n, ok);
    if (packs + second < packs)
        *ok = 0;
    return packs + second;
}

typedef struct at_halves_job {
    at_job half[2];   /* the first skips h0_rows' zero h rows (gemm_at_range) */
    size_t units;   /* cost units of one half's rows (at_costs_of) */
} at_halves_job;

/* Cost units [c0, c1) of the two halves laid end to end: [0, units) the
 * first half's rows, [units, 2 units) the second's (rows by cost, as
 * gemm_at_cost_rows). */
static void gemm_at_halves(void *ctx, size_t c0, size_t c1)
{
    const at_halves_job *j = ctx;
    const size_t u = j->units;
    if (c0 < u)
        gemm_at_range(&j->half[0], at_row_of_cost(&j->half[0], c0),
                      at_row_of_cost(&j->half[0], c1 < u ? c1 : u));
    if (c1 > u)
        gemm_at_range(&j->half[1], at_row_of_cost(&j->half[1], (c0 > u ? c0 : u) - u),
                      at_row_of_cost(&j->half[1], c1 - u));
}

void rl__gemm_at_rows_halves(const rl_compute *cx, size_t m, size_t n, size_t k, size_t ks,
                             size_t h0_rows, const rl_at_src *a, const real *b, size_t ldb,
                             real *c, size_t ldc, real *work)
{
    if (ks == 0 || ks >= k) {
        rl__gemm_at_rows(cx, m, n, k, a, b, ldb, c, ldc, 0, work);
        return;
    }
    if (m == 0 || n == 0)
        return;
    const rl_kernels *kern = kernels_of(cx);
    const rl_at_a whole = at_a_of(a);
    real *second = work + 2 * rl__gemm_at_floats(m);
    at_halves_job j = { .half = {
        { .kern = kern, .m = m, .n = n, .k = ks, .a = whole, .b = b, .ldb = ldb, .c = c,
          .ldc = ldc, .accumulate = 0, .work = work, .skip = h0_rows },
        { .kern = kern, .m = m, .n = n, .k = k - ks, .a = at_a_from_k(&whole, ks),
          .b = b + ks * ldb, .ldb = ldb, .c = second, .ldc = n, .accumulate = 0,
          .work = work + rl__gemm_at_floats(m) },
    }, .units = at_costs_of(m, a->end1).units };
    /* Two threads: one half each (a grain per half), the same half on the
     * same thread. More: each half's rows split further, a thread's block
     * in one half or across the two (as many blocks as threads, not two). */
    const unsigned threads = rl__pool_threads(cx ? cx->pool : NULL);
    rl__parallel_for_shares(cx, 2 * j.units, threads <= 2 ? j.units : AT_ROW_COST, m * n * k,
                            gemm_at_halves, &j);
    add_halves(cx, m, n, c, ldc, second);
}
#endif

void rl__col_sums(const rl_compute *cx, real *sums, const real *d, size_t rows, size_t n)
{
    static const real one = 1;
    rl__gemm(cx, 1, n, rows, &one, 0, 0, d, n, sums, n, 0);
}

/* ---- element-wise math: kernels/cell_math.h, in float on the kernel path
 * of the matrix products, in double for the gradient checks ------------- */

#ifdef RL_REAL_DOUBLE
void rl__activate_n(const rl_compute *cx, int act, const real *x, real *y, size_t n)
{
    POINTWISE(cx, activate)(act, x, y, n);
}

void rl__lstm_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *c_prev,
                   real *c, real *ac, real *h, int act, int ract)
{
    POINTWISE(cx, lstm_cell)(batch, u, z, c_prev, c, ac, h, act, ract);
}

void rl__gru_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *rec,
                  const real *h_prev, real *h, int act, int ract)
{
    POINTWISE(cx, gru_cell)(batch, u, z, rec, h_prev, h, act, ract);
}

void rl__act_backward(const rl_compute *cx, int act, const real *y, const real *dh,
                      const real *dy, real *dz, size_t n)
{
    POINTWISE(cx, act_backward)(act, y, dh, dy, dz, n);
}

void rl__lstm_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                            const real *c_prev, const real *ac, const real *dy, const real *dh,
                            real *dc, real *dz, int act, int ract)
{
    POINTWISE(cx, lstm_cell_backward)(batch, u, gates, c_prev, ac, dy, dh, dc, dz, act, ract);
}

void rl__gru_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                           const real *rec, const real *h_prev, const real *dy, real *dh,
                           real *dzx, real *drec, int act, int ract)
{
    POINTWISE(cx, gru_cell_backward)(batch, u, gates, rec, h_prev, dy, dh, dzx, drec, act, ract);
}

#else
/* Split over the pool: the cells by batch rows, the flat passes by whole
 * vectors (VEC floats), so every element goes through the same kernel
 * code at the same lane as in one call, and the bits cannot depend on the
 * thread count. The work of one element, in multiply-adds of a product
 * (what the pool's thresholds count), as measured single-threaded on AVX-512
 * with bench_breakdown (B = 64, H = 64 and 256): the pool then hands off
 * only what costs about as much as a product it would split. */
enum {
    VEC = 16,                  /* floats of the widest vector: flat blocks start on one */
    WORK_ACT = 24,             /* tanh / sigmoid of one element */
    WORK_ACT_BACKWARD = 12,
    WORK_LSTM_CELL = 128,      /* per unit: 4 activations, 3 products */
    WORK_GRU_CELL = 80,
    WORK_LSTM_CELL_BACKWARD = 64,
    WORK_GRU_CELL_BACKWARD = 512,
};

typedef struct pw_job {
    const rl_pointwise *pw;
    int act, ract;
    size_t u;
    const float *x, *y, *dy, *c_prev, *ac, *rec, *h_prev, *gates;
    float *out, *z, *c, *acw, *h, *dh, *dc, *dz, *dzx, *drec;
} pw_job;

static void activate_range(void *ctx, size_t i0, size_t i1)
{
    const pw_job *j = ctx;
    j->pw->activate(j->act, j->x + i0, j->out + i0, i1 - i0);
}

static void act_backward_range(void *ctx, size_t i0, size_t i1)
{
    const pw_job *j = ctx;
    j->pw->act_backward(j->act, j->y + i0, j->dh + i0, j->dy ? j->dy + i0 : NULL, j->dz + i0,
                        i1 - i0);
}

static void lstm_rows(void *ctx, size_t b0, size_t b1)
{
    const pw_job *j = ctx;
    const size_t u = j->u;
    j->pw->lstm_cell(b1 - b0, u, j->z + b0 * 4 * u, j->c_prev + b0 * u, j->c + b0 * u,
                     j->acw + b0 * u, j->h + b0 * u, j->act, j->ract);
}

static void gru_rows(void *ctx, size_t b0, size_t b1)
{
    const pw_job *j = ctx;
    const size_t u = j->u;
    j->pw->gru_cell(b1 - b0, u, j->z + b0 * 3 * u, j->rec + b0 * 3 * u, j->h_prev + b0 * u,
                    j->h + b0 * u, j->act, j->ract);
}

static void lstm_backward_rows(void *ctx, size_t b0, size_t b1)
{
    const pw_job *j = ctx;
    const size_t u = j->u;
    j->pw->lstm_cell_backward(b1 - b0, u, j->gates + b0 * 4 * u, j->c_prev + b0 * u,
                              j->ac + b0 * u, j->dy ? j->dy + b0 * u : NULL, j->dh + b0 * u,
                              j->dc + b0 * u, j->dz + b0 * 4 * u, j->act, j->ract);
}

static void gru_backward_rows(void *ctx, size_t b0, size_t b1)
{
    const pw_job *j = ctx;
    const size_t u = j->u;
    j->pw->gru_cell_backward(b1 - b0, u, j->gates + b0 * 3 * u, j->rec + b0 * 3 * u,
                             j->h_prev + b0 * u, j->dy ? j->dy + b0 * u : NULL, j->dh + b0 * u,
                             j->dzx + b0 * u, j->drec + b0 * 3 * u, j->act, j->ract);
}

void rl__activate_n(const rl_compute *cx, int act, const real *x, real *y, size_t n)
{
    pw_job j = { .pw = pointwise_of(cx), .act = act, .x = x, .out = y };
    rl__parallel_for(cx, n, VEC, n * WORK_ACT, activate_range, &j);
}

void rl__lstm_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *c_prev,
                   real *c, real *ac, real *h, int act, int ract)
{
    pw_job j = { .pw = pointwise_of(cx), .act = act, .ract = ract, .u = u, .z = z,
                 .c_prev = c_prev, .c = c, .acw = ac, .h = h };
    rl__parallel_for(cx, batch, 1, batch * u * WORK_LSTM_CELL, lstm_rows, &j);
}

void rl__gru_cell(const rl_compute *cx, size_t batch, size_t u, real *z, const real *rec,
                  const real *h_prev, real *h, int act, int ract)
{
    pw_job j = { .pw = pointwise_of(cx), .act = act, .ract = ract, .u = u, .z = z, .rec = rec,
                 .h_prev = h_prev, .h = h };
    rl__parallel_for(cx, batch, 1, batch * u * WORK_GRU_CELL, gru_rows, &j);
}

void rl__act_backward(const rl_compute *cx, int act, const real *y, const real *dh,
                      const real *dy, real *dz, size_t n)
{
    pw_job j = { .pw = pointwise_of(cx), .act = act, .y = y, .dh = (float *)dh, .dy = dy,
                 .dz = dz };
    rl__parallel_for_shares(cx, n, VEC, n * WORK_ACT_BACKWARD, act_backward_range, &j);
}

void rl__lstm_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                            const real *c_prev, const real *ac, const real *dy, const real *dh,
                            real *dc, real *dz, int act, int ract)
{
    pw_job j = { .pw = pointwise_of(cx), .act = act, .ract = ract, .u = u, .gates = gates,
                 .c_prev = c_prev, .ac = ac, .dy = dy, .dh = (float *)dh, .dc = dc, .dz = dz };
    rl__parallel_for_shares(cx, batch, SHARE_ROWS, batch * u * WORK_LSTM_CELL_BACKWARD,
                            lstm_backward_rows, &j);
}

void rl__gru_cell_backward(const rl_compute *cx, size_t batch, size_t u, const real *gates,
                           const real *rec, const real *h_prev, const real *dy, real *dh,
                           real *dzx, real *drec, int act, int ract)
{
    pw_job j = { .pw = pointwise_of(cx), .act = act, .ract = ract, .u = u, .gates = gates,
                 .rec = rec, .h_prev = h_prev, .dy = dy, .dh = dh, .dzx = dzx, .drec = drec };
    rl__parallel_for_shares(cx, batch, SHARE_ROWS, batch * u * WORK_GRU_CELL_BACKWARD,
                            gru_backward_rows, &j);
}
#endif

void rl__lstm_row(const rl_compute *cx, const rl_row_step *s)
{
    ROW_STEP(cx, lstm_row, s);
}

void rl__gru_row(const rl_compute *cx, const rl_row_step *s)
{
    ROW_STEP(cx, gru_row, s);
}

void rl__rnn_row(const rl_compute *cx, const rl_row_step *s)
{
    ROW_STEP(cx, rnn_row, s);
}

size_t rl__row_head_max(const rl_compute *cx)
{
    return ROW_HEAD_MAX(cx);
}

int rl__row_pack_pays(size_t rec_bytes)
{
#ifdef RL_REAL_DOUBLE
    (void)rec_bytes;
    return 1;
#else
    const size_t l1d = rl__l1d_bytes();
    return !(l1d && rec_bytes > l1d);
#endif
}

/* ---- one time step of a recurrent layer ---------------------------------- */

/* One row (a one-sample predict, each step of rl_forecast) runs the fused
 * one-row step (rl__lstm_row and kin) on U as it is: packing U for the
 * batched fused step once per forward costs more than the one row's steps
 * gain from it (LSTM(50) predict1 4.1 -> 6.1 us with the pack). A row big
 * enough for the pool to split it keeps the batched path, split by unit
 * blocks: from 2^18 multiply-adds a step when there is a pool (it splits
 * those while a worker spins), from 2^21 without. Same bits either way. */
enum { ROW_STEP_MAX_WORK = 1 << 21, ROW_STEP_MAX_WORK_POOL = 1 << 18 };

static int row_step_runs(const rl_compute *cx, const rl_cell_step *s, unsigned gates)
{
    const size_t work = (size_t)gates * s->u * (s->u + s->in);
    return s->batch == 1 &&
           work < (cx && cx->pool ? (size_t)ROW_STEP_MAX_WORK_POOL : (size_t)ROW_STEP_MAX_WORK);
}

static rl_row_step row_of(const rl_cell_step *s)
{
    return (rl_row_step){
        .units = s->u, .in = s->x ? s->in : 0, .start = s->x ? s->bias : s->z, .x = s->x,
        .kernel = s->kernel, .rec = s->rec_kernel, .h_prev = s->h_prev, .h = s->h,
        .c_prev = s->c_prev, .c = s->c, .gates = s->z, .ac = s->ac, .rec_start = s->rec_bias,
        .rec_out = s->rec, .fresh = !s->recurrent, .flip = s->flip, .act = s->act,
        .ract = s->ract,
    };
}

enum { PACK_ROUND = 32 };   /* units per block of the widest path (AVX-512 SimpleRNN) */

/* Input widths at and below which the input is folded into the step (each
 * tile starts from the bias and runs x W before h U) instead of one
 * projection over all steps into z: measured with bench/bench_fused (B =
 * 64, H = 50 to 256), folding wins 3-15 % up to I = 64 (ties within 1 % at
 * worst) and is mixed above (docs/performance.md, "Fused forward step"). */
enum { FOLD_MAX_IN = 64 };

size_t rl__step_chain_floats(size_t batch, size_t u, int *ok)
{
    /* a row's FS_MAX_Q (4) vectors of up to 16 lanes, per block of units */
    if (u > (size_t)-1 - 16) {
        *ok = 0;
        return 0;
    }
    return rl__mul(rl__mul(batch, 4, ok), (u + 15) / 16 * 16, ok);
}

size_t rl__step_pack_floats(size_t in, size_t u, unsigned gates)
{
    size_t width = (u + PACK_ROUND - 1) / PACK_ROUND * PACK_ROUND;
    return (u + in + 2) * gates * width;
}

/* The trivial fallback: fill + products + cell, exactly today's sequence. */
static void fill_rows(real *c, const real *row, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++)
            c[r * n + j] = row[j];
}

static size_t x_ld_of(const rl_cell_step *s)
{
    return s->x_ld ? s->x_ld : s->in;
}

/* z (+)= the x part and the recurrent part the unfused way: bias, x W,
 * then h U into `acc` (z for LSTM and SimpleRNN). */
static void unfused_products(const rl_compute *cx, const rl_cell_step *s, size_t g, real *acc)
{
    if (s->x) {
        fill_rows(s->z, s->bias, s->batch, g);
        rl__gemm(cx, s->batch, g, s->in, s->x, x_ld_of(s), 1, s->kernel, g, s->z, g, 1);
    }
    if (s->recurrent)
        rl__gemm(cx, s->batch, g, s->u, s->h_prev, s->u, 1, s->rec_kernel, g, acc, g, 1);
}

#ifdef RL_REAL_DOUBLE
int rl__step_fused(const rl_compute *cx)
{
    (void)cx;
    return 0;
}

void rl__step_pack(const rl_compute *cx, const rl_cell_step *s, unsigned gates, int fold,
                   real *dst)
{
    (void)cx, (void)s, (void)gates, (void)fold, (void)dst;
}

void rl__step_pack_kept(const rl_compute *cx, const rl_cell_step *s, unsigned gates, int fold,
                        real *dst, rl_pack_key *key, int keyed, uint64_t gen)
{
    (void)cx, (void)s, (void)gates, (void)fold, (void)dst, (void)keyed, (void)gen;
    key->valid = 0;
}
#else
/* Offsets in the packed block: U, then W, then the bias, then b_rec. */
static size_t pack_row_floats(size_t u, unsigned gates)
{
    return gates * ((u + PACK_ROUND - 1) / PACK_ROUND * PACK_ROUND);
}

static const rl_kernels *fused_kernels(const rl_compute *cx)
{
    const rl_kernels *k = kernels_of(cx);
    return k->lstm_step ? k : NULL;
}

int rl__step_fused(const rl_compute *cx)
{
    return fused_kernels(cx) != NULL;
}

typedef struct pack_job {
    const rl_kernels *k;
    const rl_cell_step *s;
    unsigned gates;
    int fold;
    real *dst;
} pack_job;

/* Unit blocks [b0, b1) of every part of the packed area. */
static void pack_blocks(void *ctx, size_t b0, size_t b1)
{
    const pack_job *j = ctx;
    const rl_cell_step *s = j->s;
    const size_t u = s->u, row = pack_row_floats(u, j->gates);
    j->k->fused_pack(s->rec_kernel, u, u, j->gates, b0, b1, j->dst);
    if (j->fold) {
        j->k->fused_pack(s->kernel, s->in, u, j->gates, b0, b1, j->dst + u * row);
        j->k->fused_pack(s->bias, 1, u, j->gates, b0, b1, j->dst + (u + s->in) * row);
    }
    if (s->rec_bias)
        j->k->fused_pack(s->rec_bias, 1, u, j->gates, b0, b1, j->dst + (u + s->in + 1) * row);
}

/* A packed float costs about what 64 multiply-adds do (GRU, I = 64,
 * H = 512: 0.89 M floats in 2.0-2.3 ms, which the caller packed alone at
 * the start of every fit step's forward while the worker waited). Split by
 * the fused step's unit blocks as shares: where the step is split by unit
 * blocks (U past the L2, as GRU(512)'s), each thread packs the blocks it
 * then reads. */
enum { WORK_PACKED_FLOAT = 64 };

void rl__step_pack(const rl_compute *cx, const rl_cell_step *s, unsigned gates, int fold,
                   real *dst)
{
    const rl_kernels *k = fused_kernels(cx);
    if (!k || row_step_runs(cx, s, gates))
        return;
    const size_t u = s->u, width = k->fused_block_units(gates);
    const size_t floats = (u + (fold ? s->in + 1 : 0) + (s->rec_bias ? 1 : 0)) * gates * u;
    pack_job j = { k, s, gates, fold, dst };
    rl__parallel_for_shares(cx, (u + width - 1) / width, 1, floats * WORK_PACKED_FLOAT,
                            pack_blocks, &j);
}

void rl__step_pack_kept(const rl_compute *cx, const rl_cell_step *s, unsigned gates, int fold,
                        real *dst, rl_pack_key *key, int keyed, uint64_t gen)
{
    const rl_kernels *k = fused_kernels(cx);
    if (!k || row_step_runs(cx, s, gates))
        return;   /* nothing packed, nothing overwritten: the key stands */
    if (keyed && key->valid && key->gen == gen && key->kernels == (const void *)k &&
        key->dst == dst && key->fold == fold)
        return;
    rl__step_pack(cx, s, gates, fold, dst);
    *key = (rl_pack_key){ gen, k, dst, fold, keyed };
}

/* The fused step's k passes on this CPU (rl_fused_step.pass_floats), from
 * the cache sizes it reports, not its vendor. The L1 passes (a 24-32 KiB
 * panel of packed U read by every row tile, the chains stored and reloaded
 * between passes) were tuned on an L1d of 48 KiB (Xeon, 2 MiB L2), where
 * the panel shares L1 with the tiles' rows of h and chains (one pass per
 * 64 KiB block at H = 256 measured 1.03-1.04x slower there for the LSTM,
 * docs/performance.md); they stay wherever L1d is at least that. (On an
 * Emerald Rapids Xeon of the same sizes one pass from L2 took 0.94-0.96 at
 * H = 256 on one thread but 1.01-1.03 at LSTM H = 512 and 1.03-1.05 at
 * LSTM H = 256 on two threads: not taken.) With a smaller L1d (Zen 4:
 * 32 KiB, 1 MiB L2) a block's whole k runs in one pass from L2, up to a
 * quarter of L2 of packed U a block: there, paired against the L1 passes (batch 64, T = 50,
 * one thread), LSTM and GRU forward at H = 256 and 512 took 0.92-0.94 of
 * the time, SimpleRNN H = 512 0.95, the LSTM H = 512 fit step 0.94; 16 KiB
 * L1 passes took 1.02, 32 KiB 0.98, two passes of 64 KiB 0.95. Cache sizes
 * the C library does not report keep the L1 passes. */
#define L1_PASSES_MIN_L1D (48 * 1024)
static atomic_size_t pass_choice;   /* the choice + 1; 0: not made yet */

size_t rl__fused_pass_choice(size_t l1d, size_t l2)
{
    if (l1d && l2 && l1d < L1_PASSES_MIN_L1D)
        return l2 / 4 / sizeof(float);
    return 0;   /* the L1 passes */
}

size_t rl__fused_pass_floats(void)
{
    size_t v = atomic_load_explicit(&pass_choice, memory_order_relaxed);
    if (!v) {
        v = rl__fused_pass_choice(rl__l1d_bytes(), rl__l2_bytes()) + 1;
        atomic_store_explicit(&pass_choice, v, memory_order_relaxed);
    }
    return v - 1;
}

void rl__set_fused_pass_floats(size_t floats)
{
    atomic_store_explicit(&pass_choice, floats == RL_PASS_CPU ? 0 : floats + 1,
                          memory_order_relaxed);
}

static rl_fused_step_fn fused_of_kind(const rl_kernels *k, unsigned gates)
{
    return gates == 4 ? k->lstm_step : gates == 3 ? k->gru_step : k->rnn_step;
}

typedef struct fused_job {
    rl_fused_step_fn fn;
    rl_fused_step step;
    size_t blocks;      /* unit blocks of the layer */
    unsigned gates;
} fused_job;

/* Where the chains of rows [r0, r1) of a call split by rows start in the
 * fused step's chain area: at r0 rows' share of the whole area
 * (rl__step_chain_floats: 4 x 16 floats a row per block of units, so rows
 * [r0, r1) at 4 V_WIDTH floats a row fit), not back to back at 4 V_WIDTH
 * a row. Back to back, the second thread's rows of GRU(256) at two
 * threads began 512 bytes past the first thread's last tile, whose stream
 * of chain stores and loads at every k pass ran on into them (a prefetch
 * across the page: a gap of 4 KiB was enough, 1 KiB was not): rows 32-63
 * took 6-7 % longer than rows 0-31 on either thread (thread CPU time, one
 * thread on both blocks in turn: equal). Here they start 128 KiB in
 * instead of 8 KiB: the same place mod 4 KiB. */
static size_t chain_rows_offset(size_t r0, size_t u)
{
    return r0 * 4 * ((u + 15) / 16 * 16);
}

static void fused_range(void *ctx, size_t begin, size_t end)
{
    const fused_job *job = ctx;
    job->fn(&job->step, begin, end);
}

/* Rows [r0, r1) of the batch over every unit block: the step of those rows
 * alone (every row's chains and cell are its own, so the same bits). */
static void fused_rows(void *ctx, size_t r0, size_t r1)
{
    const fused_job *job = ctx;
    rl_fused_step s = job->step;
    const size_t u = s.u, g = job->gates * u;
    s.batch = r1 - r0;
    if (s.x)
        s.x += r0 * (s.x_ld ? s.x_ld : s.in);
    s.h_prev += r0 * u;
    if (s.c_prev)
        s.c_prev += r0 * u;
    s.z += r0 * g;
    if (s.rec)
        s.rec += r0 * g;
    if (s.c)
        s.c += r0 * u;
    if (s.ac)
        s.ac += r0 * u;
    s.h += r0 * u;
    if (s.chain)
        s.chain += chain_rows_offset(r0, u);
    job->fn(&s, 0, job->blocks);
}

/* The fused step over every unit block, split by blocks over the pool (each
 * block's products and cell are one thread's: same bits on any count).
 * Returns 0 when this context runs the unfused step instead. */
static int run_fused(const rl_compute *cx, const rl_cell_step *s, unsigned gates)
{
    const rl_kernels *k = fused_kernels(cx);
    if (!k || !s->packed)
        return 0;
    const size_t u = s->u, row = pack_row_floats(u, gates);
    const size_t width = k->fused_block_units(gates);
    fused_job job = { .fn = fused_of_kind(k, gates), .blocks = (u + width - 1) / width,
                      .gates = gates, .step = {
        .batch = s->batch, .u = u, .in = s->in, .x = s->x, .x_ld = s->x_ld,
        .w_packed = s->packed + u * row, .bias_packed = s->packed + (u + s->in) * row,
        .u_packed = s->packed, .rec_bias_packed = s->packed + (u + s->in + 1) * row,
        .h_prev = s->h_prev, .recurrent = s->recurrent, .c_prev = s->c_prev,
        .z = s->z, .rec = s->rec, .c = s->c, .ac = s->ac, .h = s->h,
        .act = s->act, .ract = s->ract, .no_caches = s->no_caches, .chain = s->chain,
        .pass_floats = rl__fused_pass_floats(),
    } };
    /* multiply-adds, the cell counted as the unfused cells are (WORK_*) */
    const size_t cell = gates == 4 ? WORK_LSTM_CELL : gates == 3 ? WORK_GRU_CELL : WORK_ACT;
    const size_t work = s->batch * u * (gates * (u + (s->x ? s->in : 0)) + cell);
    const size_t weights = rl__step_pack_floats(s->x ? s->in : 0, u, gates) * sizeof(float);
    if (split_forward_by_rows(cx, s->batch, weights))
        rl__parallel_for_shares(cx, s->batch, SHARE_ROWS, work, fused_rows, &job);
    else
        rl__parallel_for_shares(cx, job.blocks, 1, work, fused_range, &job);
    return 1;
}
#endif

int rl__step_folds_input(const rl_compute *cx, size_t in, size_t u, unsigned gates)
{
    (void)u, (void)gates;
    return rl__step_fused(cx) && rl__step_may_fold(in);
}

int rl__step_may_fold(size_t in)
{
    return in <= FOLD_MAX_IN;
}

void rl__lstm_step(const rl_compute *cx, const rl_cell_step *s)
{
    if (row_step_runs(cx, s, 4)) {
        rl_row_step r = row_of(s);
        rl__lstm_row(cx, &r);
        return;
    }
#ifndef RL_REAL_DOUBLE
    if (run_fused(cx, s, 4))
        return;
#endif
    unfused_products(cx, s, 4 * s->u, s->z);
    rl__lstm_cell(cx, s->batch, s->u, s->z, s->c_prev, s->c, s->ac, s->h, s->act, s->ract);
}

void rl__gru_step(const rl_compute *cx, const rl_cell_step *s)
{
    if (row_step_runs(cx, s, 3)) {
        rl_row_step r = row_of(s);
        rl__gru_row(cx, &r);
        return;
    }
#ifndef RL_REAL_DOUBLE
    if (run_fused(cx, s, 3))
        return;
#endif
    const size_t g = 3 * s->u;
    fill_rows(s->rec, s->rec_bias, s->batch, g);
    unfused_products(cx, s, g, s->rec);
    rl__gru_cell(cx, s->batch, s->u, s->z, s->rec, s->h_prev, s->h, s->act, s->ract);
}

void rl__rnn_step(const rl_compute *cx, const rl_cell_step *s)
{
    if (row_step_runs(cx, s, 1)) {
        rl_row_step r = row_of(s);
        r.gates = NULL;   /* SimpleRNN has none: z is h */
        rl__rnn_row(cx, &r);
        return;
    }
#ifndef RL_REAL_DOUBLE
    if (run_fused(cx, s, 1))
        return;
#endif
    unfused_products(cx, s, s->u, s->z);
    rl__activate_n(cx, s->act, s->z, s->h, s->batch * s->u);
}

/* ---- a layer's steps, split by rows once or step by step, on regions -- */

static void step_of_kind(const rl_compute *cx, const rl_cell_step *s, unsigned gates)
{
    if (gates == 4)
        rl__lstm_step(cx, s);
    else if (gates == 3)
        rl__gru_step(cx, s);
    else
        rl__rnn_step(cx, s);
}

void rl__shares_one(rl_shares *sh, size_t batch)
{
    sh->n = 1;
    sh->end[0] = batch;
}

#ifndef RL_REAL_DOUBLE
/* Whether a layer's steps of base (step 0's x set when the input is
   folded) run split by rows: each thread every step of its own rows. */
static int steps_split_by_rows(const rl_compute *cx, const rl_cell_step *base, unsigned gates,
                               size_t steps)
{
    const size_t in = base->x ? base->in : 0, batch = base->batch;
    const size_t weights = rl__step_pack_floats(in, base->u, gates) * sizeof(float);
    return steps > 1 && batch > 1 && rl__step_fused(cx) && base->packed &&
           (base->no_caches ? split_forward_by_rows : split_fit_by_rows)(cx, batch, weights);
}
#endif

void rl__step_shares(const rl_compute *cx, const rl_cell_step *base, unsigned gates,
                     size_t steps, rl_shares *sh)
{
    const size_t batch = base->batch;
    rl__shares_one(sh, batch);
#ifndef RL_REAL_DOUBLE
    const size_t threads = rl__pool_threads(cx->pool);
    if (!steps_split_by_rows(cx, base, gates, steps) || threads > RL_SHARES_MAX)
        return;
    /* the pool's blocks of a split into one block per thread (pool.c
       run_block): grains [units i / n, units (i + 1) / n) */
    const size_t units = (batch + SHARE_ROWS - 1) / SHARE_ROWS;
    sh->n = threads;
    for (size_t i = 0; i < threads; i++) {
        const size_t end = units * (i + 1) / threads * SHARE_ROWS;
        sh->end[i] = end < batch ? end : batch;
    }
#else
    (void)cx, (void)gates, (void)steps;
#endif
}

#ifndef RL_REAL_DOUBLE
/* The share that holds row r: its rows [*r0, *r1). */
static void share_of(const rl_shares *sh, size_t r, size_t *r0, size_t *r1)
{
    size_t i = 0;
    while (i + 1 < sh->n && r >= sh->end[i])
        i++;
    *r0 = i ? sh->end[i - 1] : 0;
    *r1 = sh->end[i];
}
#endif

size_t rl__shares_area_floats(size_t steps, size_t batch, size_t width, int *ok)
{
    const size_t dense = rl__mul(rl__mul(steps, batch, ok), width, ok);
    const size_t pads = rl__mul(batch, RL_ROWS_PAD, ok);
    if (dense > SIZE_MAX - pads) {
        *ok = 0;
        return 0;
    }
    return dense + pads;
}

void rl__share_copy_add(rl_share_copies *c, int after, real *dense, real *region, size_t steps,
                        size_t t0, size_t t1, size_t width)
{
    rl_share_copy *list = after ? c->after : c->before;
    size_t *n = after ? &c->n_after : &c->n_before;
    list[(*n)++] = (rl_share_copy){ dense, region, steps, t0, t1, width };
}

#ifndef RL_REAL_DOUBLE
/* The copies of rows [r0, r1), inside the share [s0, s1), between the
   dense layout and the regions: to_dense (region -> dense) after the
   steps, else dense -> region. */
static void copies_run(const rl_share_copy *c, size_t n, size_t batch, size_t s0, size_t s1,
                       size_t r0, size_t r1, int to_dense)
{
    for (size_t i = 0; i < n; i++) {
        const size_t bytes = (r1 - r0) * c[i].width * sizeof(real);
        for (size_t t = c[i].t0; t < c[i].t1; t++) {
            real *dense = c[i].dense + (t * batch + r0) * c[i].width;
            real *region = c[i].region + rl__share_at(c[i].steps, c[i].width, s0, s1, t, r0);
            if (to_dense)
                memcpy(dense, region, bytes);
            else
                memcpy(region, dense, bytes);
        }
    }
}

typedef struct share_steps_job {
    rl_compute one;   /* the threads' context: no pool, the same kernels */
    const rl_cell_step *base;
    unsigned gates;
    size_t steps;
    const rl_shares *sh;
    const rl_share_copies *copies;
    rl_step_rows_fn at;
    void *ctx;
} share_steps_job;

/* Every step of rows [r0, r1), inside the share [s0, s1), on this
   thread, between their copies. */
static void share_steps_piece(const share_steps_job *j, size_t s0, size_t s1, size_t r0,
                              size_t r1)
{
    const size_t batch = j->base->batch;
    if (j->copies)
        copies_run(j->copies->before, j->copies->n_before, batch, s0, s1, r0, r1, 0);
    for (size_t t = 0; t < j->steps; t++) {
        rl_cell_step s = *j->base;
        j->at(j->ctx, t, s0, s1, r0, &s);
        s.batch = r1 - r0;
        if (s.chain)   /* rows of the fused step's chain area (run_fused) */
            s.chain += chain_rows_offset(r0, s.u);
        step_of_kind(&j->one, &s, j->gates);
    }
    if (j->copies)
        copies_run(j->copies->after, j->copies->n_after, batch, s0, s1, r0, r1, 1);
}

/* A thread's block of rows, share by share. */
static void share_steps_rows(void *ctx, size_t r0, size_t r1)
{
    const share_steps_job *j = ctx;
    while (r0 < r1) {
        size_t s0, s1;
        share_of(j->sh, r0, &s0, &s1);
        const size_t end = s1 < r1 ? s1 : r1;
        share_steps_piece(j, s0, s1, r0, end);
        r0 = end;
    }
}
#endif

void rl__run_steps(const rl_compute *cx, const rl_cell_step *base, unsigned gates, size_t steps,
                   const rl_shares *sh, const rl_share_copies *copies, rl_step_rows_fn at,
                   void *ctx)
{
    const size_t batch = base->batch;
#ifndef RL_REAL_DOUBLE
    rl_cell_step first = *base;   /* as run_fused would split each step (x: folded) */
    if (steps > 0)
        at(ctx, 0, 0, batch, 0, &first);
    if (sh->n > 1 || steps_split_by_rows(cx, &first, gates, steps)) {
        const size_t u = base->u, in = first.x ? base->in : 0;
        const size_t cell = gates == 4 ? WORK_LSTM_CELL : gates == 3 ? WORK_GRU_CELL : WORK_ACT;
        const size_t step_work = batch * u * (gates * (u + in) + cell);
        share_steps_job j = { { cx->kernels, NULL }, base, gates, steps, sh, copies, at, ctx };
        rl__parallel_for_shares(cx, batch, SHARE_ROWS, steps * step_work, share_steps_rows, &j);
        return;
    }
#endif
    (void)copies;   /* one share: the regions are the dense arrays */
    for (size_t t = 0; t < steps; t++) {
        rl_cell_step s = *base;
        at(ctx, t, 0, batch, 0, &s);
        s.batch = batch;
        s.flip = (int)(t & 1);
        step_of_kind(cx, &s, gates);
    }
}

/* ---- a loop over time split by rows once (rl__run_rows) ----------------- */

#ifndef RL_REAL_DOUBLE
typedef struct rows_job {
    rl_compute one;
    rl_rows_fn fn;
    void *ctx;
} rows_job;

static void rows_range(void *ctx, size_t r0, size_t r1)
{
    const rows_job *j = ctx;
    j->fn(j->ctx, &j->one, r0, r1);
}
#endif

#ifndef RL_REAL_DOUBLE
typedef struct finite_job {
    const float *v;
    atomic_int bad;
} finite_job;

static void finite_part(void *ctx, size_t i0, size_t i1)
{
    finite_job *j = ctx;
    if (!rl__all_finite(j->v + i0, i1 - i0))
        atomic_store_explicit(&j->bad, 1, memory_order_relaxed);
}

/* A look at a float costs about what 16 multiply-adds do here (the
 * gradients of GRU(512), I = 64: 0.89 M floats in ~0.9 ms on the caller
 * alone after the backward, their lines in both cores' caches). As shares
 * of element ranges: each thread reads about the rows of the weight
 * gradient it wrote (rl__gemm_at_rows splits them in order). */
enum { WORK_FINITE_FLOAT = 16, FINITE_GRAIN = 16 };

int rl__all_finite_on(const rl_compute *cx, const float *v, size_t n)
{
    finite_job j = { .v = v };
    atomic_init(&j.bad, 0);
    rl__parallel_for_shares(cx, n, FINITE_GRAIN, n * WORK_FINITE_FLOAT, finite_part, &j);
    return !atomic_load_explicit(&j.bad, memory_order_relaxed);
}
#endif

size_t rl__rows_area_floats(size_t batch, size_t u, int *ok)
{
    if (u > SIZE_MAX - RL_ROWS_PAD) {
        *ok = 0;
        return 0;
    }
    return rl__mul(batch, u + RL_ROWS_PAD, ok);
}

void rl__run_rows(const rl_compute *cx, size_t batch, size_t weight_bytes, size_t work,
                  rl_rows_fn fn, void *ctx)
{
#ifndef RL_REAL_DOUBLE
    if (batch > 1 && split_fit_by_rows(cx, batch, weight_bytes)) {
        rows_job j = { { cx->kernels, NULL }, fn, ctx };
        rl__parallel_for_shares(cx, batch, SHARE_ROWS, work, rows_range, &j);
        return;
    }
#else
    (void)weight_bytes, (void)work;
#endif
    fn(ctx, cx, 0, batch);
}
