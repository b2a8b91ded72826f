/* oneDNN peer: the same cells as bench_rnnlite with oneDNN's RNN primitives
 * (f32, one layer, left-to-right, zero initial state), JSON records on stdout.
 *   fwd     forward_inference, weights in the layout the primitive asks for
 *           (reordered once, outside the timing: they are constant).
 *   fwdbwd  forward_training + backward: one batch's gradients. Weights the
 *           primitives want in a layout other than the user's ldigo are
 *           reordered every step (they change every step in training), and
 *           the weight gradients are zeroed (oneDNN accumulates into them).
 *           oneDNN always computes diff_src_layer too.
 *   latency forward_inference of one sample, LSTM(50), 10 steps (no Dense).
 *   seedshape fwd and fwdbwd as above at the seed workload's shape: 10
 *           steps, 1 input, 50 units, batch 64 (a full batch of the seed
 *           fit) and 30 (its last, 990 = 15 x 64 + 30); records of kind
 *           "seedshape", budget and reps as given.
 * Cells: vanilla RNN (tanh), LSTM, and LBR-GRU, oneDNN's reset_after GRU
 * (Keras reset_after=True, PyTorch's GRU); plain "GRU" in oneDNN is the
 * other variant. Threads: OpenMP, set with OMP_NUM_THREADS by the caller.
 *
 * Usage: dnnl_bench [--what cells,latency,seedshape] [--threads N (label only)]
 *                   [--hidden 32,64,...] [--input 1,64] [--budget S] [--reps N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "bench_util.h"

#define CHECK(call)                                                              \
    do {                                                                         \
        dnnl_status_t st_ = (call);                                              \
        if (st_ != dnnl_success) {                                               \
            fprintf(stderr, "dnnl_bench:%d: %s failed (%d)\n", __LINE__, #call, (int)st_); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

enum { BATCH = 64, STEPS = 50, MAX_LIST = 16, N_ARGS = 16 };
/* The seed workload (examples/sine_forecast.c): 990 windows of 10 steps. */
enum { SEED_STEPS = 10, SEED_UNITS = 50, SEED_BATCH = 64, SEED_LAST_BATCH = 990 % 64 };

typedef enum cell_kind { CELL_RNN, CELL_LSTM, CELL_GRU } cell_kind;
static const char *const cell_names[] = {"rnn", "lstm", "gru"};
static const int cell_gates[] = {1, 4, 3};
static const int cell_bias_gates[] = {1, 4, 4};   /* LBR-GRU has one more bias row */

typedef struct env {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
} env;

typedef struct shape {
    cell_kind kind;
    long t, n, i, h;
} shape;

/* Memory descriptors of one cell; "any" lets the primitive choose. */
typedef struct descs {
    dnnl_memory_desc_t src, wl, wi, bias, dst;              /* as the primitive may choose */
    dnnl_memory_desc_t wl_user, wi_user, bias_user;         /* ldigo / ldgo, what a user holds */
} descs;

static void make_descs(const shape *s, descs *d)
{
    int g = cell_gates[s->kind], gb = cell_bias_gates[s->kind];
    dnnl_dims_t src = {s->t, s->n, s->i}, dst = {s->t, s->n, s->h};
    dnnl_dims_t wl = {1, 1, s->i, g, s->h}, wi = {1, 1, s->h, g, s->h}, b = {1, 1, gb, s->h};
    CHECK(dnnl_memory_desc_init_by_tag(&d->src, 3, src, dnnl_f32, dnnl_tnc));
    CHECK(dnnl_memory_desc_init_by_tag(&d->dst, 3, dst, dnnl_f32, dnnl_tnc));
    CHECK(dnnl_memory_desc_init_by_tag(&d->wl, 5, wl, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&d->wi, 5, wi, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&d->bias, 4, b, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&d->wl_user, 5, wl, dnnl_f32, dnnl_ldigo));
    CHECK(dnnl_memory_desc_init_by_tag(&d->wi_user, 5, wi, dnnl_f32, dnnl_ldigo));
    CHECK(dnnl_memory_desc_init_by_tag(&d->bias_user, 4, b, dnnl_f32, dnnl_ldgo));
}

