#include "bench_util.h"

#include <stdlib.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void bench_stats_of(double *samples, int n, bench_stats *out)
{
    qsort(samples, (size_t)n, sizeof *samples, cmp_double);
    out->reps = n;
    out->min_s = samples[0];
    out->max_s = samples[n - 1];
    out->median_s = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
    /* nearest rank */
    int rank = (int)((99LL * n + 99) / 100);
    out->p99_s = samples[(rank < 1 ? 1 : rank) - 1];
}

int bench_measure(bench_fn fn, void *ctx, const bench_policy *p, bench_stats *out)
{
    for (int i = 0; i < p->warmup; i++) {
        int r = fn(ctx);
        if (r)
            return r;
    }
    double *samples = malloc((size_t)p->max_reps * sizeof *samples);
    if (!samples)
        return -1;
    double spent = 0;
    int n = 0;
    while (n < p->max_reps && (n < p->min_reps || spent < p->budget_s)) {
        double t0 = bench_now();
        int r = fn(ctx);
        double dt = bench_now() - t0;
        if (r) {
            free(samples);
            return r;
        }
        samples[n++] = dt;
        spent += dt;
    }
    bench_stats_of(samples, n, out);
    free(samples);
    return 0;
}

int bench_auto(bench_fn fn, void *ctx, double budget_s, int max_reps, bench_stats *out)
{
    double t0 = bench_now();
    int r = fn(ctx);
    if (r)
        return r;
    double first = bench_now() - t0;
    bench_policy p = {.warmup = 1, .min_reps = 5, .max_reps = max_reps, .budget_s = budget_s};
    if (first > 0.25) {   /* the first call was the warm-up */
        p.warmup = 0;
        p.min_reps = first > 1.0 ? 1 : 3;
        p.max_reps = p.min_reps;
    }
    return bench_measure(fn, ctx, &p, out);
}

int bench_turns(bench_fn fn, void *const *ctx, int n, double budget_s, int max_reps,
                bench_stats *out, bench_stats *ratio)
{
    if (n < 1 || n > BENCH_MAX_TURNS || max_reps < 1)
        return -1;
    double first = 0;
    for (int i = 0; i < n; i++) {   /* the first call of each allocates */
        double t0 = bench_now();
        int r = fn(ctx[i]);
        if (r)
            return r;
        first += bench_now() - t0;
    }
    int warmup = 1, min_rounds = 5;
    if (first > 0.25 * n) {
        warmup = 0;
        min_rounds = max_reps = first > 1.0 * n ? 1 : 3;
    }
    for (int w = 0; w < warmup; w++)
        for (int i = 0; i < n; i++) {
            int r = fn(ctx[i]);
            if (r)
                return r;
        }
    double *t = malloc((size_t)max_reps * (size_t)n * 2 * sizeof *t);
    if (!t)
        return -1;
    double *rat = t + (size_t)max_reps * (size_t)n;
    double spent = 0;
    int rounds = 0;
    while (rounds < max_reps && (rounds < min_rounds || spent < budget_s)) {
        for (int j = 0; j < n; j++) {
            const int i = rounds % 2 ? n - 1 - j : j;
            double t0 = bench_now();
            int r = fn(ctx[i]);
            double dt = bench_now() - t0;
            if (r) {
                free(t);
                return r;
            }
            t[(size_t)i * (size_t)max_reps + (size_t)rounds] = dt;
            spent += dt;
        }
        rounds++;
    }
    for (int i = 1; i < n; i++) {
        for (int k = 0; k < rounds; k++)
            rat[k] = t[k] / t[(size_t)i * (size_t)max_reps + (size_t)k];
        bench_stats_of(rat, rounds, &ratio[i]);
    }
    for (int i = 0; i < n; i++)
        bench_stats_of(t + (size_t)i * (size_t)max_reps, rounds, &out[i]);
    free(t);
    return 0;
}

static void emit_str(FILE *f, const char *key, const char *v)
{
    if (v)
        fprintf(f, ", \"%s\": \"%s\"", key, v);
}

static void emit_long(FILE *f, const char *key, long v)
{
    if (v >= 0)
        fprintf(f, ", \"%s\": %ld", key, v);
}

void bench_emit(FILE *f, const bench_record *r, const bench_stats *s)
{
    fprintf(f, "{\"impl\": \"%s\"", r->impl);
    emit_str(f, "kind", r->kind);
    emit_str(f, "cell", r->cell);
    emit_str(f, "mode", r->mode);
    emit_long(f, "hidden", r->hidden);
    emit_long(f, "input", r->input);
    emit_long(f, "batch", r->batch);
    emit_long(f, "steps", r->steps);
    emit_long(f, "threads", r->threads);
    emit_str(f, "note", r->note);
    if (r->flops > 0)
        fprintf(f, ", \"flops\": %.17g", r->flops);
    fprintf(f, ", \"median_s\": %.9g, \"min_s\": %.9g, \"max_s\": %.9g, \"p99_s\": %.9g",
            s->median_s, s->min_s, s->max_s, s->p99_s);
    if (r->paired_threads > 0 && r->pairs)
        fprintf(f, ", \"speedup_vs_threads\": %ld, \"speedup\": %.6g, \"speedup_min\": %.6g, "
                   "\"speedup_max\": %.6g, \"pairs\": %d",
                r->paired_threads, r->pairs->median_s, r->pairs->min_s, r->pairs->max_s,
                r->pairs->reps);
    fprintf(f, ", \"reps\": %d}\n", s->reps);
    fflush(f);
}

void bench_fill(float *v, size_t n, unsigned long long seed, float scale)
{
    unsigned long long s = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v[i] = scale * (2.0f * (float)(s >> 40) / (float)(1ULL << 24) - 1.0f);
    }
}

long bench_parse_list(const char *s, long *out, long max)
{
    long n = 0;
    while (*s && n < max) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v <= 0)
            return -1;
        out[n++] = v;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}
