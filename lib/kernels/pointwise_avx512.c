/* The cell math (cell_math.h, through pointwise_impl.h) on 16 lanes with AVX-512F. */
#include <immintrin.h>

#include "kernels.h"
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
#define V_FNMA _mm512_fnmadd_ps
#define SIGN_BITS _mm512_set1_epi32((int)0x80000000u)
#define V_ABS(v) _mm512_castsi512_ps(_mm512_andnot_si512(SIGN_BITS, _mm512_castps_si512(v)))
/* one vpternlogd: bit = sign mask ? s : m (0xd8 = C ? B : A, operands A, B, C);
 * the compiler's and + ternlog for the and/andnot/or form took two */
#define V_COPYSIGN(m, s)                                                                       \
    _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(m), _mm512_castps_si512(s), \
                                                  SIGN_BITS, 0xd8))
#define V_LT_SELECT(a, b, x, y) _mm512_mask_blend_ps(_mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ), (y), (x))
#define V_POW2I(n)                                                                             \
    _mm512_castsi512_ps(_mm512_slli_epi32(                                                    \
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))
/* p 2^n by vscalefps: one instruction for the cvt, add, shift and mul of
 * V_MUL(p, V_POW2I(n)), the same value (both round p 2^n once; n is an
 * integer in [-126, 128], so 2^n is normal or, at 128, the overflow to inf
 * of both; a NaN p comes through as itself in both). The exp sits in every
 * gate's activation: 5 per LSTM unit, 3 per GRU unit. */
#define V_MUL_POW2I(p, n) _mm512_scalef_ps((p), (n))
#define PW_NAME(name) rl__pw_avx512_##name

#include "pointwise_impl.h"

/* The fused one-row step (fused_row.h): up to 16 vectors of chains per pass. */
#define FR_ARGS rl_row_args
#define FR_VECS 16
#define FR_L1D() rl__l1d_bytes()
#ifdef RL_HAVE_AVX2
/* Where the CPU runs 512-bit operations as two 256-bit halves (rl__fp256),
 * the one-row step's chains on the AVX2 path's vectors (fused_row.h). */
void rl__pw_avx2_row_chains(const rl_row_args *s, const float *start, size_t g, int with_x,
                            float *z);
#define FR_NARROW_CHAINS rl__pw_avx2_row_chains
#define FR_NARROW() rl__fp256()
#endif
/* lane l of the result is lane l + k of v (the top k lanes: any) */
#define FR_LANES_DOWN(v, k)                                                                    \
    _mm512_permutexvar_ps(_mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, \
                                                             11, 12, 13, 14, 15),             \
                                           _mm512_set1_epi32((int)(k))),                      \
                          (v))
/* v with lanes [off, off + n) from p[0, n) (masked: nothing else read) */
#define FR_LOAD_AT(v, p, off, n)                                                               \
    _mm512_mask_loadu_ps((v), (__mmask16)(LANES_BELOW(n) << (off)), (p) - (off))
#include "fused_row.h"

/* The ragged last block's rows side by side in ONE vector, in registers
 * (fused_step.h, FS_ROW_LANES): row i's n lanes sit at lanes [i n, i n + n).
 * A masked load or store at p + i (ld - n) moves them to or from row i of
 * a matrix (stride ld >= n, so the address stays inside the row) with the
 * lanes in place; gate q of the rows' compact product vectors (lanes
 * [q n, q n + n) of row i's vector) comes over by one masked permute per
 * row. No lane is computed differently: only where lanes sit changes. */
static inline __mmask16 fs512_row_mask(int i, size_t n)
{
    return (__mmask16)(((1u << n) - 1u) << ((unsigned)i * n));
}

static inline __m512 fs512_lanes_gather(const float *p, size_t ld, int rows, size_t n)
{
    __m512 v = _mm512_setzero_ps();
    for (int i = 0; i < rows; i++)
        v = _mm512_mask_loadu_ps(v, fs512_row_mask(i, n), p + (size_t)i * (ld - n));
    return v;
}

