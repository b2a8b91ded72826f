/* gemm_at's ragged last columns, two rows per vector (AVX-512 only;
 * included by avx512.c after tiled_gemm.h, which calls at_ragged_pairs
 * from tiled_gemm_at when AT_RAGGED_PAIRS is defined).
 *
 * Why: the weight gradient's last panel at the seed shapes ends in w =
 * n % 16 columns, w <= 8 (n = 200: 8, 150: 6, 50: 2). As 16-lane vectors
 * each row's w columns take one fma a k step with 16 - w lanes idle, and a
 * row tile of 8 rows x 1 vector is 8 fmas fed by 9 loads (one B row, 8
 * broadcasts) a k step: load-bound, at half the tile's width. Here the w
 * columns of TWO rows share a vector, lane 2 j + s = (row 2 t + s, column
 * j): A is one 8-byte broadcast of rows (2 t, 2 t + 1) at k, straight from
 * pack_a_t's [kc][rows] tile (the two rows are adjacent there), B is the
 * k row's w columns each duplicated ([b0 b0 b1 b1 ...], one permute a k
 * step shared by the whole pass). Half the fmas and half the A loads, and
 * two row tiles (8 + next) share a pass, so that 8 to 11 chains hide the
 * fma latency.
 *
 * Every element of C still sees one fma chain in increasing k, from 0 or
 * from C (and between k blocks from the chain stored to C): scalar.c's
 * bits. The lanes past w, and the odd lanes of a tile's last single row,
 * compute values that are never stored. */
#ifndef RL_AT_PAIRS_H
#define RL_AT_PAIRS_H

#include <immintrin.h>
#include <stddef.h>

#define AT_PAIRS_MAX 11     /* accumulators of a pass: an 8-row tile and a 14-row one */

_Static_assert(VEC == 16, "at_pairs.h is the 16-lane (AVX-512) layout");

/* The pass's accumulator t: its first row within the pass (tile r0's
 * pairs, then tile r1's), and whether a second row shares it. */
static ALWAYS_INLINE int pair_row(int t, int p0, int r0)
{
    return t < p0 ? 2 * t : r0 + 2 * (t - p0);
}

static ALWAYS_INLINE int pair_has_two(int t, int p0, int r0, int r1)
{
    return pair_row(t, p0, r0) + 1 < (t < p0 ? r0 : r0 + r1);
}

/* One pass: the tile of r0 rows at a ([kc][r0]) and, when r1 > 0, the
 * next tile of r1 rows (at a + r0 kc, [kc][r1]); C's rows from c, w
 * columns (wm: lanes 0..w-1); B's k rows ldb floats apart. r0, r1 are
 * constants after inlining. */
static ALWAYS_INLINE void at_pairs_pass(int r0, int r1, size_t kc, const float *a,
                                        const float *b, size_t ldb, vmask wm, float *c,
                                        size_t ldc, int accumulate)
{
    const int p0 = (r0 + 1) / 2, np = p0 + (r1 + 1) / 2;
    const float *a1 = a + (size_t)r0 * kc;
    /* lane 2 j + s <- lane j + 8 s: rows 2 t, 2 t + 1 side by side -> interleaved */
    const __m512i mix = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    const __m512i split = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    const __m512i dup = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    const vmask hi = (vmask)(wm << 8);
    __m512 acc[AT_PAIRS_MAX];
    for (int t = 0; t < np; t++) {
        const int row = pair_row(t, p0, r0), two = pair_has_two(t, p0, r0, r1);
        if (!accumulate) {
            acc[t] = _mm512_setzero_ps();
            continue;
        }
        /* row 2 t in lanes 0..w-1, row 2 t + 1 in lanes 8..8+w-1 (a masked
         * load from 8 floats before it: the masked-off lanes are not read) */
        __m512 x = _mm512_maskz_loadu_ps(wm, c + (size_t)row * ldc);
        if (two)
            x = _mm512_mask_loadu_ps(x, hi, c + (size_t)(row + 1) * ldc - 8);
        acc[t] = _mm512_permutexvar_ps(mix, x);
    }
    for (size_t p = 0; p < kc; p++) {
        const __m512 bd = _mm512_permutexvar_ps(dup, _mm512_maskz_loadu_ps(wm, b + p * ldb));
        for (int t = 0; t < np; t++) {
            const int in1 = t >= p0, r = in1 ? r1 : r0;
            const int row = in1 ? 2 * (t - p0) : 2 * t;   /* within its tile */
            const float *ap = (in1 ? a1 : a) + p * (size_t)r + (size_t)row;
            /* rows (row, row + 1) at k: [a_row a_row+1] in every lane pair;
             * a last single row: a_row everywhere (its odd lanes unused) */
            const __m512 ad = row + 1 < r
                ? _mm512_castpd_ps(_mm512_broadcastsd_pd(_mm_load_sd((const double *)ap)))
                : _mm512_set1_ps(*ap);
            acc[t] = _mm512_fmadd_ps(ad, bd, acc[t]);
        }
    }
    for (int t = 0; t < np; t++) {
        const int row = pair_row(t, p0, r0), two = pair_has_two(t, p0, r0, r1);
        const __m512 x = _mm512_permutexvar_ps(split, acc[t]);
        _mm512_mask_storeu_ps(c + (size_t)row * ldc, wm, x);
        if (two)
            _mm512_mask_storeu_ps(c + (size_t)(row + 1) * ldc - 8, hi, x);
    }
}

