/* rnnlite through its public API, one JSON record per line (bench/run.py
 * reads them):
 *   cells    forward = rl_predict of 64 samples; forward+backward = one rl_fit
 *            epoch of 64 samples with batch 64, i.e. one training step:
 *            gather, forward, MSE, backward, Adam update (the update is
 *            O(weights), under 1% of the step at these sizes).
 *   seed     the seed tutorial: 990 sine windows of 10 steps, 50 units +
 *            Dense(1), Adam, MSE, 10 epochs, batch 64: fit, and predict of
 *            all 990 windows.
 *   seedshape fwd and fwdbwd as cells (one layer, tanh, no Dense) at the
 *            seed workload's shape: 10 steps, 1 input, 50 units, batch 64
 *            (a full batch of the seed fit) and 30 (its last, 990 = 15 x
 *            64 + 30); records of kind "seedshape" (oneDNN's dnnl_bench
 *            has the same).
 *   latency  one-sample predict, LSTM(50) + Dense(1) over 10 steps; and
 *            rl_forecast of 24 steps (recursive) with the same model, in
 *            the same run, so run.py reports it as a ratio to the predict;
 *            and one rl_stream_push in each stream mode on the same model
 *            (window: the 10-step window; stateful: one step).
 *   ceiling  cells' cases on one thread, and cut in two independent
 *            halves run at once (halves.h: two models of half the batch, a
 *            thread each), timed in turn: records of kind "ceiling", the
 *            halves' (threads 2, note "halves") with their paired speedup
 *            over the one-thread model. It is what two cores of this
 *            machine give with nothing shared: the most any split of one
 *            model can reach (run.py sets the pool's speedup from --what
 *            cells beside it).
 *
 * Usage: bench_rnnlite [--what cells,seed,seedshape,latency,ceiling] [--cell rnn,lstm,gru]
 *                      [--threads N[,N2...]]
 *                      [--hidden 32,64,...] [--input 1,64] [--budget S] [--reps N]
 *
 * With several thread counts, each cell case builds one model per count
 * (same weights) and times their calls in turn (bench_turns: 1T 2T, 2T 1T,
 * ...); each count's record then also carries the median of the rounds'
 * ratios against the first count ("speedup"): a paired figure, so that a
 * call that runs on one thread either way reads ~1.00 instead of the
 * difference between two noisy medians taken at different times.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rnnlite/rnnlite.h>

#include "bench_util.h"
#include "halves.h"

enum { BATCH = 64, STEPS = 50, MAX_LIST = 16 };

typedef enum cell_kind { CELL_RNN, CELL_LSTM, CELL_GRU } cell_kind;
static const char *const cell_names[] = {"rnn", "lstm", "gru"};

typedef struct options {
    int cells, seed, seedshape, latency, ceiling;
    int cell_kinds[3];                   /* --cell: which of rnn, lstm, gru */
    long threads;                        /* seed, latency: the first of the list */
    long thread_list[MAX_LIST], n_threads;
    long hidden[MAX_LIST], n_hidden;
    long input[MAX_LIST], n_input;
    double budget_s;
    int max_reps;
} options;

static int fail(rl_status st, const rl_model *m, const char *what)
{
    fprintf(stderr, "bench_rnnlite: %s: %s (%s)\n", what, rl_status_string(st),
            rl_model_last_error(m));
    return 1;
}

static rl_status add_cell(rl_model *m, cell_kind kind, size_t units, rl_activation act)
{
    switch (kind) {
    case CELL_RNN: return rl_model_add_simple_rnn(m, units, act, 0);
    case CELL_LSTM: return rl_model_add_lstm(m, units, act, RL_ACT_SIGMOID, 0);
    default: return rl_model_add_gru(m, units, act, RL_ACT_SIGMOID, 0);
    }
}

