/* The model behind the opaque handle. passes.c, the api_*.c files, the file
 * format (io_format_*.c) and the modules that run a model on raw data
 * (forecast.c, stream*.c, units.c) read this layout; only model.c allocates
 * or frees what it points to (lib/README.md, "Who owns what"). */
#ifndef RL_MODEL_H
#define RL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "compute.h"
#include "error.h"
#include "layer.h"
#include "rng.h"
#include "rnnlite/rnnlite.h"

#define RL_MAX_LAYERS 64
#define RL_MAX_UNITS 65536
#define RL_MAX_STEPS 100000
#define RL_MAX_FEATURES 65536
#define RL_MAX_THREADS 64

typedef struct rl_layer_slots {
    float *slot[2];            /* per layer: Adam m, v / RMSprop velocity, momentum / SGD momentum */
} rl_layer_slots;

struct rl_model {
    size_t time_steps, n_features;
    rl_layer layers[RL_MAX_LAYERS];
    rl_layer_slots slots[RL_MAX_LAYERS];
    float *best[RL_MAX_LAYERS];  /* early stopping's best weights, allocated on first use */
    size_t n_layers;

    double params[RL_PARAM_COUNT];
    unsigned params_set;       /* bit p: set by the user (else the optimiser's default) */
    int compiled;
    int skip_init;             /* compile leaves weights zero: a load fills them */
    rl_optimizer opt;
    rl_loss loss;
    uint64_t opt_steps;        /* optimiser iterations so far (Adam's t) */
    /* Counts changes of any layer's weights (rl__model_weights_changed), so
     * that what is derived from them -- a stream's packed copy of U -- can
     * tell it is stale without reading them. */
    uint64_t weights_gen;
    rl_rng rng;                /* shuffling; seeded at compile */

    float *hist_loss, *hist_val;
    size_t hist_n, hist_cap;
    rl_epoch_callback callback;
    void *callback_user;

    rl_scaler *scaler;         /* attached copy, saved with the model; may be NULL */
    size_t *targets;           /* rl_model_set_targets columns, owned; NULL = every column */
    size_t n_targets;          /* 0 = never set */
    rl_transform *transform;   /* attached pipeline (transform.h); NULL, or set instead of scaler */

    rl_compute cx;
    unsigned pool_threads;     /* RL_PARAM_THREADS cx.pool was made for (1: no pool) */
    int placement;             /* rl_thread_placement of the pool */
    rl_parallel_for_fn host_for;   /* the host's parallel-for, or NULL: our own pool */
    void *host_user;
    size_t host_concurrency;

    /* Batch buffers, grown on demand, never inside the training loop. */
    size_t cap_batch;
    int ws_regions;            /* the layers' workspaces have their rooms by row shares */
    float *xb, *yb;            /* time-major input and target of a batch */
    float *grad_a, *grad_b;    /* ping-pong gradients between layers */
    size_t cap_samples;
    size_t *order;             /* sample permutation of an epoch */

    /* Stateful models (RL_PARAM_STATEFUL): every layer's state per batch
     * row, [state_rows][state_len]; Dense layers have none. */
    float *states[RL_MAX_LAYERS];
    size_t state_rows;         /* rows the states belong to (0: none yet) */
    size_t cap_state_rows;
    int states_fresh;          /* all zero: the next pass starts from the zero state */

    rl_error err;              /* rl_model_last_error(); written through error.h only */
};

/* Implemented in model.c, which owns every block the model points to:
 * layers (through layer.c), optimiser slots, early-stopping copies, batch
 * buffers, history, the shuffle order, the worker pool and the attached
 * scaler copy or transform pipeline and the target columns. Each is created here and freed only by rl__model_destroy (or
 * by the call that failed to finish making it). Argument checks and messages
 * for bad arguments are the callers' (api_*.c); these functions record a
 * message only for what arises inside them (a diverged fit, no memory). */
rl_status rl__model_new(rl_model **out, size_t time_steps, size_t n_features);
void rl__model_destroy(rl_model *m);   /* NULL is harmless */

/* Appends a layer fed by the last one (or the input); no allocation.
 * RL_E_NOMEM when its weight count overflows. */
rl_status rl__model_add_layer(rl_model *m, rl_layer_kind kind, size_t units, rl_activation act,
                              rl_activation rec_act, int return_sequences);
