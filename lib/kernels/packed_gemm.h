/* The gemm on a B packed once (kernels.h, "B packed once"), shared by the
 * SIMD paths: tiled_gemm.h's loops without its per-call packing. Included
 * by each ISA file after tiled_gemm.h.
 *
 * The loop nest is tiled_gemm's (k blocks outside, panels inside, the same
 * row tiles), and each panel here holds exactly what pack_panel would have
 * copied for that k block, so every C element sees the same fma chain in
 * increasing k order: the bits of tiled_gemm and of scalar.c. Only the
 * copy is gone: per call it read all of B and wrote it to the stack (U^T
 * at every step of a backward). */
#ifndef RL_PACKED_GEMM_H
#define RL_PACKED_GEMM_H

#include "pack_b.h"

#define PF_TAIL_BYTES (1024 * 1024)   /* half the L2 of a core of the machines measured */

static void packed_gemm_pf(size_t m, size_t n, size_t k,
                           const float *a, size_t a_rs, size_t a_cs,
                           const float *packed, float *c, size_t ldc, int accumulate,
                           const rl_prefetch *pf)
{
    if (empty_product(m, n, k, c, ldc, accumulate))
        return;
    /* The regions' lines spread evenly over the row tiles (full ones, of
     * full panels) of the last k blocks, those that read at most
     * PF_TAIL_BYTES of packed B: B larger than L2 (U^T of LSTM(512), 4 MiB)
     * streaming through it after the prefetches would evict them. */
    pf_cursor cursor = { pf, 0, 0, 0 }, *q = NULL;
    size_t pf_from = k;
    if (pf) {
        size_t lines = 0;
        for (size_t r = 0; r < RL_PREFETCH_REGIONS; r++)
            lines += pf->p[r] ? (pf->bytes[r] + 63) / 64 : 0;
        const size_t row_bytes = (n + PANEL - 1) / PANEL * PANEL * sizeof(float);
        const size_t last = (k - 1) / K_BLOCK * K_BLOCK, tail_rows = PF_TAIL_BYTES / row_bytes;
        pf_from = tail_rows >= k ? 0
                : k - last > tail_rows ? last
                : (k - tail_rows + K_BLOCK - 1) / K_BLOCK * K_BLOCK;
        const size_t tiles = (k - pf_from + K_BLOCK - 1) / K_BLOCK * (n / PANEL)
                           * (m / TILE_ROWS);
        cursor.per_tile = tiles ? (lines + tiles - 1) / tiles : 0;
        q = lines && tiles ? &cursor : NULL;
    }
    for (size_t p0 = 0; p0 < k; p0 += K_BLOCK) {
        const size_t kc = k - p0 < K_BLOCK ? k - p0 : K_BLOCK;
        const float *ap = a + p0 * a_cs;
        const int acc = accumulate || p0 > 0;
        for (size_t j = 0; j < n; j += PANEL) {
            const size_t cols = n - j < PANEL ? n - j : PANEL;
            rows_by_panel(m, cols, kc, ap, a_rs, a_cs, packed + j * k + p0 * PANEL, c + j, ldc,
                          acc, p0 >= pf_from ? q : NULL);
        }
    }
}

static void packed_gemm(size_t m, size_t n, size_t k,
                        const float *a, size_t a_rs, size_t a_cs,
                        const float *packed, float *c, size_t ldc, int accumulate)
{
    packed_gemm_pf(m, n, k, a, a_rs, a_cs, packed, c, ldc, accumulate, NULL);
}

#define PACKED_GEMM_ENTRIES .panel = PANEL, .pack_b = pack_b_panels, .gemm_packed = packed_gemm, \
                            .gemm_packed_pf = packed_gemm_pf

#endif
