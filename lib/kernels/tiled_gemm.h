/* The register-tiled gemm shared by the SIMD paths. Included once by each
 * ISA file after it defines:
 *   vec, vmask             vector and lane-mask types
 *   VEC                    floats per vector
 *   TILE_ROWS, TILE_VECS   register tile of the main loop (rows x vectors)
 *   FOR_TAIL_ROWS(X)       X(1) X(2) ... X(TILE_ROWS - 1)
 *   FEW_ROWS_VECS(r)       tile width in vectors when fewer than TILE_ROWS
 *                          rows are left (<= MAX_VECS; keeps accumulators in
 *                          registers, B read from memory by the fma itself)
 *   K_BLOCK                k steps per pass
 *   vzero, vset1, vfma, vload, vload_masked, vstore_aligned, vstore,
 *   vstore_masked, mask_first(r) (lanes 0..r-1 set, 1 <= r <= VEC)
 *
 * A tile of C stays in registers for a whole k block: per k step, load one
 * row of B, broadcast one A element per row, one fma per accumulator. Every
 * C element thus sees its products in increasing k order, the chain being
 * stored to C and reloaded between k blocks (exact: the accumulator is a
 * float either way), so the result is bit-identical to scalar.c. Ragged
 * columns use masked loads and stores, never a different order. */
#ifndef RL_TILED_GEMM_H
#define RL_TILED_GEMM_H

#include <stddef.h>
#include <string.h>

#define PANEL (TILE_VECS * VEC)
#define MAX_VECS 8
/* Rows of the tallest register tile: gemm_at's last row tiles may be
 * taller than TILE_ROWS (at_plan below) on a path that defines
 * AT_TALL_ROWS_MAX and FOR_AT_TALL_ROWS. */
#ifdef AT_TALL_ROWS_MAX
#define ACC_ROWS AT_TALL_ROWS_MAX
#else
#define ACC_ROWS TILE_ROWS
#define FOR_AT_TALL_ROWS(X)
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))
/* A tile's row loops unrolled whole, so that its accumulators stay in
 * registers: gcc's own limits unroll 8 rows, not 13. */
#define TILE_UNROLL _Pragma("GCC unroll 16")

static ALWAYS_INLINE vec load_cols(const float *p, vmask mask, int masked)
{
    return masked ? vload_masked(p, mask) : vload(p);
}

static ALWAYS_INLINE void store_cols(float *p, vec v, vmask mask, int masked)
{
    if (masked)
        vstore_masked(p, mask, v);
    else
        vstore(p, v);
}

/* C[rows x nv vectors] (+)= A[rows x kc] * B[kc x nv vectors]. The last
 * vector of C is masked when c_masked, that of B when b_masked (B unpacked
 * and ragged). rows, nv and the flags are constants after inlining, so the
 * accumulators become registers. */
/* A k step's share of a tile's prefetches: while *lines are left, one
 * line from *pf towards L2 every `every` calls (*countdown, from every). */
static ALWAYS_INLINE void pf_every(const char **pf, size_t *lines, size_t *countdown,
                                   size_t every)
{
    if (*lines && --*countdown == 0) {
        *countdown = every;
        __builtin_prefetch(*pf, 0, 2);
        *pf += 64;
        --*lines;
    }
}

/* With pf_lines > 0 (gemm_packed_pf), the tile also prefetches pf_lines
 * lines from pf towards L2, one every `every` k steps (a burst before the
 * tile held the fill buffers the tile's own loads needed). */
static ALWAYS_INLINE void tile_pf(int rows, int nv, int c_masked, int b_masked, vmask mask,
                                  size_t kc, const float *a, size_t a_rs, size_t a_cs,
                                  const float *b, size_t ldb, float *c, size_t ldc, int accumulate,
                                  const char *pf, size_t pf_lines, size_t every)
{
    vec acc[TILE_ROWS][MAX_VECS];
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++)
            acc[i][v] = accumulate
                ? load_cols(c + (size_t)i * ldc + (size_t)v * VEC, mask, c_masked && v == nv - 1)
                : vzero();
    size_t countdown = every;
    for (size_t p = 0; p < kc; p++) {
        pf_every(&pf, &pf_lines, &countdown, every);
        const float *bp = b + p * ldb;
        const float *ap = a + p * a_cs;
        vec bv[MAX_VECS];
        for (int v = 0; v < nv; v++)
            bv[v] = load_cols(bp + v * VEC, mask, b_masked && v == nv - 1);
        for (int i = 0; i < rows; i++) {
            const vec ai = vset1(ap[(size_t)i * a_rs]);
            for (int v = 0; v < nv; v++)
                acc[i][v] = vfma(ai, bv[v], acc[i][v]);
        }
    }
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++)
            store_cols(c + (size_t)i * ldc + (size_t)v * VEC, acc[i][v], mask,
                       c_masked && v == nv - 1);
}

