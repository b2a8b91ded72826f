/* Streams: lifecycle, push and forecast. One observation runs through the
 * layers' one-step paths (rl_layer_ops.step), which compute each number as
 * the layers' batch forward does, so a stream and rl_predict agree bit for
 * bit. Nothing here writes to the model; the work runs on the calling thread
 * with the model's kernel path and without its worker pool. */
#include "stream.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "stream_units.h"

/* ---- shape and memory ---------------------------------------------------- */

static const rl_layer *last_layer(const rl_model *m)
{
    return &m->layers[m->n_layers - 1];
}

rl_status rl__stream_shape(rl_stream *s, const rl_model *m, rl_stream_mode mode)
{
    const rl_layer *last = last_layer(m);
    s->m = m;
    s->mode = mode;
    s->n_features = m->n_features;
    s->time_steps = m->time_steps;
    s->history = su_history(m);
    s->ring_rows = mode == RL_STREAM_WINDOW ? s->time_steps + s->history : s->history + 1;
    s->n_out = rl__layer_out_len(last);
    s->seq_out = last->out_steps > 1;
    s->units_ok = !s->seq_out && su_outputs_fit(m, s->n_out);
    if ((m->scaler || m->transform) && !s->units_ok)
        return rl__fail(m, s->seq_out ? RL_E_UNSUPPORTED : RL_E_STATE,
                        "rl_stream_create: the model has a %s, but its %zu outputs %s",
                        m->scaler ? "scaler" : "transform pipeline", s->n_out,
                        s->seq_out ? "are a sequence, which a stream cannot unscale"
                                   : "are not whole rows of its target columns (rl_model_set_targets)");
    s->state_len = 0;
    s->width = m->n_features;
    s->scratch_len = 1;
    s->proj_len = 0;
    for (size_t i = 0; i < m->n_layers; i++) {
        const rl_layer *l = &m->layers[i];
        size_t scratch = l->ops->step_scratch(l), proj = l->ops->gates * l->units;
        s->state_len += rl__layer_state_len(l);
        s->width = l->units > s->width ? l->units : s->width;
        s->scratch_len = scratch > s->scratch_len ? scratch : s->scratch_len;
        s->proj_len = proj > s->proj_len ? proj : s->proj_len;
    }
    s->proj0_len = m->layers[0].ops->gates * m->layers[0].units;
    s->packed_len = 0;
    for (size_t i = 0; i < m->n_layers; i++)
        s->packed_len += rl__layer_row_pack_len(&m->layers[i]);
    s->work_rows = s->time_steps + s->history + s->n_out;
    return RL_OK;
}

enum { PACKED_SLACK = 16 };   /* floats to align the packed copy to 64 bytes */

size_t rl__stream_block_len(const rl_stream *s)
{
    int ok = 1;
    size_t rows = rl__mul(s->work_rows, s->n_features, &ok);
    size_t parts[] = {
        rl__mul(s->ring_rows, s->n_features, &ok),   /* ring */
        s->state_len,                                 /* state */
        s->n_out,                                     /* last_out */
        s->seq_out ? s->n_out : 0,                    /* seq */
        s->state_len,                                 /* wstate */
        rows, rows,                                   /* lin, model_rows */
        s->width, s->width,                           /* act_a, act_b */
        s->scratch_len,                               /* scratch */
        s->n_out,                                     /* pred */
        s->proj_len,                                  /* proj */
        s->mode == RL_STREAM_WINDOW ? rl__mul(s->ring_rows, s->proj0_len, &ok) : 0, /* cache */
        PACKED_SLACK, s->packed_len,                  /* packed, aligned */
    };
    return rl__sum_sizes(parts, sizeof parts / sizeof parts[0], ok);
}