static dnnl_primitive_desc_t forward_pd(const env *e, const shape *s, descs *d,
                                        dnnl_prop_kind_t prop)
{
    dnnl_rnn_desc_t rd;
    const dnnl_rnn_direction_t dir = dnnl_unidirectional_left2right;
    switch (s->kind) {
    case CELL_RNN:
        CHECK(dnnl_vanilla_rnn_forward_desc_init(&rd, prop, dnnl_eltwise_tanh, dir, &d->src, NULL,
                                                 &d->wl, &d->wi, &d->bias, &d->dst, NULL, 0, 0, 0));
        break;
    case CELL_LSTM:
        CHECK(dnnl_lstm_forward_desc_init(&rd, prop, dir, &d->src, NULL, NULL, &d->wl, &d->wi,
                                          &d->bias, &d->dst, NULL, NULL, 0));
        break;
    default:
        CHECK(dnnl_lbr_gru_forward_desc_init(&rd, prop, dir, &d->src, NULL, &d->wl, &d->wi,
                                             &d->bias, &d->dst, NULL, 0));
    }
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_primitive_desc_create(&pd, &rd, NULL, e->engine, NULL));
    return pd;
}

static dnnl_primitive_desc_t backward_pd(const env *e, const shape *s, descs *d,
                                         const_dnnl_primitive_desc_t hint)
{
    dnnl_rnn_desc_t rd;
    const dnnl_rnn_direction_t dir = dnnl_unidirectional_left2right;
    /* Gradients: data in the user's layout, weights as the primitive likes. */
    dnnl_memory_desc_t dsrc = d->src, ddst = d->dst, dwl = d->wl, dwi = d->wi, db = d->bias;
    dnnl_memory_desc_t wl = d->wl, wi = d->wi, b = d->bias;
    switch (s->kind) {
    case CELL_RNN:
        CHECK(dnnl_vanilla_rnn_backward_desc_init(&rd, dnnl_backward, dnnl_eltwise_tanh, dir,
                                                  &d->src, NULL, &wl, &wi, &b, &d->dst, NULL,
                                                  &dsrc, NULL, &dwl, &dwi, &db, &ddst, NULL, 0,
                                                  0, 0));
        break;
    case CELL_LSTM:
        CHECK(dnnl_lstm_backward_desc_init(&rd, dnnl_backward, dir, &d->src, NULL, NULL, &wl, &wi,
                                           &b, &d->dst, NULL, NULL, &dsrc, NULL, NULL, &dwl,
                                           &dwi, &db, &ddst, NULL, NULL, 0));
        break;
    default:
        CHECK(dnnl_lbr_gru_backward_desc_init(&rd, dnnl_backward, dir, &d->src, NULL, &wl, &wi,
                                              &b, &d->dst, NULL, &dsrc, NULL, &dwl, &dwi, &db,
                                              &ddst, NULL, 0));
    }
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_primitive_desc_create(&pd, &rd, NULL, e->engine, hint));
    return pd;
}

static const dnnl_memory_desc_t *arg_md(const_dnnl_primitive_desc_t pd, int arg)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg);
    return md && md->ndims > 0 ? md : NULL;
}

static dnnl_memory_t new_memory(const env *e, const dnnl_memory_desc_t *md)
{
    dnnl_memory_t m;
    CHECK(dnnl_memory_create(&m, md, e->engine, DNNL_MEMORY_ALLOCATE));
    void *p;
    CHECK(dnnl_memory_get_data_handle(m, &p));
    memset(p, 0, dnnl_memory_desc_get_size(md));
    return m;
}

/* Plain memory filled with values in [-scale, scale). */
static dnnl_memory_t filled_memory(const env *e, const dnnl_memory_desc_t *md,
                                   unsigned long long seed, float scale)
{
    dnnl_memory_t m = new_memory(e, md);
    void *p;
    CHECK(dnnl_memory_get_data_handle(m, &p));
    bench_fill(p, dnnl_memory_desc_get_size(md) / sizeof(float), seed, scale);
    return m;
}