/* k steps between two prefetches of tile_runs (a constant: the links
 * between them unrolled, no counter in the k loop) */
#define PF_EVERY 4

/* tile_pf for the tall tiles (up to ACC_ROWS rows: their row loops
 * unrolled whole, which gcc's own limits stop at 8 rows; the pragma on
 * the 8-row tiles made gemm_packed at the seed's dh 1.02-1.03x slower)
 * and for the tiles that prefetch the next panel of B: pf_lines prefetches
 * (two lines each with pf_pair: pf and pf + 64), pf moving pf_step bytes,
 * one before each run of PF_EVERY links (a countdown in the k loop ran out
 * of registers and lived on the stack: a read-modify-write every k step). */
static ALWAYS_INLINE void tile_runs(int rows, int nv, int c_masked, int b_masked, vmask mask,
                                    size_t kc, const float *a, size_t a_rs, size_t a_cs,
                                    const float *b, size_t ldb, float *c, size_t ldc,
                                    int accumulate, const char *pf, size_t pf_lines,
                                    size_t pf_step, int pf_pair)
{
    vec acc[ACC_ROWS][MAX_VECS];
    TILE_UNROLL
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++)
            acc[i][v] = accumulate
                ? load_cols(c + (size_t)i * ldc + (size_t)v * VEC, mask, c_masked && v == nv - 1)
                : vzero();
#define TILE_LINK(p)                                                                           \
    do {                                                                                       \
        const float *bp = b + (p) * ldb;                                                       \
        const float *ap = a + (p) * a_cs;                                                      \
        vec bv[MAX_VECS];                                                                      \
        for (int v = 0; v < nv; v++)                                                           \
            bv[v] = load_cols(bp + v * VEC, mask, b_masked && v == nv - 1);                    \
        TILE_UNROLL                                                                            \
        for (int i = 0; i < rows; i++) {                                                       \
            const vec ai = vset1(ap[(size_t)i * a_rs]);                                        \
            for (int v = 0; v < nv; v++)                                                       \
                acc[i][v] = vfma(ai, bv[v], acc[i][v]);                                        \
        }                                                                                      \
    } while (0)
    size_t p = 0;
    for (; pf_lines && p + PF_EVERY <= kc; pf_lines--) {
        __builtin_prefetch(pf, 0, 2);
        if (pf_pair)
            __builtin_prefetch(pf + 64, 0, 2);
        pf += pf_step;
        _Pragma("GCC unroll 4")
        for (const size_t end = p + PF_EVERY; p < end; p++)
            TILE_LINK(p);
    }
    for (; p < kc; p++)
        TILE_LINK(p);
#undef TILE_LINK
    TILE_UNROLL
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++)
            store_cols(c + (size_t)i * ldc + (size_t)v * VEC, acc[i][v], mask,
                       c_masked && v == nv - 1);
}

static ALWAYS_INLINE void tile(int rows, int nv, int c_masked, int b_masked, vmask mask,
                               size_t kc, const float *a, size_t a_rs, size_t a_cs,
                               const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    if (rows > TILE_ROWS)
        tile_runs(rows, nv, c_masked, b_masked, mask, kc, a, a_rs, a_cs, b, ldb, c, ldc,
                  accumulate, NULL, 0, 0, 0);
    else
        tile_pf(rows, nv, c_masked, b_masked, mask, kc, a, a_rs, a_cs, b, ldb, c, ldc,
                accumulate, NULL, 0, 1);
}

/* Lanes of the last vector that a block of `cols` columns uses. */
static ALWAYS_INLINE vmask last_mask(size_t cols)
{
    return mask_first(cols % VEC ? cols % VEC : VEC);
}

