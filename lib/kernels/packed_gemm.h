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

/* rows_by_panel on B larger than L2 (U^T of LSTM(512), 4 MiB: it comes
 * from L3, and the first row tile of each panel waited on it): the full
 * row tiles also prefetch the next panel, `lines` cache lines from next
 * (towards L2), a share per tile, one line every PF_EVERY links. Kernel
 * alone (64 x 2048 x 512, 64 x 512 x 2048): 0.93-0.95 of the time; on B
 * in L2 the same prefetches cost (1.06x at H = 128-256), so only here. */
static void rows_by_panel_next(size_t m, size_t cols, size_t kc, const float *a, size_t a_rs,
                               size_t a_cs, const float *panel, float *c, size_t ldc,
                               int accumulate, const char *next, size_t lines)
{
    size_t i = 0;
    if (cols == PANEL) {
        const size_t tiles = m / TILE_ROWS;
        size_t per_tile = tiles ? (lines + tiles - 1) / tiles : 0;
        per_tile = per_tile < kc / PF_EVERY ? per_tile : kc / PF_EVERY;
        for (; i + TILE_ROWS <= m; i += TILE_ROWS) {
            const size_t take = lines < per_tile ? lines : per_tile;
            tile_runs(TILE_ROWS, TILE_VECS, 0, 0, last_mask(PANEL), kc, a + i * a_rs, a_rs,
                      a_cs, panel, PANEL, c + i * ldc, ldc, accumulate, next, take, 64, 0);
            next += take * 64;
            lines -= take;
        }
    }
    rows_by_panel(m - i, cols, kc, a + i * a_rs, a_rs, a_cs, panel, c + i * ldc, ldc, accumulate,
                  NULL);
}

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
    /* B larger than half of L2: its next panels prefetched where the
     * caller's regions are not (rows_by_panel_next) */
    const int big = rl__packed_floats(k, n) * sizeof(float) > PF_TAIL_BYTES;
    for (size_t p0 = 0; p0 < k; p0 += K_BLOCK) {
        const size_t kc = k - p0 < K_BLOCK ? k - p0 : K_BLOCK;
        const float *ap = a + p0 * a_cs;
        const int acc = accumulate || p0 > 0;
        const size_t next_kc = p0 + kc < k ? (k - p0 - kc < K_BLOCK ? k - p0 - kc : K_BLOCK) : 0;
        for (size_t j = 0; j < n; j += PANEL) {
            const size_t cols = n - j < PANEL ? n - j : PANEL;
            const float *pan = packed + j * k + p0 * PANEL;
            if (big && !(p0 >= pf_from && q)) {
                /* the next panel of this k block, or the next block's first */
                const float *next = j + PANEL < n ? packed + (j + PANEL) * k + p0 * PANEL
                                                  : packed + (p0 + kc) * PANEL;
                const size_t lines = (j + PANEL < n ? kc : next_kc) * PANEL * sizeof(float) / 64;
                rows_by_panel_next(m, cols, kc, ap, a_rs, a_cs, pan, c + j, ldc, acc,
                                   (const char *)next, lines);
                continue;
            }
            rows_by_panel(m, cols, kc, ap, a_rs, a_cs, pan, c + j, ldc, acc,
                          p0 >= pf_from ? q : NULL);
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