/* A copy of user memory `from` in the layout `want`: either `from` itself
 * (same layout, *reorder stays NULL) or a new memory and the reorder that
 * fills it. */
static dnnl_memory_t in_layout(const env *e, dnnl_memory_t from, const dnnl_memory_desc_t *from_md,
                               const dnnl_memory_desc_t *want, dnnl_primitive_t *reorder)
{
    *reorder = NULL;
    if (dnnl_memory_desc_equal(from_md, want))
        return from;
    dnnl_primitive_desc_t rpd;
    CHECK(dnnl_reorder_primitive_desc_create(&rpd, from_md, e->engine, want, e->engine, NULL));
    CHECK(dnnl_primitive_create(reorder, rpd));
    CHECK(dnnl_primitive_desc_destroy(rpd));
    return new_memory(e, want);
}

static void run_reorder(const env *e, dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to)
{
    if (!r)
        return;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    CHECK(dnnl_primitive_execute(r, e->stream, 2, args));
}

/* ---- one cell, all memories ------------------------------------------------ */

typedef struct cell_run {
    const env *e;
    /* user data */
    dnnl_memory_t src, wl_u, wi_u, b_u, dst, ddst, dsrc;
    /* forward (inference or training) */
    dnnl_primitive_t fwd;
    dnnl_memory_t wl_f, wi_f, b_f, ws;
    dnnl_primitive_t r_wl_f, r_wi_f, r_b_f;
    /* backward */
    dnnl_primitive_t bwd;
    dnnl_memory_t wl_b, wi_b, b_b, dwl, dwi, db;
    dnnl_primitive_t r_wl_b, r_wi_b, r_b_b;
} cell_run;

static void set_up(cell_run *c, const env *e, const shape *s, int training)
{
    descs d;
    memset(c, 0, sizeof *c);
    c->e = e;
    make_descs(s, &d);
    dnnl_primitive_desc_t fpd =
        forward_pd(e, s, &d, training ? dnnl_forward_training : dnnl_forward_inference);
    c->src = filled_memory(e, &d.src, 1, 1.0f);
    c->dst = new_memory(e, &d.dst);
    c->wl_u = filled_memory(e, &d.wl_user, 4, 0.1f);
    c->wi_u = filled_memory(e, &d.wi_user, 5, 0.1f);
    c->b_u = filled_memory(e, &d.bias_user, 6, 0.1f);
    c->wl_f = in_layout(e, c->wl_u, &d.wl_user, arg_md(fpd, DNNL_ARG_WEIGHTS_LAYER), &c->r_wl_f);
    c->wi_f = in_layout(e, c->wi_u, &d.wi_user, arg_md(fpd, DNNL_ARG_WEIGHTS_ITER), &c->r_wi_f);
    c->b_f = in_layout(e, c->b_u, &d.bias_user, arg_md(fpd, DNNL_ARG_BIAS), &c->r_b_f);
    const dnnl_memory_desc_t *ws = arg_md(fpd, DNNL_ARG_WORKSPACE);
    c->ws = ws ? new_memory(e, ws) : NULL;
    CHECK(dnnl_primitive_create(&c->fwd, fpd));
    if (training) {
        dnnl_primitive_desc_t bpd = backward_pd(e, s, &d, fpd);
        c->ddst = filled_memory(e, &d.dst, 7, 0.5f);
        c->dsrc = new_memory(e, &d.src);
        c->wl_b =
            in_layout(e, c->wl_u, &d.wl_user, arg_md(bpd, DNNL_ARG_WEIGHTS_LAYER), &c->r_wl_b);
        c->wi_b = in_layout(e, c->wi_u, &d.wi_user, arg_md(bpd, DNNL_ARG_WEIGHTS_ITER), &c->r_wi_b);
        c->b_b = in_layout(e, c->b_u, &d.bias_user, arg_md(bpd, DNNL_ARG_BIAS), &c->r_b_b);
        c->dwl = new_memory(e, arg_md(bpd, DNNL_ARG_DIFF_WEIGHTS_LAYER));
        c->dwi = new_memory(e, arg_md(bpd, DNNL_ARG_DIFF_WEIGHTS_ITER));
        c->db = new_memory(e, arg_md(bpd, DNNL_ARG_DIFF_BIAS));
        CHECK(dnnl_primitive_create(&c->bwd, bpd));
        CHECK(dnnl_primitive_desc_destroy(bpd));
    }
    CHECK(dnnl_primitive_desc_destroy(fpd));
    /* Inference weights are constant: into the primitive's layout once. */
    run_reorder(e, c->r_wl_f, c->wl_u, c->wl_f);
    run_reorder(e, c->r_wi_f, c->wi_u, c->wi_f);
    run_reorder(e, c->r_b_f, c->b_u, c->b_f);
    CHECK(dnnl_stream_wait(e->stream));
}