void rl__stream_layout(rl_stream *s)
{
    float *p = s->block;
    s->ring = p;
    p += s->ring_rows * s->n_features;
    s->state = p;
    p += s->state_len;
    s->last_out = p;
    p += s->n_out;
    s->seq = p;
    p += s->seq_out ? s->n_out : 0;
    s->wstate = p;
    p += s->state_len;
    s->lin = p;
    p += s->work_rows * s->n_features;
    s->model_rows = p;
    p += s->work_rows * s->n_features;
    s->act_a = p;
    p += s->width;
    s->act_b = p;
    p += s->width;
    s->scratch = p;
    p += s->scratch_len;
    s->pred = p;
    p += s->n_out;
    s->proj = p;
    p += s->proj_len;
    s->cache = p;
    p += s->mode == RL_STREAM_WINDOW ? s->ring_rows * s->proj0_len : 0;
    /* The block is 64-byte aligned (rl__calloc), so the same offset is
     * aligned in a clone's block too: the packed copy stays valid. */
    s->packed = (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

rl_status rl__stream_new(rl_stream **out, const rl_model *m, rl_stream_mode mode)
{
    rl_stream shape = { 0 };
    rl_status st = rl__stream_shape(&shape, m, mode);
    if (st != RL_OK)
        return st;
    shape.block_len = rl__stream_block_len(&shape);
    if (shape.block_len == 0)
        return rl__fail(m, RL_E_NOMEM, "rl_stream_create: the stream's buffers overflow size_t");
    rl_stream *s = rl__calloc(1, sizeof *s);
    float *block = s ? rl__calloc(shape.block_len, sizeof(float)) : NULL;
    if (!block) {
        rl__free(s);
        return rl__fail(m, RL_E_NOMEM, "rl_stream_create: out of memory for %zu floats",
                        shape.block_len);
    }
    *s = shape;
    s->block = block;
    s->fresh = 1;
    s->fingerprint = rl__stream_fingerprint(m);
    rl__stream_layout(s);
    *out = s;
    return RL_OK;
}

rl_status rl_stream_create(rl_stream **out, const rl_model *m, rl_stream_mode mode)
{
    if (out)
        *out = NULL;
    if (!m)
        return RL_E_INVALID;
    rl__clear_error((rl_model *)m);   /* the message is not part of the model's value */
    if (!out)
        return rl__fail(m, RL_E_INVALID, "rl_stream_create: out is NULL");
    if (mode != RL_STREAM_WINDOW && mode != RL_STREAM_STATEFUL)
        return rl__fail(m, RL_E_INVALID, "rl_stream_create: unknown mode %d", (int)mode);
    if (!m->compiled)
        return rl__fail(m, RL_E_STATE, "rl_stream_create: compile (or load) the model first");
    return rl__stream_new(out, m, mode);
}

void rl_stream_destroy(rl_stream *s)
{
    if (!s)
        return;
    rl__free(s->block);
    rl__free(s);
}

rl_status rl_stream_reset(rl_stream *s)
{
    if (!s)
        return RL_E_INVALID;
    rl__clear_error(s);
    memset(s->block, 0, s->block_len * sizeof(float));
    s->packed_ok = 0;
    s->seen = 0;
    s->ring_head = 0;
    s->fresh = 1;
    return RL_OK;
}

rl_status rl_stream_clone(const rl_stream *s, rl_stream **out)
{
    if (out)
        *out = NULL;
    if (!s)
        return RL_E_INVALID;
    rl_stream *w = (rl_stream *)s;   /* only its message changes */
    rl__clear_error(w);
    if (!out)
        return rl__stream_fail(w, RL_E_INVALID, "rl_stream_clone: out is NULL");
    rl_stream *c = rl__calloc(1, sizeof *c);
    float *block = c ? rl__calloc(s->block_len, sizeof(float)) : NULL;
    if (!block) {
        rl__free(c);
        return rl__stream_fail(w, RL_E_NOMEM, "rl_stream_clone: out of memory");
    }
    *c = *s;
    c->block = block;
    memcpy(block, s->block, s->block_len * sizeof(float));
    rl__stream_layout(c);
    *out = c;
    return RL_OK;
}

rl_status rl_stream_seen(const rl_stream *s, size_t *count)
{
    if (!s || !count)
        return RL_E_INVALID;
    *count = (size_t)s->seen;
    return RL_OK;
}

const char *rl_stream_last_error(const rl_stream *s)
{
    return s ? rl__error_text(s) : "no stream (NULL handle)";
}

/* ---- the engine ---------------------------------------------------------- */

/* The layers' U, packed for the one-row step (rl__layer_row_pack). */
static void repack(rl_stream *s)
{
    const rl_model *m = s->m;
    float *p = s->packed;
    for (size_t i = 0; i < m->n_layers; i++) {
        rl__layer_row_pack(&m->layers[i], p);
        p += rl__layer_row_pack_len(&m->layers[i]);
    }
    s->packed_gen = m->weights_gen;
    s->packed_ok = 1;
}

/* The layer after l when it is a Dense layer that runs at this step and is
 * small enough to be stepped inside l's recur (its chain then overlaps l's
 * cell): the usual forecasting head, Dense(1) after the last recurrent
 * layer. NULL otherwise. */
static const rl_layer *head_of(const rl_stream *s, const rl_compute *cx, size_t i, int last)
{
    const rl_model *m = s->m;
    if (i + 1 >= m->n_layers || !m->layers[i].ops->row_head)
        return NULL;
    const rl_layer *d = &m->layers[i + 1];
    if (d->ops->kind != RL_LAYER_DENSE || d->units > rl__row_head_max(cx) ||
        (d->in_steps != s->time_steps && !last))
        return NULL;
    return d;
}

/* One input row x (model units) through every layer, from `state` (the
 * layers' states one after the other; fresh: the zero state; flip: an odd
 * step, consecutive steps alternate it). Layers that
 * sit after a recurrent layer returning only its last state see an input
 * only at a window's last step: they run when `last` is set. Returns the
 * last layer's output, or NULL when it did not run. */
static const float *step_layers(rl_stream *s, float *state, int fresh, int flip,
                                const float *x, int last, const float *proj0)
{
    const rl_model *m = s->m;
    const rl_compute cx = { m->cx.kernels, NULL };   /* the model's path, never its pool */
    float *bufs[2] = { s->act_a, s->act_b };
    const float *in = x, *packed = s->packed;
    if (!s->packed_ok || s->packed_gen != m->weights_gen)
        repack(s);
    for (size_t i = 0; i < m->n_layers; i++) {
        const rl_layer *l = &m->layers[i];
        const size_t pack_len = rl__layer_row_pack_len(l);
        const float *rec_packed = pack_len ? packed : NULL;
        packed += pack_len;
        if (l->in_steps != s->time_steps && !last)
            return NULL;
        float *out = bufs[i & 1], *proj = s->proj;
        const float *row = in;
        if (i == 0 && proj0) {   /* the cached projection */
            if (l->ops->row_head)   /* its fused step only reads proj (layer.h) */
                proj = (float *)(uintptr_t)proj0;
            else   /* recur may overwrite proj */
                memcpy(s->proj, proj0, s->proj0_len * sizeof(float));
            row = NULL;
        }
        const rl_layer *head = head_of(s, &cx, i, last);
        float *head_out = bufs[(i + 1) & 1];
        l->ops->recur(l, &cx, row, proj, rec_packed, head, head_out, state, fresh, flip, out,
                      s->scratch);
        state += rl__layer_state_len(l);
        in = out;
        if (head) {   /* the next layer ran inside recur */
            i++;
            in = head_out;
        }
    }
    return in;
}

/* rl_predict's forward on one window from the zero state, in the stream's
 * workspace: y gets n_out floats. The window is rows [T][n_features] (model
 * units), or with rows NULL the last T observations, whose layer-0
 * projections are in the cache. */
static void run_window(rl_stream *s, const float *rows, float *y)
{
    size_t T = s->time_steps, units = last_layer(s->m)->units;
    memset(s->wstate, 0, s->state_len * sizeof(float));
    for (size_t t = 0; t < T; t++) {
        size_t slot = (size_t)((s->seen - T + t) % s->ring_rows);
        const float *x = rows ? rows + t * s->n_features : NULL;
        const float *proj0 = rows ? NULL : s->cache + slot * s->proj0_len;
        const float *o = step_layers(s, s->wstate, t == 0, (int)(t & 1), x, t == T - 1, proj0);
        if (s->seq_out)
            memcpy(y + t * units, o, units * sizeof(float));
        else if (t == T - 1)
            memcpy(y, o, s->n_out * sizeof(float));
    }
}

void rl__stream_run_rows(rl_stream *s, const float *rows, float *y)
{
    run_window(s, rows, y);
}

/* The ring's rows, oldest first, into s->lin; returns how many. */
static size_t linearize(rl_stream *s)
{
    size_t nf = s->n_features, n = s->ring_rows;
    size_t head = s->ring_head;   /* the oldest row once the ring is full */
    memcpy(s->lin, s->ring + head * nf, (n - head) * nf * sizeof(float));
    memcpy(s->lin + (n - head) * nf, s->ring, head * nf * sizeof(float));
    return n;
}

static void fill_nan(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = NAN;
}

/* An output row in model units to the caller's raw units. */
static void output_raw(const rl_stream *s, const float *prev, size_t n_prev, const float *y,
                       float *pred)
{
    if (s->units_ok)
        su_outputs_to_raw(s->m, prev, n_prev, y, s->n_out / su_target_count(s->m), pred);
    else
        memcpy(pred, y, s->n_out * sizeof(float));
}

static rl_status check_push(rl_stream *s, const float *obs, size_t n_features, const float *pred,
                            size_t pred_len)
{
    if (!obs || !pred)
        return rl__stream_fail(s, RL_E_INVALID, "rl_stream_push: obs and pred must not be NULL");
    if (n_features != s->n_features)
        return rl__stream_fail(s, RL_E_INVALID,
                               "rl_stream_push: the model takes %zu features per observation, got %zu",
                               s->n_features, n_features);
    if (pred_len < s->n_out)
        return rl__stream_fail(s, RL_E_SHAPE, "rl_stream_push: pred holds %zu floats, %zu needed",
                               pred_len, s->n_out);
    if (s->seen >= RL__STREAM_MAX_SEEN)
        return rl__stream_fail(s, RL_E_STATE,
                               "rl_stream_push: the stream has counted %llu observations, the most "
                               "it counts; rl_stream_reset() it",
                               (unsigned long long)s->seen);
    for (size_t j = 0; j < n_features; j++)
        if (!isfinite(obs[j]))
            return rl__stream_fail(s, RL_E_NUMERIC,
                                   "rl_stream_push: obs[%zu] is not finite (observation %llu)", j,
                                   (unsigned long long)s->seen);
    return RL_OK;
}

/* Observation i (counted from 0; one of the last ring_rows) in model units
 * into s->model_rows, from it and the history rows before it. */
static void model_row(rl_stream *s, uint64_t i)
{
    size_t nf = s->n_features, H = s->history;
    for (size_t k = 0; k <= H; k++)
        memcpy(s->lin + k * nf, s->ring + ((i - H + k) % s->ring_rows) * nf, nf * sizeof(float));
    su_to_model(s->m, s->lin + H * nf, H, 1, s->model_rows);
}

/* Layer 0's projection of observation i into its cache slot. */
static void cache_row(rl_stream *s, uint64_t i)
{
    const rl_compute cx = { s->m->cx.kernels, NULL };
    model_row(s, i);
    rl__layer_project(&s->m->layers[0], &cx, s->model_rows,
                      s->cache + (size_t)(i % s->ring_rows) * s->proj0_len);
}

void rl__stream_rebuild_cache(rl_stream *s)
{
    if (s->mode != RL_STREAM_WINDOW)
        return;
    uint64_t first = s->seen > s->time_steps ? s->seen - s->time_steps : 0;
    for (uint64_t i = first > s->history ? first : s->history; i < s->seen; i++)
        cache_row(s, i);
}

static void push_window(rl_stream *s, float *pred)
{
    if (s->seen > s->history)
        cache_row(s, s->seen - 1);
    if (s->seen < s->ring_rows) {
        fill_nan(pred, s->n_out);
        return;
    }
    run_window(s, NULL, s->pred);
    size_t n = linearize(s);
    output_raw(s, s->lin, n, s->pred, pred);
}

static void push_stateful(rl_stream *s, float *pred)
{
    if (s->seen <= s->history) {   /* rows the units module reads first */
        fill_nan(pred, s->n_out);
        return;
    }
    model_row(s, s->seen - 1);
    const float *o = step_layers(s, s->state, s->fresh, (int)(s->seen & 1), s->model_rows, 1,
                                     NULL);
    s->fresh = 0;
    size_t n = linearize(s);
    if (!s->seq_out) {
        memcpy(s->last_out, o, s->n_out * sizeof(float));
        output_raw(s, s->lin, n, s->last_out, pred);
        return;
    }
    /* A sequence output: the last T steps' outputs, oldest first. */
    size_t T = s->time_steps, units = s->n_out / T, steps = (size_t)(s->seen - s->history);
    memcpy(s->seq + ((steps - 1) % T) * units, o, units * sizeof(float));
    if (steps < T) {
        fill_nan(pred, s->n_out);
        return;
    }
    for (size_t t = 0; t < T; t++)
        memcpy(pred + t * units, s->seq + ((steps + t) % T) * units, units * sizeof(float));
}

rl_status rl_stream_push(rl_stream *s, const float *obs, size_t n_features, float *pred,
                         size_t pred_len)
{
    if (!s)
        return RL_E_INVALID;
    rl__clear_error(s);
    rl_status st = check_push(s, obs, n_features, pred, pred_len);
    if (st != RL_OK)
        return st;
    memcpy(s->ring + s->ring_head * s->n_features, obs, s->n_features * sizeof(float));
    s->ring_head = (s->ring_head + 1) % s->ring_rows;
    s->seen++;
    if (s->mode == RL_STREAM_WINDOW)
        push_window(s, pred);
    else
        push_stateful(s, pred);
    return RL_OK;
}

/* ---- forecast ------------------------------------------------------------- */

static rl_status check_forecast(rl_stream *s, const float *future, size_t n_future,
                                size_t horizon, const float *out, size_t out_len)
{
    const rl_model *m = s->m;
    if (!out)
        return rl__stream_fail(s, RL_E_INVALID, "rl_stream_forecast: out is NULL");
    if (horizon == 0)
        return rl__stream_fail(s, RL_E_INVALID, "rl_stream_forecast: horizon is 0");
    if (!s->units_ok)
        return rl__stream_fail(s, RL_E_STATE,
                               "rl_stream_forecast: the model's %zu outputs are %s", s->n_out,
                               s->seq_out ? "a sequence, not a forecast of future rows"
                                          : "not whole rows of its target columns "
                                            "(rl_model_set_targets)");
    size_t nt = su_target_count(m);
    if (out_len / nt < horizon)
        return rl__stream_fail(s, RL_E_SHAPE,
                               "rl_stream_forecast: out holds %zu floats, %zu rows of %zu targets "
                               "need %zu", out_len, horizon, nt, horizon * nt);
    size_t need = s->mode == RL_STREAM_WINDOW ? s->ring_rows : s->history + 1;
    if (s->seen < need)
        return rl__stream_fail(s, RL_E_STATE,
                               "rl_stream_forecast: the stream has seen %llu observations, %zu needed",
                               (unsigned long long)s->seen, need);
    int covariates = 0;
    for (size_t c = 0; c < s->n_features; c++)
        covariates |= !su_is_target(m, c);
    if (!covariates)
        return RL_OK;
    if (!future || n_future < horizon)
        return rl__stream_fail(s, RL_E_INVALID,
                               "rl_stream_forecast: the model has covariate columns, so future "
                               "must hold at least %zu rows (got %zu)", horizon,
                               future ? n_future : 0);
    for (size_t r = 0; r < horizon; r++)
        for (size_t c = 0; c < s->n_features; c++)
            if (!su_is_target(m, c) && !isfinite(future[r * s->n_features + c]))
                return rl__stream_fail(s, RL_E_INVALID,
                                       "rl_stream_forecast: future row %zu, column %zu is not finite",
                                       r, c);
    return RL_OK;
}

/* Appends `rows` forecast rows at s->lin row `at`: targets from raw[rows][nt],
 * the other columns from future rows first.. */
static void append_rows(rl_stream *s, size_t at, const float *raw, size_t rows,
                        const float *future, size_t first)
{
    const rl_model *m = s->m;
    size_t nf = s->n_features, nt = su_target_count(m);
    for (size_t r = 0; r < rows; r++) {
        float *row = s->lin + (at + r) * nf;
        for (size_t c = 0; c < nf; c++)
            if (!su_is_target(m, c))
                row[c] = future[(first + r) * nf + c];
        for (size_t j = 0; j < nt; j++)
            row[su_target_column(m, j)] = raw[r * nt + j];
    }
}

/* Keeps the last `keep` of n rows of s->lin when fewer than `room` rows are
 * free after them; returns the rows left. */
static size_t make_room(rl_stream *s, size_t n, size_t keep, size_t room)
{
    if (n + room <= s->work_rows)
        return n;
    size_t nf = s->n_features;
    memmove(s->lin, s->lin + (n - keep) * nf, keep * nf * sizeof(float));
    return keep;
}

rl_status rl_stream_forecast(rl_stream *s, const float *future, size_t n_future, size_t horizon,
                             float *out, size_t out_len)
{
    if (!s)
        return RL_E_INVALID;
    rl__clear_error(s);
    rl_status st = check_forecast(s, future, n_future, horizon, out, out_len);
    if (st != RL_OK)
        return st;
    const rl_model *m = s->m;
    size_t nf = s->n_features, nt = su_target_count(m), out_steps = s->n_out / nt;
    size_t T = s->time_steps, H = s->history;
    size_t n = linearize(s);
    int window = s->mode == RL_STREAM_WINDOW;
    if (!window) {   /* the last push's output is the first round's */
        memcpy(s->wstate, s->state, s->state_len * sizeof(float));
        memcpy(s->pred, s->last_out, s->n_out * sizeof(float));
    }
    for (size_t done = 0; done < horizon;) {
        if (window) {
            su_to_model(m, s->lin + (n - T) * nf, n - T, T, s->model_rows);
            run_window(s, s->model_rows, s->pred);
        }
        su_outputs_to_raw(m, s->lin, n, s->pred, out_steps, s->pred);
        size_t take = horizon - done < out_steps ? horizon - done : out_steps;
        memcpy(out + done * nt, s->pred, take * nt * sizeof(float));
        if (done + take == horizon)
            break;
        n = make_room(s, n, window ? T + H : H + 1, take);
        append_rows(s, n, s->pred, take, future, done);
        if (!window) {   /* step the state copy through the appended rows */
            for (size_t r = 0; r < take; r++) {
                su_to_model(m, s->lin + (n + r) * nf, n + r, 1, s->model_rows);
                const float *o = step_layers(s, s->wstate, 0, (int)((n + r) & 1), s->model_rows, 1,
                                             NULL);
                if (r == take - 1)
                    memcpy(s->pred, o, s->n_out * sizeof(float));
            }
        }
        n += take;
        done += take;
    }
    return RL_OK;
}