/* Weights (initialised), gradients and optimiser slots; on RL_E_NOMEM the
 * model is left uncompiled, as it was. */
rl_status rl__model_compile(rl_model *m, rl_optimizer opt, rl_loss loss);
/* Stores a checked value; RL_PARAM_THREADS also resizes the worker pool. */
rl_status rl__model_set_param(rl_model *m, rl_param p, double value);
void rl__model_set_callback(rl_model *m, rl_epoch_callback cb, void *user);
/* Rebuilds the pool for a new placement or host parallel-for (fn NULL: our
 * own threads again); on failure the old pool stays. */
rl_status rl__model_set_placement(rl_model *m, int placement);
rl_status rl__model_set_parallel_for(rl_model *m, rl_parallel_for_fn fn, void *user,
                                     size_t concurrency);
/* Bytes compile allocates for weights and gradients, for the optimiser
 * slots, and a pass over `batch` samples for its buffers (what
 * reserve_batch takes); RL_E_NOMEM when a size overflows. */
rl_status rl__model_memory(const rl_model *m, size_t batch, size_t *weights, size_t *optimizer,
                           size_t *workspace);
/* Threads a product is shared by now (1: no pool). */
size_t rl__model_threads_in_use(const rl_model *m);
/* Copies of a layer's weights in (checked finite by the caller) and out. */
void rl__model_set_weights(rl_model *m, size_t layer, const float *w);
void rl__model_get_weights(const rl_model *m, size_t layer, float *w);
/* Copies up to capacity epochs (loss or val_loss may be NULL); returns the
 * number of epochs recorded. */
size_t rl__model_history(const rl_model *m, float *loss, float *val_loss, size_t capacity);
/* Attaches a copy of s (NULL detaches); RL_E_NOMEM keeps the old one. */
rl_status rl__model_set_scaler(rl_model *m, const rl_scaler *s);
/* Attaches s itself, which the model now owns (the file reader's scaler). */
void rl__model_adopt_scaler(rl_model *m, rl_scaler *s);
/* The same for a transform pipeline (transform.h); attaching one (not NULL)
 * detaches the scaler and attaching a scaler detaches the pipeline. */
rl_status rl__model_set_transform(rl_model *m, const rl_transform *t);
void rl__model_adopt_transform(rl_model *m, rl_transform *t);
/* Replaces the target columns with a copy of columns[n] (checked by the
 * caller); RL_E_NOMEM keeps the old ones. */
rl_status rl__model_set_targets(rl_model *m, const size_t *columns, size_t n);

/* Memory of the passes (passes.c), made here so that model.c owns it. Each
 * grows only; on failure the model keeps what it had.
 * reserve_batch: batch buffers and layer workspaces for `batch` samples;
 * reserve_fit: those for `rows` samples at a time, the shuffle order of
 *   n_train samples, history for `epochs`, early-stopping copies when asked;
 * use_state_rows: a stateful model's states for `rows` batch rows (another
 *   count than before starts from the zero state). */
rl_status rl__model_reserve_batch(rl_model *m, size_t batch);
rl_status rl__model_reserve_fit(rl_model *m, size_t n_train, size_t rows, size_t epochs,
                                int keep_best);
rl_status rl__model_use_state_rows(rl_model *m, size_t rows);

static inline const rl_layer *rl__model_last_layer(const rl_model *m)
{
    return &m->layers[m->n_layers - 1];
}

/* The passes over data (passes.c); the caller's thread is placed for the
 * worker pool around each. */
rl_status rl__model_fit(rl_model *m, const float *x, const float *y, size_t n, size_t epochs,
                        size_t batch);
rl_status rl__model_predict(rl_model *m, const float *x, size_t n, float *y);
rl_status rl__model_evaluate(rl_model *m, const float *x, const float *y, size_t n, double *loss);
size_t rl__model_out_len(const rl_model *m);     /* floats of one sample's output */
/* Zero state for every row (rl_model_reset_states, each stateful epoch). */
void rl__model_reset_states(rl_model *m);
int rl__model_stateful(const rl_model *m);

/* Every write to a layer's weights (compile's initialisation, an
 * optimiser step, early stopping's restore, rl_model_set_weights, a load)
 * calls this afterwards. */
static inline void rl__model_weights_changed(rl_model *m)
{
    m->weights_gen++;
}

#endif
