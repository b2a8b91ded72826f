/* A layer of the sequential stack, and the description of a kind of layer
 * (rl_layer_ops) that the layer table (layer_table.h) lists.
 *
 * Sequences inside the library are stored time-major, [steps][batch][features],
 * so that one time step of a batch is a contiguous matrix and the products
 * over all steps are single calls.
 *
 * Weights live in one flat array in Keras get_weights() order, the tensors
 * of ops->tensors one after the other, each [rows][G*units]: for the kinds
 * of today kernel [in], recurrent kernel [units] (recurrent layers), bias
 * [bias_rows], with G gates (Dense, SimpleRNN 1; LSTM 4; GRU 3) and
 * bias_rows 2 for GRU (input bias, recurrent bias), else 1. */
#ifndef RL_LAYER_H
#define RL_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "compute.h"
#include "layer_table.h"
#include "real.h"
#include "rnnlite/rnnlite.h"

#define RL_LAYER_ENUM_ROW(id, name, ops) name = id,
typedef enum rl_layer_kind {   /* stored in model files: the ids of layer_table.h */
    RL_LAYER_TABLE(RL_LAYER_ENUM_ROW)
    RL_LAYER_KIND_COUNT
} rl_layer_kind;
#undef RL_LAYER_ENUM_ROW

typedef struct rl_layer rl_layer;

/* How a weight tensor is first filled (Keras' default initialisers). */
typedef enum rl_init {
    RL_INIT_GLOROT_UNIFORM,    /* kernel: U(-l, l), l = sqrt(6 / (rows + cols)) */
    RL_INIT_ORTHOGONAL,        /* recurrent kernel (rows <= cols) */
    RL_INIT_ZEROS,             /* bias */
    RL_INIT_UNIT_FORGET_BIAS,  /* LSTM bias: zeros, 1 on the forget gate's units */
} rl_init;

/* Rows of a weight tensor; its columns are always gates * units. */
typedef enum rl_rows {
    RL_ROWS_INPUT,             /* in (the kernel) */
    RL_ROWS_UNITS,             /* units (the recurrent kernel) */
    RL_ROWS_BIAS,              /* ops->bias_rows */
} rl_rows;

typedef struct rl_tensor_spec {
    const char *name;          /* Keras' weight name: kernel, recurrent_kernel, bias */
    rl_rows rows;
    rl_init init;
} rl_tensor_spec;

#define RL_LAYER_MAX_TENSORS 3

/* Everything the library knows about one kind of layer, defined by the
 * kind's layer_*.c and listed in layer_table.h. */
typedef struct rl_layer_ops {
    rl_layer_kind kind;  /* its row's file id */
    const char *name;    /* as in messages and summaries: "lstm" */
    size_t gates;        /* G */
    size_t bias_rows;
    int recurrent;       /* reads a sequence; has return_sequences */
    /* forward folds an input of rl__step_folds_input() width into its
     * fused step, and then takes x_sample_major inputs too */
    int folds_input;
    int has_rec_act;     /* takes a recurrent activation (else it is stored as 0) */
    /* The weight tensors in Keras get_weights() order, one flat array. */
    size_t n_tensors;
    rl_tensor_spec tensors[RL_LAYER_MAX_TENSORS];
    /* Vectors of `units` floats in one row's recurrent state: 0 (Dense),
     * 1 (h: SimpleRNN, GRU), 2 (h then c: LSTM). See rl__layer_state_len(). */
    size_t state_vectors;

    /* Floats of workspace for a batch (caches kept from forward to backward);
     * regions: with the room to lay a forward-only pass's arrays out by row
     * shares too (rl__layer_shares; a model with a pool). */
    size_t (*workspace)(const rl_layer *l, size_t batch, int regions);
    /* x [in_steps][batch][in] -> l->out [out_steps][batch][units].
     * state0 [batch][state_len] is the state before the first step, or NULL
     * for the zero state, whose first step skips the h U product (so that a
     * fresh state gives the same bits wherever it is computed). */
    void (*forward)(rl_layer *l, const rl_compute *cx, const real *x, size_t batch,
                    const real *state0);
    /* After forward: the state after the last input step, [batch][state_len].
     * NULL for a layer without state. */
    void (*final_state)(const rl_layer *l, size_t batch, real *state);
    /* One step of one sample, reading the layer only (streams share a
     * model across threads). Its input is either the row x [in] (the layer
     * projects it, or folds x W into its fused step; proj is then room for
     * gates * units floats), or with x NULL the projection bias + x W
     * already in proj [gates * units] (rl__layer_project; a window stream
     * caches it). proj may be overwritten, but not by kinds with row_head
     * (their fused step starts its chains from proj and only reads it: a
     * window stream passes its cache row itself). state [state_len] is advanced
     * in place (fresh: it is the zero state, skip h U as forward does) ->
     * out [units]. scratch holds step_scratch() floats. rec_packed is
     * NULL or U as rl__layer_row_pack lays it out (a layer may ignore it).
     * head is NULL, or (kinds with row_head only) the next layer, a Dense
     * layer of at most rl__row_head_max() units, stepped on out in the same
     * call into head_out. flip: an odd step (rl_row_step.flip: the order
     * of the product's passes, never its bits). Same bits as forward's
     * step. */
    size_t (*step_scratch)(const rl_layer *l);
    void (*recur)(const rl_layer *l, const rl_compute *cx, const real *x, real *proj,
                  const real *rec_packed, const rl_layer *head, real *head_out, real *state,
                  int fresh, int flip, real *out, real *scratch);
    int row_head;        /* recur takes a Dense head */
    /* Given dy (same shape as l->out; may be overwritten), set l->grad and,
     * when dx is not NULL, dx [in_steps][batch][in]. Needs the forward's caches. */
    void (*backward)(rl_layer *l, const rl_compute *cx, const real *x, real *dy,
                     real *dx, size_t batch);
} rl_layer_ops;

