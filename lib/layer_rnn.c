/* SimpleRNN: h_t = act(x_t W + h_{t-1} U + b), h_{-1} = 0. */
#include <string.h>

#include "activation.h"
#include "alloc.h"
#include "layer.h"

/* The weight gradient's scratch: the packs of A^T, and with its k in two
 * halves (rl__gemm_at_halves_split) the second half's product too. */
static size_t rnn_grad_scratch(const rl_layer *l, size_t batch, int *ok)
{
    const size_t m = l->in + l->units + 1;
    const size_t plain = rl__input_backward_scratch(l, rl__mul(l->in_steps, batch, ok), ok);
    if (!rl__gemm_at_halves_split(m, l->units, l->in_steps, batch))
        return plain;
    const size_t halves = rl__gemm_at_halves_size(m, l->units, ok);
    return plain > halves ? plain : halves;
}

/* ws: h_all [T+1][B][u] (block 0 = h_{-1} = 0) | dZ [T][B][u] | U^T packed
 *     | W^T packed | dh [B][u] (rows apart: rl__rows_at)
 *     | weight-gradient scratch
 *     | the fused step's packed weights (64-byte aligned within)
 *     | with regions, a forward-only pass's h_all by row shares
 *       (rl__shares_area_floats), when its steps run split by rows
 *       (rl__layer_shares) */
static size_t rnn_workspace(const rl_layer *l, size_t batch, int regions)
{
    int ok = 1;
    size_t u = l->units, T = l->in_steps, bu = rl__mul(batch, u, &ok);
    size_t parts[8] = {
        rl__mul(T + 1, bu, &ok), rl__mul(T, bu, &ok),
        rl__packed_size(u, u, &ok), rl__packed_size(u, l->in, &ok),
        rl__rows_area_floats(batch, u, &ok), rnn_grad_scratch(l, batch, &ok),
        rl__layer_pack_floats(l, 1, &ok),
        regions ? rl__shares_area_floats(T + 1, batch, u, &ok) : 0,
    };
    return rl__sum_sizes(parts, 8, ok);
}

/* The packed weights' place, and the regions' (NULL without regions). */
static real *rnn_packed(const rl_layer *l, size_t batch, real **h_reg)
{
    int ok = 1;   /* sizes checked by rnn_workspace */
    const size_t T = l->in_steps, u = l->units, bu = batch * u;
    real *packed = rl__layer_pack_area(l->ws + (T + 1) * bu + T * bu
                                       + rl__packed_size(u, u, &ok)
                                       + rl__packed_size(u, l->in, &ok)
                                       + rl__rows_area_floats(batch, u, &ok)
                                       + rnn_grad_scratch(l, batch, &ok));
    *h_reg = l->regions ? packed + rl__step_pack_floats(l->in, u, 1) : NULL;
    return packed;
}

/* The per-step fields of step t for rows [r0, r1) (rl__run_steps). */
typedef struct rnn_steps {
    const real *x;   /* folded: the input, else NULL */
    size_t x_ld;     /* floats from one row of x_t to the next */
    real *h;         /* h_all, laid out by the shares */
    size_t T, u, row_in;   /* row_in: floats from x_t to x_t+1 */
    int state0;
} rnn_steps;

static void rnn_step_at(void *ctx, size_t t, size_t s0, size_t s1, size_t r0,
                        rl_cell_step *s)
{
    const rnn_steps *q = ctx;
    s->x = q->x ? q->x + t * q->row_in + r0 * q->x_ld : NULL;
    s->h = s->z = q->h + rl__share_at(q->T + 1, q->u, s0, s1, t + 1, r0);
    s->h_prev = q->h + rl__share_at(q->T + 1, q->u, s0, s1, t, r0);
    s->recurrent = t > 0 || q->state0;
}