static inline void fs512_lanes_scatter(float *p, size_t ld, __m512 v, int rows, size_t n)
{
    for (int i = 0; i < rows; i++)
        _mm512_mask_storeu_ps(p + (size_t)i * (ld - n), fs512_row_mask(i, n), v);
}

static inline __m512 fs512_lanes_unpack(const __m512 *row_vecs, size_t stride, int q, int rows,
                                        size_t n)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512 v = _mm512_setzero_ps();
    for (int i = 0; i < rows; i++) {
        /* lane i n + l <- lane q n + l */
        const __m512i idx = _mm512_add_epi32(iota, _mm512_set1_epi32((q - i) * (int)n));
        v = _mm512_mask_permutexvar_ps(v, fs512_row_mask(i, n), idx, row_vecs[(size_t)i * stride]);
    }
    return v;
}

/* 8 rows of 2 units (H = 16 b + 2: the seed's H = 50), the ragged block's
 * usual case: row i's two lanes are the 64-bit lane i of the vector, so
 * the moves go by 64-bit pieces. A row's pair to or from memory is one
 * 8-byte load or store at its own address (the masked 64-byte moves above
 * mostly spanned two cache lines, and built a mask per row); the four
 * gates come out of the rows' compact vectors (gate q: 64-bit lane q of
 * each) by an 8 x 4 transpose of 64-bit lanes, 12 two-source permutes for
 * all four (was a masked permute per row and gate, 32). Only where the
 * lanes sit changes. */
static inline int fs512_pairs8(int rows, size_t n)
{
    return rows == 8 && n == 2;
}

static inline __m512 fs512_pairs8_gather(const float *p, size_t ld)
{
    __m128 x[4];
    for (int i = 0; i < 4; i++)
        x[i] = _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(p + 2 * i * ld)),
                            (const __m64 *)(p + (2 * i + 1) * ld));
    __m512 v = _mm512_castps128_ps512(x[0]);
    v = _mm512_insertf32x4(v, x[1], 1);
    v = _mm512_insertf32x4(v, x[2], 2);
    return _mm512_insertf32x4(v, x[3], 3);
}

static inline void fs512_pairs8_scatter(float *p, size_t ld, __m512 v)
{
    const __m128 x[4] = { _mm512_castps512_ps128(v), _mm512_extractf32x4_ps(v, 1),
                          _mm512_extractf32x4_ps(v, 2), _mm512_extractf32x4_ps(v, 3) };
    for (int i = 0; i < 4; i++) {
        _mm_storel_pi((__m64 *)(p + 2 * i * ld), x[i]);
        _mm_storeh_pi((__m64 *)(p + (2 * i + 1) * ld), x[i]);
    }
}

/* out[q] = gate q of the 8 rows (64-bit lane q of row i's vector to lane i). */
static inline void fs512_pairs8_unpack4(const __m512 *row_vecs, size_t stride, __m512 out[4])
{
#define FS512_PD(i) _mm512_castps_pd(row_vecs[(size_t)(i) * stride])
    const __m512i pair = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512d p01 = _mm512_permutex2var_pd(FS512_PD(0), pair, FS512_PD(1));
    const __m512d p23 = _mm512_permutex2var_pd(FS512_PD(2), pair, FS512_PD(3));
    const __m512d p45 = _mm512_permutex2var_pd(FS512_PD(4), pair, FS512_PD(5));
    const __m512d p67 = _mm512_permutex2var_pd(FS512_PD(6), pair, FS512_PD(7));
#undef FS512_PD
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i hi = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    const __m512d a_lo = _mm512_permutex2var_pd(p01, lo, p23);   /* rows 0-3, gates 0, 1 */
    const __m512d a_hi = _mm512_permutex2var_pd(p01, hi, p23);   /* rows 0-3, gates 2, 3 */
    const __m512d b_lo = _mm512_permutex2var_pd(p45, lo, p67);   /* rows 4-7, gates 0, 1 */
    const __m512d b_hi = _mm512_permutex2var_pd(p45, hi, p67);
    const __m512i first = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
    const __m512i second = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
    out[0] = _mm512_castpd_ps(_mm512_permutex2var_pd(a_lo, first, b_lo));
    out[1] = _mm512_castpd_ps(_mm512_permutex2var_pd(a_lo, second, b_lo));
    out[2] = _mm512_castpd_ps(_mm512_permutex2var_pd(a_hi, first, b_hi));
    out[3] = _mm512_castpd_ps(_mm512_permutex2var_pd(a_hi, second, b_hi));
}

