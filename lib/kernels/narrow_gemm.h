/* The narrow product with a ragged end (kernels.h, "narrow B"): C = A B
 * for B of n = 16 q + w columns, q <= 3, w = 1 or 2 -- the backward's
 * dh = dZ U^T at H = 50 (n = 3 x 16 + 2). AVX-512 only; included by
 * avx512.c after tiled_gemm.h.
 *
 * Why: packed in 16-lane vectors, the last vector of each row holds the
 * w ragged columns and 16 - w zero lanes, so at H = 50 a quarter of the
 * product's fmas (the fourth vector of every row) computes two columns.
 * Here the ragged columns of EIGHT rows share one vector, lane j 8 + i =
 * (row i, column 16 q + j): one fma a k step for the eight rows' ragged
 * end instead of eight. Its A operand is the eight rows' elements at k,
 * [a_0 .. a_7 | a_0 .. a_7] -- a column of A, so each row tile's A is
 * first copied transposed ([kc][8], by 8 x 8 register transposes), and
 * its B operand is B's w elements of row k, each repeated 8 times, which
 * the packing lays out once.
 *
 * Every element of C still sees one fma chain in increasing k, from 0 or
 * from C (and, between k blocks, from the chain stored to C): the bits of
 * scalar.c. A row tile holds 8 x q full vectors + 1 ragged one (25 zmm at
 * q = 3) for a whole k block; its A comes from the transposed copy (rows
 * past m are zero there and never stored). */
#ifndef RL_NARROW_GEMM_H
#define RL_NARROW_GEMM_H

#include <immintrin.h>
#include <stddef.h>

#define NARROW_ROWS 8
#ifndef NARROW_KBLOCK
#define NARROW_KBLOCK 128   /* k steps per pass at most: B's block ([kc][16 q + 16], 32 KiB) in L1 */
#endif

_Static_assert(VEC == 16, "narrow_gemm.h is the 16-lane (AVX-512) layout");

/* Floats of the packed B, or 0 when this path does not take the shape. */
static size_t narrow_floats(size_t k, size_t n)
{
    const size_t w = n % 16;
    if ((w != 1 && w != 2) || n / 16 > 3)
        return 0;
    return k * (n / 16 * 16 + 16);
}

/* dst (narrow_floats(k, n)) = B [k x n], element (p, j) at b[p b_rs + j b_cs]:
 * row p is B's first 16 q elements, then element 16 q eight times, then
 * element 16 q + 1 eight times (zeros when w = 1). */
static void narrow_pack(float *dst, size_t k, size_t n, const float *b, size_t b_rs,
                        size_t b_cs)
{
    const size_t nf = n / 16 * 16, w = n - nf, ld = nf + 16;
    if (b_rs == 1 && b_cs <= 0x7fffffff / 16) {
        /* U^T from U: row p of each 16-column group is element p of 16
         * rows of U, one gather (as pack_b.h; element by element down the
         * columns took 5x the time of the panels' packing) */
        const __m512i idx = _mm512_mullo_epi32(
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            _mm512_set1_epi32((int)b_cs));
        for (size_t j = 0; j < nf; j += 16)
            for (size_t p = 0; p < k; p++)
                _mm512_storeu_ps(dst + p * ld + j, _mm512_i32gather_ps(idx, b + j * b_cs + p, 4));
    } else {
        for (size_t p = 0; p < k; p++)
            for (size_t j = 0; j < nf; j++)
                dst[p * ld + j] = b[p * b_rs + j * b_cs];
    }
    for (size_t p = 0; p < k; p++) {
        const __m256 r0 = _mm256_set1_ps(b[p * b_rs + nf * b_cs]);
        const __m256 r1 = w == 2 ? _mm256_set1_ps(b[p * b_rs + (nf + 1) * b_cs])
                                 : _mm256_setzero_ps();
        _mm256_storeu_ps(dst + p * ld + nf, r0);
        _mm256_storeu_ps(dst + p * ld + nf + 8, r1);
    }
}

/* 8 rows of A (lda apart) x 8 k steps -> at[8][8] (k-major), in 4
 * two-row loads and 8 two-source permutes (the unpack / shuffle / lane
 * transpose of 8 ymm takes 24 shuffles). Z_i = [row i | row i + 4];
 * X01 = rows 0, 1, 4, 5 at 4 k steps (k * 4 + slot), X23 rows 2, 3, 6, 7;
 * then each output vector is two k steps of all 8 rows. */
