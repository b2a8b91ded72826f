/* LSTM as Keras: z = x W + h U + b split into gates i, f, c, o;
 * c' = f c + i act(z_c), h' = o act(c'). */
#include <string.h>

#include "activation.h"
#include "alloc.h"
#include "layer.h"

/* Steps a forward-only pass keeps of the gates and act(c) (one when the
 * input is folded, else every step's input projection) and of h and c (two
 * by turns when the last state alone goes out). */
static size_t lstm_cache_slots(const rl_layer *l)
{
    return rl__step_may_fold(l->in) ? 1 : l->in_steps;
}

static size_t lstm_state_slots(const rl_layer *l)
{
    return l->return_sequences ? l->in_steps + 1 : 2;
}

/* ws: gates [T][B][4u] (after activation; the backward writes dZ over them,
 *     step by step) | c_all [T+1][B][u] | h_all [T+1][B][u]
 *     | act(c) [T][B][u] | U^T packed | W^T packed | dh, dc [B][u] (rows apart:
 *     rl__rows_at) | input-backward scratch
 *     | the fused step's packed weights (64-byte aligned within) | its chains
 *     | with regions, a forward-only pass's gates, c_all, h_all and act(c)
 *       (the slots it keeps of them) by row shares (rl__shares_area_floats),
 *       when its steps run split by rows (rl__layer_shares) */
static size_t lstm_workspace(const rl_layer *l, size_t batch, int regions)
{
    int ok = 1;
    size_t u = l->units, T = l->in_steps;
    size_t bu = rl__mul(batch, u, &ok), bg = rl__mul(bu, 4, &ok);
    size_t bd = rl__rows_area_floats(batch, u, &ok);
    size_t parts[15] = {
        rl__mul(T, bg, &ok), rl__mul(T + 1, bu, &ok), rl__mul(T + 1, bu, &ok),
        rl__mul(T, bu, &ok), rl__packed_size(4 * u, u, &ok),
        rl__packed_size(4 * u, l->in, &ok), bd, bd,
        rl__input_backward_scratch(l, rl__mul(T, batch, &ok), &ok),
        rl__layer_pack_floats(l, 4, &ok), rl__step_chain_floats(batch, u, &ok),
        regions ? rl__shares_area_floats(lstm_cache_slots(l), batch, 4 * u, &ok) : 0,
        regions ? rl__shares_area_floats(lstm_state_slots(l), batch, u, &ok) : 0,
        regions ? rl__shares_area_floats(lstm_state_slots(l), batch, u, &ok) : 0,
        regions ? rl__shares_area_floats(lstm_cache_slots(l), batch, u, &ok) : 0,
    };
    return rl__sum_sizes(parts, 15, ok);
}

typedef struct lstm_views {
    real *gates, *c_all, *h_all, *ac, *dz, *ut, *wt, *dh, *dc, *scratch, *packed, *chain;
    real *gates_r, *c_r, *h_r, *ac_r;   /* by row shares (with regions; else NULL) */
} lstm_views;

static lstm_views lstm_split(const rl_layer *l, size_t batch)
{
    size_t u = l->units, T = l->in_steps, bu = batch * u;
    lstm_views v;
    v.gates = l->ws;
    v.c_all = v.gates + T * 4 * bu;
    v.h_all = v.c_all + (T + 1) * bu;
    v.ac = v.h_all + (T + 1) * bu;
    /* dZ_t over gates_t: the cell backward reads a lane's gates before it
     * writes its dz, and nothing reads gates_t after it; so dZ's stores land
     * on lines just read instead of fresh ones (each a read for ownership
     * from L2 or L3), and the backward's caches are 512 KB smaller at the
     * seed shape. */
    v.dz = v.gates;
    v.ut = v.ac + T * bu;
    int ok = 1;   /* sizes checked by lstm_workspace */
    v.wt = v.ut + rl__packed_size(4 * u, u, &ok);
    v.dh = v.wt + rl__packed_size(4 * u, l->in, &ok);
    v.dc = v.dh + rl__rows_area_floats(batch, u, &ok);
    v.scratch = v.dc + rl__rows_area_floats(batch, u, &ok);
    v.packed = rl__layer_pack_area(v.scratch + rl__input_backward_scratch(l, T * batch, &ok));
    v.chain = v.packed + rl__step_pack_floats(l->in, u, 4);
    v.gates_r = v.c_r = v.h_r = v.ac_r = NULL;
    if (l->regions) {
        v.gates_r = v.chain + rl__step_chain_floats(batch, u, &ok);
        v.c_r = v.gates_r + rl__shares_area_floats(lstm_cache_slots(l), batch, 4 * u, &ok);
        v.h_r = v.c_r + rl__shares_area_floats(lstm_state_slots(l), batch, u, &ok);
        v.ac_r = v.h_r + rl__shares_area_floats(lstm_state_slots(l), batch, u, &ok);
    }
    return v;
}

