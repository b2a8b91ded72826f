/* GRU as Keras with reset_after=False (the Keras 2.2 default and the only GRU
 * of TensorFlow.js): one bias [3u], and the reset gate applied to h before
 * the recurrent product of the candidate:
 *   x_part = x W + b, split into x_z, x_r, x_h
 *   z = ract(x_z + h U_z), r = ract(x_r + h U_r)
 *   h~ = act(x_h + (r * h) U_h)
 *   h' = z * h + (1 - z) * h~
 * The product (r * h) U_h needs r first, so a step is two matrix products
 * with element-wise work between them; the activations and their
 * derivatives are the library's one definition (rl__activate_n,
 * rl__act_backward), the products and sums here are plain IEEE operations,
 * so every kernel path gives the same bits. */
#include "alloc.h"
#include "layer.h"

/* ws: gates [T][B][3u] (x_part, then z, r, h~ in place) | rh [T][B][u] (r * h_prev)
 *     | h_all [T+1][B][u] | dzx [T][B][3u] | rec [B][3u] | U_zr^T [2u][u] packed
 *     | U_h^T [u][u] packed | W^T [3u][in] packed
 *     | dh [B][u] | drh [B][u] | input-backward scratch */
static size_t grb_workspace(const rl_layer *l, size_t batch, int regions)
{
    (void)regions;   /* steps not split by rows */
    int ok = 1;
    size_t u = l->units, T = l->in_steps;
    size_t bu = rl__mul(batch, u, &ok), tbg = rl__mul(T, rl__mul(bu, 3, &ok), &ok);
    size_t parts[11] = {
        tbg, rl__mul(T, bu, &ok), rl__mul(T + 1, bu, &ok), tbg, rl__mul(bu, 3, &ok),
        rl__packed_size(2 * u, u, &ok), rl__packed_size(u, u, &ok),
        rl__packed_size(3 * u, l->in, &ok), bu, bu,
        rl__input_backward_scratch(l, rl__mul(T, batch, &ok), &ok),
    };
    return rl__sum_sizes(parts, 11, ok);
}

typedef struct grb_views {
    real *gates, *rh, *h_all, *dzx, *rec, *ut, *uht, *wt, *dh, *drh, *scratch;
} grb_views;

static grb_views grb_split(const rl_layer *l, size_t batch)
{
    size_t u = l->units, T = l->in_steps, bu = batch * u;
    grb_views v;
    v.gates = l->ws;
    v.rh = v.gates + T * 3 * bu;
    v.h_all = v.rh + T * bu;
    v.dzx = v.h_all + (T + 1) * bu;
    v.rec = v.dzx + T * 3 * bu;
    v.ut = v.rec + 3 * bu;
    int ok = 1;   /* sizes checked by grb_workspace */
    v.uht = v.ut + rl__packed_size(2 * u, u, &ok);
    v.wt = v.uht + rl__packed_size(u, u, &ok);
    v.dh = v.wt + rl__packed_size(3 * u, l->in, &ok);
    v.drh = v.dh + bu;
    v.scratch = v.drh + bu;
    return v;
}

/* One step for `rows` rows. xg [rows][3u] holds x W + b and becomes the
 * activated z, r, h~; rec [rows][3u] is scratch; rh [rows][u] receives
 * r * h_prev; h [rows][u] the new state. fresh: h_prev is the zero state,
 * whose products are skipped (the same bits wherever a fresh state starts). */