/* A compiled model: one recurrent layer (+ Dense(dense) when dense > 0). */
static rl_model *build(cell_kind kind, size_t steps, size_t input, size_t units,
                       rl_activation act, size_t dense, long threads)
{
    rl_model *m = NULL;
    rl_status st = rl_model_create(&m, steps, input);
    if (st != RL_OK) {
        fail(st, m, "create");
        return NULL;
    }
    if ((st = add_cell(m, kind, units, act)) != RL_OK ||
        (dense && (st = rl_model_add_dense(m, dense, RL_ACT_LINEAR)) != RL_OK) ||
        (st = rl_model_set_param(m, RL_PARAM_SEED, 42)) != RL_OK ||
        (st = rl_model_set_param(m, RL_PARAM_THREADS, (double)threads)) != RL_OK ||
        (st = rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE)) != RL_OK) {
        fail(st, m, "build");
        rl_model_destroy(m);
        return NULL;
    }
    return m;
}

/* ---- cells -------------------------------------------------------------- */

typedef struct cell_ctx {
    rl_model *m;
    const float *x, *y;
    float *out;
    size_t out_len, batch;
    int fit;   /* run_cell: one fit step, else one predict */
} cell_ctx;

static int run_predict(void *p)
{
    cell_ctx *c = p;
    rl_status st = rl_predict(c->m, c->x, c->batch, c->out, c->out_len);
    return st == RL_OK ? 0 : fail(st, c->m, "predict");
}

static int run_step(void *p)
{
    cell_ctx *c = p;
    rl_status st = rl_fit(c->m, c->x, c->y, c->batch, 1, c->batch);
    return st == RL_OK ? 0 : fail(st, c->m, "fit");
}

static int run_cell(void *p)
{
    return ((cell_ctx *)p)->fit ? run_step(p) : run_predict(p);
}

/* Times fn on every model (one per thread count) in turn and prints one
 * record per count; with one count, as bench_auto. */
static int time_cell(const options *o, bench_fn fn, cell_ctx *c, bench_record rec)
{
    const int n = (int)o->n_threads;
    bench_stats s[BENCH_MAX_TURNS], ratio[BENCH_MAX_TURNS];
    void *ctx[BENCH_MAX_TURNS];
    for (int i = 0; i < n; i++)
        ctx[i] = &c[i];
    int r = n == 1 ? bench_auto(fn, ctx[0], o->budget_s, o->max_reps, &s[0])
                   : bench_turns(fn, ctx, n, o->budget_s, o->max_reps, s, ratio);
    if (r)
        return r;
    for (int i = 0; i < n; i++) {
        rec.threads = o->thread_list[i];
        rec.paired_threads = i ? o->thread_list[0] : 0;
        rec.pairs = i ? &ratio[i] : NULL;
        bench_emit(stdout, &rec, &s[i]);
    }
    return 0;
}

/* One layer of `hidden` units over `steps` steps of `input` features, batch
 * `batch`: records of kind `what` ("cell", "seedshape"). */
static int bench_cell(const options *o, cell_kind kind, long input, long hidden, long steps,
                      long batch, const char *what)
{
    size_t x_len = (size_t)batch * (size_t)steps * (size_t)input;
    size_t y_len = (size_t)batch * (size_t)hidden;
    float *x = malloc(x_len * sizeof *x), *y = malloc(y_len * sizeof *y);
    float *out = malloc(y_len * (size_t)o->n_threads * sizeof *out);
    cell_ctx c[BENCH_MAX_TURNS] = {{0}};
    int r = 1;
    if (!x || !y || !out)
        goto done;
    bench_fill(x, x_len, 1, 1.0f);
    bench_fill(y, y_len, 2, 0.5f);
    for (long i = 0; i < o->n_threads; i++) {
        rl_model *m = build(kind, (size_t)steps, (size_t)input, (size_t)hidden, RL_ACT_TANH, 0,
                            o->thread_list[i]);
        c[i] = (cell_ctx){m, x, y, out + (size_t)i * y_len, y_len, (size_t)batch, 0};
        if (!m || rl_model_set_param(m, RL_PARAM_SHUFFLE, 0) != RL_OK)
            goto done;
    }
    bench_record rec = {.impl = "rnnlite", .kind = what, .cell = cell_names[kind], .mode = "fwd",
                        .hidden = hidden, .input = input, .batch = batch, .steps = steps,
                        .note = rl_runtime_isa()};
    if ((r = time_cell(o, run_predict, c, rec)) != 0)
        goto done;
    rec.mode = "fwdbwd";
    r = time_cell(o, run_step, c, rec);
done:
    for (long i = 0; i < o->n_threads; i++)
        rl_model_destroy(c[i].m);
    free(x);
    free(y);
    free(out);
    return r;
}

