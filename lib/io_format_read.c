/* File image -> model. Nothing read is trusted: every count is bounded
 * before it sizes anything, every length is checked against the bytes
 * present, and the model is rebuilt through the same calls as the API
 * (create, add a layer of the kind the layer table names, compile), which
 * check the shapes again. */
#include "io_format.h"

#include <math.h>
#include <string.h>

#include "activation.h"
#include "alloc.h"
#include "api_model.h"
#include "crc32.h"
#include "io_buf.h"
#include "loss.h"
#include "params.h"
#include "scaler.h"

/* Bit of each known section in a section set. */
enum { S_ARCH, S_PARM, S_COMP, S_WGHT, S_OPTS, S_SCAL, S_TRGT, S_COUNT };

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
    default: return -1;
    }
}

/* Splits the body into sections; unknown optional ones are skipped. */
static rl_status index_sections(rl_rbuf *r, sections *s)
{
    *s = (sections){ 0 };
    while (rl__rb_left(r) > 0) {
        uint32_t tag = rl__rb_u32(r), flags = rl__rb_u32(r);
        uint64_t len = rl__rb_u64(r);
        if (r->bad || len > rl__rb_left(r) || (flags & ~RL__SECTION_REQUIRED))
            return RL_E_FORMAT;
        rl_rbuf body = rl__rb_sub(r, (size_t)len);
        int k = section_index(tag);
        if (k < 0) {
            if (flags & RL__SECTION_REQUIRED)
                return RL_E_FORMAT;
            continue;
        }
        if (s->present & (1u << k))
            return RL_E_FORMAT;
        s->present |= 1u << k;
        s->body[k] = body;
    }
    const unsigned needed = 1u << S_ARCH | 1u << S_PARM | 1u << S_COMP | 1u << S_WGHT;
    return (s->present & needed) == needed ? RL_OK : RL_E_FORMAT;
}

/* A status of the API calls used to rebuild the model, as a load reports it:
 * what they reject as an argument is a bad file here. */
static rl_status as_load_status(rl_status s)
{
    return s == RL_OK || s == RL_E_NOMEM ? s : RL_E_FORMAT;
}

static int activation_ok(uint32_t act)
{
    return act <= INT32_MAX && rl__activation_valid((int)act);
}

/* One ARCH layer record, checked field by field, then added. */
static rl_status read_layer(rl_rbuf *r, rl_model *m)
{
    uint32_t kind = rl__rb_u32(r), act = rl__rb_u32(r), rec_act = rl__rb_u32(r);
    uint32_t seq = rl__rb_u32(r);
    uint64_t in = rl__rb_u64(r), units = rl__rb_u64(r);
    if (r->bad || kind >= RL_LAYER_KIND_COUNT)
        return RL_E_FORMAT;
    const rl_layer_ops *ops = rl__layer_ops((rl_layer_kind)kind);
    size_t width = m->n_layers ? m->layers[m->n_layers - 1].units : m->n_features;
    if (units == 0 || units > RL_MAX_UNITS || in != width || seq > 1 || !activation_ok(act) ||
        !activation_ok(rec_act))
        return RL_E_FORMAT;
    /* Fields a kind does not use are written as 0 and must read as 0. */
    if ((!ops->has_rec_act && rec_act != 0) || (!ops->recurrent && seq != 0))
        return RL_E_FORMAT;
    return as_load_status(rl__api_add_layer(m, (rl_layer_kind)kind, (size_t)units,
                                            (rl_activation)act, (rl_activation)rec_act, (int)seq));
}

static rl_status read_arch(rl_rbuf r, rl_model **out)
{
    uint64_t steps = rl__rb_u64(&r), features = rl__rb_u64(&r), n_layers = rl__rb_u64(&r);
    if (r.bad || steps == 0 || steps > RL_MAX_STEPS || features == 0 ||
        features > RL_MAX_FEATURES || n_layers == 0 || n_layers > RL_MAX_LAYERS ||
        rl__rb_left(&r) != n_layers * RL__ARCH_LAYER_BYTES)
        return RL_E_FORMAT;
    rl_model *m = NULL;
    rl_status s = as_load_status(rl_model_create(&m, (size_t)steps, (size_t)features));
    for (uint64_t i = 0; s == RL_OK && i < n_layers; i++)
        s = read_layer(&r, m);
    if (s != RL_OK) {
        rl_model_destroy(m);
        return s;
    }
    *out = m;
    return RL_OK;
}