static inline void narrow_transpose8(float *at, const float *a, size_t lda)
{
#define NARROW_ROWS2(i)                                                                         \
    _mm512_castpd_ps(_mm512_insertf64x4(                                                       \
        _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(a + (i) * lda))),             \
        _mm256_castps_pd(_mm256_loadu_ps(a + ((i) + 4) * lda)), 1))
    const __m512 z0 = NARROW_ROWS2(0), z1 = NARROW_ROWS2(1);
    const __m512 z2 = NARROW_ROWS2(2), z3 = NARROW_ROWS2(3);
#undef NARROW_ROWS2
    /* slot 0: row i (Z_a low), 1: row i + 1 (Z_b low), 2: row i + 4 (Z_a high), 3: Z_b high */
    const __m512i lo = _mm512_setr_epi32(0, 16, 8, 24, 1, 17, 9, 25, 2, 18, 10, 26, 3, 19, 11, 27);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(4));
    const __m512 x01l = _mm512_permutex2var_ps(z0, lo, z1), x01h = _mm512_permutex2var_ps(z0, hi, z1);
    const __m512 x23l = _mm512_permutex2var_ps(z2, lo, z3), x23h = _mm512_permutex2var_ps(z2, hi, z3);
    /* output lane h 8 + r (k = k0 + h, row r): rows 0 1 4 5 from X01 (slots 0 1 2 3),
     * rows 2 3 6 7 from X23 (+ 16) */
    const __m512i e = _mm512_setr_epi32(0, 1, 16, 17, 2, 3, 18, 19,
                                        4, 5, 20, 21, 6, 7, 22, 23);
    const __m512i f = _mm512_add_epi32(e, _mm512_set1_epi32(8));
    _mm512_store_ps(at + 0, _mm512_permutex2var_ps(x01l, e, x23l));
    _mm512_store_ps(at + 16, _mm512_permutex2var_ps(x01l, f, x23l));
    _mm512_store_ps(at + 32, _mm512_permutex2var_ps(x01h, e, x23h));
    _mm512_store_ps(at + 48, _mm512_permutex2var_ps(x01h, f, x23h));
}

/* at[kc][8] = rows [0, rows) of A (lda apart) at k steps [0, kc), zero
 * for rows past `rows`. */
static void narrow_pack_a(float *at, const float *a, size_t lda, size_t rows, size_t kc)
{
    size_t p = 0;
    if (rows == NARROW_ROWS)
        for (; p + 8 <= kc; p += 8)
            narrow_transpose8(at + p * 8, a + p, lda);
    for (; p < kc; p++)
        for (size_t i = 0; i < NARROW_ROWS; i++)
            at[p * 8 + i] = i < rows ? a[i * lda + p] : 0.0f;
}

/* One row tile (rows <= 8 of C, q full vectors + the ragged one) over k
 * steps [0, kc) of the block: A from at, B rows ld floats apart. */
static ALWAYS_INLINE void narrow_tile(int q, size_t rows, size_t w, size_t kc, const float *at,
                                      const float *b, size_t ld, float *c, size_t ldc,
                                      int accumulate, const char *pf, size_t pf_lines,
                                      size_t every)
{
    const size_t nf = (size_t)q * 16;
    __m512 acc[NARROW_ROWS][3], racc;
    _Alignas(64) float rag[16];
    for (int i = 0; i < NARROW_ROWS; i++)
        for (int v = 0; v < q; v++)
            acc[i][v] = accumulate && (size_t)i < rows
                ? _mm512_loadu_ps(c + (size_t)i * ldc + (size_t)v * 16) : _mm512_setzero_ps();
    for (int i = 0; i < NARROW_ROWS; i++) {
        const int live = accumulate && (size_t)i < rows;
        rag[i] = live ? c[(size_t)i * ldc + nf] : 0.0f;
        rag[8 + i] = live && w == 2 ? c[(size_t)i * ldc + nf + 1] : 0.0f;
    }
    racc = _mm512_load_ps(rag);
    size_t countdown = every;
    for (size_t p = 0; p < kc; p++) {
        pf_every(&pf, &pf_lines, &countdown, every);
        const float *ap = at + p * 8;
        const float *bp = b + p * ld;
        const __m512 ad = _mm512_castpd_ps(
            _mm512_broadcast_f64x4(_mm256_castps_pd(_mm256_load_ps(ap))));
        racc = _mm512_fmadd_ps(ad, _mm512_loadu_ps(bp + nf), racc);
        __m512 bv[3];
        for (int v = 0; v < q; v++)
            bv[v] = _mm512_loadu_ps(bp + v * 16);
        for (int i = 0; i < NARROW_ROWS; i++) {
            const __m512 ai = _mm512_set1_ps(ap[i]);
            for (int v = 0; v < q; v++)
                acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
        }
    }
    for (int i = 0; i < NARROW_ROWS; i++)
        if ((size_t)i < rows)
            for (int v = 0; v < q; v++)
                _mm512_storeu_ps(c + (size_t)i * ldc + (size_t)v * 16, acc[i][v]);
    _mm512_store_ps(rag, racc);
    for (size_t i = 0; i < rows; i++) {
        c[i * ldc + nf] = rag[i];
        if (w == 2)
            c[i * ldc + nf + 1] = rag[8 + i];
    }
}

