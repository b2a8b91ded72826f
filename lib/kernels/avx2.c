/* AVX2+FMA path: 6 x 16 register tiles (12 of the 16 ymm registers hold C).
 * Compiled with -mavx2 -mfma; dispatch.c reaches it only when the CPU and the
 * OS support it. The loops live in tiled_gemm.h. */
#include "kernels.h"

#include <immintrin.h>

typedef __m256 vec;
typedef __m256i vmask;

#define VEC 8
#define TILE_ROWS 6
#define TILE_VECS 2
#define FOR_TAIL_ROWS(X) X(1) X(2) X(3) X(4) X(5)
#define FEW_ROWS_VECS(r) ((r) <= 2 ? 4 : (r) <= 3 ? 3 : 2)
#ifndef K_BLOCK
#define K_BLOCK 256   /* the packed B panel (16 KiB, on the stack) stays in L1 */
#endif

static inline vec vzero(void) { return _mm256_setzero_ps(); }
static inline vec vset1(float x) { return _mm256_set1_ps(x); }
static inline vec vfma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
static inline vec vload(const float *p) { return _mm256_loadu_ps(p); }
static inline vec vload_masked(const float *p, vmask m) { return _mm256_maskload_ps(p, m); }
static inline void vstore(float *p, vec v) { _mm256_storeu_ps(p, v); }
static inline void vstore_aligned(float *p, vec v) { _mm256_store_ps(p, v); }
static inline void vstore_masked(float *p, vmask m, vec v) { _mm256_maskstore_ps(p, m, v); }
static inline vmask mask_first(size_t r)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#include "tiled_gemm.h"
#include "packed_gemm.h"

const rl_kernels rl__avx2_kernels = {
    .name = "avx2",
    .gemm = tiled_gemm,
    .gemm_at = tiled_gemm_at,
    PACKED_GEMM_ENTRIES,
    RL_FUSED_ENTRIES(avx2),
};
