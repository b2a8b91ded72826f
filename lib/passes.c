/* The passes of a model over data: rl_fit's training loop (batches,
 * shuffling, validation, early stopping, stateful carry-over), predict and
 * evaluate, between the API's sample-major arrays and the layers'
 * time-major ones. Every buffer they use is made by model.c (reserve_*)
 * before the loops start, so no pass allocates. Arguments were checked by
 * the api_*.c callers. */
#include "model.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "finite.h"
#include "loss.h"
#include "optim.h"
#include "pool.h"

#define EVAL_CHUNK 64   /* least samples per forward pass in predict/evaluate */

/* ---- layout changes between the API (sample-major) and layers (time-major) */

/* dst[t][b][:] = src[idx[b]][t][:] for rows of `width` floats, rows
 * [b0, b1) of a batch of `batch`. */
static void gather_rows(float *dst, const float *src, const size_t *idx, size_t first,
                        size_t batch, size_t b0, size_t b1, size_t steps, size_t width)
{
    for (size_t b = b0; b < b1; b++) {
        size_t s = idx ? idx[first + b] : first + b;
        const float *sample = src + s * steps * width;
        if (width == 1)   /* one feature: a library call per float was ~5 % of a seed fit */
            for (size_t t = 0; t < steps; t++)
                dst[t * batch + b] = sample[t];
        else
            for (size_t t = 0; t < steps; t++)
                memcpy(dst + (t * batch + b) * width, sample + t * width, width * sizeof(float));
    }
}

typedef struct gather_job {
    float *dst;
    const float *src;
    const size_t *idx;
    size_t first, batch, steps, width;
} gather_job;

static void gather_range(void *ctx, size_t b0, size_t b1)
{
    const gather_job *j = ctx;
    gather_rows(j->dst, j->src, j->idx, j->first, j->batch, b0, b1, j->steps, j->width);
}

/* A copied float costs some 16 multiply-adds' time (the pool's unit). */
enum { GATHER_WORK = 16, GATHER_ROWS = 8 };

/* gather_rows over the whole batch, split over m's pool by rows as shares
 * (the rows a thread then runs in a forward split by rows: compute.c):
 * the input of SimpleRNN(256), I = 64, batch 64 is 800 KiB, ~75 us that
 * the caller copied alone while the worker waited (~1.5 % of a two-thread
 * fit step). A copy: the same bits on any split. */
static void gather_time_major(const rl_model *m, float *dst, const float *src,
                              const size_t *idx, size_t first, size_t batch, size_t steps,
                              size_t width)
{
    gather_job j = { dst, src, idx, first, batch, steps, width };
    int ok = 1;
    size_t floats = rl__mul(rl__mul(batch, steps, &ok), width, &ok);
    size_t work = ok && floats <= (size_t)-1 / GATHER_WORK ? floats * GATHER_WORK : (size_t)-1;
    rl__parallel_for_shares(&m->cx, batch, GATHER_ROWS, work, gather_range, &j);
}

/* dst[b][t][:] = src[t][b][:] */
static void scatter_sample_major(float *dst, const float *src, size_t batch, size_t steps,
                                 size_t width)
{
    for (size_t b = 0; b < batch; b++)
        if (width == 1)
            for (size_t t = 0; t < steps; t++)
                dst[b * steps + t] = src[t * batch + b];
        else
            for (size_t t = 0; t < steps; t++)
                memcpy(dst + (b * steps + t) * width, src + (t * batch + b) * width,
                       width * sizeof(float));
}

/* ---- passes ------------------------------------------------------------ */

/* Whether the first layer folds its input into its fused step, and so can
 * read the caller's samples [batch][T][in] in place (rows T in floats
 * apart): a forward-only pass then skips gathering them time-major (a copy
 * of the whole input, ~10 % of a SimpleRNN(64) predict at I = 64). fit
 * gathers: the backward reads the input time-major. */
static int reads_samples_in_place(const rl_model *m)
{
    const rl_layer *l = &m->layers[0];
    return m->n_layers > 0 && l->ops->folds_input &&
           rl__step_folds_input(&m->cx, l->in, l->units, (unsigned)l->ops->gates);
}

/* Stateless, or (stateful model) rows [first_row, first_row + batch) of the
 * kept states go in and their final states come out. samples: NULL (the
 * input is m->xb, time-major), or the caller's rows of this batch, read in
 * place by the first layer (reads_samples_in_place). */