static ALWAYS_INLINE void narrow_run(int q, size_t m, size_t n, size_t k, const float *a,
                                     size_t lda, const float *packed, float *c, size_t ldc,
                                     int accumulate, const rl_prefetch *pf)
{
    const size_t nf = (size_t)q * 16, w = n - nf, ld = nf + 16;
    /* k in blocks of equal length (a multiple of 8 but the last): B's block
     * stays in L1 over all row tiles (k = 200: 104 + 96, not 128 + 72) */
    const size_t tiles_k = (k + NARROW_KBLOCK - 1) / NARROW_KBLOCK;
    const size_t kb = ((k + tiles_k - 1) / tiles_k + 7) / 8 * 8;
    const size_t tiles = tiles_k * ((m + NARROW_ROWS - 1) / NARROW_ROWS);
    pf_cursor cursor = { pf, 0, 0, 0 }, *cur = NULL;
    if (pf) {
        size_t lines = 0;
        for (size_t r = 0; r < RL_PREFETCH_REGIONS; r++)
            lines += pf->p[r] ? (pf->bytes[r] + 63) / 64 : 0;
        cursor.per_tile = (lines + tiles - 1) / tiles;
        cur = lines ? &cursor : NULL;
    }
    _Alignas(64) float at[NARROW_KBLOCK * NARROW_ROWS];
    for (size_t p0 = 0; p0 < k; p0 += kb) {
        const size_t kc = k - p0 < kb ? k - p0 : kb;
        const int acc = accumulate || p0 > 0;
        for (size_t i0 = 0; i0 < m; i0 += NARROW_ROWS) {
            const size_t rows = m - i0 < NARROW_ROWS ? m - i0 : NARROW_ROWS;
            size_t lines;
            const char *pp = pf_take(cur, &lines);
            narrow_pack_a(at, a + i0 * lda + p0, lda, rows, kc);
            narrow_tile(q, rows, w, kc, at, packed + p0 * ld, ld, c + i0 * ldc, ldc, acc, pp,
                        lines, lines ? (kc / lines ? kc / lines : 1) : 1);
        }
    }
}

/* C [m x n] = (accumulate ? C : 0) + A [m x k] (row-major, lda) B, B packed
 * by narrow_pack (narrow_floats(k, n) != 0); pf: regions to prefetch
 * towards L2 as gemm_packed_pf does (NULL: none). */
static void narrow_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda,
                        const float *packed, float *c, size_t ldc, int accumulate,
                        const rl_prefetch *pf)
{
    if (empty_product(m, n, k, c, ldc, accumulate))
        return;
    switch (n / 16) {
    case 0: narrow_run(0, m, n, k, a, lda, packed, c, ldc, accumulate, pf); break;
    case 1: narrow_run(1, m, n, k, a, lda, packed, c, ldc, accumulate, pf); break;
    case 2: narrow_run(2, m, n, k, a, lda, packed, c, ldc, accumulate, pf); break;
    default: narrow_run(3, m, n, k, a, lda, packed, c, ldc, accumulate, pf); break;
    }
}

#define NARROW_GEMM_ENTRIES .narrow_floats = narrow_floats, .narrow_pack = narrow_pack, \
                            .narrow_gemm = narrow_gemm

#endif