/* Copies B[kc x cols] into a dense, zero-padded [kc x PANEL] block: its rows
 * then fall in distinct cache sets whatever ldb is (with a power-of-two ldb
 * a whole panel would map onto a few sets of L1). */
static void pack_panel(float *dst, const float *b, size_t ldb, size_t kc, size_t cols)
{
    for (size_t p = 0; p < kc; p++)
        for (size_t v = 0; v < TILE_VECS; v++) {
            const size_t j = v * VEC;
            const vec x = j + VEC <= cols ? vload(b + p * ldb + j)
                        : j < cols ? vload_masked(b + p * ldb + j, mask_first(cols - j))
                        : vzero();
            vstore_aligned(dst + p * PANEL + j, x);
        }
}

/* m >= TILE_ROWS: every row against one panel of B (cols <= PANEL
 * columns, rows ldb floats apart), which the row tiles reuse from L1: a
 * packed one (ldb = PANEL, zero-padded), or B itself (in_place: its last
 * vector loaded masked when ragged). Tiles narrower than the panel run when
 * cols < PANEL. */
static ALWAYS_INLINE void panel_tiles_b(int rows, size_t cols, size_t kc,
                                        const float *a, size_t a_rs, size_t a_cs,
                                        const float *b, size_t ldb, int in_place, float *c,
                                        size_t ldc, int accumulate)
{
    const int ragged = cols % VEC != 0;
    const vmask mask = last_mask(cols);
    /* Constant arguments in every call: a tile must never see a variable
     * row or vector count, or its accumulators would live in memory. */
    if (cols > VEC)
        tile(rows, 2, ragged, in_place && ragged, mask, kc, a, a_rs, a_cs, b, ldb, c, ldc,
             accumulate);
    else
        tile(rows, 1, ragged, in_place && ragged, mask, kc, a, a_rs, a_cs, b, ldb, c, ldc,
             accumulate);
}

static ALWAYS_INLINE void panel_tiles(int rows, size_t cols, size_t kc,
                                      const float *a, size_t a_rs, size_t a_cs,
                                      const float *panel, float *c, size_t ldc, int accumulate)
{
    panel_tiles_b(rows, cols, kc, a, a_rs, a_cs, panel, PANEL, 0, c, ldc, accumulate);
}

/* The caller's regions to prefetch (kernels.h rl_prefetch), walked `per_tile`
 * lines before each row tile: region r, byte offset `at`. */
typedef struct pf_cursor {
    const rl_prefetch *pf;
    size_t per_tile, r, at;
} pf_cursor;

/* The next run of at most per_tile lines, all in one region: *lines of them
 * from the returned address (NULL, *lines = 0: nothing left). */
static const char *pf_take(pf_cursor *q, size_t *lines)
{
    *lines = 0;
    if (!q)
        return NULL;
    while (q->r < RL_PREFETCH_REGIONS) {
        const char *p = q->pf->p[q->r];
        const size_t bytes = p ? q->pf->bytes[q->r] : 0;
        if (q->at < bytes) {
            const size_t left = (bytes - q->at + 63) / 64;
            *lines = left < q->per_tile ? left : q->per_tile;
            p += q->at;
            q->at += *lines * 64;
            return p;
        }
        q->r++;
        q->at = 0;
    }
    return NULL;
}

static void rows_by_panel(size_t m, size_t cols, size_t kc, const float *a, size_t a_rs,
                          size_t a_cs, const float *panel, float *c, size_t ldc, int accumulate,
                          pf_cursor *pf)
{
    size_t i = 0;
    if (cols == PANEL && pf)
        for (; i + TILE_ROWS <= m; i += TILE_ROWS) {
            size_t lines;
            const char *p = pf_take(pf, &lines);
            tile_pf(TILE_ROWS, TILE_VECS, 0, 0, last_mask(PANEL), kc, a + i * a_rs, a_rs, a_cs,
                    panel, PANEL, c + i * ldc, ldc, accumulate, p, lines,
                    lines ? (kc / lines ? kc / lines : 1) : 1);
        }
    else if (cols == PANEL)
        for (; i + TILE_ROWS <= m; i += TILE_ROWS)
            tile(TILE_ROWS, TILE_VECS, 0, 0, last_mask(PANEL), kc, a + i * a_rs, a_rs, a_cs,
                 panel, PANEL, c + i * ldc, ldc, accumulate);
    else
        for (; i + TILE_ROWS <= m; i += TILE_ROWS)
            panel_tiles(TILE_ROWS, cols, kc, a + i * a_rs, a_rs, a_cs, panel, c + i * ldc, ldc,
                        accumulate);
    const float *ai = a + i * a_rs;
    float *ci = c + i * ldc;
    switch (m - i) {
#define TAIL(r) case r: panel_tiles(r, cols, kc, ai, a_rs, a_cs, panel, ci, ldc, accumulate); break;
    FOR_TAIL_ROWS(TAIL)
#undef TAIL
    default: break;
    }
}

