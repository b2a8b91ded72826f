/* GRU as Keras with reset_after=True (the TF2 default):
 *   x_part = x W + b_in, h_part = h U + b_rec, both split into z, r, h~
 *   z = ract(x_z + h_z), r = ract(x_r + h_r), h~ = act(x_h + r * h_h)
 *   h' = z * h + (1 - z) * h~ */
#include <string.h>

#include "activation.h"
#include "alloc.h"
#include "layer.h"

/* Steps a forward-only pass keeps of the gates (one when the input is
 * folded, else every step's input projection) and of h (two by turns when
 * the last state alone goes out). */
static size_t gru_gates_slots(const rl_layer *l)
{
    return rl__step_may_fold(l->in) ? 1 : l->in_steps;
}

static size_t gru_h_slots(const rl_layer *l)
{
    return l->return_sequences ? l->in_steps + 1 : 2;
}

/* ws: gates [T][B][3u] (x_part, then z, r, h~ in place) | rec [T][B][3u] (h_part;
 *     the backward writes dRec over it, step by step)
 *     | h_all [T+1][B][u] | dZx's h~ third [T][B][u] (its z, r thirds are
 *     dRec's) | U^T packed | W^T packed
 *     | dh [B][u] (rows apart: rl__rows_at) | input-backward scratch
 *     | the fused step's packed weights (64-byte aligned within) | its chains
 *     | with regions, a forward-only pass's gates, h U + b_rec and h_all
 *       (the slots it keeps of them) by row shares (rl__shares_area_floats),
 *       when its steps run split by rows (rl__layer_shares) */
static size_t gru_workspace(const rl_layer *l, size_t batch, int regions)
{
    int ok = 1;
    size_t u = l->units, T = l->in_steps;
    size_t bu = rl__mul(batch, u, &ok), tbg = rl__mul(T, rl__mul(bu, 3, &ok), &ok);
    size_t parts[13] = {
        tbg, tbg, rl__mul(T + 1, bu, &ok), rl__mul(T, bu, &ok),
        rl__packed_size(3 * u, u, &ok), rl__packed_size(3 * u, l->in, &ok),
        rl__rows_area_floats(batch, u, &ok),
        rl__input_backward_scratch(l, rl__mul(T, batch, &ok), &ok),
        rl__layer_pack_floats(l, 3, &ok), rl__step_chain_floats(batch, u, &ok),
        regions ? rl__shares_area_floats(gru_gates_slots(l), batch, 3 * u, &ok) : 0,
        regions ? rl__shares_area_floats(1, batch, 3 * u, &ok) : 0,
        regions ? rl__shares_area_floats(gru_h_slots(l), batch, u, &ok) : 0,
    };
    return rl__sum_sizes(parts, 13, ok);
}

typedef struct gru_views {
    real *gates, *rec, *h_all, *dzx, *drec, *ut, *wt, *dh, *scratch, *packed, *chain;
    real *gates_r, *rec_r, *h_r;   /* by row shares (with regions; else NULL) */
} gru_views;

static gru_views gru_split(const rl_layer *l, size_t batch)
{
    size_t u = l->units, T = l->in_steps, bu = batch * u;
    gru_views v;
    v.gates = l->ws;
    v.rec = v.gates + T * 3 * bu;
    v.h_all = v.rec + T * 3 * bu;
    v.dzx = v.h_all + (T + 1) * bu;
    /* dRec_t over rec_t: the cell backward reads a lane's h U + b_rec
     * before it writes its dRec, and nothing reads rec_t after it; so
     * dRec's stores land on lines just read instead of fresh ones (each a
     * read for ownership), and the caches are 384 KB smaller at the seed
     * shape. */
    v.drec = v.rec;
    v.ut = v.dzx + T * bu;
    int ok = 1;   /* sizes checked by gru_workspace */
    v.wt = v.ut + rl__packed_size(3 * u, u, &ok);
    v.dh = v.wt + rl__packed_size(3 * u, l->in, &ok);
    v.scratch = v.dh + rl__rows_area_floats(batch, u, &ok);
    v.packed = rl__layer_pack_area(v.scratch + rl__input_backward_scratch(l, T * batch, &ok));
    v.chain = v.packed + rl__step_pack_floats(l->in, u, 3);
    v.gates_r = v.rec_r = v.h_r = NULL;
    if (l->regions) {
        v.gates_r = v.chain + rl__step_chain_floats(batch, u, &ok);
        v.rec_r = v.gates_r + rl__shares_area_floats(gru_gates_slots(l), batch, 3 * u, &ok);
        v.h_r = v.rec_r + rl__shares_area_floats(1, batch, 3 * u, &ok);
    }
    return v;
}

