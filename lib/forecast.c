/* The multi-step forecast of rl_forecast: predict on the last time_steps raw
 * rows (in model units, through units.h), append the predicted targets with
 * that step's covariates, repeat. Arguments were checked by api_forecast.c.
 * The call owns its working memory: allocated and freed here, once.
 *
 * A round is one window of one sample from the zero state: the same forward
 * a window-mode stream runs (stream.c, rl__stream_run_rows: the layers'
 * one-row steps on U packed once per forecast, a Dense head stepped inside
 * the last recurrent layer), which gives rl_predict's bits. Each raw row is
 * converted to model units once, when it joins the rows, not once per
 * window it sits in. A stateful model (rl_predict carries its states from
 * round to round), a sequence output with units to convert (which a stream
 * refuses) and a step large enough for the pool to split keep the loop of
 * rl__model_predict calls. */
#include "forecast.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "compute.h"
#include "finite.h"
#include "stream.h"
#include "units.h"

/* What rl_forecast was given (checked). */
typedef struct forecast_args {
    const float *history, *future;
    size_t n_points, horizon;
    float *out;
} forecast_args;

/* Working memory of one forecast, one block: the stream engine's block
 * (when it runs the rounds), raw rows (history tail, then the forecast rows
 * appended), the same rows in model units (engine) or one model-unit window
 * (predict loop), one output row twice. One allocation per call. */
typedef struct forecast_work {
    float *block;
    float *rows, *model_rows, *window, *pred, *pred_raw;
    int engine;        /* rounds run by `stream` (else rl__model_predict) */
    rl_stream stream;  /* shape and arrays only: never a handle */
    int waves;         /* rounds run as waves (LSTM + Dense head, see waves_loop) */
    float *packed;     /* the LSTM's weights for the batched fused step (64-aligned) */
    float *h, *c;      /* [T][u] each round's state, by slot (round % T) */
    float *xb, *hb, *cb, *zb, *recb, *acb, *hn, *cn, *head;   /* one wave's rows */
    size_t *step;      /* [T] steps each slot's round has run */
    size_t *wave;      /* [T] the slots of a wave */
} forecast_work;

/* n floats rounded up to whole cache lines, so each part stays aligned. */
static size_t lines(size_t n)
{
    return (n + 15) / 16 * 16;
}

/* Rounds side by side at most (the window's steps): waves_loop's bound. */
#define RL__FORECAST_WAVE_MAX 64

/* Multiply-adds of a one-row step from which rl_predict's step may be split
 * over the pool (compute.c's row step bound with a pool). */
enum { POOL_ROW_STEP_WORK = 1 << 18 };

/* Whether the rounds can run as a window-mode stream runs them, with
 * rl_predict's bits and at least its speed (see the top of the file). */
static int engine_fits(const rl_model *m)
{
    const rl_layer *last = &m->layers[m->n_layers - 1];
    if (rl__model_stateful(m) || (last->out_steps > 1 && (m->scaler || m->transform)))
        return 0;
    for (size_t i = 0; m->cx.pool && i < m->n_layers; i++) {
        const rl_layer *l = &m->layers[i];
        double k = (double)l->in + (double)(l->ops->recurrent ? l->units : 0);
        if ((double)l->ops->gates * (double)l->units * k >= (double)POOL_ROW_STEP_WORK)
            return 0;
    }
    return 1;
}

/* ---- rounds as waves ------------------------------------------------------
 * The rounds of a recursive forecast overlap: round j runs rows j .. j+T-1
 * of the window from the zero state, and only its last row waits for round
 * j-1's prediction. So up to T rounds run side by side, each one step per
 * wave, as the rows of one batched LSTM step (compute.c rl__lstm_step: the
 * fused step on weights packed once per forecast; GRU and SimpleRNN
 * alike): a one-row step is a
 * chain of u dependent fmas per column, latency-bound, and a few rows cost
 * little more than one. Each round's rows see exactly the operations of a
 * one-sample predict (rows of a batch are independent: the same bits), and
 * rounds starting (the zero state: no h U) run apart from rounds going on.
 * For the forecasting model: a recurrent layer (LSTM, GRU, SimpleRNN) and
 * a Dense head, one output row per round. */

static int waves_fit(const rl_model *m)
{
    if (m->n_layers != 2 || rl__units_out_steps(m) != 1)
        return 0;
    const rl_layer *l = &m->layers[0], *d = &m->layers[1];
    const rl_layer_kind kind = l->ops->kind;
    return (kind == RL_LAYER_LSTM || kind == RL_LAYER_GRU || kind == RL_LAYER_SIMPLE_RNN) &&
           l->out_steps == 1 &&
           l->in_steps == m->time_steps && d->ops->kind == RL_LAYER_DENSE && d->in_steps == 1;
}

