/* Two builds of librnnlite in one process, the same model in each, their
 * calls timed in turn: the paired figure for a change to the library on a
 * machine whose speed drifts by 10-20 % over minutes (docs/performance.md,
 * "Noise"), where two runs of bench_rnnlite minutes apart say nothing about
 * a change of a few per cent.
 *
 *   pair_builds OLD.so NEW.so [--cell lstm|gru|rnn] [--hidden 512]
 *               [--input 64] [--steps 50] [--batch 64] [--dense 0]
 *               [--mode fwd|fit|stream|window] [--threads 1] [--pairs 40]
 *
 * Each library is dlopen()ed by its own path with RTLD_LOCAL, so each
 * resolves its own rl_ symbols; build one of them into a scratch directory
 * (e.g. `cp build-bench/lib/librnnlite.so.0.* /tmp/old.so` before a change).
 * Both models take the same seed, so on builds that agree they hold the
 * same weights. fwd times one rl_predict of the batch, fit one rl_fit step
 * (one epoch of one batch, Adam), stream and window STREAM_PUSHES
 * rl_stream_push calls of one observation each on a stream of the model in
 * stateful or window mode (the batch-1 step: each call is well under a
 * microsecond, too short to time alone by the thread's CPU clock). Pairs run old-new, new-old, ...; one
 * thread is timed by the thread's CPU time (other processes then cost it
 * nothing but cache), more threads by the wall clock.
 *
 * One JSON record: the medians of both builds' times, the quartiles and
 * extremes of the pairs' ratios new/old (the median ratio is the figure to
 * quote), and "same_bits": whether both builds' predictions after the run
 * are equal byte for byte (the kernels' promise: a change that moves no
 * fma keeps every bit). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rnnlite/rnnlite.h>

#include "bench_util.h"

enum { MAX_PAIRS = 2000 };

/* The entries a build is driven through, resolved from its own handle. */
typedef struct build {
    const char *path;
    void *handle;
    rl_status (*create)(rl_model **, size_t, size_t);
    rl_status (*add_lstm)(rl_model *, size_t, rl_activation, rl_activation, int);
    rl_status (*add_gru)(rl_model *, size_t, rl_activation, rl_activation, int);
    rl_status (*add_rnn)(rl_model *, size_t, rl_activation, int);
    rl_status (*add_dense)(rl_model *, size_t, rl_activation);
    rl_status (*set_param)(rl_model *, rl_param, double);
    rl_status (*compile)(rl_model *, rl_optimizer, rl_loss);
    rl_status (*predict)(rl_model *, const float *, size_t, float *, size_t);
    rl_status (*fit)(rl_model *, const float *, const float *, size_t, size_t, size_t);
    void (*destroy)(rl_model *);
    const char *(*last_error)(const rl_model *);
    rl_status (*stream_create)(rl_stream **, const rl_model *, rl_stream_mode);
    rl_status (*stream_push)(rl_stream *, const float *, size_t, float *, size_t);
    void (*stream_destroy)(rl_stream *);
    rl_model *m;
    rl_stream *s;
    unsigned long pushed;
} build;

enum { STREAM_PUSHES = 100 };

typedef struct options {
    const char *cell, *mode;
    long hidden, input, steps, batch, dense, threads, pairs;
} options;

static void *must_sym(build *b, const char *name)
{
    void *p = dlsym(b->handle, name);
    if (!p) {
        fprintf(stderr, "pair_builds: %s: no symbol %s\n", b->path, name);
        exit(2);
    }
    return p;
}

static void open_build(build *b, const char *path)
{
    b->path = path;
    b->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!b->handle) {
        fprintf(stderr, "pair_builds: %s\n", dlerror());
        exit(2);
    }
    *(void **)&b->create = must_sym(b, "rl_model_create");
    *(void **)&b->add_lstm = must_sym(b, "rl_model_add_lstm");
    *(void **)&b->add_gru = must_sym(b, "rl_model_add_gru");
    *(void **)&b->add_rnn = must_sym(b, "rl_model_add_simple_rnn");
    *(void **)&b->add_dense = must_sym(b, "rl_model_add_dense");
    *(void **)&b->set_param = must_sym(b, "rl_model_set_param");
    *(void **)&b->compile = must_sym(b, "rl_model_compile");
    *(void **)&b->predict = must_sym(b, "rl_predict");
    *(void **)&b->fit = must_sym(b, "rl_fit");
    *(void **)&b->destroy = must_sym(b, "rl_model_destroy");
    *(void **)&b->last_error = must_sym(b, "rl_model_last_error");
    *(void **)&b->stream_create = must_sym(b, "rl_stream_create");
    *(void **)&b->stream_push = must_sym(b, "rl_stream_push");
    *(void **)&b->stream_destroy = must_sym(b, "rl_stream_destroy");
}