static const float *forward(rl_model *m, size_t batch, size_t first_row, int for_backward,
                            const float *samples)
{
    const float *x = samples ? samples : m->xb;
    int stateful = rl__model_stateful(m);
    for (size_t i = 0; i < m->n_layers; i++) {
        rl_layer *l = &m->layers[i];
        float *state = NULL;
        if (stateful && l->ops->final_state)
            state = m->states[i] + first_row * rl__layer_state_len(l);
        l->forward_only = !for_backward;
        l->weights_gen = m->weights_gen;
        l->x_sample_major = i == 0 && samples != NULL;
        l->ops->forward(l, &m->cx, x, batch, state && !m->states_fresh ? state : NULL);
        if (state)
            l->ops->final_state(l, batch, state);
        x = l->out;
    }
    return x;
}

/* Gradients of every layer from dL/d(output) in m->grad_a. */
static void backward(rl_model *m, size_t batch)
{
    float *dy = m->grad_a, *dx = m->grad_b;
    for (size_t i = m->n_layers; i-- > 0;) {
        rl_layer *l = &m->layers[i];
        const float *x = i > 0 ? m->layers[i - 1].out : m->xb;
        l->ops->backward(l, &m->cx, x, dy, i > 0 ? dx : NULL, batch);
        float *t = dy;
        dy = dx;
        dx = t;
    }
}

static rl_optim_config optim_config(const rl_model *m)
{
    const double *p = m->params;
    return (rl_optim_config){
        .kind = m->opt, .lr = p[RL_PARAM_LEARNING_RATE], .beta1 = p[RL_PARAM_BETA1],
        .beta2 = p[RL_PARAM_BETA2], .epsilon = p[RL_PARAM_EPSILON],
        .momentum = p[RL_PARAM_MOMENTUM], .rho = p[RL_PARAM_RHO], .clipnorm = p[RL_PARAM_CLIPNORM],
    };
}

/* Applies the optimiser to every tensor, or, when any new weight or slot
 * would not be finite, to none: then 0 is returned and the weights, slots
 * and step count are exactly as after the last finite step (the gradients,
 * scratch, may be clipped). */
static int apply_gradients(rl_model *m)
{
    rl_optim_config c = optim_config(m);
    const uint64_t t = m->opt_steps + 1;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < m->n_layers; i++) {
            rl_layer *l = &m->layers[i];
            size_t off[3], cnt[3], n = rl__layer_tensors(l, off, cnt);
            for (size_t k = 0; k < n; k++) {
                float *w = l->w + off[k], *g = l->grad + off[k];
                float *s0 = m->slots[i].slot[0] + off[k], *s1 = m->slots[i].slot[1] + off[k];
                if (pass == 0) {
                    rl__clip_by_norm(g, cnt[k], c.clipnorm);
                    if (!rl__optim_step_finite_on(&m->cx, &c, t, w, g, s0, s1, cnt[k]))
                        return 0;
                } else {
                    rl__optim_apply_on(&m->cx, &c, t, w, g, s0, s1, cnt[k]);
                }
            }
        }
    m->opt_steps = t;
    rl__model_weights_changed(m);
    return 1;
}

static int grads_finite(const rl_model *m)
{
    for (size_t i = 0; i < m->n_layers; i++)
        if (!rl__all_finite_on(&m->cx, m->layers[i].grad, m->layers[i].n_w))
            return 0;
    return 1;
}

/* Samples per forward pass of predict/evaluate: as many as the buffers hold
 * already (so a predict after fit allocates nothing), at least EVAL_CHUNK.
 * Rows are independent, so the chunking never changes a result. */
static size_t eval_chunk(const rl_model *m, size_t n)
{
    size_t c = m->cap_batch > EVAL_CHUNK ? m->cap_batch : EVAL_CHUNK;
    return n < c ? n : c;
}

/* Sum over samples of the loss (so callers can weight batches), in double. */
static void loss_sum(rl_model *m, const float *x, const float *y, size_t first, size_t n,
                          double *sum)
{
    const rl_layer *last = rl__model_last_layer(m);
    size_t per_sample = rl__layer_out_len(last);
    const size_t chunk = eval_chunk(m, n);
    const int in_place = reads_samples_in_place(m);
    const size_t sample = m->time_steps * m->n_features;
    *sum = 0;
    for (size_t at = 0; at < n; at += chunk) {
        size_t batch = n - at < chunk ? n - at : chunk;
        if (!in_place)
            gather_time_major(m, m->xb, x, NULL, first + at, batch, m->time_steps,
                              m->n_features);
        gather_time_major(m, m->yb, y, NULL, first + at, batch, last->out_steps, last->units);
        const float *out = forward(m, batch, at, 0, in_place ? x + (first + at) * sample : NULL);
        *sum += rl__loss_value(m->loss, out, m->yb, batch * per_sample) * (double)batch;
    }
    m->states_fresh = 0;
}

