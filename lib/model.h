/* The model behind the opaque handle. Only model.c, the api_*.c files and
 * io.c (the file format) see this layout. */
#ifndef RL_MODEL_H
#define RL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "compute.h"
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
    rl_optimizer opt;
    rl_loss loss;
    uint64_t opt_steps;        /* optimiser iterations so far (Adam's t) */
    rl_rng rng;                /* shuffling; seeded at compile */

    float *hist_loss, *hist_val;
    size_t hist_n, hist_cap;
    rl_epoch_callback callback;
    void *callback_user;

    rl_scaler *scaler;         /* attached copy, saved with the model; may be NULL */

    rl_compute cx;
    unsigned pool_threads;     /* threads cx.pool was made for (1: no pool) */

    /* Batch buffers, grown on demand, never inside the training loop. */
    size_t cap_batch;
    float *xb, *yb;            /* time-major input and target of a batch */
    float *grad_a, *grad_b;    /* ping-pong gradients between layers */
    size_t cap_samples;
    size_t *order;             /* sample permutation of an epoch */

    char err[256];
};

/* Implemented in model.c. Argument checks are done by the callers (api_*.c). */
rl_status rl__model_compile(rl_model *m);
rl_status rl__model_fit(rl_model *m, const float *x, const float *y, size_t n, size_t epochs,
                        size_t batch);
rl_status rl__model_predict(rl_model *m, const float *x, size_t n, float *y);
rl_status rl__model_evaluate(rl_model *m, const float *x, const float *y, size_t n, double *loss);
size_t rl__model_out_len(const rl_model *m);     /* floats of one sample's output */
rl_status rl__model_set_threads(rl_model *m, unsigned threads);
void rl__model_free_buffers(rl_model *m);

/* Formats a message into m->err; returns s for `return rl__fail(m, s, ...)`. */
rl_status rl__fail(const rl_model *m, rl_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