/* The per-step fields of step t for rows [r0, r1) (rl__run_steps). */
typedef struct lstm_steps {
    const real *x;   /* folded: the input, else NULL */
    size_t x_ld;     /* floats from one row of x_t to the next */
    real *gates, *c, *h, *ac;   /* the steps' arrays, laid out by the shares */
    size_t u, row_in;   /* row_in: floats from x_t to x_t+1 */
    size_t cache_steps, state_steps;   /* steps (or slots) of gates and act(c), of h and c */
    int state0;
    int one_slot;   /* forward only, input folded: gates and act(c) of every step in slot 0 */
    int ring;       /* forward only, last state out: h and c in slots 0 and 1 by turns */
} lstm_steps;

static void lstm_step_at(void *ctx, size_t t, size_t s0, size_t s1, size_t r0,
                        rl_cell_step *s)
{
    const lstm_steps *q = ctx;
    const size_t u = q->u;
    s->x = q->x ? q->x + t * q->row_in + r0 * q->x_ld : NULL;
    const size_t tc = q->one_slot ? 0 : t;   /* the slot of the backward-only caches */
    s->z = q->gates + rl__share_at(q->cache_steps, 4 * u, s0, s1, tc, r0);
    const size_t tp = q->ring ? t % 2 : t, tn = q->ring ? (t + 1) % 2 : t + 1;
    s->h_prev = q->h + rl__share_at(q->state_steps, u, s0, s1, tp, r0);
    s->c_prev = q->c + rl__share_at(q->state_steps, u, s0, s1, tp, r0);
    s->recurrent = t > 0 || q->state0;
    s->h = q->h + rl__share_at(q->state_steps, u, s0, s1, tn, r0);
    s->c = q->c + rl__share_at(q->state_steps, u, s0, s1, tn, r0);
    s->ac = q->ac + rl__share_at(q->cache_steps, u, s0, s1, tc, r0);
}