/* A stateful fit's validation, as Keras runs it: consecutive batches of the
 * training batch rows, carrying the state on from the epoch's training. */
static void loss_sum_carried(rl_model *m, const float *x, const float *y, size_t first, size_t n,
                             double *sum)
{
    const rl_layer *last = rl__model_last_layer(m);
    size_t per_sample = rl__layer_out_len(last), rows = m->state_rows;
    *sum = 0;
    for (size_t at = 0; at < n; at += rows) {
        gather_time_major(m, m->xb, x, NULL, first + at, rows, m->time_steps, m->n_features);
        gather_time_major(m, m->yb, y, NULL, first + at, rows, last->out_steps, last->units);
        const float *out = forward(m, rows, 0, 0, NULL);
        m->states_fresh = 0;
        *sum += rl__loss_value(m->loss, out, m->yb, rows * per_sample) * (double)rows;
    }
}

/* ---- fit ---------------------------------------------------------------- */

static void copy_weights(rl_model *m, int to_best)
{
    for (size_t i = 0; i < m->n_layers; i++) {
        rl_layer *l = &m->layers[i];
        if (to_best)
            memcpy(m->best[i], l->w, l->n_w * sizeof(float));
        else
            memcpy(l->w, m->best[i], l->n_w * sizeof(float));
    }
    if (!to_best)
        rl__model_weights_changed(m);
}

static void shuffle(rl_model *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        m->order[i] = i;
    if (m->params[RL_PARAM_SHUFFLE] == 0 || rl__model_stateful(m))
        return;   /* a stateful model keeps the order: row b continues row b */
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)rl__rng_below(&m->rng, (uint64_t)i + 1);
        size_t t = m->order[i];
        m->order[i] = m->order[j];
        m->order[j] = t;
    }
}

/* One epoch over the first n_train samples; *epoch_loss gets the
 * sample-weighted mean of the batch losses (each before its update). */
static rl_status train_epoch(rl_model *m, const float *x, const float *y, size_t n_train,
                             size_t batch_size, size_t epoch, double *epoch_loss)
{
    const rl_layer *last = rl__model_last_layer(m);
    size_t per_sample = rl__layer_out_len(last);
    double sum = 0;
    shuffle(m, n_train);
    if (rl__model_stateful(m))
        rl__model_reset_states(m);   /* every epoch starts from the zero state */
    for (size_t at = 0; at < n_train; at += batch_size) {
        size_t batch = n_train - at < batch_size ? n_train - at : batch_size;
        gather_time_major(m, m->xb, x, m->order, at, batch, m->time_steps, m->n_features);
        gather_time_major(m, m->yb, y, m->order, at, batch, last->out_steps, last->units);
        const float *out = forward(m, batch, 0, 1, NULL);
        m->states_fresh = 0;
        double loss = rl__loss_value(m->loss, out, m->yb, batch * per_sample);
        /* Finite as the float that history and the callback report. */
        if (!isfinite((float)loss))
            return rl__fail(m, RL_E_NUMERIC,
                            "training diverged in epoch %zu at sample %zu: the loss is not finite; "
                            "the weights are the last finite ones", epoch, at);
        rl__loss_grad(m->loss, out, m->yb, m->grad_a, batch * per_sample);
        backward(m, batch);
        if (!grads_finite(m))
            return rl__fail(m, RL_E_NUMERIC,
                            "training diverged in epoch %zu at sample %zu: a gradient is not "
                            "finite; the weights are the last finite ones", epoch, at);
        if (!apply_gradients(m))
            return rl__fail(m, RL_E_NUMERIC,
                            "training diverged in epoch %zu at sample %zu: the update would make a "
                            "weight or optimiser state non-finite; the step was not applied (the "
                            "model is as after the last finite step)", epoch, at);
        sum += loss * (double)batch;
    }
    *epoch_loss = sum / (double)n_train;
    return RL_OK;
}

