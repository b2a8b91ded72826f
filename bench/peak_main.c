/* The machine's single-core FMA peak, so every bench figure can be read as
 * a fraction of it. The best of several runs is the peak (noise only ever
 * slows a run down); the median is printed too. Prints JSON records. */
#include <stdio.h>

#include "bench_util.h"
#include "peak.h"

typedef struct peak_ctx {
    float (*fn)(long);
    long iters;
    volatile float sink;
} peak_ctx;

static int run(void *p)
{
    peak_ctx *c = p;
    c->sink = c->fn(c->iters);
    return 0;
}

static void measure(const char *isa, float (*fn)(long), double flops_per_round)
{
    /* Many short runs (~10-20 ms): on a shared machine the best of them is
     * the one that ran undisturbed. */
    peak_ctx c = {fn, 4 * 1000 * 1000, 0};
    bench_policy p = {.warmup = 3, .min_reps = 31, .max_reps = 31, .budget_s = 0};
    bench_stats s;
    bench_measure(run, &c, &p, &s);
    bench_record r = {.impl = "machine", .kind = "peak", .mode = isa, .hidden = -1, .input = -1,
                      .batch = -1, .steps = -1, .threads = 1,
                      .flops = flops_per_round * (double)c.iters};
    bench_emit(stdout, &r, &s);
}

int main(void)
{
    __builtin_cpu_init();
#ifdef PEAK_HAVE_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        measure("avx2", peak_avx2, PEAK_AVX2_FLOPS_PER_ROUND);
#endif
#ifdef PEAK_HAVE_AVX512
    if (__builtin_cpu_supports("avx512f"))
        measure("avx512", peak_avx512, PEAK_AVX512_FLOPS_PER_ROUND);
#endif
    return 0;
}