static void lstm_forward(rl_layer *l, const rl_compute *cx, const real *x, size_t batch,
                         const real *state0)
{
    size_t T = l->in_steps, u = l->units, g = 4 * u, bu = batch * u;
    const real *kernel = l->w, *rec = kernel + l->in * g, *bias = rec + u * g;
    const rl_activation act = l->act, ract = l->rec_act;
    lstm_views v = lstm_split(l, batch);

    l->state0_zero = state0 == NULL;
    for (size_t b = 0; b < batch; b++)
        for (size_t j = 0; j < u; j++) {
            v.h_all[b * u + j] = state0 ? state0[b * 2 * u + j] : 0;
            v.c_all[b * u + j] = state0 ? state0[b * 2 * u + u + j] : 0;
        }
    rl_cell_step s = {
        .batch = batch, .u = u, .in = l->in, .kernel = kernel, .bias = bias, .rec_kernel = rec,
        .packed = v.packed, .act = act, .ract = ract, .no_caches = l->forward_only,
        .chain = l->forward_only ? v.chain : NULL,   /* fit: z, see rl_fused_step.chain */
    };
    const int fold = rl__step_folds_input(cx, l->in, u, 4);
    const int in_place = fold && l->x_sample_major;   /* x: the caller's [batch][T][in] */
    s.x_ld = in_place ? T * l->in : 0;
    rl__step_pack_kept(cx, &s, 4, fold, v.packed, &l->packed_key, l->forward_only,
                       l->weights_gen);
    if (!fold) {   /* the input projection of every step in one product */
        rl__fill_rows(cx, v.gates, bias, T * batch, g);
        rl__gemm(cx, T * batch, g, l->in, x, l->in, 1, kernel, g, v.gates, g, 1);
    }
    rl_shares sh;   /* apart: the steps on the regions */
    const int apart = rl__layer_shares(l, cx, &s, fold ? x : NULL, 4, &sh);
    const int ring = l->forward_only && !l->return_sequences;
    lstm_steps q = { fold ? x : NULL, in_place ? T * l->in : l->in,
                     apart ? v.gates_r : v.gates, apart ? v.c_r : v.c_all,
                     apart ? v.h_r : v.h_all, apart ? v.ac_r : v.ac, u,
                     in_place ? l->in : batch * l->in, l->forward_only && fold ? 1 : T,
                     ring ? 2 : T + 1, state0 != NULL, l->forward_only && fold, ring };
    rl_share_copies copies = { 0 };
    if (apart) {
        /* h_{-1}, c_{-1}, and the input projections when not folded, in;
           what the next layer and final_state read, out */
        const size_t last = ring ? T % 2 : T;
        rl__share_copy_add(&copies, 0, v.h_all, v.h_r, q.state_steps, 0, 1, u);
        rl__share_copy_add(&copies, 0, v.c_all, v.c_r, q.state_steps, 0, 1, u);
        if (!fold)
            rl__share_copy_add(&copies, 0, v.gates, v.gates_r, T, 0, T, g);
        rl__share_copy_add(&copies, 1, v.h_all, v.h_r, q.state_steps, ring ? last : 1, last + 1,
                           u);
        rl__share_copy_add(&copies, 1, v.c_all, v.c_r, q.state_steps, last, last + 1, u);
    }
    rl__run_steps(cx, &s, 4, T, &sh, &copies, lstm_step_at, &q);
    if (q.ring && T % 2 != T) {   /* the last state where the output and final_state read it */
        memcpy(v.h_all + T * bu, v.h_all + (T % 2) * bu, bu * sizeof(real));
        memcpy(v.c_all + T * bu, v.c_all + (T % 2) * bu, bu * sizeof(real));
    }
    l->out = l->return_sequences ? v.h_all + bu : v.h_all + T * bu;
}

/* state rows: h [u] then c [u] */
static void lstm_final_state(const rl_layer *l, size_t batch, real *state)
{
    size_t u = l->units, bu = batch * u, T = l->in_steps;
    lstm_views v = lstm_split(l, batch);
    for (size_t b = 0; b < batch; b++)
        for (size_t j = 0; j < u; j++) {
            state[b * 2 * u + j] = v.h_all[T * bu + b * u + j];
            state[b * 2 * u + u + j] = v.c_all[T * bu + b * u + j];
        }
}

/* scratch: the chains' values (RL_ROW_WORK_FLOATS) */
static size_t lstm_step_scratch(const rl_layer *l)
{
    return RL_ROW_WORK_FLOATS(4, l->units);
}

/* One fused step (rl__lstm_row): the chains start from the bias and take
 * x W, then h U, as rl__layer_project + forward's product do; c' goes
 * straight into the state (each lane is read before it is written). */
static void lstm_recur(const rl_layer *l, const rl_compute *cx, const real *x, real *proj,
                       const real *rec_packed, const rl_layer *head, real *head_out, real *state,
                       int fresh, int flip, real *out, real *scratch)
{
    size_t u = l->units, g = 4 * u;
    const real *kernel = l->w, *rec = kernel + l->in * g, *bias = rec + u * g;
    rl_row_step s = { .units = u, .in = x ? l->in : 0, .start = x ? bias : proj, .x = x,
                      .kernel = kernel, .rec = rec_packed ? rec_packed : rec,
                      .ld_rec = rec_packed ? rl_row_rec_ld(g) : g, .h_prev = state, .h = out,
                      .c_prev = state + u, .c = state + u, .work = scratch,
                      .head_w = head ? head->w : NULL,
                      .head_start = head ? head->w + head->in * head->units : NULL,
                      .head_out = head_out, .head_n = head ? head->units : 0,
                      .head_act = head ? head->act : 0,
                      .fresh = fresh, .flip = flip,
                      .act = l->act, .ract = l->rec_act };
    rl__lstm_row(cx, &s);
    memcpy(state, out, u * sizeof(real));
}

/* The backward through time of rows [r0, r1): each row's dz_t, dh and dc
 * read only that row (rl__run_rows); the rows' dh and dc, zeroed here, at
 * rl__rows_at(dh or dc, r0, u). */