/* m < TILE_ROWS (e.g. one-sample predict): B is read once, so it is not
 * packed; tiles are wider to keep enough fma chains in flight. With one row
 * (a stream step, a one-sample predict) each column's chain is k fmas long
 * and latency-bound: up to MAX_VECS independent chains per pass, so a
 * 4u = 200 gate row is two passes instead of four (AVX-512). */
static ALWAYS_INLINE void few_rows_fixed(int rows, int nv, size_t n, size_t kc,
                                         const float *a, size_t a_rs, size_t a_cs,
                                         const float *b, size_t ldb, float *c, size_t ldc,
                                         int accumulate)
{
    const size_t width = (size_t)nv * VEC;
    for (size_t j = 0; j < n; j += width) {
        const size_t cols = n - j < width ? n - j : width;
        const int ragged = cols % VEC != 0;
        const vmask mask = last_mask(cols);
        switch ((cols + VEC - 1) / VEC) {
#define PART(u) \
        case u: \
            if (u <= nv) \
                tile(rows, u <= nv ? u : 1, ragged, ragged, mask, kc, a, a_rs, a_cs, b + j, ldb, \
                     c + j, ldc, accumulate); \
            break;
        PART(1) PART(2) PART(3) PART(4) PART(5) PART(6) PART(7) PART(8)
#undef PART
        default: break;
        }
    }
}

static void few_rows(size_t m, size_t n, size_t kc, const float *a, size_t a_rs, size_t a_cs,
                     const float *b, size_t ldb, float *c, size_t ldc, int accumulate)
{
    switch (m) {
#define FEW(r) \
    case r: few_rows_fixed(r, FEW_ROWS_VECS(r), n, kc, a, a_rs, a_cs, b, ldb, c, ldc, accumulate); \
        break;
    FOR_TAIL_ROWS(FEW)
#undef FEW
    default: break;
    }
}

/* The products with nothing to multiply: m or n = 0 touch nothing, k = 0
 * leaves C unchanged or zero. Returns 1 when the product was one of them. */
static int empty_product(size_t m, size_t n, size_t k, float *c, size_t ldc, int accumulate)
{
    if (m == 0 || n == 0)
        return 1;
    if (k != 0)
        return 0;
    if (!accumulate)
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                c[i * ldc + j] = 0.0f;
    return 1;
}

static void tiled_gemm(size_t m, size_t n, size_t k,
                       const float *a, size_t a_rs, size_t a_cs,
                       const float *b, size_t ldb,
                       float *c, size_t ldc, int accumulate)
{
    if (empty_product(m, n, k, c, ldc, accumulate))
        return;
    _Alignas(64) float panel[K_BLOCK * PANEL];
    for (size_t p0 = 0; p0 < k; p0 += K_BLOCK) {
        const size_t kc = k - p0 < K_BLOCK ? k - p0 : K_BLOCK;
        const float *ap = a + p0 * a_cs;
        const float *bp = b + p0 * ldb;
        const int acc = accumulate || p0 > 0;
        if (m < TILE_ROWS) {
            few_rows(m, n, kc, ap, a_rs, a_cs, bp, ldb, c, ldc, acc);
            continue;
        }
        for (size_t j = 0; j < n; j += PANEL) {
            const size_t cols = n - j < PANEL ? n - j : PANEL;
            pack_panel(panel, bp + j, ldb, kc, cols);
            rows_by_panel(m, cols, kc, ap, a_rs, a_cs, panel, c + j, ldc, acc, NULL);
        }
    }
}

/* ---- A read transposed, packed per k block (kernels.h gemm_at) ---------
 * work: the row tile of rows [i0, i0 + rows) (at_plan) as [kc][rows] at
 * i0 kc, so a thread's rows [i0, i1) need (i1 - i0) kc floats. */