static rl_status fit(rl_model *m, const float *x, const float *y, size_t n, size_t epochs,
                     size_t batch_size)
{
    /* Keras holds out the tail, before any shuffling. */
    size_t n_train = (size_t)floor((double)n * (1.0 - m->params[RL_PARAM_VALIDATION_SPLIT]));
    size_t n_val = n - n_train;
    if (n_train == 0 || (m->params[RL_PARAM_VALIDATION_SPLIT] > 0 && n_val == 0))
        return rl__fail(m, RL_E_INVALID,
                        "validation split %g of %zu samples leaves an empty training or "
                        "validation set", m->params[RL_PARAM_VALIDATION_SPLIT], n);
    if (batch_size > n_train)
        batch_size = n_train;
    int stateful = rl__model_stateful(m);
    if (stateful && (n_train % batch_size != 0 || n_val % batch_size != 0))
        return rl__fail(m, RL_E_INVALID,
                        "stateful fit: the %zu training and %zu validation samples must each be "
                        "a multiple of batch_size %zu (each batch row continues the same row of "
                        "the previous batch)", n_train, n_val, batch_size);
    size_t patience = (size_t)m->params[RL_PARAM_PATIENCE];
    /* The validation pass may take more samples at a time than a training
     * batch (n_val > n_train). */
    size_t eval = eval_chunk(m, n_val);
    rl_status s = rl__model_reserve_fit(m, n_train, batch_size > eval ? batch_size : eval, epochs,
                                        patience > 0);
    if (s == RL_OK && stateful)
        s = rl__model_use_state_rows(m, batch_size);
    if (s != RL_OK)
        return rl__fail(m, s, "out of memory for training buffers (batch %zu)", batch_size);

    double best = INFINITY;
    size_t wait = 0;
    int saved = 0;   /* m->best holds weights of this fit (not of an earlier one) */
    m->hist_n = 0;
    for (size_t e = 1; e <= epochs; e++) {
        double loss = 0, val = NAN;
        s = train_epoch(m, x, y, n_train, batch_size, e, &loss);
        if (s != RL_OK)
            return s;
        if (n_val > 0) {
            double sum;
            if (stateful)
                loss_sum_carried(m, x, y, n_train, n_val, &sum);
            else
                loss_sum(m, x, y, n_train, n_val, &sum);
            val = sum / (double)n_val;
        }
        m->hist_loss[m->hist_n] = (float)loss;
        m->hist_val[m->hist_n] = (float)val;
        m->hist_n++;
        if (m->callback && m->callback(e, (float)loss, (float)val, m->callback_user))
            break;
        if (patience > 0) {
            /* EarlyStopping(monitor="val_loss", restore_best_weights=True);
             * without a validation split the training loss is monitored. */
            double monitored = n_val > 0 ? val : loss;
            if (monitored < best) {
                best = monitored;
                wait = 0;
                copy_weights(m, 1);
                saved = 1;
            } else {
                /* As Keras: with no improvement yet (a NaN or infinite
                 * first loss), the first epoch's weights are the ones kept,
                 * and the first epoch never stops; only weights saved in
                 * this fit are ever restored. */
                if (!saved) {
                    copy_weights(m, 1);
                    saved = 1;
                }
                if (++wait >= patience && e > 1) {
                    copy_weights(m, 0);
                    break;
                }
            }
        }
    }
    return RL_OK;
}

/* ---- inference ---------------------------------------------------------- */

/* Buffers of a predict/evaluate pass; a stateful model's n samples are n
 * batch rows (the chunks only bound the workspace). */
static rl_status reserve_inference(rl_model *m, size_t n, size_t chunk)
{
    rl_status s = rl__model_reserve_batch(m, chunk);
    if (s == RL_OK && rl__model_stateful(m))
        s = rl__model_use_state_rows(m, n);
    if (s != RL_OK)
        return rl__fail(m, s, "out of memory for a batch of %zu samples", chunk);
    return RL_OK;
}

static rl_status predict(rl_model *m, const float *x, size_t n, float *y)
{
    const rl_layer *last = rl__model_last_layer(m);
    size_t chunk = eval_chunk(m, n);
    rl_status s = reserve_inference(m, n, chunk);
    if (s != RL_OK)
        return s;
    const int in_place = reads_samples_in_place(m);
    const size_t sample = m->time_steps * m->n_features;
    for (size_t at = 0; at < n; at += chunk) {
        size_t batch = n - at < chunk ? n - at : chunk;
        if (!in_place)
            gather_time_major(m, m->xb, x, NULL, at, batch, m->time_steps, m->n_features);
        const float *out = forward(m, batch, at, 0, in_place ? x + at * sample : NULL);
        scatter_sample_major(y + at * rl__layer_out_len(last), out, batch, last->out_steps,
                             last->units);
    }
    m->states_fresh = 0;
    return RL_OK;
}