/* ---- the two-thread ceiling (halves.h) ---------------------------------- */

/* One context of a ceiling round: a model, or the two halves at once. */
typedef struct turn {
    bench_fn fn;
    void *arg;
} turn;

static int run_turn(void *p)
{
    const turn *t = p;
    return t->fn(t->arg);
}

enum { CEILING_MODELS = 3 };   /* the whole batch on one thread, and the two halves */

/* The one-thread model and the halves timed in turn (not the pool: a third
 * thread, spinning or working, would take a core from one of the others). */
static int bench_ceiling(const options *o, cell_kind kind, long input, long hidden)
{
    const size_t steps = STEPS, half = BATCH / 2, in = (size_t)input, units = (size_t)hidden;
    const size_t x_len = BATCH * steps * in, y_len = BATCH * units;
    float *x = malloc(x_len * sizeof *x), *y = malloc(y_len * sizeof *y);
    float *out = malloc(y_len * CEILING_MODELS * sizeof *out);
    cell_ctx c[CEILING_MODELS] = {{0}};
    halves *h = NULL;
    int r = 1;
    if (!x || !y || !out)
        goto done;
    bench_fill(x, x_len, 1, 1.0f);
    bench_fill(y, y_len, 2, 0.5f);
    for (int i = 0; i < CEILING_MODELS; i++) {
        const size_t first = i == 2 ? half : 0, rows = i ? half : BATCH;
        rl_model *m = build(kind, steps, in, units, RL_ACT_TANH, 0, 1);
        c[i] = (cell_ctx){m, x + first * steps * in, y + first * units, out + (size_t)i * y_len,
                          rows * units, rows, 0};
        if (!m || rl_model_set_param(m, RL_PARAM_SHUFFLE, 0) != RL_OK)
            goto done;
    }
    if (!(h = halves_start(run_cell, &c[1], &c[2]))) {
        fprintf(stderr, "bench_rnnlite: ceiling: cannot start the helper thread\n");
        goto done;
    }
    turn t[2] = {{run_cell, &c[0]}, {halves_run, h}};
    void *ctx[2] = {&t[0], &t[1]};
    for (int fit = 0; fit < 2; fit++) {
        for (int i = 0; i < CEILING_MODELS; i++)
            c[i].fit = fit;
        bench_stats s[2], ratio[2];
        if ((r = bench_turns(run_turn, ctx, 2, o->budget_s, o->max_reps, s, ratio)) != 0)
            goto done;
        for (int i = 0; i < 2; i++) {
            bench_record rec = {.impl = "rnnlite", .kind = "ceiling", .cell = cell_names[kind],
                                .mode = fit ? "fwdbwd" : "fwd", .hidden = hidden,
                                .input = input, .batch = BATCH, .steps = STEPS,
                                .threads = i ? 2 : 1, .note = i ? "halves" : "one thread",
                                .paired_threads = i ? 1 : 0, .pairs = i ? &ratio[i] : NULL};
            bench_emit(stdout, &rec, &s[i]);
        }
    }
done:
    halves_stop(h);
    for (int i = 0; i < CEILING_MODELS; i++)
        rl_model_destroy(c[i].m);
    free(x);
    free(y);
    free(out);
    return r;
}

/* ---- seed workload ------------------------------------------------------ */

enum { SEED_POINTS = 1000, SEED_STEPS = 10, SEED_WINDOWS = SEED_POINTS - SEED_STEPS,
       SEED_UNITS = 50, SEED_EPOCHS = 10, SEED_BATCH = 64 };

/* X = linspace(0, 100, 1000), sin, MinMax to [0, 1], windows of 10 -> next value. */
enum { SEED_LAST_BATCH = SEED_WINDOWS % SEED_BATCH };

static void seed_data(float *x, float *y)
{
    static double s[SEED_POINTS];
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < SEED_POINTS; i++) {
        s[i] = sin(100.0 * i / (SEED_POINTS - 1));
        lo = s[i] < lo ? s[i] : lo;
        hi = s[i] > hi ? s[i] : hi;
    }
    for (int i = 0; i < SEED_POINTS; i++)
        s[i] = (s[i] - lo) / (hi - lo);
    for (int w = 0; w < SEED_WINDOWS; w++) {
        for (int t = 0; t < SEED_STEPS; t++)
            x[w * SEED_STEPS + t] = (float)s[w + t];
        y[w] = (float)s[w + SEED_STEPS];
    }
}