static inline __m512 fs512_gather_any(const float *p, size_t ld, int rows, size_t n)
{
    return fs512_pairs8(rows, n) ? fs512_pairs8_gather(p, ld) : fs512_lanes_gather(p, ld, rows, n);
}

static inline void fs512_scatter_any(float *p, size_t ld, __m512 v, int rows, size_t n)
{
    if (fs512_pairs8(rows, n))
        fs512_pairs8_scatter(p, ld, v);
    else
        fs512_lanes_scatter(p, ld, v, rows, n);
}

static inline void fs512_unpack4_any(const __m512 *row_vecs, size_t stride, __m512 out[4],
                                     int rows, size_t n)
{
    if (fs512_pairs8(rows, n)) {
        fs512_pairs8_unpack4(row_vecs, stride, out);
        return;
    }
    for (int q = 0; q < 4; q++)
        out[q] = fs512_lanes_unpack(row_vecs, stride, q, rows, n);
}

#define FS_ROW_LANES 1
#define FS_LANES_GATHER(p, ld, rows, n) fs512_gather_any((p), (ld), (rows), (n))
#define FS_LANES_SCATTER(p, ld, v, rows, n) fs512_scatter_any((p), (ld), (v), (rows), (n))
/* the four gate vectors (lanes past the gates' come out as the padding's zeros) */
#define FS_LANES_UNPACK4(v, out, rows, n) fs512_unpack4_any(&(v)[0][0], FS_MAX_Q, (out), (rows), (n))

/* The fused forward step (fused_step.h): register tiles of rows x (gates x
 * vectors): LSTM 6x4, GRU 8x3, SimpleRNN 8x2; a k pass reads 6144 floats
 * (24 KiB) of packed U, which stay in L1 for all row tiles beside the rows
 * of h and the chains they read (paired against 32 KiB passes: LSTM and
 * GRU H = 256 0.95-0.96, H = 512 even; 16 KiB no better); a block whose
 * whole U is at most 32 KiB keeps one pass. These are the L1 passes, kept
 * where L1d is 48 KiB or more; with less (Zen 4) a block's k runs in one
 * pass from L2 (rl_fused_step.pass_floats, compute.c rl__fused_pass_choice). */
#define FS_NAME(name) rl__fs_avx512_##name
#define FS_ROWS_LSTM 6
#define FS_ROWS_GRU 8
#define FS_ROWS_RNN 8
#define FS_VECS_RNN 2
#define FS_PANEL_FLOATS 6144
#define FS_ONE_PASS_FLOATS 8192   /* LSTM H = 128 in one pass: 24 KiB passes split it 96 + 32 (1.08x) */
/* The epilogues' early order (fused_step.h FS_EPILOGUE_EARLY: the LSTM's
 * activated gates stored as soon as they are activated, the GRU's x part
 * loaded before its h U + b_rec is stored): the seed shape's fit-mode
 * forward LSTM 0.95, GRU 0.93 of the time; the same loads and stores in
 * another order, same bits. */
#define FS_EPILOGUE_EARLY 1
#include "fused_step.h"

RL_POINTWISE_TABLE(avx512)
