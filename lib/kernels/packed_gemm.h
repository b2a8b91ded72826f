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

static void packed_gemm(size_t m, size_t n, size_t k,
                        const float *a, size_t a_rs, size_t a_cs,
                        const float *packed, float *c, size_t ldc, int accumulate)
{
    if (empty_product(m, n, k, c, ldc, accumulate))
        return;
    for (size_t p0 = 0; p0 < k; p0 += K_BLOCK) {
        const size_t kc = k - p0 < K_BLOCK ? k - p0 : K_BLOCK;
        const float *ap = a + p0 * a_cs;
        const int acc = accumulate || p0 > 0;
        for (size_t j = 0; j < n; j += PANEL) {
            const size_t cols = n - j < PANEL ? n - j : PANEL;
            rows_by_panel(m, cols, kc, ap, a_rs, a_cs, packed + j * k + p0 * PANEL, c + j, ldc,
                          acc);
        }
    }
}

#define PACKED_GEMM_ENTRIES .panel = PANEL, .pack_b = pack_b_panels, .gemm_packed = packed_gemm

#endif