/* Fit a fresh model per sample (building it is not timed); predict on the
 * trained model. SimpleRNN uses relu as in the tutorial; LSTM and GRU tanh,
 * the only activation PyTorch's cells offer. */
static int bench_seed(const options *o, cell_kind kind, int reps)
{
    static float x[SEED_WINDOWS * SEED_STEPS], y[SEED_WINDOWS], pred[SEED_WINDOWS];
    seed_data(x, y);
    rl_activation act = kind == CELL_RNN ? RL_ACT_RELU : RL_ACT_TANH;
    double fit_t[64], pred_t[64 * 8];
    int n_fit = 0, n_pred = 0;
    for (int rep = -1; rep < reps; rep++) {   /* rep -1: warm-up, one epoch */
        rl_model *m = build(kind, SEED_STEPS, 1, SEED_UNITS, act, 1, o->threads);
        if (!m)
            return 1;
        double t0 = bench_now();
        rl_status st = rl_fit(m, x, y, SEED_WINDOWS, rep >= 0 ? SEED_EPOCHS : 1, SEED_BATCH);
        double dt = bench_now() - t0;
        if (st != RL_OK) {
            fail(st, m, "seed fit");
            rl_model_destroy(m);
            return 1;
        }
        if (rep >= 0)
            fit_t[n_fit++] = dt;
        for (int k = 0; k < 8; k++) {
            t0 = bench_now();
            st = rl_predict(m, x, SEED_WINDOWS, pred, SEED_WINDOWS);
            dt = bench_now() - t0;
            if (st != RL_OK) {
                fail(st, m, "seed predict");
                rl_model_destroy(m);
                return 1;
            }
            if (rep >= 0)
                pred_t[n_pred++] = dt;
        }
        rl_model_destroy(m);
    }
    bench_record rec = {.impl = "rnnlite", .kind = "seed", .cell = cell_names[kind], .mode = "fit",
                        .hidden = SEED_UNITS, .input = 1, .batch = SEED_BATCH, .steps = SEED_STEPS,
                        .threads = o->threads, .note = kind == CELL_RNN ? "relu" : "tanh"};
    bench_stats s;
    bench_stats_of(fit_t, n_fit, &s);
    bench_emit(stdout, &rec, &s);
    rec.mode = "predict";
    rec.batch = SEED_WINDOWS;
    bench_stats_of(pred_t, n_pred, &s);
    bench_emit(stdout, &rec, &s);
    return 0;
}

/* ---- one-sample latency and the 24-step forecast --------------------------- */

enum { FORECAST_HORIZON = 24 };

/* rl_forecast of FORECAST_HORIZON steps from the window x (the history), on
 * the latency model: what a loop of 24 one-sample predicts costs, plus the
 * window shifts. t has room for `samples` timings. */
static int bench_forecast(const options *o, rl_model *m, const float *x, double *t, int samples)
{
    /* Interleaved with the forecast: the same 24 steps as a hand loop of
     * rl_predict (window shifted, prediction appended), timed as one block,
     * so the forecast's own overhead shows apart from per-call timing. */
    float out[FORECAST_HORIZON], rows[SEED_STEPS + FORECAST_HORIZON], y;
    double *loop_t = malloc((size_t)samples * sizeof *loop_t);
    if (!loop_t)
        return 1;
    for (int i = -100; i < samples; i++) {   /* 100 warm-up rounds */
        double t0 = bench_now();
        rl_status st = rl_forecast(m, x, SEED_STEPS, NULL, 0, FORECAST_HORIZON, out,
                                   FORECAST_HORIZON);
        double t1 = bench_now();
        memcpy(rows, x, SEED_STEPS * sizeof(float));
        for (int k = 0; k < FORECAST_HORIZON && st == RL_OK; k++) {
            st = rl_predict(m, rows + k, 1, &y, 1);
            rows[SEED_STEPS + k] = y;
        }
        double t2 = bench_now();
        if (st != RL_OK) {
            free(loop_t);
            return fail(st, m, "forecast");
        }
        if (i >= 0) {
            t[i] = t1 - t0;
            loop_t[i] = t2 - t1;
        }
    }
    bench_record rec = {.impl = "rnnlite", .kind = "latency", .cell = "lstm", .mode = "forecast24",
                        .hidden = SEED_UNITS, .input = 1, .batch = 1, .steps = SEED_STEPS,
                        .threads = o->threads,
                        .note = "rl_forecast of 24 steps, LSTM(50)+Dense(1), timed per call"};
    bench_stats s;
    bench_stats_of(t, samples, &s);
    bench_emit(stdout, &rec, &s);
    rec.mode = "predict_loop24";
    rec.note = "24 rl_predict calls in a hand loop (the forecast's definition), timed as one";
    bench_stats_of(loop_t, samples, &s);
    bench_emit(stdout, &rec, &s);
    free(loop_t);
    return 0;
}

