/* File image -> model. Nothing read is trusted: every count is bounded
 * before it sizes anything, every length is checked against the bytes
 * present, and the model is rebuilt through the same calls as the API
 * (create, add a layer of the kind the layer table names, compile), which
 * check the shapes again. */
#include "io_format.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "activation.h"
#include "alloc.h"
#include "api_model.h"
#include "crc32.h"
#include "io_buf.h"
#include "loss.h"
#include "optim.h"
#include "params.h"
#include "scaler.h"
#include "transform.h"

/* Why a load failed, with the byte offset of the field that is wrong: the
 * message of rl_model_load_detail() and rl_model_last_error()-less loads. */
typedef struct why {
    const uint8_t *base;   /* first byte of the bytes at hand */
    rl_format_error *out;  /* NULL: nobody asked */
    size_t base_offset;    /* offset of `base` in the file */
} why;

/* Offset in the image of the next byte `r` would read. */
static size_t where(const why *w, const rl_rbuf *r)
{
    return w->base_offset + (r->p ? (size_t)(r->p - w->base) + r->pos : 0);
}

/* Records the first reason only (the deepest check that failed speaks first)
 * and returns RL_E_FORMAT. */
static rl_status reject(const why *w, const char *section, size_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static rl_status reject(const why *w, const char *section, size_t offset, const char *fmt, ...)
{
    if (!w->out || w->out->text[0])
        return RL_E_FORMAT;
    int k = snprintf(w->out->text, sizeof w->out->text, "%s at byte %zu: ", section, offset);
    if (k > 0 && (size_t)k < sizeof w->out->text) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->out->text + k, sizeof w->out->text - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return RL_E_FORMAT;
}

/* Bit of each known section in a section set. */
enum { S_ARCH, S_PARM, S_COMP, S_WGHT, S_OPTS, S_SCAL, S_TRGT, S_TRFM, S_COUNT };

static const char *const section_name[S_COUNT] = { "ARCH", "PARM", "COMP", "WGHT", "OPTS", "SCAL",
                                                  "TRGT", "TRFM" };

typedef struct sections {
    rl_rbuf body[S_COUNT];
    unsigned present;
} sections;

static int section_index(uint32_t tag)
{
    switch (tag) {
    case RL__TAG_ARCH: return S_ARCH;
    case RL__TAG_PARM: return S_PARM;
    case RL__TAG_COMP: return S_COMP;
    case RL__TAG_WGHT: return S_WGHT;
    case RL__TAG_OPTS: return S_OPTS;
    case RL__TAG_SCAL: return S_SCAL;
    case RL__TAG_TRGT: return S_TRGT;
    case RL__TAG_TRFM: return S_TRFM;
    default: return -1;
    }
}

/* Splits the body into sections; unknown optional ones are skipped. */
static rl_status index_sections(rl_rbuf *r, sections *s, const why *w)
{
    *s = (sections){ 0 };
    while (rl__rb_left(r) > 0) {
        size_t at = where(w, r);
        uint32_t tag = rl__rb_u32(r), flags = rl__rb_u32(r);
        uint64_t len = rl__rb_u64(r);
        if (r->bad)
            return reject(w, "section header", at, "truncated (16 bytes needed)");
        if (len > rl__rb_left(r))
            return reject(w, "section header", at, "length %llu runs past the end (%zu bytes left)",
                          (unsigned long long)len, rl__rb_left(r));
        if (flags & ~RL__SECTION_REQUIRED)
            return reject(w, "section header", at + 4, "unknown flags 0x%x", (unsigned)flags);
        rl_rbuf body = rl__rb_sub(r, (size_t)len);
        int k = section_index(tag);
        if (k < 0) {
            if (flags & RL__SECTION_REQUIRED)
                return reject(w, "section header", at,
                              "unknown required section 0x%08x (written by a newer rnnlite?)",
                              (unsigned)tag);
            continue;
        }
        if (s->present & (1u << k))
            return reject(w, section_name[k], at, "section appears twice");
        s->present |= 1u << k;
        s->body[k] = body;
    }
    for (int k = S_ARCH; k <= S_WGHT; k++)
        if (!(s->present & 1u << k))
            return reject(w, section_name[k], where(w, r), "required section is missing");
    return RL_OK;
}

/* A status of the API calls used to rebuild the model, as a load reports it:
 * what they reject as an argument is a bad file here. */
static rl_status as_load_status(rl_status s, const why *w, const char *section, size_t at,
                                const char *what)
{
    if (s == RL_OK || s == RL_E_NOMEM)
        return s;
    return reject(w, section, at, "%s rejected: %s", what, rl_status_string(s));
}

static int activation_ok(uint32_t act)
{
    return act <= INT32_MAX && rl__activation_valid((int)act);
}

/* One ARCH layer record, checked field by field, then added. */
static rl_status read_layer(rl_rbuf *r, rl_model *m, size_t index, const why *w)
{
    size_t at = where(w, r);
    uint32_t kind = rl__rb_u32(r), act = rl__rb_u32(r), rec_act = rl__rb_u32(r);
    uint32_t seq = rl__rb_u32(r);
    uint64_t in = rl__rb_u64(r), units = rl__rb_u64(r);
    if (r->bad)
        return reject(w, "ARCH", at, "layer %zu record is truncated", index);
    if (kind >= RL_LAYER_KIND_COUNT)
        return reject(w, "ARCH", at, "layer %zu has unknown kind %u", index, (unsigned)kind);
    const rl_layer_ops *ops = rl__layer_ops((rl_layer_kind)kind);
    size_t width = m->n_layers ? m->layers[m->n_layers - 1].units : m->n_features;
    if (units == 0 || units > RL_MAX_UNITS)
        return reject(w, "ARCH", at + 24, "layer %zu has %llu units (1..%d allowed)", index,
                      (unsigned long long)units, RL_MAX_UNITS);
    if (in != width)
        return reject(w, "ARCH", at + 16, "layer %zu takes %llu inputs, the layer before gives %zu",
                      index, (unsigned long long)in, width);
    if (seq > 1 || (!ops->recurrent && seq != 0))
        return reject(w, "ARCH", at + 12, "layer %zu has return_sequences %u", index,
                      (unsigned)seq);
    if (!activation_ok(act))
        return reject(w, "ARCH", at + 4, "layer %zu has unknown activation %u", index,
                      (unsigned)act);
    /* Fields a kind does not use are written as 0 and must read as 0. */
    if (!activation_ok(rec_act) || (!ops->has_rec_act && rec_act != 0))
        return reject(w, "ARCH", at + 8, "layer %zu has recurrent activation %u", index,
                      (unsigned)rec_act);
    /* An image is at most SIZE_MAX bytes: a layer whose weights need more
     * cannot be in it (with a 32-bit size_t, one LSTM of 30000 units). In
     * 64 bits: units and inputs are at most 2^16, so this cannot overflow. */
    uint64_t rows = 0;
    for (size_t t = 0; t < ops->n_tensors; t++)
        rows += ops->tensors[t].rows == RL_ROWS_INPUT ? in
              : ops->tensors[t].rows == RL_ROWS_UNITS ? units : ops->bias_rows;
    if (rows * ops->gates * units > SIZE_MAX / 4)
        return reject(w, "ARCH", at + 24, "layer %zu needs %llu weights: more than a file can hold"
                      " in this address space", index,
                      (unsigned long long)(rows * ops->gates * units));
    return as_load_status(rl__api_add_layer(m, (rl_layer_kind)kind, (size_t)units,
                                            (rl_activation)act, (rl_activation)rec_act, (int)seq),
                          w, "ARCH", at, "layer");
}

static rl_status read_arch(rl_rbuf r, rl_model **out, const why *w)
{
    size_t at = where(w, &r);
    uint64_t steps = rl__rb_u64(&r), features = rl__rb_u64(&r), n_layers = rl__rb_u64(&r);
    if (r.bad)
        return reject(w, "ARCH", at, "truncated (24 bytes needed)");
    if (steps == 0 || steps > RL_MAX_STEPS)
        return reject(w, "ARCH", at, "time_steps %llu (1..%d allowed)", (unsigned long long)steps,
                      RL_MAX_STEPS);
    if (features == 0 || features > RL_MAX_FEATURES)
        return reject(w, "ARCH", at + 8, "n_features %llu (1..%d allowed)",
                      (unsigned long long)features, RL_MAX_FEATURES);
    if (n_layers == 0 || n_layers > RL_MAX_LAYERS)
        return reject(w, "ARCH", at + 16, "%llu layers (1..%d allowed)",
                      (unsigned long long)n_layers, RL_MAX_LAYERS);
    if (rl__rb_left(&r) != n_layers * RL__ARCH_LAYER_BYTES)
        return reject(w, "ARCH", at + 24, "%zu bytes of layer records for %llu layers", rl__rb_left(&r),
                      (unsigned long long)n_layers);
    rl_model *m = NULL;
    rl_status s = as_load_status(rl_model_create(&m, (size_t)steps, (size_t)features), w, "ARCH",
                                 at, "input shape");
    for (uint64_t i = 0; s == RL_OK && i < n_layers; i++)
        s = read_layer(&r, m, (size_t)i, w);
    if (s != RL_OK) {
        rl_model_destroy(m);
        return s;
    }
    *out = m;
    return RL_OK;
}

/* Bytes of a per-layer float section: fixed + sum(8 + 4 * floats_per_weight
 * * n_w); 0 when that overflows (no length matches it). */
static size_t per_layer_len(const rl_model *m, size_t fixed, size_t floats_per_weight)
{
    int ok = 1;
    size_t total = fixed;
    for (size_t i = 0; i < m->n_layers; i++) {
        size_t n = rl__mul(rl__mul(m->layers[i].n_w, floats_per_weight, &ok), 4, &ok);
        if (!ok || n > SIZE_MAX - 8 - total)
            return 0;
        total += 8 + n;
    }
    return total;
}

/* Parameters before compile, so compile sees the user's learning rate and
 * seed. Parameters the file has but this library does not know are ignored
 * while at their default and rejected when the user had set them. */
static rl_status read_parm(rl_rbuf r, rl_model *m, const why *w)
{
    size_t at = where(w, &r);
    uint32_t count = rl__rb_u32(&r);
    uint64_t set = rl__rb_u64(&r);
    if (r.bad || count == 0 || count > RL__PARAM_MAX || rl__rb_left(&r) != (size_t)count * 8)
        return reject(w, "PARM", at, "%u parameters in %zu bytes", (unsigned)count,
                      rl__rb_left(&r));
    if (count < 64 && (set >> count) != 0)
        return reject(w, "PARM", at + 4, "set mask 0x%llx names parameters past the %u stored",
                      (unsigned long long)set, (unsigned)count);
    for (uint32_t p = 0; p < count; p++) {
        size_t vat = where(w, &r);
        double v = rl__rb_f64(&r);
        if (p >= RL_PARAM_COUNT) {
            if ((set >> p) & 1)
                return reject(w, "PARM", vat, "parameter %u is set but unknown to this version",
                              (unsigned)p);
            continue;
        }
        if (rl__param_check((rl_param)p, v) != RL_OK)
            return reject(w, "PARM", vat, "%s = %g is out of range", rl_param_name((rl_param)p), v);
        m->params[p] = v;
    }
    /* Threads are a property of the host, not of the model: a loaded model
     * starts on one thread whatever the file says. */
    m->params[RL_PARAM_THREADS] = 1;
    m->params_set = (unsigned)(set & (((uint64_t)1 << RL_PARAM_COUNT) - 1)) &
                    ~(1u << RL_PARAM_THREADS);
    return RL_OK;
}

/* Compiles without running the initialisers: the weights come from the
 * file (an orthogonal initialiser is O(units^3): 20 s for an LSTM(2048)). */
static rl_status read_comp_and_compile(rl_rbuf r, rl_model *m, const why *w)
{
    size_t at = where(w, &r);
    uint32_t opt = rl__rb_u32(&r), loss = rl__rb_u32(&r);
    if (r.bad || rl__rb_left(&r) != 0)
        return reject(w, "COMP", at, "8 bytes expected");
    if (opt > INT32_MAX || !rl__optim_valid((int)opt))
        return reject(w, "COMP", at, "unknown optimiser %u", (unsigned)opt);
    if (loss > INT32_MAX || !rl__loss_valid((int)loss))
        return reject(w, "COMP", at + 4, "unknown loss %u", (unsigned)loss);
    m->skip_init = 1;
    rl_status s = rl_model_compile(m, (rl_optimizer)opt, (rl_loss)loss);
    m->skip_init = 0;
    return as_load_status(s, w, "COMP", at, "compile");
}

/* Layer i's count field of WGHT or OPTS. */
static rl_status read_layer_count(rl_rbuf *r, const rl_model *m, size_t i, const char *section,
                                  const why *w)
{
    size_t at = where(w, r);
    uint64_t n = rl__rb_u64(r);
    if (r->bad || n != m->layers[i].n_w)
        return reject(w, section, at, "layer %zu stores %llu weights, its shape has %zu", i,
                      (unsigned long long)n, m->layers[i].n_w);
    return RL_OK;
}

static rl_status read_wght(rl_rbuf r, rl_model *m, const why *w)
{
    for (size_t i = 0; i < m->n_layers; i++) {
        rl_layer *l = &m->layers[i];
        rl_status s = read_layer_count(&r, m, i, "WGHT", w);
        if (s != RL_OK)
            return s;
        size_t at = where(w, &r);
        rl__rb_f32s(&r, l->w, l->n_w);
        if (r.bad)
            break;
        for (size_t k = 0; k < l->n_w; k++)
            if (!isfinite(l->w[k]))
                return reject(w, "WGHT", at + 4 * k, "layer %zu weight %zu is not finite", i, k);
    }
    if (r.bad || rl__rb_left(&r))
        return reject(w, "WGHT", where(w, &r), "length does not match the layers");
    rl__model_weights_changed(m);
    return RL_OK;
}

/* Slots are restored as they are: a diverged run can leave them non-finite,
 * and a saved model must load. */
static rl_status read_opts(rl_rbuf r, rl_model *m, const why *w)
{
    size_t at = where(w, &r);
    uint64_t steps = rl__rb_u64(&r);
    rl_rng rng;
    for (int k = 0; k < 4; k++)
        rng.s[k] = rl__rb_u64(&r);
    if ((rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3]) == 0)   /* xoshiro's one dead state */
        return reject(w, "OPTS", at + 8, "shuffle generator state is all zero");
    for (size_t i = 0; i < m->n_layers; i++) {
        rl_status s = read_layer_count(&r, m, i, "OPTS", w);
        if (s != RL_OK)
            return s;
        for (int k = 0; k < 2; k++)
            rl__rb_f32s(&r, m->slots[i].slot[k], m->layers[i].n_w);
    }
    if (r.bad || rl__rb_left(&r))
        return reject(w, "OPTS", where(w, &r), "length does not match the layers");
    m->opt_steps = steps;
    m->rng = rng;
    return RL_OK;
}

