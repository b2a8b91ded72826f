/* Packing B into the panel layout of kernels.h ("B packed once"), in plain
 * C: a copy, so every path packs with the same code and only PANEL (the
 * columns per panel, defined by the including file) differs. Included by
 * packed_gemm.h (SIMD paths) and scalar.c. */
#ifndef RL_PACK_B_H
#define RL_PACK_B_H

#include <stddef.h>
#include <string.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

_Static_assert(RL_PACK_PANEL_MAX % PANEL == 0, "a panel must divide RL_PACK_PANEL_MAX");

/* Element (p, j) of B is b[p * b_rs + j * b_cs]. Row-major B copies row
 * segments; transposed B (b_rs = 1: U^T from U) walks each source row once,
 * contiguously, and scatters it down one column of the panel: a one-pass
 * copy either way, no transposed intermediate. */
static void pack_b_panels(float *dst, size_t k, size_t n, const float *b, size_t b_rs,
                          size_t b_cs)
{
    for (size_t j0 = 0; j0 < n; j0 += PANEL) {
        const size_t cols = n - j0 < PANEL ? n - j0 : PANEL;
        float *panel = dst + j0 * k;   /* panel j0 / PANEL starts at (j0 / PANEL) k PANEL */
        if (b_cs == 1) {
            for (size_t p = 0; p < k; p++) {
                memcpy(panel + p * PANEL, b + p * b_rs + j0, cols * sizeof(float));
                for (size_t j = cols; j < PANEL; j++)
                    panel[p * PANEL + j] = 0.0f;
            }
            continue;
        }
#if defined(__AVX512F__)
        if (b_rs == 1 && PANEL % 16 == 0 && b_cs <= 0x7fffffff / 16) {
            /* Row p of the panel's 16-column groups gathered from 16 source
             * rows (element p of each), stored as one vector: the scalar
             * copy below stored each element down a column (~1.5 % of the
             * GRU(50) seed fit, U^T every backward). */
            const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                                   14, 15);
            const __m512i idx = _mm512_mullo_epi32(iota, _mm512_set1_epi32((int)b_cs));
            size_t jb = 0;
            for (; jb < cols; jb += 16) {
                const size_t nj = cols - jb < 16 ? cols - jb : 16;
                const __mmask16 m = (__mmask16)((1u << nj) - 1u);
                const float *src = b + (j0 + jb) * b_cs;
                for (size_t p = 0; p < k; p++)
                    _mm512_storeu_ps(panel + p * PANEL + jb,
                                     _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx,
                                                              src + p, 4));
            }
            for (size_t p = 0; p < k; p++)
                for (size_t j = jb; j < PANEL; j++)
                    panel[p * PANEL + j] = 0.0f;
            continue;
        }
#endif
        /* In blocks of P_BLOCK rows of the panel (8 KiB at most), which stay
         * in L1 while each source row fills its column: a whole panel of a
         * large U (k = 4u = 2048: 256 KiB) would not. */
        enum { P_BLOCK = 2048 / PANEL };
        for (size_t p0 = 0; p0 < k; p0 += P_BLOCK) {
            const size_t p1 = k - p0 < P_BLOCK ? k : p0 + P_BLOCK;
            for (size_t j = 0; j < cols; j++) {
                const float *col = b + (j0 + j) * b_cs;
                for (size_t p = p0; p < p1; p++)
                    panel[p * PANEL + j] = col[p * b_rs];
            }
        }
        for (size_t p = 0; p < k; p++)
            for (size_t j = cols; j < PANEL; j++)
                panel[p * PANEL + j] = 0.0f;
    }
}

#endif