/* One rl_stream_push, timed per call like the one-sample predict (median
 * of single calls; the clock's own cost, about 20 ns, is included in both). */
enum { STREAM_OBS = 64 };

static int bench_stream(const options *o, rl_model *m, rl_stream_mode mode, double *t, int samples)
{
    rl_stream *s = NULL;
    rl_status st = rl_stream_create(&s, m, mode);
    if (st != RL_OK)
        return fail(st, m, "stream");
    float obs[STREAM_OBS], pred[1];
    bench_fill(obs, STREAM_OBS, 9, 1.0f);
    for (int i = -1000; i < samples && st == RL_OK; i++) {   /* 1000 warm-up pushes */
        double t0 = bench_now();
        st = rl_stream_push(s, &obs[(unsigned)i % STREAM_OBS], 1, pred, 1);
        double dt = bench_now() - t0;
        if (i >= 0)
            t[i] = dt;
    }
    if (st != RL_OK) {
        fprintf(stderr, "bench_rnnlite: stream push: %s\n", rl_stream_last_error(s));
        rl_stream_destroy(s);
        return 1;
    }
    rl_stream_destroy(s);
    bench_record rec = {.impl = "rnnlite", .kind = "latency", .cell = "lstm",
                        .mode = mode == RL_STREAM_WINDOW ? "stream_window" : "stream_stateful",
                        .hidden = SEED_UNITS, .input = 1, .batch = 1, .steps = SEED_STEPS,
                        .threads = o->threads,
                        .note = mode == RL_STREAM_WINDOW
                                    ? "rl_stream_push, window mode (10-step window), timed per call"
                                    : "rl_stream_push, stateful mode (one step), timed per call"};
    bench_stats stats;
    bench_stats_of(t, samples, &stats);
    bench_emit(stdout, &rec, &stats);
    return 0;
}

static int bench_latency(const options *o, int samples)
{
    rl_model *m = build(CELL_LSTM, SEED_STEPS, 1, SEED_UNITS, RL_ACT_TANH, 1, o->threads);
    if (!m)
        return 1;
    float x[SEED_STEPS], y[1];
    bench_fill(x, SEED_STEPS, 3, 1.0f);
    double *t = malloc((size_t)samples * sizeof *t);
    int r = 1;
    if (!t)
        goto done;
    for (int i = -1000; i < samples; i++) {   /* 1000 warm-up calls */
        double t0 = bench_now();
        rl_status st = rl_predict(m, x, 1, y, 1);
        double dt = bench_now() - t0;
        if (st != RL_OK) {
            fail(st, m, "predict");
            goto done;
        }
        if (i >= 0)
            t[i] = dt;
    }
    bench_record rec = {.impl = "rnnlite", .kind = "latency", .cell = "lstm", .mode = "predict1",
                        .hidden = SEED_UNITS, .input = 1, .batch = 1, .steps = SEED_STEPS,
                        .threads = o->threads, .note = "LSTM(50)+Dense(1), timed per call"};
    bench_stats s;
    bench_stats_of(t, samples, &s);
    bench_emit(stdout, &rec, &s);
    if (bench_forecast(o, m, x, t, samples / 10) ||
        bench_stream(o, m, RL_STREAM_WINDOW, t, samples) ||
        bench_stream(o, m, RL_STREAM_STATEFUL, t, samples))
        goto done;
    r = 0;
done:
    free(t);
    rl_model_destroy(m);
    return r;
}