/* Whether a per-layer float section of `len` bytes has exactly
 * fixed + sum(8 + 4 * floats_per_weight * n_w) bytes; a size that overflows
 * matches no length. */
static int per_layer_len_ok(const rl_model *m, size_t len, size_t fixed, size_t floats_per_weight)
{
    int ok = 1;
    size_t total = fixed;
    for (size_t i = 0; i < m->n_layers; i++) {
        size_t n = rl__mul(rl__mul(m->layers[i].n_w, floats_per_weight, &ok), 4, &ok);
        if (!ok || n > SIZE_MAX - 8 - total)
            return 0;
        total += 8 + n;
    }
    return len == total;
}

/* Parameters before compile, so compile sees the user's learning rate and
 * seed. Parameters the file has but this library does not know are ignored
 * while at their default and rejected when the user had set them. */
static rl_status read_parm(rl_rbuf r, rl_model *m)
{
    uint32_t count = rl__rb_u32(&r);
    uint64_t set = rl__rb_u64(&r);
    if (r.bad || count == 0 || count > RL__PARAM_MAX || rl__rb_left(&r) != (size_t)count * 8 ||
        (count < 64 && (set >> count) != 0))
        return RL_E_FORMAT;
    for (uint32_t p = 0; p < count; p++) {
        double v = rl__rb_f64(&r);
        if (p >= RL_PARAM_COUNT) {
            if ((set >> p) & 1)
                return RL_E_FORMAT;
            continue;
        }
        if (rl__param_check((rl_param)p, v) != RL_OK)
            return RL_E_FORMAT;
        m->params[p] = v;
    }
    /* Threads are a property of the host, not of the model: a loaded model
     * starts on one thread whatever the file says. */
    m->params[RL_PARAM_THREADS] = 1;
    m->params_set = (unsigned)(set & (((uint64_t)1 << RL_PARAM_COUNT) - 1)) &
                    ~(1u << RL_PARAM_THREADS);
    return RL_OK;
}

static rl_status read_comp_and_compile(rl_rbuf r, rl_model *m)
{
    uint32_t opt = rl__rb_u32(&r), loss = rl__rb_u32(&r);
    if (r.bad || rl__rb_left(&r) != 0 || opt > RL_OPT_RMSPROP || loss > INT32_MAX ||
        !rl__loss_valid((int)loss))
        return RL_E_FORMAT;
    return as_load_status(rl_model_compile(m, (rl_optimizer)opt, (rl_loss)loss));
}

/* Layer i's count field of WGHT or OPTS. */
static int read_layer_count(rl_rbuf *r, const rl_model *m, size_t i)
{
    return rl__rb_u64(r) == m->layers[i].n_w && !r->bad;
}

static rl_status read_wght(rl_rbuf r, rl_model *m)
{
    for (size_t i = 0; i < m->n_layers; i++) {
        rl_layer *l = &m->layers[i];
        if (!read_layer_count(&r, m, i))
            return RL_E_FORMAT;
        for (size_t k = 0; k < l->n_w; k++) {
            l->w[k] = rl__rb_f32(&r);
            if (!isfinite(l->w[k]))
                return RL_E_FORMAT;
        }
    }
    return r.bad || rl__rb_left(&r) ? RL_E_FORMAT : RL_OK;
}

/* Slots are restored as they are: a diverged run can leave them non-finite,
 * and a saved model must load. */
static rl_status read_opts(rl_rbuf r, rl_model *m)
{
    uint64_t steps = rl__rb_u64(&r);
    rl_rng rng;
    for (int k = 0; k < 4; k++)
        rng.s[k] = rl__rb_u64(&r);
    if ((rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3]) == 0)   /* xoshiro's one dead state */
        return RL_E_FORMAT;
    for (size_t i = 0; i < m->n_layers; i++) {
        if (!read_layer_count(&r, m, i))
            return RL_E_FORMAT;
        for (int s = 0; s < 2; s++)
            for (size_t k = 0; k < m->layers[i].n_w; k++)
                m->slots[i].slot[s][k] = rl__rb_f32(&r);
    }
    if (r.bad || rl__rb_left(&r))
        return RL_E_FORMAT;
    m->opt_steps = steps;
    m->rng = rng;
    return RL_OK;
}