static int streams(const char *mode)
{
    return !strcmp(mode, "stream") || !strcmp(mode, "window");
}

/* STREAM_PUSHES observations (x's first features, in turn) into b's stream;
 * pred gets the last prediction. */
static void push_some(build *b, const float *x, size_t nf, float *pred, size_t pred_len);

static void check(const build *b, rl_status st, const char *what)
{
    if (st != RL_OK) {
        fprintf(stderr, "pair_builds: %s: %s: status %d (%s)\n", b->path, what, (int)st,
                b->m ? b->last_error(b->m) : "");
        exit(1);
    }
}

static void build_model(build *b, const options *o)
{
    check(b, b->create(&b->m, (size_t)o->steps, (size_t)o->input), "create");
    const size_t h = (size_t)o->hidden;
    rl_status st = !strcmp(o->cell, "lstm")  ? b->add_lstm(b->m, h, RL_ACT_TANH, RL_ACT_SIGMOID, 0)
                   : !strcmp(o->cell, "gru") ? b->add_gru(b->m, h, RL_ACT_TANH, RL_ACT_SIGMOID, 0)
                                             : b->add_rnn(b->m, h, RL_ACT_TANH, 0);
    check(b, st, "add layer");
    if (o->dense)
        check(b, b->add_dense(b->m, (size_t)o->dense, RL_ACT_LINEAR), "add dense");
    check(b, b->set_param(b->m, RL_PARAM_SEED, 42), "seed");
    check(b, b->set_param(b->m, RL_PARAM_THREADS, (double)o->threads), "threads");
    check(b, b->set_param(b->m, RL_PARAM_SHUFFLE, 0), "shuffle");
    check(b, b->compile(b->m, RL_OPT_ADAM, RL_LOSS_MSE), "compile");
}

typedef struct data {
    const float *x, *y;
    float *out;
    size_t out_len;
} data;