/* The per-step fields of step t for rows [r0, r1) (rl__run_steps). */
typedef struct gru_steps {
    const real *x;   /* folded: the input, else NULL */
    size_t x_ld;     /* floats from one row of x_t to the next */
    real *gates, *rec, *h;   /* the steps' arrays, laid out by the shares */
    size_t u, row_in;   /* row_in: floats from x_t to x_t+1 */
    size_t z_steps, rec_steps, h_steps;   /* steps (or slots) of their areas */
    int state0;
    int one_slot;   /* forward only: h U + b_rec (and, input folded, the gates) in slot 0 */
    int fold;
    int ring;       /* forward only, last state out: h in slots 0 and 1 by turns */
} gru_steps;

static void gru_step_at(void *ctx, size_t t, size_t s0, size_t s1, size_t r0,
                        rl_cell_step *s)
{
    const gru_steps *q = ctx;
    const size_t u = q->u, g = 3 * u;
    s->x = q->x ? q->x + t * q->row_in + r0 * q->x_ld : NULL;
    /* not folded, the gates of every step hold its x W + b_in already */
    s->z = q->gates + rl__share_at(q->z_steps, g, s0, s1, q->one_slot && q->fold ? 0 : t, r0);
    s->rec = q->rec + rl__share_at(q->rec_steps, g, s0, s1, q->one_slot ? 0 : t, r0);
    s->h_prev = q->h + rl__share_at(q->h_steps, u, s0, s1, q->ring ? t % 2 : t, r0);
    s->recurrent = t > 0 || q->state0;
    s->h = q->h + rl__share_at(q->h_steps, u, s0, s1, q->ring ? (t + 1) % 2 : t + 1, r0);
}