/* The row tiles of gemm_at's m rows: `body` rows in tiles of TILE_ROWS,
 * then up to two tall tiles (tall[0], tall[1] rows, 0: none), then the
 * rest (< TILE_ROWS rows) as the tail tile. A tail of r rows has r x
 * TILE_VECS fma chains, too few to hide the fma's latency (the seed fit's
 * 52 rows: a tile of 4, the bias row of I = 64 + H + 1 rows: a tile of
 * one); where the path has registers for it (AT_TALL_ROWS_MAX), the last
 * full tile takes the tail in, TILE_ROWS + r rows, or the last two split
 * 2 TILE_ROWS + r rows between them. Which tile an element falls in never
 * changes its chain. */
typedef struct at_plan {
    size_t body, tall[2];
} at_plan;

static at_plan at_plan_of(size_t m)
{
    at_plan p = { m / TILE_ROWS * TILE_ROWS, { 0, 0 } };
#ifdef AT_TALL_ROWS_MAX
    const size_t r = m % TILE_ROWS, one = TILE_ROWS + r, two = 2 * TILE_ROWS + r;
    if (r == 0 || m < one)
        return p;
    if (one <= AT_TALL_ROWS_MAX) {
        p.body = m - one;
        p.tall[0] = one;
    } else if (m >= two && two - two / 2 <= AT_TALL_ROWS_MAX) {
        p.body = m - two;
        p.tall[0] = two / 2;
        p.tall[1] = two - two / 2;
    }
#endif
    return p;
}

/* Rows of the tile that starts at row i0 (0: none). */
static size_t at_tile_rows(const at_plan *p, size_t m, size_t i0)
{
    if (i0 >= m)
        return 0;
    if (i0 < p->body)
        return TILE_ROWS;
    if (i0 == p->body && p->tall[0])
        return p->tall[0];
    if (i0 == p->body + p->tall[0] && p->tall[1])
        return p->tall[1];
    return m - i0;
}

/* len rows of a packed tile (dst, `rows` floats a k step) from src (ld
 * floats a k step) or set to v, for kc k steps: one masked move a k step
 * when the run fits a vector. */
static void pack_run(float *dst, size_t rows, const float *src, size_t ld, size_t len,
                     size_t kc)
{
    if (len <= VEC) {
        const vmask mk = mask_first(len);
        for (size_t p = 0; p < kc; p++)
            vstore_masked(dst + p * rows, mk, vload_masked(src + p * ld, mk));
        return;
    }
    for (size_t p = 0; p < kc; p++)
        for (size_t i = 0; i < len; i++)
            dst[p * rows + i] = src[p * ld + i];
}

static void fill_run(float *dst, size_t rows, float v, size_t len, size_t kc)
{
    if (len <= VEC) {
        const vmask mk = mask_first(len);
        const vec x = vset1(v);
        for (size_t p = 0; p < kc; p++)
            vstore_masked(dst + p * rows, mk, x);
        return;
    }
    for (size_t p = 0; p < kc; p++)
        for (size_t i = 0; i < len; i++)
            dst[p * rows + i] = v;
}

/* A^T's rows [0, m) of k block p0 (kernels.h rl_at_a) into the row tiles
 * of plan, tile by tile: a tile's rows from a1 or a2 alone (the usual
 * case) are one copy of its rows per k step, in one tight loop down k; a
 * tile that mixes sources (the seed fit's [x^T; h^T; 1]: the first and the
 * last) copies each source's run of rows in turn. */
