/* The public model API: argument checks, a status and a message, then one
 * call into model.c, which owns everything the model holds. Nothing is
 * changed when a check fails. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "activation.h"
#include "alloc.h"
#include "api_model.h"
#include "error.h"
#include "finite.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "params.h"
#include "scaler.h"
#include "stream.h"
#include "transform.h"

#define CHECK_MODEL(m)                                                                         \
    do {                                                                                       \
        if (!(m))                                                                              \
            return RL_E_INVALID;                                                               \
        rl__clear_error(m);                                                                    \
    } while (0)

rl_status rl_model_create(rl_model **out, size_t time_steps, size_t n_features)
{
    if (!out)
        return RL_E_INVALID;
    *out = NULL;
    if (time_steps == 0 || n_features == 0 || time_steps > RL_MAX_STEPS ||
        n_features > RL_MAX_FEATURES)
        return RL_E_INVALID;
    return rl__model_new(out, time_steps, n_features);
}

void rl_model_destroy(rl_model *m)
{
    rl__model_destroy(m);
}

/* Whether the stack so far ends in a sequence (what a recurrent layer needs). */
static int ends_in_sequence(const rl_model *m)
{
    int seq = 1;
    for (size_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].ops->recurrent)
            seq = m->layers[i].return_sequences;
    return seq;
}

rl_status rl__api_add_layer(rl_model *m, rl_layer_kind kind, size_t units, rl_activation act,
                            rl_activation rec_act, int return_sequences)
{
    CHECK_MODEL(m);
    const rl_layer_ops *ops = rl__layer_ops(kind);
    if (m->compiled)
        return rl__fail(m, RL_E_STATE, "cannot add a layer after rl_model_compile");
    if (m->n_layers == RL_MAX_LAYERS)
        return rl__fail(m, RL_E_INVALID, "a model holds at most %d layers", RL_MAX_LAYERS);
    if (units == 0 || units > RL_MAX_UNITS)
        return rl__fail(m, RL_E_INVALID, "units must be 1..%d, got %zu", RL_MAX_UNITS, units);
    if (!rl__activation_valid((int)act) || !rl__activation_valid((int)rec_act))
        return rl__fail(m, RL_E_INVALID,
                        "unknown activation %d",
                        (int)(rl__activation_valid((int)act) ? rec_act : act));
    if (ops->recurrent && !ends_in_sequence(m))
        return rl__fail(m, RL_E_SHAPE,
                        "a %s layer needs a sequence, but layer %zu returns only its last state "
                        "(add it with return_sequences=1)", ops->name, m->n_layers - 1);
    if (rl__model_add_layer(m, kind, units, act, rec_act, return_sequences) != RL_OK)
        return rl__fail(m, RL_E_NOMEM, "layer of %zu units is too large", units);
    return RL_OK;
}

rl_status rl_model_add_simple_rnn(rl_model *m, size_t units, rl_activation activation,
                                  int return_sequences)
{
    return rl__api_add_layer(m, RL_LAYER_SIMPLE_RNN,
                             units, activation, RL_ACT_LINEAR, return_sequences);
}

rl_status rl_model_add_lstm(rl_model *m, size_t units, rl_activation activation,
                            rl_activation recurrent_activation, int return_sequences)
{
    return rl__api_add_layer(m, RL_LAYER_LSTM,
                             units, activation, recurrent_activation, return_sequences);
}

rl_status rl_model_add_gru(rl_model *m, size_t units, rl_activation activation,
                           rl_activation recurrent_activation, int return_sequences)
{
    return rl__api_add_layer(m, RL_LAYER_GRU,
                             units, activation, recurrent_activation, return_sequences);
}

rl_status rl_model_add_gru_reset_before(rl_model *m, size_t units, rl_activation activation,
                                        rl_activation recurrent_activation, int return_sequences)
{
    return rl__api_add_layer(m, RL_LAYER_GRU_RESET_BEFORE, units, activation,
                             recurrent_activation, return_sequences);
}

rl_status rl_model_add_dense(rl_model *m, size_t units, rl_activation activation)
{
    return rl__api_add_layer(m, RL_LAYER_DENSE, units, activation, RL_ACT_LINEAR, 0);
}