static void destroy_memory(dnnl_memory_t m, dnnl_memory_t user)
{
    if (m && m != user)
        dnnl_memory_destroy(m);
}

static void tear_down(cell_run *c)
{
    dnnl_primitive_t prims[] = {c->fwd, c->bwd, c->r_wl_f, c->r_wi_f, c->r_b_f,
                                c->r_wl_b, c->r_wi_b, c->r_b_b};
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    destroy_memory(c->wl_f, c->wl_u);
    destroy_memory(c->wi_f, c->wi_u);
    destroy_memory(c->b_f, c->b_u);
    destroy_memory(c->wl_b, c->wl_u);
    destroy_memory(c->wi_b, c->wi_u);
    destroy_memory(c->b_b, c->b_u);
    dnnl_memory_t mems[] = {c->src, c->wl_u, c->wi_u, c->b_u, c->dst, c->ddst, c->dsrc,
                            c->ws, c->dwl, c->dwi, c->db};
    for (size_t i = 0; i < sizeof mems / sizeof *mems; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
}

static void zero_memory(dnnl_memory_t m)
{
    const dnnl_memory_desc_t *md;
    void *p;
    CHECK(dnnl_memory_get_memory_desc(m, &md));
    CHECK(dnnl_memory_get_data_handle(m, &p));
    memset(p, 0, dnnl_memory_desc_get_size(md));
}

static int run_forward(void *p)
{
    cell_run *c = p;
    dnnl_exec_arg_t args[N_ARGS];
    int n = 0;
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC_LAYER, c->src};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS_LAYER, c->wl_f};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS_ITER, c->wi_f};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, c->b_f};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST_LAYER, c->dst};
    if (c->ws)
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, c->ws};
    CHECK(dnnl_primitive_execute(c->fwd, c->e->stream, n, args));
    CHECK(dnnl_stream_wait(c->e->stream));
    return 0;
}

static int run_training_step(void *p)
{
    cell_run *c = p;
    const env *e = c->e;
    run_reorder(e, c->r_wl_f, c->wl_u, c->wl_f);
    run_reorder(e, c->r_wi_f, c->wi_u, c->wi_f);
    run_reorder(e, c->r_b_f, c->b_u, c->b_f);
    run_forward(c);
    run_reorder(e, c->r_wl_b, c->wl_u, c->wl_b);
    run_reorder(e, c->r_wi_b, c->wi_u, c->wi_b);
    run_reorder(e, c->r_b_b, c->b_u, c->b_b);
    zero_memory(c->dwl);
    zero_memory(c->dwi);
    zero_memory(c->db);
    dnnl_exec_arg_t args[N_ARGS];
    int n = 0;
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC_LAYER, c->src};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS_LAYER, c->wl_b};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS_ITER, c->wi_b};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, c->b_b};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST_LAYER, c->dst};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST_LAYER, c->ddst};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC_LAYER, c->dsrc};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS_LAYER, c->dwl};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS_ITER, c->dwi};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_BIAS, c->db};
    args[n++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, c->ws};
    CHECK(dnnl_primitive_execute(c->bwd, e->stream, n, args));
    CHECK(dnnl_stream_wait(e->stream));
    return 0;
}

/* ---- command line and driver ------------------------------------------------ */

typedef struct options {
    int cells, latency, seedshape;
    long threads;
    long hidden[MAX_LIST], n_hidden;
    long input[MAX_LIST], n_input;
    double budget_s;
    int max_reps;
} options;