static rl_status evaluate(rl_model *m, const float *x, const float *y, size_t n, double *loss)
{
    size_t chunk = eval_chunk(m, n);
    rl_status s = reserve_inference(m, n, chunk);
    if (s != RL_OK)
        return s;
    double sum;
    loss_sum(m, x, y, 0, n, &sum);
    *loss = sum / (double)n;
    return RL_OK;
}

/* ---- entry points: the caller's thread is kept off the workers' CPUs ---- */

/* Multiply-adds of a layer's step at `rows` rows: its products (input and
 * recurrent) and its element-wise work (~32 per gate and unit). */
static size_t layer_step_work(const rl_layer *l, size_t rows)
{
    enum { CELL_WORK = 32 };
    const size_t k = l->in + (l->ops->recurrent ? l->units : 0) + CELL_WORK;
    const double w = (double)rows * (double)(l->ops->gates * l->units) * (double)k;
    return w < (double)SIZE_MAX ? (size_t)w : SIZE_MAX;
}

/* The widest layer's step (the pool runs a call of small steps on the
 * caller alone): its work, and in *widest the layer. */
static size_t step_work(const rl_model *m, size_t rows, const rl_layer **widest)
{
    size_t most = 0;
    *widest = NULL;
    for (size_t i = 0; i < m->n_layers; i++) {
        const size_t w = layer_step_work(&m->layers[i], rows);
        if (!*widest || w > most) {
            most = w;
            *widest = &m->layers[i];
        }
    }
    return most;
}

/* Whether a fit whose widest layer is l pays for a second thread from the
 * pool's smaller far threshold (rl__pool_begin_call's small_pays_far):
 * SimpleRNN and LSTM from 48 units. Measured on AMD Zen 5 with the cores
 * 361-422 ns apart (pair_builds, batch 64 unless said, T = 50, 300 pairs,
 * median fit step time split from 2^16 over not split; step work in
 * multiply-adds): SimpleRNN(48) I = 64 (442 K) 0.85, SimpleRNN(64) I = 1
 * (397 K) 0.88 and 0.92, I = 1 at batch 32 (199 K) 0.90, I = 64 (655 K)
 * 0.85, SimpleRNN(96) I = 1 (792 K) 0.75, LSTM(48) I = 1 (995 K) 0.76.
 * Not so the GRU -- GRU(32) I = 1 (400 K) 1.40 and 1.45, I = 64 (786 K)
 * 1.11, GRU(48) I = 1 (746 K) 1.08 -- nor narrower layers: SimpleRNN(32)
 * I = 1 (133 K) 1.40, I = 64 (262 K) 1.26, SimpleRNN(48) I = 1 (249 K)
 * 1.03, LSTM(32) I = 1 (532 K) 0.98. */
enum { SMALL_PAYS_FAR_UNITS = 48 };

static int small_pays_far(const rl_layer *l)
{
    return l && l->ops->recurrent && l->ops->gates != 3 && l->units >= SMALL_PAYS_FAR_UNITS;
}

rl_status rl__model_fit(rl_model *m, const float *x, const float *y, size_t n, size_t epochs,
                        size_t batch_size)
{
    const rl_layer *widest;
    const size_t work = step_work(m, batch_size < n ? batch_size : n, &widest);
    rl__pool_begin_call(m->cx.pool, work, small_pays_far(widest));
    rl_status s = fit(m, x, y, n, epochs, batch_size);
    rl__pool_unbind_caller(m->cx.pool);
    return s;
}

rl_status rl__model_predict(rl_model *m, const float *x, size_t n, float *y)
{
    rl__pool_begin_forward_call(m->cx.pool);
    rl_status s = predict(m, x, n, y);
    rl__pool_unbind_caller(m->cx.pool);
    return s;
}

rl_status rl__model_evaluate(rl_model *m, const float *x, const float *y, size_t n, double *loss)
{
    rl__pool_begin_forward_call(m->cx.pool);
    rl_status s = evaluate(m, x, y, n, loss);
    rl__pool_unbind_caller(m->cx.pool);
    return s;
}