static rl_status read_scal(rl_rbuf r, rl_model *m, const why *w)
{
    size_t at = where(w, &r);
    uint32_t kind = rl__rb_u32(&r);
    uint64_t n = rl__rb_u64(&r);
    double lo = rl__rb_f64(&r), hi = rl__rb_f64(&r);
    if (r.bad || (kind != RL__SCALER_MINMAX && kind != RL__SCALER_STANDARD))
        return reject(w, "SCAL", at, "unknown scaler kind %u", (unsigned)kind);
    /* The columns must be present before they size an allocation. */
    if (n == 0 || n > rl__rb_left(&r) / 16 || rl__rb_left(&r) != n * 16)
        return reject(w, "SCAL", at + 4, "%llu columns in %zu bytes", (unsigned long long)n,
                      rl__rb_left(&r));
    double *ab = rl__calloc((size_t)n, 2 * sizeof(double));
    if (!ab)
        return RL_E_NOMEM;
    for (size_t j = 0; j < 2 * n; j++)
        ab[j] = rl__rb_f64(&r);
    rl_scaler *s = NULL;
    rl_status st = rl__scaler_from_parts(&s, (int)kind, lo, hi, (size_t)n, ab, ab + n);
    rl__free(ab);
    if (st != RL_OK)
        return as_load_status(st, w, "SCAL", at, "scaler");
    rl__model_adopt_scaler(m, s);
    return RL_OK;
}

