/* A layer of the sequential stack. Sequences inside the library are stored
 * time-major, [steps][batch][features], so that one time step of a batch is
 * a contiguous matrix and the products over all steps are single calls.
 *
 * Weights live in one flat array in Keras get_weights() order:
 *   kernel [in][G*units], recurrent kernel [units][G*units] (recurrent
 *   layers), bias [bias_rows][G*units]
 * with G gates (Dense, SimpleRNN 1; LSTM 4; GRU 3) and bias_rows 2 for GRU
 * (input bias, recurrent bias), else 1. */
#ifndef RL_LAYER_H
#define RL_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "compute.h"
#include "real.h"
#include "rnnlite/rnnlite.h"

typedef enum rl_layer_kind {   /* stored in model files: never renumber */
    RL_LAYER_DENSE = 0,
    RL_LAYER_SIMPLE_RNN = 1,
    RL_LAYER_LSTM = 2,
    RL_LAYER_GRU = 3,
    RL_LAYER_KIND_COUNT
} rl_layer_kind;

typedef struct rl_layer rl_layer;

typedef struct rl_layer_ops {
    rl_layer_kind kind;
    const char *name;
    size_t gates;        /* G */
    size_t bias_rows;
    int recurrent;
    /* Floats of workspace for a batch (caches kept from forward to backward). */
    size_t (*workspace)(const rl_layer *l, size_t batch);
    /* x [in_steps][batch][in] -> l->out [out_steps][batch][units]. */
    void (*forward)(rl_layer *l, const rl_compute *cx, const real *x, size_t batch);
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

    real *w, *grad;       /* n_w each */
    size_t n_w;

    size_t cap_batch;     /* batch the workspace is sized for */
    real *ws;             /* layer-defined caches, ops->workspace() floats */
    real *out;            /* points into ws */
};

const rl_layer_ops *rl__layer_ops(rl_layer_kind kind);

/* Fills the shape fields and n_w; no allocation. Returns 0 on a size overflow. */
int rl__layer_init(rl_layer *l, rl_layer_kind kind, size_t in, size_t in_steps, size_t units,
                   rl_activation act, rl_activation rec_act, int return_sequences);

/* The tensors inside w (kernel, recurrent kernel, bias): up to 3, as Keras lists them. */
size_t rl__layer_tensors(const rl_layer *l, size_t offset[3], size_t count[3]);

/* A layer owns its weights, their gradients and its workspace: these
 * functions are the only ones that allocate or free them. */
/* w and grad, n_w each, zero-filled. RL_E_NOMEM leaves what was had for
 * rl__layer_free. */
rl_status rl__layer_alloc_weights(rl_layer *l);
/* Workspace sized for at least `batch`; allocates only when batch grows. */
rl_status rl__layer_reserve(rl_layer *l, size_t batch);
/* Drops the workspace (the next pass reserves it again); weights stay. */
void rl__layer_release_workspace(rl_layer *l);
/* Weights, gradients and workspace; a layer without them is harmless. */
void rl__layer_free(rl_layer *l);

/* Output length of one sample, in floats. */
static inline size_t rl__layer_out_len(const rl_layer *l)
{
    return l->out_steps * l->units;
}

/* Sum of n sizes; 0 when ok is 0 or the sum overflows (workspace sizing). */
size_t rl__sum_sizes(const size_t *n, size_t count, int ok);

/* Dense-style helpers shared by the recurrent layers. */
/* rows of c[rows][n] = bias[n] (broadcast). */
void rl__fill_rows(real *restrict c, const real *restrict bias, size_t rows, size_t n);
/* acc[n] += column sums of d[rows][n]. */
void rl__add_col_sums(real *restrict acc, const real *restrict d, size_t rows, size_t n);

#endif
