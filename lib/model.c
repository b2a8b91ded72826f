/* Sequential model: everything it holds, created and freed here only --
 * layers, weights (through layer.c), optimiser slots, the worker pool, the
 * states of a stateful model, the attached scaler or transform and targets,
 * and the memory of the passes (batch buffers, shuffle order, history,
 * early-stopping copies) -- and compile. The passes over data themselves
 * (fit, predict, evaluate) are in passes.c. Arguments were checked by the
 * api_*.c callers. */
#include "model.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "init.h"
#include "optim.h"
#include "params.h"
#include "pool.h"
#include "scaler.h"
#include "transform.h"

size_t rl__model_out_len(const rl_model *m)
{
    return rl__layer_out_len(rl__model_last_layer(m));
}

/* ---- lifetime: every block the model points to is made and freed here -- */

rl_status rl__model_new(rl_model **out, size_t time_steps, size_t n_features)
{
    rl_model *m = rl__calloc(1, sizeof *m);
    if (!m)
        return RL_E_NOMEM;
    m->time_steps = time_steps;
    m->n_features = n_features;
    rl__params_defaults(m->params);
    m->pool_threads = 1;
    m->states_fresh = 1;
    *out = m;
    return RL_OK;
}

/* Weights, gradients and optimiser state of every layer (what compile makes). */
static void free_weights(rl_model *m)
{
    for (size_t i = 0; i < m->n_layers; i++) {
        rl__layer_free(&m->layers[i]);
        for (int s = 0; s < RL_OPTIM_SLOTS; s++) {
            rl__free(m->slots[i].slot[s]);
            m->slots[i].slot[s] = NULL;
        }
    }
}

/* Batch buffers and layer workspaces: remade on demand by the next pass. */
static void free_buffers(rl_model *m)
{
    rl__free(m->xb);
    rl__free(m->yb);
    rl__free(m->grad_a);
    rl__free(m->grad_b);
    m->xb = m->yb = m->grad_a = m->grad_b = NULL;
    m->cap_batch = 0;
    for (size_t i = 0; i < m->n_layers; i++) {
        rl__layer_release_workspace(&m->layers[i]);
        rl__free(m->states[i]);   /* a stateful model's states go with its batch rows */
        m->states[i] = NULL;
    }
    m->state_rows = m->cap_state_rows = 0;
    m->states_fresh = 1;
}

void rl__model_destroy(rl_model *m)
{
    if (!m)
        return;
    free_buffers(m);
    free_weights(m);
    for (size_t i = 0; i < m->n_layers; i++)
        rl__free(m->best[i]);
    rl__pool_destroy(m->cx.pool);
    rl__free(m->order);
    rl__free(m->hist_loss);
    rl__free(m->hist_val);
    rl__scaler_free(m->scaler);
    rl_transform_destroy(m->transform);
    rl__free(m->targets);
    rl__free(m);
}

rl_status rl__model_add_layer(rl_model *m, rl_layer_kind kind, size_t units, rl_activation act,
                              rl_activation rec_act, int return_sequences)
{
    size_t in = m->n_features, in_steps = m->time_steps;
    if (m->n_layers > 0) {
        const rl_layer *prev = rl__model_last_layer(m);
        in = prev->units;
        in_steps = prev->out_steps;
    }
    rl_layer l;
    if (!rl__layer_init(&l, kind, in, in_steps, units, act, rec_act, return_sequences))
        return RL_E_NOMEM;
    m->layers[m->n_layers++] = l;
    return RL_OK;
}

static rl_status alloc_weights(rl_model *m)
{
    rl_rng init_rng;
    rl__rng_seed(&init_rng, (uint64_t)m->params[RL_PARAM_SEED]);
    for (size_t i = 0; i < m->n_layers; i++) {
        rl_layer *l = &m->layers[i];
        rl_status st = rl__layer_alloc_weights(l);
        for (int s = 0; s < RL_OPTIM_SLOTS; s++) {
            m->slots[i].slot[s] = rl__calloc(l->n_w, sizeof(float));
            if (!m->slots[i].slot[s])
                st = RL_E_NOMEM;
        }
        if (st == RL_OK)
            st = m->skip_init ? RL_OK : rl__init_layer(l, &init_rng);
        if (st != RL_OK)
            return st;
    }
    rl__model_weights_changed(m);
    return RL_OK;
}