/* Targets as the model held them: range and repeats are checked here, the
 * output count is not. A model may hold targets set before its last layer
 * (rl_forecast then says RL_E_STATE); refusing them here would make a saved
 * model fail to load. The count is bounded by the bytes present before it
 * sizes anything. */
static rl_status read_trgt(rl_rbuf r, rl_model *m, const why *w)
{
    size_t at = where(w, &r);
    uint64_t n = rl__rb_u64(&r);
    if (r.bad || n == 0 || n > m->n_features || rl__rb_left(&r) != n * 8)
        return reject(w, "TRGT", at, "%llu target columns in %zu bytes (model has %zu features)",
                      (unsigned long long)n, rl__rb_left(&r), m->n_features);
    size_t *cols = rl__calloc((size_t)n, sizeof *cols);
    if (!cols)
        return RL_E_NOMEM;
    rl_status st = RL_OK;
    for (size_t j = 0; j < n; j++) {
        size_t cat = where(w, &r);
        uint64_t c = rl__rb_u64(&r);
        if (c >= m->n_features && st == RL_OK)
            st = reject(w, "TRGT", cat, "target column %llu of %zu features",
                        (unsigned long long)c, m->n_features);
        cols[j] = (size_t)c;
        for (size_t k = 0; k < j && st == RL_OK; k++)
            if (cols[k] == cols[j])
                st = reject(w, "TRGT", cat, "target column %zu listed twice", cols[j]);
    }
    if (st == RL_OK && rl__model_set_targets(m, cols, (size_t)n) != RL_OK)
        st = RL_E_NOMEM;
    rl__free(cols);
    return st;
}