rl_status rl_model_set_param(rl_model *m, rl_param p, double value)
{
    CHECK_MODEL(m);
    rl_status s = rl__param_check(p, value);
    if (s != RL_OK)
        return rl__fail(m, s, "%s: %g is out of range or not allowed", rl_param_name(p), value);
    if (p == RL_PARAM_SEED && m->compiled)
        return rl__fail(m, RL_E_STATE, "seed must be set before rl_model_compile");
    s = rl__model_set_param(m, p, value);
    if (s != RL_OK)
        return rl__fail(m, s, "could not start %u worker threads", (unsigned)value);
    return RL_OK;
}

rl_status rl_model_reset_states(rl_model *m)
{
    CHECK_MODEL(m);
    rl__model_reset_states(m);
    return RL_OK;
}

rl_status rl_model_get_param(const rl_model *m, rl_param p, double *value)
{
    if (!m)
        return RL_E_INVALID;
    if (!value)
        return rl__fail(m, RL_E_INVALID, "rl_model_get_param: value is NULL");
    if ((unsigned)p >= RL_PARAM_COUNT)
        return rl__fail(m, RL_E_INVALID, "unknown parameter %d", (int)p);
    *value = m->params[p];
    return RL_OK;
}

rl_status rl_model_compile(rl_model *m, rl_optimizer opt, rl_loss loss)
{
    CHECK_MODEL(m);
    if (m->compiled)
        return rl__fail(m, RL_E_STATE, "the model is compiled already");
    if (m->n_layers == 0)
        return rl__fail(m, RL_E_STATE, "add at least one layer before rl_model_compile");
    if (!rl__optim_valid((int)opt))
        return rl__fail(m, RL_E_INVALID, "unknown optimizer %d", (int)opt);
    if (!rl__loss_valid((int)loss))
        return rl__fail(m, RL_E_INVALID, "unknown loss %d", (int)loss);
    rl_status s = rl__model_compile(m, opt, loss);
    if (s != RL_OK)
        return rl__fail(m, s, "out of memory for the weights");
    return RL_OK;
}

rl_status rl_model_set_epoch_callback(rl_model *m, rl_epoch_callback cb, void *user_data)
{
    CHECK_MODEL(m);
    rl__model_set_callback(m, cb, user_data);
    return RL_OK;
}

rl_status rl_model_set_thread_placement(rl_model *m, rl_thread_placement placement)
{
    CHECK_MODEL(m);
    if ((int)placement < RL_PLACE_FREE || (int)placement > RL_PLACE_WORKERS_AND_CALLER)
        return rl__fail(m, RL_E_INVALID, "unknown thread placement %d", (int)placement);
    rl_status s = rl__model_set_placement(m, (int)placement);
    return s == RL_OK ? s : rl__fail(m, s, "could not restart the worker threads");
}

rl_status rl_model_set_parallel_for(rl_model *m, rl_parallel_for_fn fn, void *user,
                                    size_t concurrency)
{
    CHECK_MODEL(m);
    if (fn && (concurrency < 1 || concurrency > RL_MAX_THREADS))
        return rl__fail(m, RL_E_INVALID, "rl_model_set_parallel_for: concurrency %zu (1..%d)",
                        concurrency, RL_MAX_THREADS);
    rl_status s = rl__model_set_parallel_for(m, fn, user, concurrency);
    return s == RL_OK ? s : rl__fail(m, s, "out of memory for the parallel-for hook");
}

rl_status rl_model_memory_needed(const rl_model *m, size_t batch_size, size_t *weights,
                                 size_t *optimizer, size_t *workspace)
{
    if (!m)
        return RL_E_INVALID;
    if (batch_size == 0)
        return rl__fail(m, RL_E_INVALID, "rl_model_memory_needed: batch_size is 0");
    if (m->n_layers == 0)
        return rl__fail(m, RL_E_STATE, "rl_model_memory_needed: add the layers first");
    size_t w, o, ws;
    rl_status s = rl__model_memory(m, batch_size, &w, &o, &ws);
    if (s != RL_OK)
        return rl__fail(m, s, "rl_model_memory_needed: batch %zu overflows the address space",
                        batch_size);
    if (weights)
        *weights = w;
    if (optimizer)
        *optimizer = o;
    if (workspace)
        *workspace = ws;
    return RL_OK;
}

