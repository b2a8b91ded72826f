/* Matrix kernels, one implementation per instruction set, chosen at run time.
 *
 * Every path computes each output element as one fused multiply-add chain in
 * increasing k order, starting from 0 or from the old C value:
 *     c = fma(a[i][k], b[k][j], c)   for k = 0, 1, ..., K-1
 * so scalar, AVX2, AVX-512 and NEON give bit-identical results, and splitting the
 * output over threads changes nothing. A kernel includes only this header. */
#ifndef RL_KERNELS_H
#define RL_KERNELS_H

#include <stddef.h>

/* C[m x n] (row stride ldc) = (accumulate ? C : 0) + A[m x k] * B[k x n].
 * A element (i, p) is a[i * a_rs + p * a_cs]: a_cs = 1 is row-major A,
 * a_rs = 1 is A stored transposed. B is row-major with row stride ldb.
 * m, n or k may be 0 (k = 0 leaves C as 0 or unchanged). */
typedef void (*rl_gemm_fn)(size_t m, size_t n, size_t k,
                           const float *a, size_t a_rs, size_t a_cs,
                           const float *b, size_t ldb,
                           float *c, size_t ldc, int accumulate);

/* ---- B packed once (bwd): the backward's U^T and W^T ------------------
 * A B that several products share (U^T over every step of a backward) is
 * copied once into the panels the micro-kernel reads, instead of once per
 * product: panel q holds columns [q P, q P + P) of B as a dense [k x P]
 * block, rows in k order, zero beyond column n (P = the path's `panel`).
 * Panels follow each other, so panel q starts at q * k * P and columns
 * [q P, n) of B packed are themselves B[:, q P:] packed: products split at
 * panel boundaries need no other layout. */

/* Every path's panel divides this: rl__packed_floats sizes buffers for all. */
#define RL_PACK_PANEL_MAX 32

/* Floats a packed [k x n] B takes on any path. */
static inline size_t rl__packed_floats(size_t k, size_t n)
{
    return k * ((n + RL_PACK_PANEL_MAX - 1) / RL_PACK_PANEL_MAX * RL_PACK_PANEL_MAX);
}

/* dst (rl__packed_floats(k, n) floats) = B[k x n] packed, where element
 * (p, j) of B is b[p * b_rs + j * b_cs]: b_cs = 1 is row-major B, b_rs = 1
 * is B read transposed (U^T straight from U, no transpose first). */
typedef void (*rl_pack_b_fn)(float *dst, size_t k, size_t n,
                             const float *b, size_t b_rs, size_t b_cs);

/* As rl_gemm_fn with B given packed by the same path's pack_b (same k, n):
 * the same fma chain per element in increasing k order, so the same bits as
 * gemm on the unpacked B. */
typedef void (*rl_gemm_packed_fn)(size_t m, size_t n, size_t k,
                                  const float *a, size_t a_rs, size_t a_cs,
                                  const float *packed, float *c, size_t ldc, int accumulate);

typedef struct rl_kernels {
    const char *name;   /* "scalar", "avx2", "avx512", "neon" */
    rl_gemm_fn gemm;
    /* bwd: packed B */
    size_t panel;                    /* columns per packed panel, divides RL_PACK_PANEL_MAX */
    rl_pack_b_fn pack_b;
    rl_gemm_packed_fn gemm_packed;
} rl_kernels;

/* Each returns NULL when the path is not compiled in or the CPU (and OS,
 * via XGETBV) cannot run it. */
const rl_kernels *rl__kernels_scalar(void);
const rl_kernels *rl__kernels_avx2(void);
const rl_kernels *rl__kernels_avx512(void);
const rl_kernels *rl__kernels_neon(void);   /* AArch64 ASIMD */

/* The tables of the SIMD files; reach them through the functions above,
 * which check that the CPU can run them. */
extern const rl_kernels rl__avx2_kernels;
extern const rl_kernels rl__avx512_kernels;
extern const rl_kernels rl__neon_kernels;

/* The path in use: the best available, or the one RNNLITE_ISA forces.
 * Chosen once per process. */
const rl_kernels *rl__kernels(void);

#endif
