/* Stream state <-> bytes (format: docs/format.md, "Stream buffers"), and
 * the fingerprint that ties a saved stream to its model.
 *
 *   magic "RLSTREAM" | u32 version 1 | u32 mode | u64 fingerprint
 *   | u64 n_features, time_steps, history, ring_rows, n_out, state_len
 *   | u64 seen | u64 ring_head | u32 fresh | u32 0
 *   | f32 ring [ring_rows * n_features] | f32 state [state_len]
 *   | f32 last_out [n_out] | f32 seq [n_out, sequence outputs only]
 *   | u32 CRC-32 of every byte before it
 * little-endian, through io_buf like the model files. */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "crc32.h"
#include "io_buf.h"
#include "scaler.h"
#include "transform.h"
#include "stream.h"
#include "stream_units.h"

#define STREAM_VERSION 1
static const uint8_t stream_magic[8] = { 'R', 'L', 'S', 'T', 'R', 'E', 'A', 'M' };
enum { HEADER_BYTES = 8 + 4 + 4 + 8 + 6 * 8 + 8 + 8 + 4 + 4 };

/* ---- fingerprint: FNV-1a 64 over what a stream's numbers depend on ------- */

typedef struct fnv {
    uint64_t h;
} fnv;

static void fnv_bytes(fnv *f, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        f->h ^= b[i];
        f->h *= 0x100000001b3ULL;
    }
}

static void fnv_u64(fnv *f, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    fnv_bytes(f, b, 8);
}

static void fnv_f32s(fnv *f, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        fnv_u64(f, u);
    }
}

static void fnv_f64s(fnv *f, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &v[i], 8);
        fnv_u64(f, u);
    }
}

uint64_t rl__stream_fingerprint(const rl_model *m)
{
    fnv f = { 0xcbf29ce484222325ULL };
    fnv_u64(&f, m->time_steps);
    fnv_u64(&f, m->n_features);
    fnv_u64(&f, m->n_layers);
    for (size_t i = 0; i < m->n_layers; i++) {
        const rl_layer *l = &m->layers[i];
        fnv_u64(&f, (uint64_t)l->ops->kind);
        fnv_u64(&f, (uint64_t)l->act);
        fnv_u64(&f, (uint64_t)l->rec_act);
        fnv_u64(&f, (uint64_t)l->return_sequences);
        fnv_u64(&f, l->in);
        fnv_u64(&f, l->units);
        fnv_f32s(&f, l->w, l->n_w);
    }
    const rl_scaler *sc = m->scaler;
    size_t nf = sc ? rl__scaler_features(sc) : 0;
    fnv_u64(&f, sc ? (uint64_t)rl__scaler_kind(sc) : 0);
    fnv_u64(&f, nf);
    if (sc && nf) {
        double range[2];
        rl__scaler_range(sc, &range[0], &range[1]);
        fnv_f64s(&f, range, 2);
        fnv_f64s(&f, rl__scaler_a(sc), nf);
        fnv_f64s(&f, rl__scaler_b(sc), nf);
    }
    /* The transform pipeline, hashed only when there is one, so fingerprints
     * of models without one are those of before pipelines existed. */
    const rl_transform *t = m->transform;
    for (size_t k = 0; t && k < rl__transform_steps(t); k++) {
        rl_transform_step_parts p;
        rl__transform_step(t, k, &p);
        size_t tf = rl__transform_features(t);
        fnv_u64(&f, (uint64_t)p.kind);
        fnv_u64(&f, p.column == RL_ALL_COLUMNS ? UINT64_MAX : (uint64_t)p.column);
        fnv_u64(&f, p.lag);
        double range[2] = { p.range_min, p.range_max };
        fnv_f64s(&f, range, 2);
        if (p.a)
            fnv_f64s(&f, p.a, tf);
        if (p.b)
            fnv_f64s(&f, p.b, tf);
    }
    size_t nt = su_target_count(m);
    fnv_u64(&f, nt);
    for (size_t j = 0; j < nt; j++)
        fnv_u64(&f, su_target_column(m, j));
    return f.h;
}

/* ---- save ------------------------------------------------------------------ */

static size_t saved_floats(const rl_stream *s)
{
    return s->ring_rows * s->n_features + s->state_len + s->n_out + (s->seq_out ? s->n_out : 0);
}

static void put_floats(rl_wbuf *w, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rl__wb_f32(w, v[i]);
}

static void put_stream(rl_wbuf *w, const rl_stream *s)
{
    rl__wb_bytes(w, stream_magic, 8);
    rl__wb_u32(w, STREAM_VERSION);
    rl__wb_u32(w, (uint32_t)s->mode);
    rl__wb_u64(w, s->fingerprint);
    const size_t shape[6] = { s->n_features, s->time_steps, s->history,
                              s->ring_rows,  s->n_out,      s->state_len };
    for (int i = 0; i < 6; i++)
        rl__wb_u64(w, shape[i]);
    rl__wb_u64(w, s->seen);
    rl__wb_u64(w, s->ring_head);
    rl__wb_u32(w, (uint32_t)s->fresh);
    rl__wb_u32(w, 0);
    put_floats(w, s->ring, s->ring_rows * s->n_features);
    put_floats(w, s->state, s->state_len);
    put_floats(w, s->last_out, s->n_out);
    if (s->seq_out)
        put_floats(w, s->seq, s->n_out);
}