static void gru_forward(rl_layer *l, const rl_compute *cx, const real *x, size_t batch,
                        const real *state0)
{
    size_t T = l->in_steps, u = l->units, g = 3 * u, bu = batch * u;
    const real *kernel = l->w, *recw = kernel + l->in * g, *b_in = recw + u * g;
    const real *b_rec = b_in + g;
    const rl_activation act = l->act, ract = l->rec_act;
    gru_views v = gru_split(l, batch);

    l->state0_zero = state0 == NULL;
    for (size_t i = 0; i < bu; i++)
        v.h_all[i] = state0 ? state0[i] : 0;
    rl_cell_step s = {
        .batch = batch, .u = u, .in = l->in, .kernel = kernel, .bias = b_in, .rec_kernel = recw,
        .rec_bias = b_rec, .packed = v.packed, .act = act, .ract = ract,
        .no_caches = l->forward_only,
        .chain = l->forward_only ? v.chain : NULL,   /* fit: rec, see rl_fused_step.chain */
    };
    const int fold = rl__step_folds_input(cx, l->in, u, 3);
    const int in_place = fold && l->x_sample_major;   /* x: the caller's [batch][T][in] */
    s.x_ld = in_place ? T * l->in : 0;
    rl__step_pack_kept(cx, &s, 3, fold, v.packed, &l->packed_key, l->forward_only,
                       l->weights_gen);
    if (!fold) {   /* the input projection of every step in one product */
        rl__fill_rows(cx, v.gates, b_in, T * batch, g);
        rl__gemm(cx, T * batch, g, l->in, x, l->in, 1, kernel, g, v.gates, g, 1);
    }
    rl_shares sh;   /* apart: the steps on the regions */
    const int apart = rl__layer_shares(l, cx, &s, fold ? x : NULL, 3, &sh);
    const int ring = l->forward_only && !l->return_sequences;
    gru_steps q = { fold ? x : NULL, in_place ? T * l->in : l->in,
                    apart ? v.gates_r : v.gates, apart ? v.rec_r : v.rec,
                    apart ? v.h_r : v.h_all, u, in_place ? l->in : batch * l->in,
                    l->forward_only && fold ? 1 : T, l->forward_only ? 1 : T,
                    ring ? 2 : T + 1, state0 != NULL, l->forward_only, fold, ring };
    rl_share_copies copies = { 0 };
    if (apart) {
        /* h_{-1}, and the input projections when not folded, in; what the
           next layer and final_state read, out */
        rl__share_copy_add(&copies, 0, v.h_all, v.h_r, q.h_steps, 0, 1, u);
        if (!fold)
            rl__share_copy_add(&copies, 0, v.gates, v.gates_r, T, 0, T, g);
        rl__share_copy_add(&copies, 1, v.h_all, v.h_r, q.h_steps, ring ? T % 2 : 1,
                           ring ? T % 2 + 1 : T + 1, u);
    }
    rl__run_steps(cx, &s, 3, T, &sh, &copies, gru_step_at, &q);
    if (q.ring && T % 2 != T)   /* the last state where the output and final_state read it */
        memcpy(v.h_all + T * bu, v.h_all + (T % 2) * bu, bu * sizeof(real));
    l->out = l->return_sequences ? v.h_all + bu : v.h_all + T * bu;
}

static void gru_final_state(const rl_layer *l, size_t batch, real *state)
{
    size_t bu = batch * l->units;
    gru_views v = gru_split(l, batch);
    for (size_t i = 0; i < bu; i++)
        state[i] = v.h_all[l->in_steps * bu + i];
}

/* scratch: the chains' values (RL_ROW_WORK_FLOATS) */
static size_t gru_step_scratch(const rl_layer *l)
{
    return RL_ROW_WORK_FLOATS(3, l->units);
}

/* One fused step (rl__gru_row): the x chains start from b_in and take x W
 * (rl__layer_project's), the h chains start from b_rec and take h U
 * (forward's). */
static void gru_recur(const rl_layer *l, const rl_compute *cx, const real *x, real *proj,
                      const real *rec_packed, const rl_layer *head, real *head_out, real *state,
                      int fresh, int flip, real *out, real *scratch)
{
    size_t u = l->units, g = 3 * u;
    const real *kernel = l->w, *recw = kernel + l->in * g, *b_in = recw + u * g;
    rl_row_step s = { .units = u, .in = x ? l->in : 0, .start = x ? b_in : proj, .x = x,
                      .kernel = kernel, .rec = rec_packed ? rec_packed : recw,
                      .ld_rec = rec_packed ? rl_row_rec_ld(g) : g, .h_prev = state, .h = out,
                      .rec_start = b_in + g, .work = scratch,
                      .head_w = head ? head->w : NULL,
                      .head_start = head ? head->w + head->in * head->units : NULL,
                      .head_out = head_out, .head_n = head ? head->units : 0,
                      .head_act = head ? head->act : 0,
                      .fresh = fresh, .flip = flip, .act = l->act,
                      .ract = l->rec_act };
    rl__gru_row(cx, &s);
    memcpy(state, out, u * sizeof(real));
}

/* Inputs up to this many ride in the recurrent kernel's gradient product. */
enum { GRU_X_ROWS_MERGED = 8 };

