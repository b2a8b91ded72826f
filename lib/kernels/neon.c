/* AArch64 Advanced SIMD (ASIMD, "NEON") path: 8 x 8 register tiles (16 of
 * the 32 q registers hold C). ASIMD is part of the AArch64 base ISA, so this
 * file needs no extra flags; dispatch.c still asks the kernel (HWCAP_ASIMD).
 * The loops live in tiled_gemm.h, shared with the x86 paths: the same fma
 * chain per C element in increasing k order, hence the scalar path's bits.
 *
 * ASIMD has no masked loads or stores: a ragged last vector goes through a
 * 4-float buffer on the stack (zero lanes beyond the count), which keeps the
 * arithmetic the same and never touches memory past the row. Tuning (tile
 * shape, fmla by lane) waits for real hardware: under qemu only correctness
 * can be measured. */
#include "kernels.h"

#include <arm_neon.h>
#include <string.h>

typedef float32x4_t vec;
typedef size_t vmask;   /* lanes in use, 1..VEC */

#define VEC 4
#define TILE_ROWS 8
#define TILE_VECS 2
#define FOR_TAIL_ROWS(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define FEW_ROWS_VECS(r) ((r) <= 4 ? 4 : 2)
#ifndef K_BLOCK
#define K_BLOCK 256   /* the packed B panel (8 KiB, on the stack) */
#endif

static inline vec vzero(void) { return vdupq_n_f32(0.0f); }
static inline vec vset1(float x) { return vdupq_n_f32(x); }
/* vfmaq_f32(c, a, b) = c + a * b with one rounding: the operand order of fmaf. */
static inline vec vfma(vec a, vec b, vec c) { return vfmaq_f32(c, a, b); }
static inline vec vload(const float *p) { return vld1q_f32(p); }
static inline vec vload_masked(const float *p, vmask m)
{
    float lanes[VEC] = { 0.0f, 0.0f, 0.0f, 0.0f };
    memcpy(lanes, p, m * sizeof(float));
    return vld1q_f32(lanes);
}
static inline void vstore(float *p, vec v) { vst1q_f32(p, v); }
static inline void vstore_aligned(float *p, vec v) { vst1q_f32(p, v); }
static inline void vstore_masked(float *p, vmask m, vec v)
{
    float lanes[VEC];
    vst1q_f32(lanes, v);
    memcpy(p, lanes, m * sizeof(float));
}
static inline vmask mask_first(size_t r) { return r; }

#include "tiled_gemm.h"
#include "packed_gemm.h"

const rl_kernels rl__neon_kernels = {
    .name = "neon",
    .gemm = tiled_gemm,
    .gemm_at = tiled_gemm_at,
    PACKED_GEMM_ENTRIES,
    RL_FUSED_ENTRIES(neon),
};