/* TRFM: n_features, n_steps, then per step kind, 0, column (all ones: every
 * column), lag, range_min, range_max and, for scaling steps, n_features
 * values of a then of b. Every count is bounded by the bytes present. */
static rl_status read_trfm(rl_rbuf r, rl_model *m, const why *w)
{
    enum { MAX_STEPS = 64 };
    size_t at = where(w, &r);
    uint64_t nf = rl__rb_u64(&r), n = rl__rb_u64(&r);
    if (r.bad || nf != m->n_features || n > MAX_STEPS)
        return reject(w, "TRFM", at, "%llu columns (model has %zu), %llu steps (at most %d)",
                      (unsigned long long)nf, m->n_features, (unsigned long long)n, MAX_STEPS);
    rl_transform_step_parts parts[MAX_STEPS];
    double *stats[MAX_STEPS] = { 0 };
    rl_status st = RL_OK;
    size_t k = 0;
    for (; k < n && st == RL_OK; k++) {
        rl_transform_step_parts *p = &parts[k];
        uint32_t kind = rl__rb_u32(&r), zero = rl__rb_u32(&r);
        uint64_t col = rl__rb_u64(&r), lag = rl__rb_u64(&r);
        *p = (rl_transform_step_parts){ .kind = (int)kind, .lag = (size_t)lag };
        p->column = col == UINT64_MAX ? RL_ALL_COLUMNS : col < nf ? (size_t)col : (size_t)nf;
        p->range_min = rl__rb_f64(&r);
        p->range_max = rl__rb_f64(&r);
        if (r.bad || zero != 0 || lag > 100000) {
            st = reject(w, "TRFM", at, "step %zu: bad header or lag %llu", k, (unsigned long long)lag);
            break;
        }
        if (kind != RL__STEP_MINMAX && kind != RL__STEP_STANDARD)
            continue;
        if (rl__rb_left(&r) / 16 < nf) {
            st = reject(w, "TRFM", at, "step %zu: statistics of %llu columns missing", k,
                        (unsigned long long)nf);
            break;
        }
        stats[k] = rl__calloc((size_t)nf, 2 * sizeof(double));
        if (!stats[k]) {
            st = RL_E_NOMEM;
            break;
        }
        for (size_t j = 0; j < 2 * nf; j++)
            stats[k][j] = rl__rb_f64(&r);
        p->a = stats[k];
        p->b = stats[k] + nf;
    }
    if (st == RL_OK && (r.bad || rl__rb_left(&r)))
        st = reject(w, "TRFM", at, "payload length does not match its %llu steps", (unsigned long long)n);
    rl_transform *t = NULL;
    if (st == RL_OK)
        st = as_load_status(rl__transform_from_parts(&t, (size_t)nf, parts, (size_t)n), w,
                            "TRFM", at, "transform pipeline");
    for (size_t i = 0; i < MAX_STEPS; i++)
        rl__free(stats[i]);
    if (st != RL_OK)
        return st;
    rl__model_adopt_transform(m, t);
    return RL_OK;
}

