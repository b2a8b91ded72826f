/* The cell math (cell_math.h, through pointwise_impl.h) on 16 lanes with AVX-512F. */
#include <immintrin.h>

#include "pointwise.h"

typedef __m512 VF;
#define V_WIDTH 16

#define LANES_BELOW(n) ((__mmask16)((1u << (n)) - 1u))
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps((p), (v))
#define V_LOAD_N(p, n) _mm512_maskz_loadu_ps(LANES_BELOW(n), (p))
#define V_STORE_N(p, v, n) _mm512_mask_storeu_ps((p), LANES_BELOW(n), (v))
#define V_SET1(f) _mm512_set1_ps(f)
#define V_ADD _mm512_add_ps
#define V_SUB _mm512_sub_ps
#define V_MUL _mm512_mul_ps
#define V_DIV _mm512_div_ps
#define V_MIN _mm512_min_ps
#define V_MAX _mm512_max_ps
#define V_FMA _mm512_fmadd_ps
#define SIGN_BITS _mm512_set1_epi32((int)0x80000000u)
#define V_ABS(v) _mm512_castsi512_ps(_mm512_andnot_si512(SIGN_BITS, _mm512_castps_si512(v)))
#define V_COPYSIGN(m, s)                                                                       \
    _mm512_castsi512_ps(_mm512_or_si512(_mm512_andnot_si512(SIGN_BITS, _mm512_castps_si512(m)), \
                                        _mm512_and_si512(SIGN_BITS, _mm512_castps_si512(s))))
#define V_LT_SELECT(a, b, x, y) _mm512_mask_blend_ps(_mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ), (y), (x))
#define V_POW2I(n)                                                                             \
    _mm512_castsi512_ps(_mm512_slli_epi32(                                                    \
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))
#define PW_NAME(name) rl__pw_avx512_##name

#include "pointwise_impl.h"

/* The fused one-row step (fused_row.h): up to 16 vectors of chains per pass. */
#define FR_ARGS rl_row_args
#define FR_VECS 16
#include "fused_row.h"

/* The fused forward step (fused_step.h): register tiles of rows x (gates x
 * vectors): LSTM 6x4, GRU 8x3, SimpleRNN 8x2; a k pass reads 6144 floats
 * (24 KiB) of packed U, which stay in L1 for all row tiles beside the rows
 * of h and the chains they read (paired against 32 KiB passes: LSTM and
 * GRU H = 256 0.95-0.96, H = 128 0.99, H = 512 even; 16 KiB no better). */
#define FS_NAME(name) rl__fs_avx512_##name
#define FS_ROWS_LSTM 6
#define FS_ROWS_GRU 8
#define FS_ROWS_RNN 8
#define FS_VECS_RNN 2
#define FS_PANEL_FLOATS 6144
#include "fused_step.h"

RL_POINTWISE_TABLE(avx512)