/* The input side, with dZx = [dRec's z, r thirds | dxh] (stored once):
 * each output element keeps the chain it had on dZx itself. Kernel
 * gradient x^T dZx by column ranges (zr_done: its z, r thirds, x^T dRec,
 * came with the recurrent kernel's product, and its h~ third is written
 * here over what that product put there); b_in's z, r thirds are b_rec's (the
 * same column sums of the same numbers), its h~ third the column sums of
 * dxh (with one input, row 1 of [x^T; 1] dxh, as rl__input_backward does);
 * dx = dZx W^T as two k ranges, the second accumulating: the same fma
 * sequence per element as one product over 3u. */
static void gru_input_backward(const rl_layer *l, const rl_compute *cx, const real *x,
                               const real *drec, const real *dxh, size_t rows, real *g_kernel,
                               real *g_bin, const real *g_brec, real *wt, real *dx,
                               real *scratch, int zr_done)
{
    size_t in = l->in, u = l->units, g = 3 * u;
    if (!zr_done)
        rl__gemm_at(cx, in, 2 * u, rows, x, in, drec, g, g_kernel, g, 0, scratch);
    memcpy(g_bin, g_brec, 2 * u * sizeof(real));
    if (in == 1) {
        const rl_at_src x1 = { .a1 = x, .lda1 = 1, .end1 = 1, .end2 = 1, .end0 = 1 };
        rl__gemm_at_rows(cx, 2, u, rows, &x1, dxh, u, g_kernel + 2 * u,
                         (size_t)(g_bin - g_kernel), 0, scratch);
    } else {
        rl__gemm_at(cx, in, u, rows, x, in, dxh, u, g_kernel + 2 * u, g, 0, scratch);
        rl__col_sums(cx, g_bin + 2 * u, dxh, rows, u);
    }
    if (dx) {   /* W^T's rows [0, 2u) and [2u, 3u) packed straight from W */
        int ok = 1;   /* sizes checked by gru_workspace (packed sizes add up in k) */
        real *wt_h = wt + rl__packed_size(2 * u, in, &ok);
        rl__pack_b(cx, wt, 2 * u, in, l->w, 1, g);
        rl__pack_b(cx, wt_h, u, in, l->w + 2 * u, 1, g);
        rl__gemm_packed(cx, rows, in, 2 * u, drec, g, 1, wt, dx, in, 0);
        rl__gemm_packed(cx, rows, in, u, dxh, u, 1, wt_h, dx, in, 1);
    }
}

/* The backward through time of rows [r0, r1): each row's dz_t and dh read
 * only that row (rl__run_rows); the rows' dh, zeroed here, at
 * rl__rows_at(dh, r0, u). */
typedef struct gru_bptt {
    const rl_layer *l;
    const gru_views *v;
    const real *dy;
    size_t bu;
} gru_bptt;

static void gru_bptt_rows(void *ctx, const rl_compute *cx, size_t r0, size_t r1)
{
    const gru_bptt *q = ctx;
    const rl_layer *l = q->l;
    const gru_views *v = q->v;
    const size_t T = l->in_steps, u = l->units, g = 3 * u, bu = q->bu, rows = r1 - r0;
    const size_t o = r0 * u, og = r0 * g;
    const rl_activation act = l->act, ract = l->rec_act;
    real *dh = rl__rows_at(v->dh, r0, u);
    memset(dh, 0, rows * u * sizeof(real));
    for (size_t t = T; t-- > 0;) {
        const real *gt = v->gates + t * 3 * bu + og, *hr = v->rec + t * 3 * bu + og;
        const real *h_prev = v->h_all + t * bu + o;
        const real *dyt = l->return_sequences ? q->dy + t * bu + o
                                              : (t == T - 1 ? q->dy + o : NULL);
        real *dzx = v->dzx + t * bu + o, *drec = v->drec + t * 3 * bu + og;
        rl__gru_cell_backward(cx, rows, u, gt, hr, h_prev, dyt, dh, dzx, drec, act, ract);
        if (t == 0)
            break;
        /* while dh += dRec_t U^T runs, the rows step t-1's cell backward
         * writes (dRec over rec, and dZx's h~ third): untouched since the
         * forward, each of its loads and stores would wait for its line from
         * L3 (perf: the cell backward ~2/3 shorter on lines already in L2) */
        const size_t tp = t - 1;
        const rl_pf_src pf = { { v->drec + tp * 3 * bu + og, v->dzx + tp * bu + o },
                               { rows * g * sizeof(real), rows * u * sizeof(real) } };
        rl__gemm_narrow_pf(cx, rows, u, g, drec, g, v->ut, dh, u, 1, &pf);
    }
}