rl_status rl_stream_memory_needed(const rl_model *m, rl_stream_mode mode, size_t *bytes)
{
    if (!m)
        return RL_E_INVALID;
    if (!bytes)
        return rl__fail(m, RL_E_INVALID, "rl_stream_memory_needed: bytes is NULL");
    if ((int)mode != RL_STREAM_WINDOW && (int)mode != RL_STREAM_STATEFUL)
        return rl__fail(m, RL_E_INVALID, "rl_stream_memory_needed: unknown mode %d", (int)mode);
    if (!m->compiled)
        return rl__fail(m, RL_E_STATE, "rl_stream_memory_needed: compile (or load) the model first");
    rl_stream shape = { 0 };
    rl_status s = rl__stream_shape(&shape, m, mode);
    if (s != RL_OK)
        return s;
    size_t block = rl__block_bytes(rl__stream_block_len(&shape), sizeof(float));
    size_t handle = rl__block_bytes(1, sizeof shape);
    if (block == 0 || block > SIZE_MAX - handle)
        return rl__fail(m, RL_E_NOMEM, "rl_stream_memory_needed: the stream overflows size_t");
    *bytes = handle + block;
    return RL_OK;
}

rl_status rl_model_threads_in_use(const rl_model *m, size_t *threads)
{
    if (!m)
        return RL_E_INVALID;
    if (!threads)
        return rl__fail(m, RL_E_INVALID, "rl_model_threads_in_use: threads is NULL");
    *threads = rl__model_threads_in_use(m);
    return RL_OK;
}

rl_status rl_model_layer_count(const rl_model *m, size_t *count)
{
    if (!m)
        return RL_E_INVALID;
    if (!count)
        return rl__fail(m, RL_E_INVALID, "rl_model_layer_count: count is NULL");
    *count = m->n_layers;
    return RL_OK;
}

rl_status rl_model_input_shape(const rl_model *m, size_t *time_steps, size_t *n_features)
{
    if (!m)
        return RL_E_INVALID;
    if (!time_steps || !n_features)
        return rl__fail(m, RL_E_INVALID, "rl_model_input_shape: an output pointer is NULL");
    *time_steps = m->time_steps;
    *n_features = m->n_features;
    return RL_OK;
}

rl_status rl_model_output_shape(const rl_model *m, size_t *steps, size_t *units)
{
    if (!m)
        return RL_E_INVALID;
    if (!steps || !units)
        return rl__fail(m, RL_E_INVALID, "rl_model_output_shape: an output pointer is NULL");
    if (m->n_layers == 0)
        return rl__fail(m, RL_E_STATE, "the model has no layer yet");
    *steps = m->layers[m->n_layers - 1].out_steps;
    *units = m->layers[m->n_layers - 1].units;
    return RL_OK;
}

rl_status rl_model_weight_count(const rl_model *m, size_t layer, size_t *count)
{
    if (!m)
        return RL_E_INVALID;
    if (!count)
        return rl__fail(m, RL_E_INVALID, "rl_model_weight_count: count is NULL");
    if (layer >= m->n_layers)
        return rl__fail(m, RL_E_INVALID, "layer %zu does not exist (%zu layers)", layer,
                        m->n_layers);
    *count = m->layers[layer].n_w;
    return RL_OK;
}

static rl_status check_weights_call(const rl_model *m, size_t layer, const float *w, size_t count)
{
    if (!w)
        return rl__fail(m, RL_E_INVALID, "weights pointer is NULL");
    if (layer >= m->n_layers)
        return rl__fail(m, RL_E_INVALID, "layer %zu does not exist (%zu layers)", layer,
                        m->n_layers);
    if (!m->compiled)
        return rl__fail(m, RL_E_STATE, "weights exist only after rl_model_compile");
    if (count != m->layers[layer].n_w)
        return rl__fail(m, RL_E_SHAPE, "layer %zu has %zu weights, got %zu", layer,
                        m->layers[layer].n_w, count);
    return RL_OK;
}