/* ---- command line -------------------------------------------------------- */

/* Is `word` one of the comma-separated items of `list`? */
static int has_item(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}


static int parse(int argc, char **argv, options *o)
{
    static const long hidden[] = {32, 64, 128, 256, 512}, input[] = {1, 64};
    *o = (options){.cells = 1, .seed = 1, .latency = 1, .threads = 1, .thread_list = {1},
                   .n_threads = 1, .n_hidden = 5, .n_input = 2, .budget_s = 0.4,
                   .max_reps = 25, .cell_kinds = {1, 1, 1}};
    memcpy(o->hidden, hidden, sizeof hidden);
    memcpy(o->input, input, sizeof input);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return 0;
        i++;
        if (!strcmp(a, "--what")) {
            o->cells = has_item(v, "cells");
            o->seed = has_item(v, "seed");
            o->seedshape = has_item(v, "seedshape");
            o->latency = has_item(v, "latency");
            o->ceiling = has_item(v, "ceiling");
        } else if (!strcmp(a, "--threads")) {
            o->n_threads = bench_parse_list(v, o->thread_list, BENCH_MAX_TURNS);
            o->threads = o->n_threads > 0 ? o->thread_list[0] : 0;
        } else if (!strcmp(a, "--cell")) {
            for (int k = 0; k < 3; k++)
                o->cell_kinds[k] = strstr(v, cell_names[k]) != NULL;
        } else if (!strcmp(a, "--hidden")) {
            o->n_hidden = bench_parse_list(v, o->hidden, MAX_LIST);
        } else if (!strcmp(a, "--input")) {
            o->n_input = bench_parse_list(v, o->input, MAX_LIST);
        } else if (!strcmp(a, "--budget")) {
            o->budget_s = strtod(v, NULL);
        } else if (!strcmp(a, "--reps")) {
            o->max_reps = (int)strtol(v, NULL, 10);
        } else {
            return 0;
        }
    }
    return o->n_threads > 0 && o->n_hidden > 0 && o->n_input > 0 && o->max_reps >= 1;
}

int main(int argc, char **argv)
{
    options o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr, "usage: bench_rnnlite [--what cells,seed,seedshape,latency,ceiling] [--cell rnn,lstm,gru] "
                        "[--threads N[,N2...]] [--hidden 32,64] [--input 1,64] [--budget S] "
                        "[--reps N]\n");
        return 2;
    }
    fprintf(stderr, "rnnlite %s, kernels %s, %ld thread(s)", rl_version_string(),
            rl_runtime_isa(), o.threads);
    for (long i = 1; i < o.n_threads; i++)
        fprintf(stderr, ", paired with %ld", o.thread_list[i]);
    fputc('\n', stderr);
    if (o.cells)
        for (int k = 0; k < 3; k++)
            for (long i = 0; i < o.n_input && o.cell_kinds[k]; i++)
                for (long h = 0; h < o.n_hidden; h++)
                    if (bench_cell(&o, (cell_kind)k, o.input[i], o.hidden[h], STEPS, BATCH,
                                   "cell"))
                        return 1;
    if (o.seed)
        for (int k = 0; k < 3; k++)
            if (o.cell_kinds[k] && bench_seed(&o, (cell_kind)k, o.max_reps < 5 ? o.max_reps : 5))
                return 1;
    if (o.seedshape)
        for (int k = 0; k < 3; k++)
            for (int b = 0; b < 2 && o.cell_kinds[k]; b++)
                if (bench_cell(&o, (cell_kind)k, 1, SEED_UNITS, SEED_STEPS,
                               b ? SEED_LAST_BATCH : SEED_BATCH, "seedshape"))
                    return 1;
    if (o.ceiling)
        for (int k = 0; k < 3; k++)
            for (long i = 0; i < o.n_input && o.cell_kinds[k]; i++)
                for (long h = 0; h < o.n_hidden; h++)
                    if (bench_ceiling(&o, (cell_kind)k, o.input[i], o.hidden[h]))
                        return 1;
    if (o.latency && bench_latency(&o, 20000))
        return 1;
    return 0;
}