typedef struct lstm_bptt {
    const rl_layer *l;
    const lstm_views *v;
    const real *dy;
    size_t bu;
} lstm_bptt;

static void lstm_bptt_rows(void *ctx, const rl_compute *cx, size_t r0, size_t r1)
{
    const lstm_bptt *q = ctx;
    const rl_layer *l = q->l;
    const lstm_views *v = q->v;
    const size_t T = l->in_steps, u = l->units, g = 4 * u, bu = q->bu, rows = r1 - r0;
    const size_t o = r0 * u, og = r0 * g;
    const rl_activation act = l->act, ract = l->rec_act;
    real *dh = rl__rows_at(v->dh, r0, u), *dc = rl__rows_at(v->dc, r0, u);
    memset(dh, 0, rows * u * sizeof(real));
    memset(dc, 0, rows * u * sizeof(real));
    for (size_t t = T; t-- > 0;) {
        const real *gt = v->gates + t * 4 * bu + og, *c_prev = v->c_all + t * bu + o;
        const real *ac = v->ac + t * bu + o;
        const real *dyt = l->return_sequences ? q->dy + t * bu + o
                                              : (t == T - 1 ? q->dy + o : NULL);
        real *dzt = v->dz + t * 4 * bu + og;
        rl__lstm_cell_backward(cx, rows, u, gt, c_prev, ac, dyt, dh, dc, dzt, act, ract);
        if (t == 0)
            break;
        /* while dh = dZ_t U^T runs, the rows step t-1's cell backward
         * reads and overwrites with dZ (its gates): untouched since the
         * forward, they would come from L3 */
        const size_t tp = t - 1;
        const rl_pf_src pf = { { v->dz + tp * 4 * bu + og }, { rows * g * sizeof(real) } };
        rl__gemm_narrow_pf(cx, rows, u, g, dzt, g, v->ut, dh, u, 0, &pf);
    }
}

static void lstm_backward(rl_layer *l, const rl_compute *cx, const real *x, real *dy, real *dx,
                          size_t batch)
{
    size_t T = l->in_steps, u = l->units, g = 4 * u, in = l->in, bu = batch * u;
    const real *kernel = l->w, *rec = kernel + in * g;
    lstm_views v = lstm_split(l, batch);

    rl__pack_narrow(cx, v.ut, g, u, rec, 1, g);   /* U^T, read straight from U */
    lstm_bptt q = { l, &v, dy, bu };
    int ok = 1;   /* sizes checked by lstm_workspace */
    rl__run_rows(cx, batch, rl__packed_size(g, u, &ok) * sizeof(real), T * bu * (g + 64),
                 lstm_bptt_rows, &q);

    /* kernel, recurrent kernel and bias gradients (rows of l->grad, in that
     * order) in one pass over dZ: [x^T; h^T; 1] dZ (h_{-1} = 0 skipped) */
    const rl_at_src rows = { .a1 = x, .lda1 = in, .end1 = in, .a2 = v.h_all, .lda2 = u,
                             .end2 = in + u, .end0 = in + u };
    rl__weight_grad(cx, in + u + 1, g, T * batch, l->state0_zero ? batch : 0, &rows, v.dz, g,
                    l->grad, g, v.scratch);
    rl__input_dx(l, cx, v.dz, T * batch, v.wt, dx);
}

const rl_layer_ops rl__lstm_ops = {
    .kind = RL_LAYER_LSTM,
    .name = "lstm",
    .gates = 4,
    .bias_rows = 1,
    .recurrent = 1,
    .folds_input = 1,
    .has_rec_act = 1,
    .n_tensors = 3,
    .tensors = {
        { "kernel", RL_ROWS_INPUT, RL_INIT_GLOROT_UNIFORM },
        { "recurrent_kernel", RL_ROWS_UNITS, RL_INIT_ORTHOGONAL },
        { "bias", RL_ROWS_BIAS, RL_INIT_UNIT_FORGET_BIAS },
    },
    .state_vectors = 2,
    .workspace = lstm_workspace,
    .forward = lstm_forward,
    .final_state = lstm_final_state,
    .step_scratch = lstm_step_scratch,
    .recur = lstm_recur,
    .row_head = 1,
    .backward = lstm_backward,
};
