/* Dense: y = act(x W + b), applied to every step of a sequence. */
#include <string.h>

#include "activation.h"
#include "alloc.h"
#include "layer.h"

/* ws: out [rows][units] | W^T [units][in] */
static size_t dense_workspace(const rl_layer *l, size_t batch, int regions)
{
    (void)regions;   /* steps not split by rows */
    int ok = 1;
    size_t rows = rl__mul(l->in_steps, batch, &ok);
    size_t out = rl__mul(rows, l->units, &ok);
    size_t wt = rl__mul(l->units, l->in, &ok);
    return ok && out + wt >= out ? out + wt : 0;
}

static void dense_forward(rl_layer *l, const rl_compute *cx, const real *x, size_t batch,
                          const real *state0)
{
    (void)state0;   /* no state */
    size_t rows = l->in_steps * batch, u = l->units;
    const real *kernel = l->w, *bias = l->w + l->in * u;
    l->out = l->ws;
    rl__fill_rows(cx, l->out, bias, rows, u);
    rl__gemm(cx, rows, u, l->in, x, l->in, 1, kernel, u, l->out, u, 1);
    if (l->act != RL_ACT_LINEAR)
        rl__activate_n(cx, l->act, l->out, l->out, rows * u);
}

static size_t dense_step_scratch(const rl_layer *l)
{
    (void)l;
    return 0;
}

/* One row: its projection (unless given), then forward's activation. */
static void dense_recur(const rl_layer *l, const rl_compute *cx, const real *x, real *proj,
                        const real *rec_packed, const rl_layer *head, real *head_out, real *state,
                        int fresh, int flip, real *out, real *scratch)
{
    (void)rec_packed, (void)head, (void)head_out, (void)state, (void)fresh, (void)flip, (void)scratch;
    if (x)
        rl__layer_project(l, cx, x, proj);
    if (l->act != RL_ACT_LINEAR)
        rl__activate_n(cx, l->act, proj, out, l->units);
    else
        memcpy(out, proj, l->units * sizeof(real));
}

static void dense_backward(rl_layer *l, const rl_compute *cx, const real *x, real *dy, real *dx,
                           size_t batch)
{
    size_t rows = l->in_steps * batch, u = l->units, in = l->in;
    real *dz = dy;   /* the pre-activation gradient overwrites dy */
    if (l->act != RL_ACT_LINEAR)
        rl__act_backward(cx, l->act, l->out, dy, NULL, dz, rows * u);

    real *g_kernel = l->grad, *g_bias = l->grad + in * u;
    rl__gemm(cx, in, u, rows, x, 1, in, dz, u, g_kernel, u, 0);
    for (size_t j = 0; j < u; j++)
        g_bias[j] = 0;
    rl__add_col_sums(cx, g_bias, dz, rows, u);

    if (dx) {
        real *wt = l->ws + rows * u;
        rl__transpose(cx, wt, l->w, in, u);
        rl__gemm(cx, rows, in, u, dz, u, 1, wt, in, dx, in, 0);
    }
}

const rl_layer_ops rl__dense_ops = {
    .kind = RL_LAYER_DENSE,
    .name = "dense",
    .gates = 1,
    .bias_rows = 1,
    .recurrent = 0,
    .has_rec_act = 0,
    .n_tensors = 2,
    .tensors = {
        { "kernel", RL_ROWS_INPUT, RL_INIT_GLOROT_UNIFORM },
        { "bias", RL_ROWS_BIAS, RL_INIT_ZEROS },
    },
    .state_vectors = 0,
    .workspace = dense_workspace,
    .forward = dense_forward,
    .final_state = NULL,
    .step_scratch = dense_step_scratch,
    .recur = dense_recur,
    .backward = dense_backward,
};