rl_status rl_model_set_weights(rl_model *m, size_t layer, const float *w, size_t count)
{
    CHECK_MODEL(m);
    rl_status s = check_weights_call(m, layer, w, count);
    if (s != RL_OK)
        return s;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(w[i]))
            return rl__fail(m, RL_E_NUMERIC, "weight %zu of layer %zu is not finite", i, layer);
    rl__model_set_weights(m, layer, w);
    return RL_OK;
}

rl_status rl_model_get_weights(const rl_model *m, size_t layer, float *w, size_t count)
{
    if (!m)
        return RL_E_INVALID;
    rl_status s = check_weights_call(m, layer, w, count);
    if (s != RL_OK)
        return s;
    rl__model_get_weights(m, layer, w);
    return RL_OK;
}

rl_status rl_model_history(const rl_model *m, float *loss, float *val_loss, size_t capacity,
                           size_t *n_epochs)
{
    if (!m)
        return RL_E_INVALID;
    if (!n_epochs)
        return rl__fail(m, RL_E_INVALID, "rl_model_history: n_epochs is NULL");
    *n_epochs = rl__model_history(m, loss, val_loss, capacity);
    return RL_OK;
}

const char *rl_model_last_error(const rl_model *m)
{
    return m ? rl__error_text(m) : "no model (NULL handle)";
}

/* ---- data calls ---------------------------------------------------------- */

/* The checks read every input float before each fit/predict/evaluate: at
 * I = 64 the early-exit scalar loop cost 3-4 % of a 50-step forward. So a
 * block at a time, branch-free (finite.h), and the exact index searched
 * only in a block that has one. */
/* Index of the first float of p[0, n) that is not finite, or n. */
static size_t first_nonfinite(const float *p, size_t n)
{
    enum { BLOCK = 4096 };
    for (size_t b = 0; b < n; b += BLOCK) {
        const size_t e = n - b < BLOCK ? n - b : BLOCK;
        if (!rl__all_finite(p + b, e))
            for (size_t i = b; i < b + e; i++)
                if (!isfinite(p[i]))
                    return i;
    }
    return n;
}

/* Common checks of fit/predict/evaluate: sizes, state, finiteness. */
static rl_status check_data(rl_model *m, const float *x, const float *y, size_t n,
                            const char *fn)
{
    if (!x)
        return rl__fail(m, RL_E_INVALID, "%s: x is NULL", fn);
    if (n == 0)
        return rl__fail(m, RL_E_INVALID, "%s: n_samples is 0", fn);
    if (!m->compiled)
        return rl__fail(m, RL_E_STATE, "%s: call rl_model_compile first", fn);
    int ok = 1;
    size_t x_len = rl__mul(rl__mul(n, m->time_steps, &ok), m->n_features, &ok);
    size_t y_len = rl__mul(n, rl__model_out_len(m), &ok);
    if (!ok)
        return rl__fail(m, RL_E_NOMEM, "%s: %zu samples overflow the address space", fn, n);
    /* Say where, in the caller's coordinates: sample, time step, column. */
    size_t row = m->time_steps * m->n_features, out = rl__model_out_len(m);
    size_t i = first_nonfinite(x, x_len);
    if (i < x_len)
        return rl__fail(m, RL_E_NUMERIC,
                        "%s: x[%zu] (sample %zu, step %zu, column %zu) is not finite", fn, i,
                        i / row, i % row / m->n_features, i % m->n_features);
    if (y && (i = first_nonfinite(y, y_len)) < y_len)
        return rl__fail(m, RL_E_NUMERIC, "%s: y[%zu] (sample %zu, output %zu) is not finite",
                        fn, i, i / out, i % out);
    return RL_OK;
}