/* The sections in dependency order. The float sections' lengths are checked
 * against the architecture before compile allocates the weights, so a small
 * file cannot ask for a large allocation. */
static rl_status read_model(const sections *s, rl_model *m, const why *w)
{
    size_t need = per_layer_len(m, 0, 1);
    if (s->body[S_WGHT].len != need || need == 0)
        return reject(w, "WGHT", where(w, &s->body[S_WGHT]), "%zu bytes, the layers need %zu",
                      s->body[S_WGHT].len, need);
    need = per_layer_len(m, 40, 2);
    if ((s->present & 1u << S_OPTS) && (s->body[S_OPTS].len != need || need == 0))
        return reject(w, "OPTS", where(w, &s->body[S_OPTS]), "%zu bytes, the layers need %zu",
                      s->body[S_OPTS].len, need);
    rl_status st = read_parm(s->body[S_PARM], m, w);
    if (st == RL_OK)
        st = read_comp_and_compile(s->body[S_COMP], m, w);
    if (st == RL_OK)
        st = read_wght(s->body[S_WGHT], m, w);
    if (st == RL_OK && (s->present & 1u << S_OPTS))
        st = read_opts(s->body[S_OPTS], m, w);
    if (st == RL_OK && (s->present & 1u << S_SCAL))
        st = read_scal(s->body[S_SCAL], m, w);
    if (st == RL_OK && (s->present & 1u << S_TRGT))
        st = read_trgt(s->body[S_TRGT], m, w);
    if (st == RL_OK && (s->present & 1u << S_TRFM)) {
        /* One pipeline per model, as the API keeps it. */
        st = (s->present & 1u << S_SCAL)
                 ? reject(w, "TRFM", 0, "a file carries a scaler or a pipeline, not both")
                 : read_trfm(s->body[S_TRFM], m, w);
    }
    return st;
}