struct rl_layer {
    const rl_layer_ops *ops;
    size_t in, units;
    size_t in_steps;      /* steps of the input sequence (1 for Dense on a vector) */
    size_t out_steps;     /* in_steps, or 1 when a recurrent layer returns its last state */
    rl_activation act, rec_act;
    int return_sequences;
    /* Set by the passes before each forward: no backward follows (predict,
     * evaluate), so the caches that only the backward reads (LSTM gates and
     * act(c), GRU gates and h U + b_rec) may take one step's slot for every
     * step: they stay in cache instead of streaming T steps of fresh lines. */
    int forward_only;
    /* Set by the passes before each forward: the model's weights_gen (its
     * count of weight changes). A forward-only pass keeps the fused step's
     * packed weights in ws between calls while they are of this generation
     * (packed_key; rl__step_pack_kept). */
    uint64_t weights_gen;
    rl_pack_key packed_key;
    /* Set by the passes before each forward: forward's x is the caller's
     * samples [batch][in_steps][in] instead of time-major; set only for a
     * layer with ops->folds_input whose step folds its input. */
    int x_sample_major;
    /* Set by the layer's forward: it started from the zero state (no
     * state0), so the weight gradient's rows of h_{-1} (step 0) are zero
     * products and rl__weight_grad skips them. A stateful model carrying
     * a state keeps them. */
    int state0_zero;
    /* Set by a recurrent layer's forward: the row shares its steps' arrays
     * were laid out by (rl__layer_shares; 1: the dense layout). */
    size_t shares_used;

    real *w, *grad;       /* n_w each */
    size_t n_w;

    size_t cap_batch;     /* batch the workspace is sized for */
    int regions;          /* ... and whether with the room by row shares */
    real *ws;             /* layer-defined caches, ops->workspace() floats */
    real *out;            /* points into ws */
};

const rl_layer_ops *rl__layer_ops(rl_layer_kind kind);

/* Fills the shape fields and n_w; no allocation. Returns 0 on a size overflow. */
int rl__layer_init(rl_layer *l, rl_layer_kind kind, size_t in, size_t in_steps, size_t units,
                   rl_activation act, rl_activation rec_act, int return_sequences);

/* The tensors inside w, as ops->tensors lists them: their offsets and
 * float counts; returns ops->n_tensors. */
size_t rl__layer_tensors(const rl_layer *l, size_t offset[RL_LAYER_MAX_TENSORS],
                         size_t count[RL_LAYER_MAX_TENSORS]);
/* Rows of tensor t of a layer (columns: gates * units). */
size_t rl__layer_tensor_rows(const rl_layer *l, size_t t);

/* A layer owns its weights, their gradients and its workspace: these
 * functions are the only ones that allocate or free them. */
/* w and grad, n_w each, zero-filled. RL_E_NOMEM leaves what was had for
 * rl__layer_free. */
rl_status rl__layer_alloc_weights(rl_layer *l);
/* Workspace sized for at least `batch`, with the room by row shares when
 * `regions` (ops->workspace); allocates only when batch grows or regions
 * changes. */