/* C's w (1 <= w <= 8) columns from c (+)= A^T B for all m rows
 * of gemm_at's row tiles (plan; A packed by pack_a_t at pa, [kc][rows] per
 * tile), B's k rows ldb floats apart: an 8-row tile shares its pass with
 * the tile after it. */
static void at_ragged_pairs(const at_plan *plan, size_t m, size_t w, size_t kc,
                            const float *pa, const float *b, size_t ldb, float *c, size_t ldc,
                            int accumulate)
{
    const vmask wm = mask_first(w);
    size_t r;
    for (size_t i0 = 0; (r = at_tile_rows(plan, m, i0)) != 0;) {
        const size_t next = r == TILE_ROWS ? at_tile_rows(plan, m, i0 + r) : 0;
        const float *ai = pa + i0 * kc;
        float *ci = c + i0 * ldc;
        if (next) {
            switch (next) {
#define PAIR(x) case x: at_pairs_pass(TILE_ROWS, x, kc, ai, b, ldb, wm, ci, ldc, accumulate); break;
            FOR_TAIL_ROWS(PAIR) PAIR(TILE_ROWS) FOR_AT_TALL_ROWS(PAIR)
#undef PAIR
            default: break;
            }
        } else {
            switch (r) {
#define ONE(x) case x: at_pairs_pass(x, 0, kc, ai, b, ldb, wm, ci, ldc, accumulate); break;
            FOR_TAIL_ROWS(ONE) ONE(TILE_ROWS) FOR_AT_TALL_ROWS(ONE)
#undef ONE
            default: break;
            }
        }
        i0 += r + next;
    }
}

/* The last two panels' first 48 columns (3 vectors) for all m rows, when
 * the last panel is 16 + w columns (w <= 8) and B is read in place: 8 x 3
 * tiles (24 accumulators; a tall tile in two halves) instead of a 2-vector
 * and a 1-vector pass, the ragged w after them by at_ragged_pairs. Kernel
 * alone: 0.94-0.95 of the time at n = 50, 114, 146 (52 x 640), the same
 * at n = 82, 150, 178, 242. */
static void at_wide3(const at_plan *plan, size_t m, size_t kc, const float *pa, const float *b,
                     size_t ldb, float *c, size_t ldc, int accumulate)
{
    const vmask full = mask_first(VEC);
    size_t r;
    for (size_t i0 = 0; (r = at_tile_rows(plan, m, i0)) != 0; i0 += r) {
        const float *ai = pa + i0 * kc;
        float *ci = c + i0 * ldc;
        switch (r) {
#define W1(x) case x: tile(x, 3, 0, 0, full, kc, ai, 1, x, b, ldb, ci, ldc, accumulate); break;
#define W2(x) case x: tile(x / 2, 3, 0, 0, full, kc, ai, 1, x, b, ldb, ci, ldc, accumulate); \
                      tile(x - x / 2, 3, 0, 0, full, kc, ai + x / 2, 1, x, b, ldb, ci + (x / 2) * ldc, ldc, accumulate); break;
        FOR_TAIL_ROWS(W1) W1(TILE_ROWS) FOR_AT_TALL_ROWS(W2)
#undef W1
#undef W2
        default: break;
        }
    }
}

#endif