rl_status rl__format_check_header(const void *buf, size_t len, uint64_t size,
                                  rl_format_error *err)
{
    const why w = { buf, err, 0 };
    if (len < RL__FORMAT_HEADER || size < RL__FORMAT_HEADER + RL__FORMAT_TRAILER)
        return reject(&w, "header", 0, "%llu bytes is too short for a model file",
                      (unsigned long long)size);
    rl_rbuf r = rl__rb_make(buf, RL__FORMAT_HEADER);
    rl_rbuf magic = rl__rb_sub(&r, sizeof rl__format_magic);
    uint32_t version = rl__rb_u32(&r);
    uint64_t total = rl__rb_u64(&r);
    if (memcmp(magic.p, rl__format_magic, sizeof rl__format_magic) != 0)
        return reject(&w, "header", 0, "not an rnnlite model (wrong magic)");
    if (version < RL__FORMAT_VERSION_MIN || version > RL__FORMAT_VERSION)
        return reject(&w, "header", 8, "format version %u (this library reads %u to %u)",
                      (unsigned)version, RL__FORMAT_VERSION_MIN, RL__FORMAT_VERSION);
    if (total != size)
        return reject(&w, "header", 12, "declares %llu bytes but %llu are present (truncated?)",
                      (unsigned long long)total, (unsigned long long)size);
    return RL_OK;
}

rl_status rl__format_read(rl_model **out, const void *buf, size_t size, rl_format_error *err)
{
    const why w = { buf, err, 0 };
    if (err)
        err->text[0] = '\0';
    const uint8_t *bytes = buf;
    rl_status st = rl__format_check_header(buf, size, size, err);
    if (st != RL_OK)
        return st;
    rl_rbuf tail = rl__rb_make(bytes + size - RL__FORMAT_TRAILER, RL__FORMAT_TRAILER);
    if (rl__rb_u32(&tail) != rl__crc32(0, bytes, size - RL__FORMAT_TRAILER))
        return reject(&w, "trailer", size - RL__FORMAT_TRAILER,
                      "CRC-32 does not match the contents (corrupted)");

    rl_rbuf r = rl__rb_make(buf, size - RL__FORMAT_TRAILER);
    (void)rl__rb_sub(&r, RL__FORMAT_HEADER);
    sections s;
    st = index_sections(&r, &s, &w);
    if (st != RL_OK)
        return st;
    rl_model *m = NULL;
    st = read_arch(s.body[S_ARCH], &m, &w);
    if (st != RL_OK)
        return st;
    st = read_model(&s, m, &w);
    if (st != RL_OK) {
        rl_model_destroy(m);
        return st;
    }
    *out = m;
    return RL_OK;
}

rl_status rl__format_layer_bytes(const void *arch, size_t len, size_t offset, uint64_t *bytes,
                                 rl_format_error *err)
{
    const why w = { arch, err, offset };
    rl_model *m = NULL;
    rl_status st = read_arch(rl__rb_make(arch, len), &m, &w);
    if (st != RL_OK)
        return st;
    size_t wght = per_layer_len(m, 0, 1), opts = per_layer_len(m, 40, 2);
    rl_model_destroy(m);
    if (wght == 0 || opts == 0 || wght > SIZE_MAX - opts)
        return reject(&w, "ARCH", offset, "the layers' weights overflow the address space");
    *bytes = (uint64_t)wght + opts;
    return RL_OK;
}