rl_status rl__layer_reserve(rl_layer *l, size_t batch, int regions);
/* The row shares a forward of l lays its steps' arrays out by
 * (compute.h rl_shares), its steps being s's with x_folded (the input when
 * it is folded into the step, else NULL): rl__step_shares for a
 * forward-only pass whose workspace has the room (l->regions), else one
 * share (the dense arrays; a fit's backward and the products over all
 * rows read those). Returns whether there are several (the steps then
 * run on the regions); sets l->shares_used. */
int rl__layer_shares(rl_layer *l, const rl_compute *cx, const rl_cell_step *s,
                     const real *x_folded, unsigned gates, rl_shares *sh);
/* Drops the workspace (the next pass reserves it again); weights stay. */
void rl__layer_release_workspace(rl_layer *l);
/* Weights, gradients and workspace; a layer without them is harmless. */
void rl__layer_free(rl_layer *l);

/* The input part of one step, proj [gates * units] = bias (GRU: its input
 * row) + x W: it depends on x alone, so a window stream computes it once per
 * observation. Then ops->recur (with x NULL) finishes the step. */
void rl__layer_project(const rl_layer *l, const rl_compute *cx, const real *x, real *proj);

/* A copy of a recurrent layer's U for the one-row step: rows padded to
 * rl_row_rec_ld(G u) floats (kernels/row_step.h), so that in a 64-byte
 * aligned copy every vector load is aligned. Its length in floats (0 for
 * a layer without U, or where the copy does not pay on this CPU,
 * rl__row_pack_pays: the step then reads U in place; a multiple of 16),
 * and the copy itself. */
size_t rl__layer_row_pack_len(const rl_layer *l);
void rl__layer_row_pack(const rl_layer *l, real *dst);

/* Floats of one row's recurrent state (0 for Dense). */
static inline size_t rl__layer_state_len(const rl_layer *l)
{
    return l->ops->state_vectors * l->units;
}

/* Output length of one sample, in floats. */
static inline size_t rl__layer_out_len(const rl_layer *l)
{
    return l->out_steps * l->units;
}

/* Sum of n sizes; 0 when ok is 0 or the sum overflows (workspace sizing). */
size_t rl__sum_sizes(const size_t *n, size_t count, int ok);

/* Room in a recurrent layer's workspace for the fused step's packed weights
 * (rl__step_pack, compute.h) with the slack to align them, clearing *ok on
 * overflow; and the aligned start of that room, which begins at p. */
size_t rl__layer_pack_floats(const rl_layer *l, unsigned gates, int *ok);
real *rl__layer_pack_area(real *p);

/* Dense-style helpers shared by the recurrent layers. */
/* rows of c[rows][n] = bias[n] (broadcast); split over rows on cx's pool
 * when large. */
void rl__fill_rows(const rl_compute *cx, real *restrict c, const real *restrict bias, size_t rows,
                   size_t n);
/* acc[n] += column sums of d[rows][n]; split over columns on cx's pool when
 * large, each column summed in row order whoever sums it. */
void rl__add_col_sums(const rl_compute *cx, real *restrict acc, const real *restrict d,
                      size_t rows, size_t n);

/* The input side of every recurrent kind's backward, given dz [rows][g]
 * (rows = steps * batch, g = gates * units), the gradient of x W + b:
 * g_kernel = x^T dz, g_bias = column sums of dz and, when dx is not NULL,
 * dx = dz W^T through wt (room for W^T packed: rl__packed_size(g, in)).
 * g_bias lies after g_kernel in one array (the recurrent kinds' gradient:
 * kernel, recurrent kernel, bias), as row 1 of a product. scratch: room for
 * rl__input_backward_scratch(l, rows) reals, which is also enough for the
 * recurrent kernel's gradient h^T dz by rl__gemm_at (m = units) before. */
void rl__input_backward(const rl_layer *l, const rl_compute *cx, const real *x, const real *dz,
                        size_t rows, real *g_kernel, real *g_bias, real *wt, real *dx,
                        real *scratch);
size_t rl__input_backward_scratch(const rl_layer *l, size_t rows, int *ok);

/* The dx part of rl__input_backward alone (nothing when dx is NULL), for
 * the kinds whose kernel and bias gradients ride in one product with the
 * recurrent kernel's ([x^T; h^T; 1] dz, rl__gemm_at_rows). */
void rl__input_dx(const rl_layer *l, const rl_compute *cx, const real *dz, size_t rows,
                  real *wt, real *dx);

#endif