static void rnn_forward(rl_layer *l, const rl_compute *cx, const real *x, size_t batch,
                        const real *state0)
{
    size_t T = l->in_steps, u = l->units, bu = batch * u;
    const real *kernel = l->w, *rec = kernel + l->in * u, *bias = rec + u * u;
    real *h_all = l->ws, *h_reg;
    real *packed = rnn_packed(l, batch, &h_reg);

    l->state0_zero = state0 == NULL;
    for (size_t i = 0; i < bu; i++)
        h_all[i] = state0 ? state0[i] : 0;
    rl_cell_step s = {
        .batch = batch, .u = u, .in = l->in, .kernel = kernel, .bias = bias, .rec_kernel = rec,
        .packed = packed, .act = l->act, .no_caches = l->forward_only,
    };
    const int fold = rl__step_folds_input(cx, l->in, u, 1);
    const int in_place = fold && l->x_sample_major;   /* x: the caller's [batch][T][in] */
    s.x_ld = in_place ? T * l->in : 0;
    rl__step_pack_kept(cx, &s, 1, fold, packed, &l->packed_key, l->forward_only,
                       l->weights_gen);
    if (!fold) {   /* the input projection of every step in one product */
        rl__fill_rows(cx, h_all + bu, bias, T * batch, u);
        rl__gemm(cx, T * batch, u, l->in, x, l->in, 1, kernel, u, h_all + bu, u, 1);
    }
    rl_shares sh;   /* apart: the steps on the regions */
    const int apart = rl__layer_shares(l, cx, &s, fold ? x : NULL, 1, &sh);
    rl_share_copies copies = { 0 };
    if (apart) {
        /* h_{-1}, and the input projections when not folded, in; what the
           next layer and final_state read, out */
        rl__share_copy_add(&copies, 0, h_all, h_reg, T + 1, 0, fold ? 1 : T + 1, u);
        rl__share_copy_add(&copies, 1, h_all, h_reg, T + 1, l->return_sequences ? 1 : T,
                           T + 1, u);
    }
    rnn_steps q = { fold ? x : NULL, in_place ? T * l->in : l->in, apart ? h_reg : h_all, T, u,
                    in_place ? l->in : batch * l->in, state0 != NULL };
    rl__run_steps(cx, &s, 1, T, &sh, &copies, rnn_step_at, &q);
    l->out = l->return_sequences ? h_all + bu : h_all + T * bu;
}

static void rnn_final_state(const rl_layer *l, size_t batch, real *state)
{
    size_t bu = batch * l->units;
    for (size_t i = 0; i < bu; i++)
        state[i] = l->ws[l->in_steps * bu + i];
}

static size_t rnn_step_scratch(const rl_layer *l)
{
    (void)l;
    return 0;
}

/* h' = act(bias + x W + h U) in one fused step (rl__rnn_row). */
static void rnn_recur(const rl_layer *l, const rl_compute *cx, const real *x, real *proj,
                      const real *rec_packed, const rl_layer *head, real *head_out, real *state,
                      int fresh, int flip, real *out, real *scratch)
{
    (void)scratch;
    size_t u = l->units;
    const real *kernel = l->w, *rec = kernel + l->in * u, *bias = rec + u * u;
    rl_row_step s = { .units = u, .in = x ? l->in : 0, .start = x ? bias : proj, .x = x,
                      .kernel = kernel, .rec = rec_packed ? rec_packed : rec,
                      .ld_rec = rec_packed ? rl_row_rec_ld(u) : u, .h_prev = state, .h = out,
                      .head_w = head ? head->w : NULL,
                      .head_start = head ? head->w + head->in * head->units : NULL,
                      .head_out = head_out, .head_n = head ? head->units : 0,
                      .head_act = head ? head->act : 0,
                      .fresh = fresh, .flip = flip, .act = l->act };
    rl__rnn_row(cx, &s);
    memcpy(state, out, u * sizeof(real));
}

/* The backward through time of rows [r0, r1): each row's dz_t and dh_{t-1}
 * read only that row (rl__run_rows); the rows' dh, zeroed here, at
 * rl__rows_at(dh, r0, u). */