static void pack_a_t(float *dst, const rl_at_a *a, const at_plan *plan, size_t m, size_t p0,
                     size_t kc)
{
    const float *a1 = a->end1 ? a->a1 + p0 * a->lda1 : NULL;
    const float *a2 = a->end2 > a->end1 ? a->a2 + p0 * a->lda2 : NULL;
    size_t rows;
    for (size_t i0 = 0; (rows = at_tile_rows(plan, m, i0)) != 0; i0 += rows) {
        const size_t i1 = i0 + rows;
        float *d = dst + i0 * kc;
        const float *src = NULL;
        size_t ld = 0;
        if (i1 <= a->end1) {
            src = a1 + i0;
            ld = a->lda1;
        } else if (i0 >= a->end1 && i1 <= a->end2) {
            src = a2 + (i0 - a->end1);
            ld = a->lda2;
        }
        if (src && rows == TILE_ROWS) {
            for (size_t p = 0; p < kc; p++)
                memcpy(d + p * TILE_ROWS, src + p * ld, TILE_ROWS * sizeof(float));
            continue;
        }
        if (src) {   /* a tall or tail tile: a memcpy of a run-time length was a rep movs */
            pack_run(d, rows, src, ld, rows, kc);
            continue;
        }
        /* source by source: each run of rows down the whole k block (four
         * loops a k step, element by element, were ~7 % of the seed fit's
         * dW, whose first and last tiles mix x, h and the ones row) */
        const size_t e1 = a->end1 < i1 ? a->end1 : i1, e2 = a->end2 < i1 ? a->end2 : i1;
        const size_t e0 = a->end0 < i1 ? a->end0 : i1;
        size_t i = i0;
        if (i < e1)
            pack_run(d + (i - i0), rows, a1 + i, a->lda1, e1 - i, kc);
        i = i > e1 ? i : e1;
        if (i < e2)
            pack_run(d + (i - i0), rows, a2 + (i - a->end1), a->lda2, e2 - i, kc);
        i = i > e2 ? i : e2;
        if (i < e0)
            fill_run(d + (i - i0), rows, 0.0f, e0 - i, kc);
        i = i > e0 ? i : e0;
        if (i < i1)
            fill_run(d + (i - i0), rows, 1.0f, i1 - i, kc);
    }
}

/* Few rows or one panel (nothing to reuse): tiled_gemm on each source of
 * rows; a constant row is a broadcast value (a_rs = a_cs = 0). */
static void gemm_at_unpacked(size_t m, size_t n, size_t k, const rl_at_a *a, const float *b,
                             size_t ldb, float *c, size_t ldc, int accumulate)
{
    static const float zero = 0.0f, one = 1.0f;
    const size_t e1 = a->end1 < m ? a->end1 : m, e2 = a->end2 < m ? a->end2 : m;
    const size_t e0 = a->end0 < m ? a->end0 : m;
    if (e1)
        tiled_gemm(e1, n, k, a->a1, 1, a->lda1, b, ldb, c, ldc, accumulate);
    if (e2 > e1)
        tiled_gemm(e2 - e1, n, k, a->a2, 1, a->lda2, b, ldb, c + e1 * ldc, ldc, accumulate);
    for (size_t i = e2; i < m; i++)
        tiled_gemm(1, n, k, i < e0 ? &zero : &one, 0, 0, b, ldb, c + i * ldc, ldc, accumulate);
}

/* The next tile's rows of C (`rows` of them), which the tile loads as its
 * accumulators: C (h^T dZ: [H x G*H], 4 MiB at LSTM H = 512) does not
 * stay in L2 from one k block to the next, and each of its rows is a page
 * of its own (perf: the accumulator loads took ~15 % of the product);
 * asked for now, they arrive while this tile runs. */
static ALWAYS_INLINE void prefetch_tile_c(const float *c, size_t ldc, size_t rows)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < PANEL; j += 16)
            __builtin_prefetch(c + i * ldc + j, 1, 3);
}

/* One row tile of `rows` rows (a constant) on A packed by pack_a_t
 * ([kc][rows]) and B a packed panel (ldb = PANEL) or B in place (in_place,
 * see b_in_place). */
static ALWAYS_INLINE void packed_a_tile(int rows, size_t cols, size_t kc, const float *pa,
                                        const float *b, size_t ldb, int in_place, float *c,
                                        size_t ldc, int accumulate)
{
    if (cols == PANEL)
        tile(rows, TILE_VECS, 0, 0, last_mask(PANEL), kc, pa, 1, (size_t)rows, b, ldb, c, ldc,
             accumulate);
    else
        panel_tiles_b(rows, cols, kc, pa, 1, (size_t)rows, b, ldb, in_place, c, ldc,
                      accumulate);
}

/* The rows of B that the next pack_panel copies (rows of ld bytes from p,
 * the panel's two lines of each), prefetched towards L2 by the row tiles
 * of the current panel, a share per tile spread over its k steps: rows of
 * dZ a multiple of 256 bytes apart (the packed case) are a stride the
 * hardware prefetcher does not follow across pages, and the copy waited
 * on L3 for each (pack_panel ~13 % of dW at LSTM(64)). */