rl_status rl_stream_save_buffer(const rl_stream *s, void **buffer, size_t *size)
{
    if (buffer)
        *buffer = NULL;
    if (!s)
        return RL_E_INVALID;
    rl_stream *w = (rl_stream *)s;   /* only its message changes */
    rl__clear_error(w);
    if (!buffer || !size)
        return rl__stream_fail(w, RL_E_INVALID,
                               "rl_stream_save_buffer: buffer and size must not be NULL");
    int ok = 1;
    size_t need = rl__mul(saved_floats(s), 4, &ok) + HEADER_BYTES + 4;
    uint8_t *buf = ok ? rl__calloc(need, 1) : NULL;
    if (!buf)
        return rl__stream_fail(w, RL_E_NOMEM, "rl_stream_save_buffer: out of memory for %zu bytes",
                               need);
    rl_wbuf wb = { buf, need, 0 };
    put_stream(&wb, s);
    rl__wb_u32(&wb, rl__crc32(0, buf, wb.len));
    *buffer = buf;
    *size = wb.len;
    return RL_OK;
}

/* ---- load ------------------------------------------------------------------ */

static rl_status bad(const rl_model *m, const char *what)
{
    return rl__fail(m, RL_E_FORMAT, "rl_stream_load_buffer: %s", what);
}

/* Observations are finite (rl_stream_push refuses others), so a non-finite
 * one marks a corrupt buffer. States and outputs are what the model computed
 * and may have overflowed (a relu SimpleRNN fed huge values): they load as
 * saved, so that a saved stream always loads again. */
static int get_floats(rl_rbuf *r, float *v, size_t n, int finite_only)
{
    for (size_t i = 0; i < n; i++) {
        v[i] = rl__rb_f32(r);
        if (finite_only && !isfinite(v[i]))
            return 0;
    }
    return !r->bad;
}

/* Everything after the checks of magic, version and CRC: into a new stream. */
static rl_status read_stream(rl_rbuf *r, rl_stream **out, const rl_model *m)
{
    uint32_t mode = rl__rb_u32(r);
    uint64_t fingerprint = rl__rb_u64(r);
    uint64_t shape[6];
    for (int i = 0; i < 6; i++)
        shape[i] = rl__rb_u64(r);
    uint64_t seen = rl__rb_u64(r), head = rl__rb_u64(r);
    uint32_t fresh = rl__rb_u32(r), zero = rl__rb_u32(r);
    /* Push stops counting at RL__STREAM_MAX_SEEN, so a larger count is
     * corrupt, and the largest loads (a pushed stream always reloads). */
    if (r->bad || (mode != RL_STREAM_WINDOW && mode != RL_STREAM_STATEFUL) || fresh > 1 || zero ||
        seen > RL__STREAM_MAX_SEEN)
        return bad(m, "the header holds values no stream has (corrupt buffer)");
    if (fingerprint != rl__stream_fingerprint(m))
        return bad(m, "the stream was saved against another model: its architecture, weights, "
                      "scaler or targets differ from this model's");
    rl_stream *s = NULL;
    rl_status st = rl__stream_new(&s, m, (rl_stream_mode)mode);
    if (st != RL_OK)
        return st;
    const size_t want[6] = { s->n_features, s->time_steps, s->history,
                             s->ring_rows,  s->n_out,      s->state_len };
    int ok = head == seen % s->ring_rows && rl__rb_left(r) == saved_floats(s) * 4;
    for (int i = 0; i < 6; i++)
        ok &= shape[i] == want[i];
    if (!ok) {
        rl_stream_destroy(s);
        return bad(m, "the stream's shape does not match this model (or the buffer is cut)");
    }
    s->seen = seen;
    s->ring_head = (size_t)head;
    s->fresh = (int)fresh;
    if (!get_floats(r, s->ring, s->ring_rows * s->n_features, 1) ||
        !get_floats(r, s->state, s->state_len, 0) || !get_floats(r, s->last_out, s->n_out, 0) ||
        (s->seq_out && !get_floats(r, s->seq, s->n_out, 0))) {
        rl_stream_destroy(s);
        return bad(m, "a saved observation is not finite (corrupt buffer)");
    }
    rl__stream_rebuild_cache(s);
    *out = s;
    return RL_OK;
}

rl_status rl_stream_load_buffer(rl_stream **out, const rl_model *m, const void *buffer,
                                size_t size)
{
    if (out)
        *out = NULL;
    if (!m)
        return RL_E_INVALID;
    rl__clear_error((rl_model *)m);   /* the message is not part of the model's value */
    if (!out || !buffer || size == 0)
        return rl__fail(m, RL_E_INVALID,
                        "rl_stream_load_buffer: out and buffer must not be NULL, size not 0");
    if (!m->compiled)
        return rl__fail(m, RL_E_STATE, "rl_stream_load_buffer: compile (or load) the model first");
    if (size < HEADER_BYTES + 4)
        return bad(m, "truncated: shorter than a stream header");
    if (memcmp(buffer, stream_magic, 8) != 0)
        return bad(m, "not a stream buffer (bad magic)");
    rl_rbuf r = rl__rb_make(buffer, size - 4);
    rl_rbuf tail = rl__rb_make((const uint8_t *)buffer + size - 4, 4);
    if (rl__rb_u32(&tail) != rl__crc32(0, buffer, size - 4))
        return bad(m, "truncated or corrupt: the CRC-32 does not match");
    rl__rb_sub(&r, 8);
    uint32_t version = rl__rb_u32(&r);
    if (version != STREAM_VERSION)
        return rl__fail(m, RL_E_FORMAT,
                        "rl_stream_load_buffer: stream format version %u, this library reads %d",
                        (unsigned)version, STREAM_VERSION);
    return read_stream(&r, out, m);
}