typedef struct rnn_bptt {
    const rl_layer *l;
    const real *h_all, *dy;
    real *dz;
    const real *ut;
    real *dh;
    size_t bu;
} rnn_bptt;

static void rnn_bptt_rows(void *ctx, const rl_compute *cx, size_t r0, size_t r1)
{
    const rnn_bptt *q = ctx;
    const rl_layer *l = q->l;
    const size_t T = l->in_steps, u = l->units, bu = q->bu, o = r0 * u, rows = r1 - r0;
    real *dh = rl__rows_at(q->dh, r0, u);
    memset(dh, 0, rows * u * sizeof(real));
    for (size_t t = T; t-- > 0;) {
        const real *h = q->h_all + (t + 1) * bu + o;
        const real *dyt = l->return_sequences ? q->dy + t * bu + o
                                              : (t == T - 1 ? q->dy + o : NULL);
        real *dzt = q->dz + t * bu + o;
        rl__act_backward(cx, l->act, h, dh, dyt, dzt, rows * u);
        if (t > 0)
            rl__gemm_narrow_pf(cx, rows, u, u, dzt, u, q->ut, dh, u, 0, NULL);
    }
}

static void rnn_backward(rl_layer *l, const rl_compute *cx, const real *x, real *dy, real *dx,
                         size_t batch)
{
    size_t T = l->in_steps, u = l->units, in = l->in, bu = batch * u;
    const real *kernel = l->w, *rec = kernel + in * u;
    int ok = 1;   /* sizes checked by rnn_workspace */
    real *h_all = l->ws, *dz = h_all + (T + 1) * bu, *ut = dz + T * bu;
    real *wt = ut + rl__packed_size(u, u, &ok), *dh = wt + rl__packed_size(u, in, &ok);
    real *grad_scratch = dh + rl__rows_area_floats(batch, u, &ok);

    rl__pack_narrow(cx, ut, u, u, rec, 1, u);   /* U^T, read straight from U */
    rnn_bptt q = { l, h_all, dy, dz, ut, dh, bu };
    int ok2 = 1;
    rl__run_rows(cx, batch, rl__packed_size(u, u, &ok2) * sizeof(real), T * bu * (u + 12),
                 rnn_bptt_rows, &q);

    /* kernel, recurrent kernel and bias gradients in one pass over dZ, its
     * k (steps x rows) in two fixed halves when large (compute.h) */
    const rl_at_src rows = { .a1 = x, .lda1 = in, .end1 = in, .a2 = h_all, .lda2 = u,
                             .end2 = in + u, .end0 = in + u };
    const size_t m = in + u + 1, h0_rows = l->state0_zero ? batch : 0;
    const size_t ks = rl__gemm_at_halves_split(m, u, T, batch);
    if (ks)
        rl__gemm_at_rows_halves(cx, m, u, T * batch, ks, h0_rows, &rows, dz, u, l->grad, u,
                                grad_scratch);
    else
        rl__weight_grad(cx, m, u, T * batch, h0_rows, &rows, dz, u, l->grad, u, grad_scratch);
    rl__input_dx(l, cx, dz, T * batch, wt, dx);
}

const rl_layer_ops rl__simple_rnn_ops = {
    .kind = RL_LAYER_SIMPLE_RNN,
    .name = "simple_rnn",
    .gates = 1,
    .bias_rows = 1,
    .recurrent = 1,
    .folds_input = 1,
    .has_rec_act = 0,
    .n_tensors = 3,
    .tensors = {
        { "kernel", RL_ROWS_INPUT, RL_INIT_GLOROT_UNIFORM },
        { "recurrent_kernel", RL_ROWS_UNITS, RL_INIT_ORTHOGONAL },
        { "bias", RL_ROWS_BIAS, RL_INIT_ZEROS },
    },
    .state_vectors = 1,
    .workspace = rnn_workspace,
    .forward = rnn_forward,
    .final_state = rnn_final_state,
    .step_scratch = rnn_step_scratch,
    .recur = rnn_recur,
    .row_head = 1,
    .backward = rnn_backward,
};