typedef struct next_panel {
    const char *p;
    size_t rows, ld, per_tile;
} next_panel;

/* rows_by_panel on A packed by pack_a_t in the row tiles of plan. */
static ALWAYS_INLINE void rows_by_packed_a_b(const at_plan *plan, size_t m, size_t cols,
                                             size_t kc, const float *pa, const float *b,
                                             size_t ldb, int in_place, float *c, size_t ldc,
                                             int accumulate, next_panel *nx)
{
    size_t i = 0;
    for (; i < plan->body; i += TILE_ROWS) {
        if (accumulate && cols == PANEL)
            prefetch_tile_c(c + (i + TILE_ROWS) * ldc, ldc,
                            at_tile_rows(plan, m, i + TILE_ROWS));
        if (nx && cols == PANEL) {
            size_t take = nx->rows < nx->per_tile ? nx->rows : nx->per_tile;
            take = take < kc / PF_EVERY ? take : kc / PF_EVERY;
            tile_runs(TILE_ROWS, TILE_VECS, 0, 0, last_mask(PANEL), kc, pa + i * kc, 1,
                      TILE_ROWS, b, ldb, c + i * ldc, ldc, accumulate, nx->p, take, nx->ld, 1);
            nx->p += take * nx->ld;
            nx->rows -= take;
            continue;
        }
        packed_a_tile(TILE_ROWS, cols, kc, pa + i * kc, b, ldb, in_place, c + i * ldc, ldc,
                      accumulate);
    }
    for (int t = 0; t < 2; t++) {
        const size_t rows = plan->tall[t];
        if (accumulate && cols == PANEL && rows)
            prefetch_tile_c(c + (i + rows) * ldc, ldc, at_tile_rows(plan, m, i + rows));
        switch (rows) {
#define TALL(r) \
        case r: packed_a_tile(r, cols, kc, pa + i * kc, b, ldb, in_place, c + i * ldc, ldc, \
                              accumulate); break;
        FOR_AT_TALL_ROWS(TALL)
#undef TALL
        default: break;
        }
        i += rows;
    }
    const float *ai = pa + i * kc;
    float *ci = c + i * ldc;
    switch (m - i) {
#define TAIL(r) \
    case r: panel_tiles_b(r, cols, kc, ai, 1, r, b, ldb, in_place, ci, ldc, accumulate); break;
    FOR_TAIL_ROWS(TAIL)
#undef TAIL
    default: break;
    }
}

static void rows_by_packed_a(const at_plan *plan, size_t m, size_t cols, size_t kc,
                             const float *pa, const float *panel, float *c, size_t ldc,
                             int accumulate, next_panel *nx)
{
    rows_by_packed_a_b(plan, m, cols, kc, pa, panel, PANEL, 0, c, ldc, accumulate, nx);
}

static void rows_by_b_in_place(const at_plan *plan, size_t m, size_t cols, size_t kc,
                               const float *pa, const float *b, size_t ldb, float *c,
                               size_t ldc, int accumulate)
{
    rows_by_packed_a_b(plan, m, cols, kc, pa, b, ldb, 1, c, ldc, accumulate, NULL);
}

/* Whether the row tiles read a k block of B (dZ) in place instead of from
 * a packed panel: a panel's kc rows of B, ldb floats apart, spread over L1's
 * sets when ldb is not a multiple of 64 floats (rows 256 bytes apart or
 * closer in the 4 KiB of set indices: at most 12 lines of a 192-row panel
 * per set of 12 ways), and then the copy only costs (the seed fit's dZ: 150
 * or 200 floats a row). B = dZ of LSTM(256), 1024 floats a row, would sit
 * in one set: packed. */
static ALWAYS_INLINE int b_in_place(size_t ldb)
{
    return ldb % 64 != 0;
}

_Static_assert(K_BLOCK <= RL_GEMM_AT_KBLOCK_MAX, "work is sized for RL_GEMM_AT_KBLOCK_MAX");

#ifdef AT_RAGGED_PAIRS
/* at_pairs.h: the last two panels' first 48 columns as 3-vector tiles */
static void at_wide3(const at_plan *plan, size_t m, size_t kc, const float *pa, const float *b,
                     size_t ldb, float *c, size_t ldc, int accumulate);