static void grb_cell(const rl_layer *l, const rl_compute *cx, size_t rows, real *xg, real *rec,
                     real *rh, const real *h_prev, int fresh, real *h)
{
    size_t u = l->units, g = 3 * u;
    const real *recw = l->w + l->in * g;
    if (!fresh)
        rl__gemm(cx, rows, 2 * u, u, h_prev, u, 1, recw, g, rec, g, 0);
    for (size_t b = 0; b < rows; b++) {
        real *zb = xg + b * g;
        if (!fresh)
            for (size_t j = 0; j < 2 * u; j++)
                zb[j] += rec[b * g + j];
        rl__activate_n(cx, (int)l->rec_act, zb, zb, 2 * u);
        for (size_t j = 0; j < u; j++)
            rh[b * u + j] = fresh ? 0 : zb[u + j] * h_prev[b * u + j];
    }
    if (!fresh)
        rl__gemm(cx, rows, u, u, rh, u, 1, recw + 2 * u, g, rec + 2 * u, g, 0);
    for (size_t b = 0; b < rows; b++) {
        real *zb = xg + b * g;
        if (!fresh)
            for (size_t j = 0; j < u; j++)
                zb[2 * u + j] += rec[b * g + 2 * u + j];
        rl__activate_n(cx, (int)l->act, zb + 2 * u, zb + 2 * u, u);
        for (size_t j = 0; j < u; j++) {
            real z = zb[j], hp = fresh ? 0 : h_prev[b * u + j];
            h[b * u + j] = z * hp + (1 - z) * zb[2 * u + j];
        }
    }
}

static void grb_forward(rl_layer *l, const rl_compute *cx, const real *x, size_t batch,
                        const real *state0)
{
    size_t T = l->in_steps, u = l->units, g = 3 * u, bu = batch * u;
    const real *kernel = l->w, *bias = kernel + (l->in + u) * g;
    grb_views v = grb_split(l, batch);

    for (size_t i = 0; i < bu; i++)
        v.h_all[i] = state0 ? state0[i] : 0;
    rl__fill_rows(cx, v.gates, bias, T * batch, g);
    rl__gemm(cx, T * batch, g, l->in, x, l->in, 1, kernel, g, v.gates, g, 1);
    for (size_t t = 0; t < T; t++)
        grb_cell(l, cx, batch, v.gates + t * batch * g, v.rec, v.rh + t * bu, v.h_all + t * bu,
                 t == 0 && !state0, v.h_all + (t + 1) * bu);
    l->out = l->return_sequences ? v.h_all + bu : v.h_all + T * bu;
}

static void grb_final_state(const rl_layer *l, size_t batch, real *state)
{
    size_t bu = batch * l->units;
    grb_views v = grb_split(l, batch);
    for (size_t i = 0; i < bu; i++)
        state[i] = v.h_all[l->in_steps * bu + i];
}

/* scratch: rec [3u] | rh [u] | h' [u] */
static size_t grb_step_scratch(const rl_layer *l)
{
    return 5 * l->units;
}

/* proj holds x W + b (rl__layer_project, here when x is given), as
 * forward's input product. */
static void grb_recur(const rl_layer *l, const rl_compute *cx, const real *x, real *proj,
                      const real *rec_packed, const rl_layer *head, real *head_out, real *state,
                      int fresh, int flip, real *out, real *scratch)
{
    (void)rec_packed, (void)head, (void)head_out, (void)flip;
    size_t u = l->units, g = 3 * u;
    if (x)
        rl__layer_project(l, cx, x, proj);
    real *rec = scratch, *rh = rec + g, *h = rh + u;
    grb_cell(l, cx, 1, proj, rec, rh, state, fresh, h);
    for (size_t j = 0; j < u; j++)
        state[j] = out[j] = h[j];
}

/* Per step, from dh_ = dh + dy (gradient of h'):
 *   d_hh = dh_ (1 - z) act'(h~)        d_z = dh_ (h_prev - h~) ract'(z)
 *   d_rh = d_hh U_h^T                  d_r = d_rh h_prev ract'(r)
 *   dh_prev = dh_ z + d_rh r + [d_z d_r] [U_z U_r]^T
 * and over all steps W, U_zr, U_h and b from dzx = [d_z d_r d_hh]. */
