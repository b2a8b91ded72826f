/* Shared by the C bench programs: a monotonic clock, the repeat policy and
 * the statistics, and the one-record-per-line JSON that bench/run.py reads.
 *
 * Repeat policy (also in peers/torch_bench.py): warm up, then repeat until
 * at least min_reps samples and either max_reps samples or budget seconds
 * spent, so small cases get many samples and big ones a few. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdio.h>

typedef struct bench_policy {
    int warmup;        /* untimed runs first (the first call allocates) */
    int min_reps;
    int max_reps;
    double budget_s;   /* stop after this much timed work once min_reps are in */
} bench_policy;

typedef struct bench_stats {
    double median_s, min_s, max_s, p99_s;
    int reps;
} bench_stats;

/* The work under test; returns 0 on success. */
typedef int (*bench_fn)(void *ctx);

double bench_now(void);

/* Runs fn under the policy. Returns 0, or the first non-zero fn result. */
int bench_measure(bench_fn fn, void *ctx, const bench_policy *p, bench_stats *out);

/* Statistics of n samples (sorted in place). */
void bench_stats_of(double *samples, int n, bench_stats *out);

/* The usual policy: one timed warm-up call sets the rest. A case slower
 * than 0.25 s gets 3 samples (1 beyond 1 s) and no more warm-up; a faster
 * one one more warm-up and 5..max_reps samples within budget_s seconds. */
int bench_auto(bench_fn fn, void *ctx, double budget_s, int max_reps, bench_stats *out);

/* The same work on n contexts (n <= BENCH_MAX_TURNS; e.g. one model per thread
 * count) timed in turn, the order reversed every round (A B C, C B A, ...) so
 * that a drift of the machine's speed hits all alike: out[i] the statistics of
 * context i's samples, ratio[i] (i >= 1) those of the rounds' ratios
 * time(ctx 0) / time(ctx i), their median the paired figure to quote. Warm-up
 * and repeat policy as bench_auto, counted in rounds and over the rounds' total
 * time. Returns 0, or the first non-zero fn result. */
enum { BENCH_MAX_TURNS = 8 };
int bench_turns(bench_fn fn, void *const *ctx, int n, double budget_s, int max_reps,
                bench_stats *out, bench_stats *ratio);

/* One JSON record on one line: fixed identity fields and the statistics. */
typedef struct bench_record {
    const char *impl;      /* "rnnlite", "onednn", ... */
    const char *kind;      /* "cell", "seed", "latency", "peak" */
    const char *cell;      /* "rnn", "lstm", "gru" or NULL */
    const char *mode;      /* "fwd", "fwdbwd", "fit", "predict", "predict1" or NULL */
    long hidden, input, batch, steps, threads;   /* < 0: not printed */
    const char *note;      /* free text or NULL */
    double flops;          /* floating-point operations per run; <= 0: not printed */
    /* Paired against a run of `paired_threads` threads timed in turn with this one
     * (> 0: printed as "speedup_vs_threads", "speedup" = the median of the pairs'
     * ratios base time / this time, "speedup_min", "speedup_max", "pairs"). */
    long paired_threads;
    const bench_stats *pairs;   /* the ratios' statistics */
} bench_record;

void bench_emit(FILE *f, const bench_record *r, const bench_stats *s);

/* Deterministic fill with values in [-scale, scale). */
/* Parses "32,64,128" into out (at most max values, each > 0); returns the
 * count, or -1 for anything else. */
long bench_parse_list(const char *s, long *out, long max);

void bench_fill(float *v, size_t n, unsigned long long seed, float scale);

#endif