rl_status rl__model_compile(rl_model *m, rl_optimizer opt, rl_loss loss)
{
    rl_status st = alloc_weights(m);
    if (st != RL_OK) {
        free_weights(m);
        return st;
    }
    /* Shuffling draws from its own stream so that it does not depend on the
     * number of weights drawn before it. */
    rl__rng_seed(&m->rng, (uint64_t)m->params[RL_PARAM_SEED] ^ 0x5eed5eed5eed5eedULL);
    m->opt_steps = 0;
    m->compiled = 1;
    m->opt = opt;
    m->loss = loss;
    if (!(m->params_set & (1u << RL_PARAM_LEARNING_RATE)))
        m->params[RL_PARAM_LEARNING_RATE] = rl__param_default_lr(opt);
    return RL_OK;
}

/* The pool for `threads`, `placement` and the host's parallel-for (which,
 * when set, replaces our own threads); the old pool goes only once the new
 * one exists. */
static rl_status rebuild_pool(rl_model *m, unsigned threads, int placement,
                              rl_parallel_for_fn host_for, void *host_user, size_t concurrency)
{
    rl_pool *pool = NULL;
    rl_status s = host_for ? rl__pool_create_host(host_for, host_user,
                                                  concurrency > 64 ? 64 : (unsigned)concurrency,
                                                  &pool)
                           : rl__pool_create(threads, placement, &pool);
    if (s != RL_OK)
        return s;
    rl__pool_destroy(m->cx.pool);
    m->cx.pool = pool;
    m->pool_threads = threads;
    m->placement = placement;
    m->host_for = host_for;
    m->host_user = host_user;
    m->host_concurrency = concurrency;
    return RL_OK;
}

static rl_status set_threads(rl_model *m, unsigned threads)
{
    if (threads == m->pool_threads)
        return RL_OK;
    return rebuild_pool(m, threads, m->placement, m->host_for, m->host_user,
                        m->host_concurrency);
}

rl_status rl__model_set_placement(rl_model *m, int placement)
{
    if (placement == m->placement)
        return RL_OK;
    return rebuild_pool(m, m->pool_threads, placement, m->host_for, m->host_user,
                        m->host_concurrency);
}

rl_status rl__model_set_parallel_for(rl_model *m, rl_parallel_for_fn fn, void *user,
                                     size_t concurrency)
{
    return rebuild_pool(m, m->pool_threads, m->placement, fn, fn ? user : NULL,
                        fn ? concurrency : 0);
}

size_t rl__model_threads_in_use(const rl_model *m)
{
    return rl__pool_threads(m->cx.pool);
}

/* ---- recurrent state of stateful models ---------------------------------- */

int rl__model_stateful(const rl_model *m)
{
    return m->params[RL_PARAM_STATEFUL] != 0;
}

void rl__model_reset_states(rl_model *m)
{
    for (size_t i = 0; i < m->n_layers; i++)
        if (m->states[i])
            memset(m->states[i], 0,
                   m->cap_state_rows * rl__layer_state_len(&m->layers[i]) * sizeof(float));
    m->states_fresh = 1;
}

/* States for `rows` batch rows. The same rows as before keep their states;
 * another count starts from the zero state (the contract). Grows only; on
 * failure nothing changed. */
rl_status rl__model_use_state_rows(rl_model *m, size_t rows)
{
    if (rows == m->state_rows)
        return RL_OK;
    if (rows > m->cap_state_rows) {
        float *fresh[RL_MAX_LAYERS] = { 0 };
        int ok = 1;
        for (size_t i = 0; i < m->n_layers && ok; i++) {
            size_t len = rl__layer_state_len(&m->layers[i]);
            if (len == 0)
                continue;
            size_t n = rl__mul(rows, len, &ok);
            fresh[i] = ok ? rl__calloc(n, sizeof(float)) : NULL;
            ok = fresh[i] != NULL;
        }
        for (size_t i = 0; i < m->n_layers; i++) {
            float *drop = ok ? m->states[i] : fresh[i];
            if (ok && rl__layer_state_len(&m->layers[i]) > 0)
                m->states[i] = fresh[i];
            rl__free(drop);
        }
        if (!ok)
            return RL_E_NOMEM;
        m->cap_state_rows = rows;
    }
    m->state_rows = rows;
    rl__model_reset_states(m);
    return RL_OK;
}