static rl_status read_scal(rl_rbuf r, rl_model *m)
{
    uint32_t kind = rl__rb_u32(&r);
    uint64_t n = rl__rb_u64(&r);
    double lo = rl__rb_f64(&r), hi = rl__rb_f64(&r);
    /* The columns must be present before they size an allocation. */
    if (r.bad || (kind != RL__SCALER_MINMAX && kind != RL__SCALER_STANDARD) || n == 0 ||
        n > rl__rb_left(&r) / 16 || rl__rb_left(&r) != n * 16)
        return RL_E_FORMAT;
    double *ab = rl__calloc((size_t)n, 2 * sizeof(double));
    if (!ab)
        return RL_E_NOMEM;
    for (size_t j = 0; j < 2 * n; j++)
        ab[j] = rl__rb_f64(&r);
    rl_scaler *s = NULL;
    rl_status st = rl__scaler_from_parts(&s, (int)kind, lo, hi, (size_t)n, ab, ab + n);
    rl__free(ab);
    if (st != RL_OK)
        return as_load_status(st);
    rl__model_adopt_scaler(m, s);
    return RL_OK;
}

/* Targets through the API call, which checks range, repeats and the output
 * count; the count is bounded by the bytes present before it sizes anything. */
static rl_status read_trgt(rl_rbuf r, rl_model *m)
{
    uint64_t n = rl__rb_u64(&r);
    if (r.bad || n == 0 || n > m->n_features || rl__rb_left(&r) != n * 8)
        return RL_E_FORMAT;
    size_t *cols = rl__calloc((size_t)n, sizeof *cols);
    if (!cols)
        return RL_E_NOMEM;
    rl_status st = RL_OK;
    for (size_t j = 0; j < n; j++) {
        uint64_t c = rl__rb_u64(&r);
        if (c >= m->n_features)
            st = RL_E_FORMAT;
        cols[j] = (size_t)c;
    }
    if (st == RL_OK)
        st = as_load_status(rl_model_set_targets(m, cols, (size_t)n));
    rl__free(cols);
    return st;
}

/* The sections in dependency order. The float sections' lengths are checked
 * against the architecture before compile allocates the weights, so a small
 * file cannot ask for a large allocation. */
static rl_status read_model(const sections *s, rl_model *m)
{
    if (!per_layer_len_ok(m, s->body[S_WGHT].len, 0, 1))
        return RL_E_FORMAT;
    if ((s->present & 1u << S_OPTS) && !per_layer_len_ok(m, s->body[S_OPTS].len, 40, 2))
        return RL_E_FORMAT;
    rl_status st = read_parm(s->body[S_PARM], m);
    if (st == RL_OK)
        st = read_comp_and_compile(s->body[S_COMP], m);
    if (st == RL_OK)
        st = read_wght(s->body[S_WGHT], m);
    if (st == RL_OK && (s->present & 1u << S_OPTS))
        st = read_opts(s->body[S_OPTS], m);
    if (st == RL_OK && (s->present & 1u << S_SCAL))
        st = read_scal(s->body[S_SCAL], m);
    if (st == RL_OK && (s->present & 1u << S_TRGT))
        st = read_trgt(s->body[S_TRGT], m);
    return st;
}

rl_status rl__format_read(rl_model **out, const void *buf, size_t size)
{
    const uint8_t *bytes = buf;
    if (size < RL__FORMAT_HEADER + RL__FORMAT_TRAILER)
        return RL_E_FORMAT;
    rl_rbuf r = rl__rb_make(buf, size - RL__FORMAT_TRAILER);
    rl_rbuf magic = rl__rb_sub(&r, sizeof rl__format_magic);
    uint32_t version = rl__rb_u32(&r);
    uint64_t total = rl__rb_u64(&r);
    if (memcmp(magic.p, rl__format_magic, sizeof rl__format_magic) != 0 ||
        version < RL__FORMAT_VERSION_MIN || version > RL__FORMAT_VERSION || total != size)
        return RL_E_FORMAT;
    rl_rbuf tail = rl__rb_make(bytes + size - RL__FORMAT_TRAILER, RL__FORMAT_TRAILER);
    if (rl__rb_u32(&tail) != rl__crc32(0, bytes, size - RL__FORMAT_TRAILER))
        return RL_E_FORMAT;

    sections s;
    rl_status st = index_sections(&r, &s);
    if (st != RL_OK)
        return st;
    rl_model *m = NULL;
    st = read_arch(s.body[S_ARCH], &m);
    if (st != RL_OK)
        return st;
    st = read_model(&s, m);
    if (st != RL_OK) {
        rl_model_destroy(m);
        return st;
    }
    *out = m;
    return RL_OK;
}
