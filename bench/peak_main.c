/* The machine's single-core FMA peak, so every bench figure can be read as
 * a fraction of it. Prints JSON records: per instruction set the best,
 * median and worst of several runs. bench/run.py takes the best of the
 * run-level readings as the run's peak, and for the readings beside each
 * group of cases (--reps 7) the median, as a case's own time is: a shared
 * VM's clock moves over minutes and spikes for milliseconds.
 *
 * Usage: bench_peak [--reps N]
 * --reps N: runs of ~10-20 ms each per instruction set (1-1000, default 31). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void measure(const char *isa, float (*fn)(long), double flops_per_round, int reps)
{
    /* Many short runs (~10-20 ms): on a shared machine the best of them is
     * the one that ran undisturbed. */
    peak_ctx c = {fn, 4 * 1000 * 1000, 0};
    bench_policy p = {.warmup = 3, .min_reps = reps, .max_reps = reps, .budget_s = 0};
    bench_stats s;
    bench_measure(run, &c, &p, &s);
    bench_record r = {.impl = "machine", .kind = "peak", .mode = isa, .hidden = -1, .input = -1,
                      .batch = -1, .steps = -1, .threads = 1,
                      .flops = flops_per_round * (double)c.iters};
    bench_emit(stdout, &r, &s);
}

int main(int argc, char **argv)
{
    int reps = 31;
    for (int i = 1; i < argc; i += 2) {
        char *end = NULL;
        long v = 0;
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            v = strtol(argv[i + 1], &end, 10);
        if (!end || *end || v < 1 || v > 1000) {
            fprintf(stderr, "usage: bench_peak [--reps N], N from 1 to 1000\n");
            return 2;
        }
        reps = (int)v;
    }
    (void)reps;   /* unused where neither loop is built (not x86) */
    __builtin_cpu_init();
#ifdef PEAK_HAVE_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        measure("avx2", peak_avx2, PEAK_AVX2_FLOPS_PER_ROUND, reps);
#endif
#ifdef PEAK_HAVE_AVX512
    if (__builtin_cpu_supports("avx512f"))
        measure("avx512", peak_avx512, PEAK_AVX512_FLOPS_PER_ROUND, reps);
#endif
    return 0;
}