rl_status rl__model_set_param(rl_model *m, rl_param p, double value)
{
    if (p == RL_PARAM_THREADS) {
        rl_status s = set_threads(m, (unsigned)value);
        if (s != RL_OK)
            return s;
    }
    m->params[p] = value;
    m->params_set |= 1u << p;
    if (p == RL_PARAM_STATEFUL)
        rl__model_reset_states(m);
    return RL_OK;
}

void rl__model_set_callback(rl_model *m, rl_epoch_callback cb, void *user)
{
    m->callback = cb;
    m->callback_user = user;
}

void rl__model_set_weights(rl_model *m, size_t layer, const float *w)
{
    memcpy(m->layers[layer].w, w, m->layers[layer].n_w * sizeof(float));
    rl__model_weights_changed(m);
}

void rl__model_get_weights(const rl_model *m, size_t layer, float *w)
{
    memcpy(w, m->layers[layer].w, m->layers[layer].n_w * sizeof(float));
}

size_t rl__model_history(const rl_model *m, float *loss, float *val_loss, size_t capacity)
{
    size_t n = m->hist_n < capacity ? m->hist_n : capacity;
    if (loss && n)
        memcpy(loss, m->hist_loss, n * sizeof(float));
    if (val_loss && n)
        memcpy(val_loss, m->hist_val, n * sizeof(float));
    return m->hist_n;
}

rl_status rl__model_set_scaler(rl_model *m, const rl_scaler *s)
{
    rl_scaler *copy = NULL;
    if (s && !(copy = rl__scaler_clone(s)))
        return RL_E_NOMEM;
    rl__model_adopt_scaler(m, copy);
    return RL_OK;
}

void rl__model_adopt_scaler(rl_model *m, rl_scaler *s)
{
    rl__scaler_free(m->scaler);
    m->scaler = s;
    /* One pipeline per model: a scaler is the one-step pipeline. */
    rl_transform_destroy(m->transform);
    m->transform = NULL;
}

rl_status rl__model_set_transform(rl_model *m, const rl_transform *t)
{
    rl_transform *copy = NULL;
    if (t && !(copy = rl__transform_clone(t)))
        return RL_E_NOMEM;
    rl__model_adopt_transform(m, copy);
    return RL_OK;
}

void rl__model_adopt_transform(rl_model *m, rl_transform *t)
{
    rl_transform_destroy(m->transform);
    m->transform = t;
    if (t) {
        rl__scaler_free(m->scaler);
        m->scaler = NULL;
    }
}

rl_status rl__model_set_targets(rl_model *m, const size_t *columns, size_t n)
{
    size_t *copy = rl__calloc(n, sizeof *copy);
    if (!copy)
        return RL_E_NOMEM;
    memcpy(copy, columns, n * sizeof *copy);
    rl__free(m->targets);
    m->targets = copy;
    m->n_targets = n;
    return RL_OK;
}

/* ---- buffers ----------------------------------------------------------- */

/* Everything a forward and backward pass over `batch` samples needs; grows
 * only. On failure the model keeps its old (smaller) buffers. */
/* Floats of the four batch buffers (xb, yb, grad_a, grad_b) for `batch`
 * samples; 0 when a size overflows. One formula for reserve_batch and for
 * rl__model_memory. */
static int batch_lengths(const rl_model *m, size_t batch, size_t len[4])
{
    int ok = 1;
    size_t grad_len = 0;
    for (size_t i = 0; i < m->n_layers; i++) {
        const rl_layer *l = &m->layers[i];
        size_t in_len = rl__mul(l->in_steps, l->in, &ok);
        size_t out_len = rl__layer_out_len(l);
        grad_len = in_len > grad_len ? in_len : grad_len;
        grad_len = out_len > grad_len ? out_len : grad_len;
    }
    len[0] = rl__mul(rl__mul(m->time_steps, m->n_features, &ok), batch, &ok);
    len[1] = rl__mul(rl__model_out_len(m), batch, &ok);
    len[2] = len[3] = rl__mul(grad_len, batch, &ok);
    return ok;
}

