/* Single-core FMA throughput loops, one file per instruction set, each
 * compiled with its own flags (bench only: the library never uses -march).
 * Each runs `iters` rounds of independent FMA chains and returns a value
 * derived from the accumulators so the work cannot be optimised away. */
#ifndef BENCH_PEAK_H
#define BENCH_PEAK_H

/* Floating-point operations (2 per lane per FMA) of one round. */
#define PEAK_AVX512_FLOPS_PER_ROUND (16.0 * 16 * 2)
#define PEAK_AVX2_FLOPS_PER_ROUND (12.0 * 8 * 2)

float peak_avx512(long iters);
float peak_avx2(long iters);

#endif