static void bench_cell(const env *e, const options *o, const shape *s, const char *kind)
{
    char note[64];
    snprintf(note, sizeof note, "oneDNN %d.%d.%d%s", dnnl_version()->major, dnnl_version()->minor,
             dnnl_version()->patch, s->kind == CELL_GRU ? " lbr_gru" : "");
    bench_record rec = {.impl = "onednn", .kind = kind, .cell = cell_names[s->kind],
                        .mode = "fwd", .hidden = s->h, .input = s->i, .batch = s->n,
                        .steps = s->t, .threads = o->threads, .note = note};
    bench_stats st;
    cell_run c;
    set_up(&c, e, s, 0);
    if (bench_auto(run_forward, &c, o->budget_s, o->max_reps, &st) == 0)
        bench_emit(stdout, &rec, &st);
    tear_down(&c);
    set_up(&c, e, s, 1);
    rec.mode = "fwdbwd";
    if (bench_auto(run_training_step, &c, o->budget_s, o->max_reps, &st) == 0)
        bench_emit(stdout, &rec, &st);
    tear_down(&c);
}

static void bench_latency(const env *e, const options *o, int samples)
{
    shape s = {CELL_LSTM, 10, 1, 1, 50};
    cell_run c;
    set_up(&c, e, &s, 0);
    double *t = malloc((size_t)samples * sizeof *t);
    if (!t)
        exit(1);
    for (int i = -1000; i < samples; i++) {
        double t0 = bench_now();
        run_forward(&c);
        double dt = bench_now() - t0;
        if (i >= 0)
            t[i] = dt;
    }
    bench_stats st;
    bench_stats_of(t, samples, &st);
    bench_record rec = {.impl = "onednn", .kind = "latency", .cell = "lstm", .mode = "predict1",
                        .hidden = 50, .input = 1, .batch = 1, .steps = 10,
                        .threads = o->threads, .note = "LSTM(50) forward_inference, no Dense"};
    bench_emit(stdout, &rec, &st);
    free(t);
    tear_down(&c);
}


static int parse(int argc, char **argv, options *o)
{
    static const long hidden[] = {32, 64, 128, 256, 512}, input[] = {1, 64};
    *o = (options){.cells = 1, .latency = 1, .threads = 1, .n_hidden = 5, .n_input = 2,
                   .budget_s = 0.4, .max_reps = 25};
    memcpy(o->hidden, hidden, sizeof hidden);
    memcpy(o->input, input, sizeof input);
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--what")) {
            o->cells = strstr(v, "cells") != NULL;
            o->latency = strstr(v, "latency") != NULL;
            o->seedshape = strstr(v, "seedshape") != NULL;
        } else if (!strcmp(a, "--threads")) {
            o->threads = strtol(v, NULL, 10);
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
    return argc % 2 == 1 && o->n_hidden > 0 && o->n_input > 0 && o->max_reps >= 1;
}

int main(int argc, char **argv)
{
    options o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr, "usage: dnnl_bench [--what cells,latency,seedshape] [--threads N] "
                        "[--hidden 32,64] [--input 1,64] [--budget S] [--reps N]\n");
        return 2;
    }
    env e;
    CHECK(dnnl_engine_create(&e.engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&e.stream, e.engine, dnnl_stream_default_flags));
    if (o.cells)
        for (int k = 0; k < 3; k++)
            for (long i = 0; i < o.n_input; i++)
                for (long h = 0; h < o.n_hidden; h++) {
                    shape s = {(cell_kind)k, STEPS, BATCH, o.input[i], o.hidden[h]};
                    bench_cell(&e, &o, &s, "cell");
                }
    if (o.seedshape)
        for (int k = 0; k < 3; k++)
            for (int b = 0; b < 2; b++) {
                shape s = {(cell_kind)k, SEED_STEPS, b ? SEED_LAST_BATCH : SEED_BATCH, 1,
                           SEED_UNITS};
                bench_cell(&e, &o, &s, "seedshape");
            }
    if (o.latency)
        bench_latency(&e, &o, 20000);
    dnnl_stream_destroy(e.stream);
    dnnl_engine_destroy(e.engine);
    return 0;
}