static double clock_s(long threads)
{
    struct timespec t;
    clock_gettime(threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double timed_call(build *b, const options *o, const data *d)
{
    const double t0 = clock_s(o->threads);
    if (streams(o->mode))
        push_some(b, d->x, (size_t)o->input, d->out, d->out_len);
    else if (!strcmp(o->mode, "fit"))
        check(b, b->fit(b->m, d->x, d->y, (size_t)o->batch, 1, (size_t)o->batch), "fit");
    else
        check(b, b->predict(b->m, d->x, (size_t)o->batch, d->out, d->out_len), "predict");
    return clock_s(o->threads) - t0;
}

static void push_some(build *b, const float *x, size_t nf, float *pred, size_t pred_len)
{
    for (int i = 0; i < STREAM_PUSHES; i++) {
        const float *obs = x + (b->pushed++ % 64) * nf;
        check(b, b->stream_push(b->s, obs, nf, pred, pred_len), "stream push");
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile q of n sorted values (nearest rank). */
static double quantile(const double *v, int n, double q)
{
    int i = (int)(q * (n - 1) + 0.5);
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static long arg_long(const char *flag, const char *v)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < 0) {
        fprintf(stderr, "pair_builds: %s wants a count, not '%s'\n", flag, v);
        exit(2);
    }
    return x;
}

static void usage(void)
{
    fprintf(stderr, "usage: pair_builds OLD.so NEW.so [--cell lstm|gru|rnn] [--hidden N] "
                    "[--input N] [--steps N] [--batch N] [--dense N] [--mode fwd|fit|stream|window] "
                    "[--threads N] [--pairs N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc % 2 == 0)
        usage();
    options o = {"lstm", "fwd", 512, 64, 50, 64, 0, 1, 40};
    const struct { const char *flag; long *value; } counts[] = {
        {"--hidden", &o.hidden}, {"--input", &o.input},     {"--steps", &o.steps},
        {"--batch", &o.batch},   {"--dense", &o.dense},     {"--threads", &o.threads},
        {"--pairs", &o.pairs},
    };
    for (int i = 3; i + 1 < argc; i += 2) {
        const char *f = argv[i], *v = argv[i + 1];
        size_t c = 0;
        while (c < sizeof counts / sizeof counts[0] && strcmp(f, counts[c].flag))
            c++;
        if (c < sizeof counts / sizeof counts[0])
            *counts[c].value = arg_long(f, v);
        else if (!strcmp(f, "--cell") &&
                 (!strcmp(v, "lstm") || !strcmp(v, "gru") || !strcmp(v, "rnn")))
            o.cell = v;
        else if (!strcmp(f, "--mode") && (!strcmp(v, "fwd") || !strcmp(v, "fit") || streams(v)))
            o.mode = v;
        else
            usage();
    }
    if (o.pairs < 1 || o.pairs > MAX_PAIRS || !o.hidden || !o.input || !o.steps || !o.batch ||
        !o.threads)
        usage();
    if (streams(o.mode))
        o.batch = 64;   /* x holds 64 observations to push in turn */

    build b[2] = {{0}};
    open_build(&b[0], argv[1]);
    open_build(&b[1], argv[2]);
    const size_t x_len = (size_t)(o.batch * o.steps * o.input);
    const size_t out_len = (size_t)(o.batch * (o.dense ? o.dense : o.hidden));
    float *x = malloc(x_len * sizeof *x), *y = malloc(out_len * sizeof *y);
    float *out[2] = {malloc(out_len * sizeof(float)), malloc(out_len * sizeof(float))};
    if (!x || !y || !out[0] || !out[1])
        return 1;
    bench_fill(x, x_len, 1, 1.0f);
    bench_fill(y, out_len, 2, 0.5f);
    for (int i = 0; i < 2; i++) {
        build_model(&b[i], &o);
        if (streams(o.mode))
            check(&b[i], b[i].stream_create(&b[i].s, b[i].m, !strcmp(o.mode, "window")
                                                                 ? RL_STREAM_WINDOW
                                                                 : RL_STREAM_STATEFUL),
                  "stream create");
    }

    /* Warm-up: the first call of each allocates and packs. */
    static double t[2][MAX_PAIRS], ratio[MAX_PAIRS];
    for (int i = 0; i < 2; i++) {
        data d = {x, y, out[i], out_len};
        timed_call(&b[i], &o, &d);
        timed_call(&b[i], &o, &d);
    }
    for (int p = 0; p < o.pairs; p++)
        for (int turn = 0; turn < 2; turn++) {
            const int i = p % 2 ? 1 - turn : turn;
            data d = {x, y, out[i], out_len};
            t[i][p] = timed_call(&b[i], &o, &d);
        }
    for (int p = 0; p < o.pairs; p++)
        ratio[p] = t[1][p] / t[0][p];

    for (int i = 0; i < 2; i++)
        if (streams(o.mode))   /* both streams took the same observations */
            push_some(&b[i], x, (size_t)o.input, out[i], out_len / (size_t)o.batch);
        else
            check(&b[i], b[i].predict(b[i].m, x, (size_t)o.batch, out[i], out_len), "predict");
    const size_t compared = streams(o.mode) ? out_len / (size_t)o.batch : out_len;
    const int same = !memcmp(out[0], out[1], compared * sizeof(float));

    const int n = (int)o.pairs;
    qsort(ratio, (size_t)n, sizeof(double), cmp_double);
    qsort(t[0], (size_t)n, sizeof(double), cmp_double);
    qsort(t[1], (size_t)n, sizeof(double), cmp_double);
    printf("{\"impl\": \"rnnlite\", \"kind\": \"pair_builds\", \"cell\": \"%s\", \"mode\": \"%s\", "
           "\"hidden\": %ld, \"input\": %ld, \"steps\": %ld, \"batch\": %ld, \"dense\": %ld, "
           "\"threads\": %ld, \"pairs\": %d, \"clock\": \"%s\", \"old_s\": %.9g, \"new_s\": %.9g, "
           "\"ratio\": %.4f, \"ratio_q1\": %.4f, \"ratio_q3\": %.4f, \"ratio_min\": %.4f, "
           "\"ratio_max\": %.4f, \"same_bits\": %s}\n",
           o.cell, o.mode, o.hidden, o.input, o.steps, o.batch, o.dense, o.threads, n,
           o.threads == 1 ? "thread_cpu" : "wall", quantile(t[0], n, 0.5), quantile(t[1], n, 0.5),
           quantile(ratio, n, 0.5), quantile(ratio, n, 0.25), quantile(ratio, n, 0.75), ratio[0],
           ratio[n - 1], same ? "true" : "false");
    for (int i = 0; i < 2; i++) {
        if (b[i].s)
            b[i].stream_destroy(b[i].s);
        b[i].destroy(b[i].m);
    }
    free(x);
    free(y);
    free(out[0]);
    free(out[1]);
    return 0;
}
