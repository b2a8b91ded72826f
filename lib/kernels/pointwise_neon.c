/* The cell math (pointwise_impl.h) on 4 lanes with AArch64 ASIMD.
 *
 * Each macro reproduces the scalar reference's semantics exactly, not just
 * its value on ordinary inputs: FMIN/FMAX would return NaN for a NaN operand
 * where the reference (x86 MINPS/MAXPS order) returns the second operand, so
 * min and max are a compare and a select; 2^n converts an integral float, so
 * truncation (FCVTZS) equals the reference's rounding. AArch64 division is
 * IEEE (correctly rounded), and FPCR's default keeps subnormals (no
 * flush-to-zero), like the x86 paths' default MXCSR. */
#include <arm_neon.h>
#include <string.h>

#include "kernels.h"
#include "pointwise.h"

typedef float32x4_t VF;
#define V_WIDTH 4

static inline VF load_n(const float *p, size_t n)
{
    float lanes[V_WIDTH] = { 0.0f, 0.0f, 0.0f, 0.0f };
    memcpy(lanes, p, n * sizeof(float));
    return vld1q_f32(lanes);
}

static inline void store_n(float *p, VF v, size_t n)
{
    float lanes[V_WIDTH];
    vst1q_f32(lanes, v);
    memcpy(p, lanes, n * sizeof(float));
}

#define V_LOAD(p) vld1q_f32(p)
#define V_STORE(p, v) vst1q_f32((p), (v))
#define V_LOAD_N(p, n) load_n((p), (n))
#define V_STORE_N(p, v, n) store_n((p), (v), (n))
#define V_SET1(f) vdupq_n_f32(f)
#define V_ADD vaddq_f32
#define V_SUB vsubq_f32
#define V_MUL vmulq_f32
#define V_DIV vdivq_f32
/* a < b ? a : b and a > b ? a : b, as the scalar reference (NaN in a -> b). */
#define V_MIN(a, b) vbslq_f32(vcltq_f32((a), (b)), (a), (b))
#define V_MAX(a, b) vbslq_f32(vcgtq_f32((a), (b)), (a), (b))
#define V_FMA(a, b, c) vfmaq_f32((c), (a), (b))
#define V_FNMA(a, b, c) vfmsq_f32((c), (a), (b))   /* c - a b, fused */
#define V_ABS(v) vabsq_f32(v)
#define V_COPYSIGN(m, s) vbslq_f32(vdupq_n_u32(0x80000000u), (s), (m))
#define V_LT_SELECT(a, b, x, y) vbslq_f32(vcltq_f32((a), (b)), (x), (y))
#define V_POW2I(n)                                                                             \
    vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23))
#define PW_NAME(name) rl__pw_neon_##name

#include "pointwise_impl.h"

/* The fused forward step (fused_step.h), with the x86 paths' tile shapes
 * (32 q registers: LSTM 6x4, GRU 8x3, SimpleRNN 8x2 vectors); untuned, as
 * the gemm: under qemu only its bits can be checked. */
#define FS_NAME(name) rl__fs_neon_##name
#define FS_ROWS_LSTM 6
#define FS_ROWS_GRU 8
#define FS_ROWS_RNN 8
#define FS_VECS_RNN 2
#define FS_PANEL_FLOATS 8192
#include "fused_step.h"

/* The fused one-row step (fused_row.h): up to 16 vectors of chains per pass. */
#define FR_ARGS rl_row_args
#define FR_VECS 16
#define FR_L1D() rl__l1d_bytes()
#include "fused_row.h"

RL_POINTWISE_TABLE(neon)