static void grb_backward(rl_layer *l, const rl_compute *cx, const real *x, real *dy, real *dx,
                         size_t batch)
{
    size_t T = l->in_steps, u = l->units, g = 3 * u, in = l->in, bu = batch * u;
    const real *kernel = l->w, *recw = kernel + in * g;
    grb_views v = grb_split(l, batch);

    /* U^T read straight from U, in the two parts the two products use:
     * [U_z U_r]^T (k = 2u) and U_h^T (k = u). */
    rl__pack_b(cx, v.ut, 2 * u, u, recw, 1, g);
    rl__pack_b(cx, v.uht, u, u, recw + 2 * u, 1, g);
    for (size_t i = 0; i < bu; i++)
        v.dh[i] = 0;
    for (size_t t = T; t-- > 0;) {
        const real *gt = v.gates + t * batch * g, *h_prev = v.h_all + t * bu;
        const real *dyt = l->return_sequences ? dy + t * bu : (t == T - 1 ? dy : NULL);
        real *dzx = v.dzx + t * batch * g;
        for (size_t i = 0; i < bu; i++)
            v.dh[i] += dyt ? dyt[i] : 0;
        for (size_t b = 0; b < batch; b++) {   /* d_z, d_hh before activation */
            const real *gb = gt + b * g;
            real *db = dzx + b * g;
            for (size_t j = 0; j < u; j++) {
                real d = v.dh[b * u + j];
                db[j] = d * (h_prev[b * u + j] - gb[2 * u + j]);
                db[2 * u + j] = d * (1 - gb[j]);
            }
            rl__act_backward(cx, (int)l->rec_act, gb, db, NULL, db, u);
            rl__act_backward(cx, (int)l->act, gb + 2 * u, db + 2 * u, NULL, db + 2 * u, u);
        }
        rl__gemm_packed(cx, batch, u, u, dzx + 2 * u, g, 1, v.uht, v.drh, u, 0);
        for (size_t b = 0; b < batch; b++) {
            const real *gb = gt + b * g;
            real *db = dzx + b * g;
            for (size_t j = 0; j < u; j++)
                db[u + j] = v.drh[b * u + j] * h_prev[b * u + j];
            rl__act_backward(cx, (int)l->rec_act, gb + u, db + u, NULL, db + u, u);
            for (size_t j = 0; j < u; j++)
                v.dh[b * u + j] = v.dh[b * u + j] * gb[j] + v.drh[b * u + j] * gb[u + j];
        }
        if (t > 0)
            rl__gemm_packed(cx, batch, u, 2 * u, dzx, g, 1, v.ut, v.dh, u, 1);
    }

    real *g_kernel = l->grad, *g_rec = g_kernel + in * g, *g_bias = g_rec + u * g;
    rl__gemm(cx, u, 2 * u, T * batch, v.h_all, 1, u, v.dzx, g, g_rec, g, 0);
    rl__gemm(cx, u, u, T * batch, v.rh, 1, u, v.dzx + 2 * u, g, g_rec + 2 * u, g, 0);
    rl__input_backward(l, cx, x, v.dzx, T * batch, g_kernel, g_bias, v.wt, dx, v.scratch);
}

const rl_layer_ops rl__gru_reset_before_ops = {
    .kind = RL_LAYER_GRU_RESET_BEFORE,
    .name = "gru_reset_before",
    .gates = 3,
    .bias_rows = 1,
    .recurrent = 1,
    .has_rec_act = 1,
    .n_tensors = 3,
    .tensors = {
        { "kernel", RL_ROWS_INPUT, RL_INIT_GLOROT_UNIFORM },
        { "recurrent_kernel", RL_ROWS_UNITS, RL_INIT_ORTHOGONAL },
        { "bias", RL_ROWS_BIAS, RL_INIT_ZEROS },
    },
    .state_vectors = 1,
    .workspace = grb_workspace,
    .forward = grb_forward,
    .final_state = grb_final_state,
    .step_scratch = grb_step_scratch,
    .recur = grb_recur,
    .backward = grb_backward,
};
