/* The fused forward step (lib/kernels/fused_step.h) against the unfused
 * one on the same kernel path, through the private compute interface
 * (lib/compute.h), for a layer's whole forward time loop:
 *   unfused   fill bias + one input projection over all steps, then per
 *             step gemm(h_prev, U) + cell (the path before the fused step)
 *   fused     the same projection, then per step the fused step
 *   folded    per step the fused step with the input folded in (no
 *             projection pass)
 * The three run interleaved, rep after rep, and each rep's ratios
 * fused/unfused and folded/fused are recorded: a drift of the machine's
 * speed (other processes) hits both sides of a ratio alike. The medians
 * of the ratios are what to quote; the times are medians too.
 * It is how lib/compute.c's FOLD_MAX_IN was chosen.
 *
 * Usage: bench_fused [--hidden 50,64,...] [--input 1,8,...] [--steps 10]
 *                    [--batch 64] [--reps 15] [--cell lstm|gru|rnn]
 *                    [--folded-only 1]
 * --folded-only 1 times the folded loop alone (for perf record, and for
 * pairing two builds from outside: its record has folded_s only).
 * One JSON record per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "kernels/kernels.h"

#include "bench_util.h"

enum { MAX_LIST = 16, MAX_REPS = 200 };

typedef struct loop {
    unsigned gates;
    size_t batch, u, in, steps;
    float *x, *kernel, *bias, *rec_kernel, *rec_bias;
    float *z, *rec, *h, *c, *ac, *packed;
} loop;

static float *fill(size_t n, unsigned long long seed, float scale)
{
    float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64 + 64);
    if (!p)
        exit(1);
    bench_fill(p, n, seed, scale);
    return p;
}

static void fill_rows(float *c, const float *row, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(c + r * n, row, n * sizeof(float));
}

/* One forward time loop as the layers run it (lib/layer_*.c). */
static void run_loop(const loop *L, const rl_compute *cx, int fused, int fold)
{
    const size_t g = L->gates * L->u, bu = L->batch * L->u, zrows = L->gates == 1 ? bu : bu * L->gates;
    rl_cell_step s = {
        .batch = L->batch, .u = L->u, .in = L->in, .kernel = L->kernel, .bias = L->bias,
        .rec_kernel = L->rec_kernel, .rec_bias = L->gates == 3 ? L->rec_bias : NULL,
        .packed = fused ? L->packed : NULL, .act = 2, .ract = 3,
    };
    rl__step_pack(cx, &s, L->gates, fold, L->packed);
    float *zz = L->gates == 1 ? L->h + bu : L->z;
    if (!fold) {
        fill_rows(zz, L->bias, L->steps * L->batch, g);
        rl__gemm(cx, L->steps * L->batch, g, L->in, L->x, L->in, 1, L->kernel, g, zz, g, 1);
    }
    for (size_t t = 0; t < L->steps; t++) {
        s.x = fold ? L->x + t * L->batch * L->in : NULL;
        s.z = zz + t * zrows;
        s.rec = L->rec + t * bu * 3;
        s.h_prev = L->h + t * bu;
        s.c_prev = L->c + t * bu;
        s.recurrent = t > 0;
        s.h = L->h + (t + 1) * bu;
        s.c = L->c + (t + 1) * bu;
        s.ac = L->ac + t * bu;
        if (L->gates == 1)
            s.z = s.h;
        if (L->gates == 4)
            rl__lstm_step(cx, &s);
        else if (L->gates == 3)
            rl__gru_step(cx, &s);
        else
            rl__rnn_step(cx, &s);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void bench_case(unsigned gates, size_t u, size_t in, size_t steps, size_t batch, int reps,
                       int folded_only)
{
    static const char *const names[] = { "", "rnn", "", "gru", "lstm" };
    const size_t g = gates * u, bu = batch * u;
    loop L = {
        .gates = gates, .batch = batch, .u = u, .in = in, .steps = steps,
        .x = fill(steps * batch * in, 1, 1.0f), .kernel = fill(in * g, 2, 0.3f),
        .bias = fill(g, 3, 0.1f), .rec_kernel = fill(u * g, 4, 0.1f), .rec_bias = fill(g, 5, 0.1f),
        .z = fill(steps * batch * g, 6, 0.0f), .rec = fill(steps * batch * g, 7, 0.0f),
        .h = fill((steps + 1) * bu, 8, 0.0f), .c = fill((steps + 1) * bu, 9, 0.0f),
        .ac = fill(steps * bu, 10, 0.0f), .packed = fill(rl__step_pack_floats(in, u, gates), 11, 0.0f),
    };
    rl_kernels unfused_path = *rl__kernels();
    unfused_path.lstm_step = NULL;   /* the same path's gemm + cell */
    const rl_compute cx = { .kernels = rl__kernels(), .pool = NULL };
    const rl_compute cx_unfused = { .kernels = &unfused_path, .pool = NULL };
    if (!rl__step_fused(&cx)) {
        fprintf(stderr, "bench_fused: the %s path has no fused step\n", rl__kernels()->name);
        exit(1);
    }
    double t[3][MAX_REPS], r_fused[MAX_REPS], r_fold[MAX_REPS];
    for (int rep = -1; rep < reps; rep++) {   /* rep -1: warm-up */
        double d[3];
        for (int v = folded_only ? 2 : 0; v < 3; v++) {
            double t0 = bench_now();
            run_loop(&L, v == 0 ? &cx_unfused : &cx, v > 0, v == 2);
            d[v] = bench_now() - t0;
        }
        if (rep < 0)
            continue;
        if (folded_only) {
            t[2][rep] = d[2];
            continue;
        }
        for (int v = 0; v < 3; v++)
            t[v][rep] = d[v];
        r_fused[rep] = d[1] / d[0];
        r_fold[rep] = d[2] / d[1];
    }
    if (folded_only) {
        const double folded_median = median(t[2], reps);   /* sorts t[2]: t[2][0] is the minimum */
        printf("{\"impl\": \"rnnlite\", \"kind\": \"fused_folded\", \"cell\": \"%s\", "
               "\"path\": \"%s\", \"hidden\": %zu, \"input\": %zu, \"batch\": %zu, "
               "\"steps\": %zu, \"reps\": %d, \"folded_s\": %.6g, \"folded_min_s\": %.6g}\n",
               names[gates], rl__kernels()->name, u, in, batch, steps, reps, folded_median,
               t[2][0]);
    } else
    printf("{\"impl\": \"rnnlite\", \"kind\": \"fused_step\", \"cell\": \"%s\", \"path\": \"%s\", "
           "\"hidden\": %zu, \"input\": %zu, \"batch\": %zu, \"steps\": %zu, \"reps\": %d, "
           "\"unfused_s\": %.6g, \"fused_s\": %.6g, \"folded_s\": %.6g, "
           "\"fused_over_unfused\": %.4f, \"folded_over_fused\": %.4f}\n",
           names[gates], rl__kernels()->name, u, in, batch, steps, reps, median(t[0], reps),
           median(t[1], reps), median(t[2], reps), median(r_fused, reps), median(r_fold, reps));
    fflush(stdout);
    free(L.x), free(L.kernel), free(L.bias), free(L.rec_kernel), free(L.rec_bias), free(L.z);
    free(L.rec), free(L.h), free(L.c), free(L.ac), free(L.packed);
}

int main(int argc, char **argv)
{
    long hidden[MAX_LIST] = { 50 }, input[MAX_LIST] = { 1 }, n_hidden = 1, n_input = 1;
    long steps = 10, batch = 64, reps = 15, folded_only = 0;
    unsigned only_gates = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--hidden"))
            n_hidden = bench_parse_list(argv[i + 1], hidden, MAX_LIST);
        else if (!strcmp(argv[i], "--input"))
            n_input = bench_parse_list(argv[i + 1], input, MAX_LIST);
        else if (!strcmp(argv[i], "--steps"))
            steps = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch"))
            batch = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps"))
            reps = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--folded-only"))
            folded_only = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--cell"))
            only_gates = !strcmp(argv[i + 1], "lstm") ? 4 : !strcmp(argv[i + 1], "gru") ? 3 : 1;
        else {
            fprintf(stderr, "usage: bench_fused [--hidden 50,64] [--input 1,8] [--steps 10] "
                            "[--batch 64] [--reps 15] [--cell lstm|gru|rnn] [--folded-only 1]\n");
            return 2;
        }
    }
    if (n_hidden <= 0 || n_input <= 0 || steps <= 0 || batch <= 0 || reps <= 0 || reps > MAX_REPS)
        return 2;
    static const unsigned cells[] = { 4, 3, 1 };
    for (int c = 0; c < 3; c++) {
        if (only_gates && only_gates != cells[c])
            continue;
        for (long h = 0; h < n_hidden; h++)
            for (long i = 0; i < n_input; i++)
                bench_case(cells[c], (size_t)hidden[h], (size_t)input[i], (size_t)steps,
                           (size_t)batch, (int)reps, (int)folded_only);
    }
    return 0;
}