/* at_pairs.h: a last panel's ragged w <= VEC / 2 columns, two rows a vector */
static void at_ragged_pairs(const at_plan *plan, size_t m, size_t w, size_t kc,
                            const float *pa, const float *b, size_t ldb, float *c, size_t ldc,
                            int accumulate);

/* The ragged columns that at_ragged_pairs takes: a last panel's w = cols
 * % VEC <= VEC / 2 (0: none; the full vectors before them as any panel) */
#define AT_PAIRED_COLS(cols) ((cols) % VEC <= VEC / 2 ? (cols) % VEC : 0)
#else
#define AT_PAIRED_COLS(cols) ((void)(cols), (size_t)0)
#endif

static void tiled_gemm_at(size_t m, size_t n, size_t k, const rl_at_a *a, const float *b,
                          size_t ldb, float *c, size_t ldc, int accumulate, float *work)
{
    /* A read once, on few rows, or (without tall tiles) small and reused by
     * few panels (kernels.h): nothing to gain. With tall tiles the rows'
     * tail is no longer a tile of latency-bound chains, and packed beats
     * the products source by source even on two panels (the seed fit's
     * SimpleRNN 52 x 640 x 50: 0.89 of the time). */
#ifdef AT_TALL_ROWS_MAX
    const int small_a = 0;
#else
    const int small_a = m * k <= RL_GEMM_AT_PACK_MIN_FLOATS && n < RL_GEMM_AT_PACK_MIN_COLS;
#endif
    if (m < TILE_ROWS || n <= PANEL || small_a) {
        gemm_at_unpacked(m, n, k, a, b, ldb, c, ldc, accumulate);
        return;
    }
    if (empty_product(m, n, k, c, ldc, accumulate))
        return;
    _Alignas(64) float panel[K_BLOCK * PANEL];
    const int in_place = b_in_place(ldb);
    const at_plan plan = at_plan_of(m);
    for (size_t p0 = 0; p0 < k; p0 += K_BLOCK) {
        const size_t kc = k - p0 < K_BLOCK ? k - p0 : K_BLOCK;
        const float *bp = b + p0 * ldb;
        const int acc = accumulate || p0 > 0;
        pack_a_t(work, a, &plan, m, p0, kc);
        for (size_t j = 0; j < n; j += PANEL) {
            const size_t cols = n - j < PANEL ? n - j : PANEL;
            const size_t w = AT_PAIRED_COLS(cols), full = cols - w;
#ifdef AT_RAGGED_PAIRS
            if (in_place && n - j > PANEL + VEC && n - j < 2 * PANEL
                && AT_PAIRED_COLS(n - j - PANEL)) {   /* the last two panels: at_wide3 */
                const size_t jw = j + PANEL + VEC;
                at_wide3(&plan, m, kc, work, bp + j, ldb, c + j, ldc, acc);
                at_ragged_pairs(&plan, m, n - jw, kc, work, bp + jw, ldb, c + jw, ldc, acc);
                break;
            }
#endif
            if (in_place) {
                if (full)
                    rows_by_b_in_place(&plan, m, full, kc, work, bp + j, ldb, c + j, ldc, acc);
#ifdef AT_RAGGED_PAIRS
                if (w)
                    at_ragged_pairs(&plan, m, w, kc, work, bp + j + full, ldb, c + j + full,
                                    ldc, acc);
#endif
                continue;
            }
            pack_panel(panel, bp + j, ldb, kc, cols);
            /* the next panel's rows: this k block's, or the next block's first */
            const size_t next_k = p0 + kc < k ? (k - p0 - kc < K_BLOCK ? k - p0 - kc : K_BLOCK) : 0;
            next_panel nx = { (const char *)(j + PANEL < n ? bp + j + PANEL : bp + kc * ldb),
                              j + PANEL < n ? kc : next_k, ldb * sizeof(float), 0 };
            nx.per_tile = plan.body ? (nx.rows + plan.body / TILE_ROWS - 1) / (plan.body / TILE_ROWS) : 0;
            if (full)
                rows_by_packed_a(&plan, m, full, kc, work, panel, c + j, ldc, acc, &nx);
#ifdef AT_RAGGED_PAIRS
            if (w)
                at_ragged_pairs(&plan, m, w, kc, work, panel + full, PANEL, c + j + full, ldc,
                                acc);
#endif
        }
    }
}

#endif