static void gru_backward(rl_layer *l, const rl_compute *cx, const real *x, real *dy, real *dx,
                         size_t batch)
{
    size_t T = l->in_steps, u = l->units, g = 3 * u, in = l->in, bu = batch * u;
    const real *kernel = l->w, *recw = kernel + in * g;
    gru_views v = gru_split(l, batch);

    rl__pack_narrow(cx, v.ut, g, u, recw, 1, g);   /* U^T, read straight from U */
    gru_bptt q = { l, &v, dy, bu };
    int ok = 1;   /* sizes checked by gru_workspace */
    rl__run_rows(cx, batch, rl__packed_size(g, u, &ok) * sizeof(real), T * bu * (g + 512),
                 gru_bptt_rows, &q);

    real *g_kernel = l->grad, *g_rec = g_kernel + in * g, *g_bin = g_rec + u * g;
    real *g_brec = g_bin + g;
    /* [x^T; h^T; 0; 1] dRec: the kernel's z, r thirds (its h~ third is
     * rewritten from dxh next), the recurrent kernel's gradient, a row of
     * zeros over b_in's (gru_input_backward writes it next) and b_rec's, in
     * one pass over dRec (h_{-1} = 0 skipped). With few inputs only: their
     * product alone is a latency-bound row or two (~2 % of the GRU(50) seed
     * fit), while at many the h~ third they compute in vain costs more. */
    const int x_rows = in < GRU_X_ROWS_MERGED;
    const rl_at_src rows = { .a1 = x_rows ? x : NULL, .lda1 = in, .end1 = x_rows ? in : 0,
                             .a2 = v.h_all, .lda2 = u, .end2 = (x_rows ? in : 0) + u,
                             .end0 = (x_rows ? in : 0) + u + 1 };
    rl__weight_grad(cx, rows.end0 + 1, g, T * batch, l->state0_zero ? batch : 0, &rows, v.drec,
                    g, x_rows ? g_kernel : g_rec, g, v.scratch);
    gru_input_backward(l, cx, x, v.drec, v.dzx, T * batch, g_kernel, g_bin, g_brec, v.wt, dx,
                       v.scratch, x_rows);
}

const rl_layer_ops rl__gru_ops = {
    .kind = RL_LAYER_GRU,
    .name = "gru",
    .gates = 3,
    .bias_rows = 2,
    .recurrent = 1,
    .folds_input = 1,
    .has_rec_act = 1,
    .n_tensors = 3,
    .tensors = {
        { "kernel", RL_ROWS_INPUT, RL_INIT_GLOROT_UNIFORM },
        { "recurrent_kernel", RL_ROWS_UNITS, RL_INIT_ORTHOGONAL },
        { "bias", RL_ROWS_BIAS, RL_INIT_ZEROS },
    },
    .state_vectors = 1,
    .workspace = gru_workspace,
    .forward = gru_forward,
    .final_state = gru_final_state,
    .step_scratch = gru_step_scratch,
    .recur = gru_recur,
    .row_head = 1,
    .backward = gru_backward,
};
