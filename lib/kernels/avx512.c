/* AVX-512F path: 8 x 32 register tiles (16 of the 32 zmm registers hold C).
 * Compiled with -mavx512f -mfma; dispatch.c reaches it only when the CPU and
 * the OS support it. The loops live in tiled_gemm.h. */
#include "kernels.h"

#include <immintrin.h>

typedef __m512 vec;
typedef __mmask16 vmask;

#define VEC 16
#define TILE_ROWS 8
#define TILE_VECS 2
#define FOR_TAIL_ROWS(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
/* gemm_at's last row tiles up to 14 rows (28 accumulators, 2 B vectors
 * and a broadcast in the 32 registers; tiled_gemm.h at_plan) */
#define AT_TALL_ROWS_MAX 14
#define FOR_AT_TALL_ROWS(X) X(9) X(10) X(11) X(12) X(13) X(14)
#define AT_RAGGED_PAIRS 1   /* gemm_at's ragged last columns: at_pairs.h */
#define FEW_ROWS_VECS(r) ((r) == 1 ? 8 : (r) <= 3 ? 4 : (r) <= 5 ? 3 : 2)
#ifndef K_BLOCK
#define K_BLOCK 192   /* the packed B panel (24 KiB, on the stack) stays in L1 */
#endif

static inline vec vzero(void) { return _mm512_setzero_ps(); }
static inline vec vset1(float x) { return _mm512_set1_ps(x); }
static inline vec vfma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
static inline vec vload(const float *p) { return _mm512_loadu_ps(p); }
static inline vec vload_masked(const float *p, vmask m) { return _mm512_maskz_loadu_ps(m, p); }
static inline void vstore(float *p, vec v) { _mm512_storeu_ps(p, v); }
static inline void vstore_aligned(float *p, vec v) { _mm512_store_ps(p, v); }
static inline void vstore_masked(float *p, vmask m, vec v) { _mm512_mask_storeu_ps(p, m, v); }
static inline vmask mask_first(size_t r) { return (vmask)((1u << r) - 1u); }

#include "tiled_gemm.h"
#include "packed_gemm.h"
#include "narrow_gemm.h"
#include "at_pairs.h"

const rl_kernels rl__avx512_kernels = {
    .name = "avx512",
    .gemm = tiled_gemm,
    .gemm_at = tiled_gemm_at,
    PACKED_GEMM_ENTRIES,
    NARROW_GEMM_ENTRIES,
    RL_FUSED_ENTRIES(avx512),
};