static size_t waves_packed_floats(const rl_model *m)
{
    const rl_layer *l = &m->layers[0];
    return lines(rl__step_pack_floats(m->n_features, l->units, (unsigned)l->ops->gates)) + 16;
}

static size_t waves_floats(const rl_model *m)
{
    size_t T = m->time_steps, u = m->layers[0].units, nf = m->n_features;
    size_t n_out = m->layers[1].units;
    return waves_packed_floats(m) + 7 * lines(T * u) + lines(T * nf) + 2 * lines(T * 4 * u) +
           2 * lines(n_out) + lines(2 * T * sizeof(size_t) / sizeof(float));
}

static void waves_layout(const rl_model *m, forecast_work *w, float *p)
{
    size_t T = m->time_steps, u = m->layers[0].units, nf = m->n_features;
    size_t n_out = m->layers[1].units;
    w->packed = (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
    p += waves_packed_floats(m);
    float **tu[] = { &w->h, &w->c, &w->hb, &w->cb, &w->acb, &w->hn, &w->cn };
    for (size_t i = 0; i < 7; i++) {
        *tu[i] = p;
        p += lines(T * u);
    }
    w->xb = p;
    p += lines(T * nf);
    w->zb = p;
    p += lines(T * 4 * u);
    w->recb = p;
    p += lines(T * 4 * u);
    w->head = p;   /* [n_out] projection, then the output */
    p += 2 * lines(n_out);
    w->step = (size_t *)(void *)p;   /* 2T size_t, aligned (p is on a cache line) */
    w->wave = w->step + T;
}

static rl_status work_alloc(rl_model *m, size_t need, size_t horizon, forecast_work *w)
{
    int ok = need + horizon >= need;
    size_t nf = m->n_features, n_out = rl__model_out_len(m);
    *w = (forecast_work){ 0 };
    w->engine = engine_fits(m) && rl__stream_shape(&w->stream, m, RL_STREAM_WINDOW) == RL_OK;
    size_t n_engine = w->engine ? lines(rl__stream_block_len(&w->stream)) : 0;
    size_t n_rows = lines(rl__mul(need + horizon, nf, &ok));
    size_t n_window = w->engine ? n_rows : lines(m->time_steps * nf), n_pred = lines(n_out);
    w->waves = w->engine && waves_fit(m);
    size_t n_waves = w->waves ? waves_floats(m) : 0;
    size_t total = n_engine + n_rows + n_window + 2 * n_pred + n_waves;
    if (!ok || (w->engine && n_engine == 0) || total < n_rows ||
        !(w->block = rl__calloc(total, sizeof(float))))
        return RL_E_NOMEM;
    if (w->waves)
        waves_layout(m, w, w->block + n_engine + n_rows + n_window + 2 * n_pred);
    if (w->engine) {
        w->stream.block = w->block;
        w->stream.block_len = n_engine;
        rl__stream_layout(&w->stream);
    }
    w->rows = w->block + n_engine;
    w->window = w->rows + n_rows;
    w->model_rows = w->window;
    w->pred = w->window + n_window;
    w->pred_raw = w->pred + n_pred;
    return RL_OK;
}

static rl_status not_finite(rl_model *m, size_t have)
{
    return rl__fail(m, RL_E_NUMERIC, "rl_forecast: the forecast is not finite after %zu steps",
                    have);
}

/* Appends the output row's first steps (raw targets in pred_raw) as rows
 * need + have.., with that step's covariates; returns the new `have`. */
static size_t append_rows(const rl_model *m, const forecast_args *a, size_t need, size_t have,
                          const forecast_work *w, size_t out_steps)
{
    size_t nf = m->n_features, nt = rl__units_target_count(m);
    for (size_t k = 0; k < out_steps && have < a->horizon; k++, have++) {
        float *row = w->rows + (need + have) * nf;
        for (size_t c = 0; c < nf; c++)
            row[c] = rl__units_is_target(m, c) ? 0.0f : a->future[have * nf + c];
        for (size_t j = 0; j < nt; j++)
            row[rl__units_target_column(m, j)] = w->pred_raw[k * nt + j];
    }
    return have;
}

/* The loop of the contract through rl__model_predict: predict on the last
 * time_steps raw rows (in model units), append the predicted targets (raw)
 * with that step's covariates, repeat. */
static rl_status predict_loop(rl_model *m, const forecast_args *a, size_t need, forecast_work *w)
{
    size_t nf = m->n_features, T = m->time_steps, out_steps = rl__units_out_steps(m);
    for (size_t have = 0; have < a->horizon;) {
        size_t known = need + have;   /* raw rows so far */
        rl__units_to_model(m, w->rows + (known - T) * nf, known - T, T, w->window);
        if (!rl__all_finite(w->window, T * nf))
            return not_finite(m, have);
        rl_status s = rl__model_predict(m, w->window, 1, w->pred);
        if (s != RL_OK)
            return s;
        rl__units_outputs_to_raw(m, w->rows, known, w->pred, out_steps, w->pred_raw);
        have = append_rows(m, a, need, have, w, out_steps);
    }
    return RL_OK;
}

/* The same loop on the stream engine. Raw row r becomes model-unit row r
 * (read from r - history on) once, when a window first holds it; each
 * round checks the rows new to its window, as the loop above checks its
 * whole window (the others were checked before). */
static rl_status engine_loop(rl_model *m, const forecast_args *a, size_t need, forecast_work *w)
{
    size_t nf = m->n_features, T = m->time_steps, out_steps = rl__units_out_steps(m);
    size_t converted = need - T;   /* model-unit rows are valid from here */
    for (size_t have = 0; have < a->horizon;) {
        size_t known = need + have;
        size_t first = converted > known - T ? converted : known - T;
        rl__units_to_model(m, w->rows + first * nf, first, known - first,
                           w->model_rows + first * nf);
        if (!rl__all_finite(w->model_rows + first * nf, (known - first) * nf))
            return not_finite(m, have);
        converted = known;
        rl__stream_run_rows(&w->stream, w->model_rows + (known - T) * nf, w->pred);
        rl__units_outputs_to_raw(m, w->rows, known, w->pred, out_steps, w->pred_raw);
        have = append_rows(m, a, need, have, w, out_steps);
    }
    return RL_OK;
}

/* The recurrent layer's step as rl_cell_step wants it: weights, biases
 * (GRU: b_in, then b_rec) and the path's packed copy. */
static rl_cell_step waves_cell(const rl_model *m, const forecast_work *w, const rl_compute *cx)
{
    const rl_layer *l = &m->layers[0];
    const size_t u = l->units, g = (size_t)l->ops->gates * u;
    const float *kernel = l->w, *rec = kernel + l->in * g, *bias = rec + u * g;
    return (rl_cell_step){
        .u = u, .in = l->in, .kernel = kernel, .bias = bias, .rec_kernel = rec,
        .rec_bias = l->ops->kind == RL_LAYER_GRU ? bias + g : NULL,
        .packed = rl__step_fused(cx) ? w->packed : NULL, .act = l->act, .ract = l->rec_act,
        .no_caches = 1,
    };
}

/* One step of the recurrent layer for the rounds in w->wave[0, n) (slots),
 * all going on (fresh = 0) or all starting (fresh = 1: the zero state, no
 * h U, as a window's first step). Their rows are gathered, stepped as one
 * batch and their states put back; step[] counts it. */
static void wave_step(const rl_model *m, forecast_work *w, size_t base, size_t n, int fresh,
                      const size_t *round_of)
{
    const rl_layer *l = &m->layers[0];
    const rl_compute cx = { .kernels = m->cx.kernels };
    const size_t u = l->units, nf = m->n_features;
    const rl_layer_kind kind = l->ops->kind;
    for (size_t i = 0; i < n; i++) {
        size_t slot = w->wave[i], row = base + round_of[slot] + w->step[slot];
        memcpy(w->xb + i * nf, w->model_rows + row * nf, nf * sizeof(float));
        if (fresh) {
            memset(w->hb + i * u, 0, u * sizeof(float));
            memset(w->cb + i * u, 0, u * sizeof(float));
        } else {
            memcpy(w->hb + i * u, w->h + slot * u, u * sizeof(float));
            memcpy(w->cb + i * u, w->c + slot * u, u * sizeof(float));
        }
    }
    rl_cell_step st = waves_cell(m, w, &cx);
    st.batch = n;
    st.x = w->xb;
    st.h_prev = w->hb;
    st.recurrent = !fresh;
    st.h = w->hn;
    if (kind == RL_LAYER_LSTM) {
        st.c_prev = w->cb;
        st.z = w->zb;
        st.c = w->cn;
        st.ac = w->acb;
        rl__lstm_step(&cx, &st);
    } else if (kind == RL_LAYER_GRU) {
        st.z = w->zb;
        st.rec = w->recb;
        rl__gru_step(&cx, &st);
    } else {
        st.z = w->hn;   /* SimpleRNN: z is h */
        rl__rnn_step(&cx, &st);
    }
    for (size_t i = 0; i < n; i++) {
        size_t slot = w->wave[i];
        memcpy(w->h + slot * u, w->hn + i * u, u * sizeof(float));
        if (kind == RL_LAYER_LSTM)
            memcpy(w->c + slot * u, w->cn + i * u, u * sizeof(float));
        w->step[slot]++;
    }
}

/* The loop of engine_loop with the rounds as waves (see waves_fit): each
 * wave steps every round whose next row is known, starts the rounds whose
 * first row is, and ends those past their last step, in order (round j's
 * last row is round j-1's prediction). A row is converted and checked when
 * it becomes known, with the message engine_loop gives. */
static rl_status waves_loop(rl_model *m, const forecast_args *a, size_t need, forecast_work *w)
{
    const rl_layer *l = &m->layers[0], *d = &m->layers[1];
    const rl_compute cx = { .kernels = m->cx.kernels };
    size_t nf = m->n_features, T = m->time_steps, u = l->units, base = need - T;
    size_t round_of[RL__FORECAST_WAVE_MAX];
    if (T > RL__FORECAST_WAVE_MAX)
        return engine_loop(m, a, need, w);
    rl__units_to_model(m, w->rows + base * nf, base, T, w->model_rows + base * nf);
    if (!rl__all_finite(w->model_rows + base * nf, T * nf))
        return not_finite(m, 0);
    rl_cell_step pack = waves_cell(m, w, &cx);
    pack.batch = 2;   /* a batch: rl__step_pack skips one-row steps */
    pack.x = w->xb;
    rl__step_pack(&cx, &pack, (unsigned)l->ops->gates, 1, w->packed);
    size_t known = need, started = 0, finished = 0, horizon = a->horizon;
    while (finished < horizon) {
        size_t n = 0;
        for (size_t j = finished; j < started; j++) {   /* rounds going on */
            size_t slot = j % T;
            if (w->step[slot] < T && base + j + w->step[slot] < known)
                w->wave[n++] = slot;
        }
        if (n)
            wave_step(m, w, base, n, 0, round_of);
        n = 0;
        for (; started < horizon && started - finished < T && base + started < known; started++) {
            size_t slot = started % T;
            round_of[slot] = started;
            w->step[slot] = 0;
            w->wave[n++] = slot;
        }
        if (n)
            wave_step(m, w, base, n, 1, round_of);
        while (finished < started && w->step[finished % T] == T) {   /* in order */
            float *proj = w->head, *out = w->head + lines(d->units);
            d->ops->recur(d, &cx, w->h + (finished % T) * u, proj, NULL, NULL, NULL, NULL, 0, 0, out,
                          NULL);
            memcpy(w->pred, out, d->units * sizeof(float));
            rl__units_outputs_to_raw(m, w->rows, known, w->pred, 1, w->pred_raw);
            append_rows(m, a, need, finished, w, 1);
            finished++;
            rl__units_to_model(m, w->rows + known * nf, known, 1, w->model_rows + known * nf);
            known++;
            if (finished < horizon && !rl__all_finite(w->model_rows + (known - 1) * nf, nf))
                return not_finite(m, finished);
        }
    }
    return RL_OK;
}

rl_status rl__forecast(rl_model *m, const float *history, size_t n_points, const float *future,
                       size_t horizon, float *out)
{
    forecast_args a = { history, future, n_points, horizon, out };
    size_t need = m->time_steps + rl__units_history_rows(m);
    size_t nf = m->n_features, nt = rl__units_target_count(m);
    forecast_work w;
    if (work_alloc(m, need, horizon, &w) != RL_OK)
        return rl__fail(m, RL_E_NOMEM, "rl_forecast: out of memory for a horizon of %zu", horizon);
    memcpy(w.rows, history + (n_points - need) * nf, need * nf * sizeof(float));
    rl_status s = w.waves    ? waves_loop(m, &a, need, &w)
                  : w.engine ? engine_loop(m, &a, need, &w)
                             : predict_loop(m, &a, need, &w);
    /* Only a finished forecast reaches the caller's buffer. */
    for (size_t i = 0; s == RL_OK && i < horizon; i++)
        for (size_t j = 0; j < nt; j++)
            out[i * nt + j] = w.rows[(need + i) * nf + rl__units_target_column(m, j)];
    rl__free(w.block);
    return s;
}