rl_status rl_fit(rl_model *m, const float *x, const float *y, size_t n_samples, size_t epochs,
                 size_t batch_size)
{
    CHECK_MODEL(m);
    if (!y)
        return rl__fail(m, RL_E_INVALID, "rl_fit: y is NULL");
    if (epochs == 0 || batch_size == 0)
        return rl__fail(m, RL_E_INVALID, "rl_fit: epochs and batch_size must be >= 1");
    rl_status s = check_data(m, x, y, n_samples, "rl_fit");
    if (s != RL_OK)
        return s;
    s = rl__model_fit(m, x, y, n_samples, epochs, batch_size);
    return s;
}

rl_status rl_predict(rl_model *m, const float *x, size_t n_samples, float *y, size_t y_len)
{
    CHECK_MODEL(m);
    if (!y)
        return rl__fail(m, RL_E_INVALID, "rl_predict: y is NULL");
    rl_status s = check_data(m, x, NULL, n_samples, "rl_predict");
    if (s != RL_OK)
        return s;
    size_t need = n_samples * rl__model_out_len(m);
    if (y_len < need)
        return rl__fail(m, RL_E_SHAPE, "rl_predict: y holds %zu floats, %zu needed", y_len, need);
    s = rl__model_predict(m, x, n_samples, y);
    return s;
}

rl_status rl_evaluate(rl_model *m, const float *x, const float *y, size_t n_samples, float *loss)
{
    CHECK_MODEL(m);
    if (!y || !loss)
        return rl__fail(m, RL_E_INVALID, "rl_evaluate: y and loss must not be NULL");
    rl_status s = check_data(m, x, y, n_samples, "rl_evaluate");
    if (s != RL_OK)
        return s;
    double value;
    s = rl__model_evaluate(m, x, y, n_samples, &value);
    if (s == RL_OK)
        *loss = (float)value;
    return s;
}

/* ---- attached scaler ----------------------------------------------------- */

rl_status rl_model_set_scaler(rl_model *m, const rl_scaler *s)
{
    CHECK_MODEL(m);
    if (s) {
        size_t nf = 0;
        rl_scaler_feature_count(s, &nf);
        if (nf == 0)
            return rl__fail(m, RL_E_STATE, "the scaler is not fitted");
    }
    if (rl__model_set_scaler(m, s) != RL_OK)
        return rl__fail(m, RL_E_NOMEM, "out of memory copying the scaler");
    return RL_OK;
}

rl_status rl_model_get_scaler(const rl_model *m, rl_scaler **out)
{
    if (!m || !out)
        return RL_E_INVALID;
    *out = NULL;
    if (!m->scaler)
        return rl__fail(m, RL_E_STATE, "no scaler is attached to this model");
    *out = rl__scaler_clone(m->scaler);
    return *out ? RL_OK : rl__fail(m, RL_E_NOMEM, "out of memory copying the scaler");
}

/* ---- attached transform pipeline ------------------------------------------ */

rl_status rl_model_set_transform(rl_model *m, const rl_transform *t)
{
    CHECK_MODEL(m);
    if (t) {
        size_t nf = rl__transform_features(t);
        if (nf == 0)
            return rl__fail(m, RL_E_STATE, "the transform pipeline is not fitted");
        if (nf != m->n_features)
            return rl__fail(m, RL_E_SHAPE,
                            "the pipeline was fitted on %zu columns, the model has %zu",
                            nf, m->n_features);
    }
    if (rl__model_set_transform(m, t) != RL_OK)
        return rl__fail(m, RL_E_NOMEM, "out of memory copying the transform pipeline");
    return RL_OK;
}

rl_status rl_model_get_transform(const rl_model *m, rl_transform **out)
{
    if (!m || !out)
        return RL_E_INVALID;
    *out = NULL;
    if (m->transform) {
        *out = rl__transform_clone(m->transform);
        return *out ? RL_OK : rl__fail(m, RL_E_NOMEM,
                                       "out of memory copying the transform pipeline");
    }
    if (!m->scaler)
        return rl__fail(m, RL_E_STATE, "no transform pipeline or scaler is attached to this model");
    rl_status st = rl__transform_from_scaler(out, m->scaler);
    return st == RL_OK ? RL_OK : rl__fail(m, RL_E_NOMEM, "out of memory copying the scaler");
}
