/* The cell math (cell_math.h, through pointwise_impl.h) on 8 lanes with AVX2+FMA. */
#include <immintrin.h>

#include "kernels.h"
#include "pointwise.h"

typedef __m256 VF;
#define V_WIDTH 8

static inline __m256i lanes_below(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps((p), (v))
#define V_LOAD_N(p, n) _mm256_maskload_ps((p), lanes_below(n))
#define V_STORE_N(p, v, n) _mm256_maskstore_ps((p), lanes_below(n), (v))
#define V_SET1(f) _mm256_set1_ps(f)
#define V_ADD _mm256_add_ps
#define V_SUB _mm256_sub_ps
#define V_MUL _mm256_mul_ps
#define V_DIV _mm256_div_ps
#define V_MIN _mm256_min_ps
#define V_MAX _mm256_max_ps
#define V_FMA _mm256_fmadd_ps
#define V_FNMA _mm256_fnmadd_ps
#define V_ABS(v) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (v))
#define V_COPYSIGN(m, s)                                                                       \
    _mm256_or_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), (m)),                                \
                 _mm256_and_ps(_mm256_set1_ps(-0.0f), (s)))
#define V_LT_SELECT(a, b, x, y) _mm256_blendv_ps((y), (x), _mm256_cmp_ps((a), (b), _CMP_LT_OQ))
#define V_POW2I(n)                                                                             \
    _mm256_castsi256_ps(_mm256_slli_epi32(                                                    \
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))
#define PW_NAME(name) rl__pw_avx2_##name

#include "pointwise_impl.h"

/* The fused one-row step (fused_row.h): up to 12 vectors of chains per pass. */
#define FR_ARGS rl_row_args
#define FR_VECS 12
#define FR_L1D() rl__l1d_bytes()
#include "fused_row.h"

/* The AVX-512 row step's chains on 256-bit vectors (FR_NARROW_CHAINS,
 * pointwise_avx512.c): the same chains, each in increasing k. */
void rl__pw_avx2_row_chains(const rl_row_args *s, const float *start, size_t g, int with_x,
                            float *z);
void rl__pw_avx2_row_chains(const rl_row_args *s, const float *start, size_t g, int with_x,
                            float *z)
{
    fr_chains(s, start, g, with_x, z);
}

/* The fused forward step (fused_step.h): register tiles of rows x (gates x
 * vectors): LSTM 3x4, GRU 4x3, SimpleRNN 6x2; a k pass reads 8192 floats
 * (32 KiB) of packed U, which stay in L1 for all row tiles. */
#define FS_NAME(name) rl__fs_avx2_##name
#define FS_ROWS_LSTM 3
#define FS_ROWS_GRU 4
#define FS_ROWS_RNN 6
#define FS_VECS_RNN 2
#define FS_PANEL_FLOATS 8192
#include "fused_step.h"

RL_POINTWISE_TABLE(avx2)