/* Adds b to *sum; 0 on overflow (then *sum is meaningless). */
static int add_bytes(size_t *sum, size_t b)
{
    if (b == 0 || b > SIZE_MAX - *sum)
        return 0;
    *sum += b;
    return 1;
}

rl_status rl__model_memory(const rl_model *m, size_t batch, size_t *weights, size_t *optimizer,
                           size_t *workspace)
{
    size_t w = 0, o = 0, ws = 0, len[4];
    int ok = batch_lengths(m, batch, len);
    for (size_t i = 0; i < m->n_layers && ok; i++) {
        const rl_layer *l = &m->layers[i];
        const size_t block = rl__block_bytes(l->n_w, sizeof(float));
        ok = add_bytes(&w, block) && add_bytes(&w, block);   /* weights, gradients */
        for (int s = 0; s < RL_OPTIM_SLOTS && ok; s++)
            ok = add_bytes(&o, block);
        const size_t floats = l->ops->workspace(l, batch, m->cx.pool != NULL);   /* 0: overflow */
        ok = ok && floats && add_bytes(&ws, rl__block_bytes(floats, sizeof(real)));
    }
    for (int k = 0; k < 4 && ok; k++)
        ok = add_bytes(&ws, rl__block_bytes(len[k], sizeof(float)));
    if (!ok)
        return RL_E_NOMEM;
    *weights = w;
    *optimizer = o;
    *workspace = ws;
    return RL_OK;
}

rl_status rl__model_reserve_batch(rl_model *m, size_t batch)
{
    /* with a pool, the layers' rooms by row shares (rl__layer_shares) */
    const int regions = m->cx.pool != NULL;
    if (batch <= m->cap_batch && regions == m->ws_regions)
        return RL_OK;
    size_t len[4];
    if (!batch_lengths(m, batch, len))
        return RL_E_NOMEM;
    const size_t x_len = len[0], y_len = len[1], grad_len = len[2];
    /* New batch buffers first; the old ones go only when everything is had. */
    float *fresh[4] = { rl__calloc(x_len, sizeof(float)), rl__calloc(y_len, sizeof(float)),
                        rl__calloc(grad_len, sizeof(float)), rl__calloc(grad_len, sizeof(float)) };
    float **held[4] = { &m->xb, &m->yb, &m->grad_a, &m->grad_b };
    rl_status s = (fresh[0] && fresh[1] && fresh[2] && fresh[3]) ? RL_OK : RL_E_NOMEM;
    for (size_t i = 0; i < m->n_layers && s == RL_OK; i++)
        s = rl__layer_reserve(&m->layers[i], batch, regions);
    for (size_t i = 0; i < 4; i++) {
        float *drop = s == RL_OK ? *held[i] : fresh[i];
        if (s == RL_OK)
            *held[i] = fresh[i];
        rl__free(drop);
    }
    if (s != RL_OK)
        return s;
    m->cap_batch = batch;
    m->ws_regions = regions;
    return RL_OK;
}

rl_status rl__model_reserve_fit(rl_model *m, size_t n_train, size_t rows, size_t epochs,
                                int keep_best)
{
    rl_status s = rl__model_reserve_batch(m, rows);
    if (s != RL_OK)
        return s;
    if (n_train > m->cap_samples) {
        size_t *order = rl__calloc(n_train, sizeof(size_t));
        if (!order)
            return RL_E_NOMEM;
        rl__free(m->order);
        m->order = order;
        m->cap_samples = n_train;
    }
    if (epochs > m->hist_cap) {
        float *hl = rl__calloc(epochs, sizeof(float)), *hv = rl__calloc(epochs, sizeof(float));
        if (!hl || !hv) {
            rl__free(hl);
            rl__free(hv);
            return RL_E_NOMEM;
        }
        rl__free(m->hist_loss);
        rl__free(m->hist_val);
        m->hist_loss = hl;
        m->hist_val = hv;
        m->hist_cap = epochs;
    }
    if (keep_best) {
        for (size_t i = 0; i < m->n_layers; i++) {
            if (m->best[i])
                continue;
            m->best[i] = rl__calloc(m->layers[i].n_w, sizeof(float));
            if (!m->best[i])
                return RL_E_NOMEM;
        }
    }
    return RL_OK;
}
