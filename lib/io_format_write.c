/* Model -> file image. Every section is produced by one function that is
 * run twice: once on a counting writer for its length, once for real. */
#include "io_format.h"

#include "crc32.h"
#include "io_buf.h"
#include "optim.h"
#include "scaler.h"
#include "transform.h"

const uint8_t rl__format_magic[8] = { 0x89, 'R', 'L', 'M', '\r', '\n', 0x1a, '\n' };

typedef void (*section_fn)(rl_wbuf *w, const rl_model *m);

static void put_arch(rl_wbuf *w, const rl_model *m)
{
    rl__wb_u64(w, m->time_steps);
    rl__wb_u64(w, m->n_features);
    rl__wb_u64(w, m->n_layers);
    for (size_t i = 0; i < m->n_layers; i++) {
        const rl_layer *l = &m->layers[i];
        rl__wb_u32(w, (uint32_t)l->ops->kind);
        rl__wb_u32(w, (uint32_t)l->act);
        rl__wb_u32(w, (uint32_t)l->rec_act);
        rl__wb_u32(w, (uint32_t)l->return_sequences);
        rl__wb_u64(w, l->in);
        rl__wb_u64(w, l->units);
    }
}

static void put_parm(rl_wbuf *w, const rl_model *m)
{
    _Static_assert(RL_PARAM_COUNT <= RL__PARAM_MAX, "the PARM set mask holds 64 parameters");
    rl__wb_u32(w, RL_PARAM_COUNT);
    rl__wb_u64(w, m->params_set);
    for (int p = 0; p < RL_PARAM_COUNT; p++)
        rl__wb_f64(w, m->params[p]);
}

static void put_comp(rl_wbuf *w, const rl_model *m)
{
    rl__wb_u32(w, (uint32_t)m->opt);
    rl__wb_u32(w, (uint32_t)m->loss);
}

static void put_floats(rl_wbuf *w, const float *v, size_t n)
{
    if (!w->p) {   /* counting pass */
        w->len += 4 * n;
        return;
    }
    for (size_t k = 0; k < n; k++)
        rl__wb_f32(w, v[k]);
}

static void put_wght(rl_wbuf *w, const rl_model *m)
{
    for (size_t i = 0; i < m->n_layers; i++) {
        rl__wb_u64(w, m->layers[i].n_w);
        put_floats(w, m->layers[i].w, m->layers[i].n_w);
    }
}

static void put_opts(rl_wbuf *w, const rl_model *m)
{
    _Static_assert(RL_OPTIM_SLOTS == 2, "OPTS stores two slots per weight");
    rl__wb_u64(w, m->opt_steps);
    for (int k = 0; k < 4; k++)
        rl__wb_u64(w, m->rng.s[k]);
    for (size_t i = 0; i < m->n_layers; i++) {
        size_t n = m->layers[i].n_w;
        rl__wb_u64(w, n);
        put_floats(w, m->slots[i].slot[0], n);
        put_floats(w, m->slots[i].slot[1], n);
    }
}

static void put_scal(rl_wbuf *w, const rl_model *m)
{
    const rl_scaler *s = m->scaler;
    size_t n = rl__scaler_features(s);
    double lo, hi;
    rl__scaler_range(s, &lo, &hi);
    const double *a = rl__scaler_a(s), *b = rl__scaler_b(s);
    rl__wb_u32(w, (uint32_t)rl__scaler_kind(s));
    rl__wb_u64(w, n);
    rl__wb_f64(w, lo);
    rl__wb_f64(w, hi);
    for (size_t j = 0; j < n; j++)
        rl__wb_f64(w, a[j]);
    for (size_t j = 0; j < n; j++)
        rl__wb_f64(w, b[j]);
}

static void put_trgt(rl_wbuf *w, const rl_model *m)
{
    rl__wb_u64(w, m->n_targets);
    for (size_t j = 0; j < m->n_targets; j++)
        rl__wb_u64(w, m->targets[j]);
}

static void put_trfm(rl_wbuf *w, const rl_model *m)
{
    const rl_transform *t = m->transform;
    size_t nf = rl__transform_features(t), n = rl__transform_steps(t);
    rl__wb_u64(w, nf);
    rl__wb_u64(w, n);
    for (size_t k = 0; k < n; k++) {
        rl_transform_step_parts p;
        rl__transform_step(t, k, &p);
        rl__wb_u32(w, (uint32_t)p.kind);
        rl__wb_u32(w, 0);
        rl__wb_u64(w, p.column == RL_ALL_COLUMNS ? UINT64_MAX : (uint64_t)p.column);
        rl__wb_u64(w, p.lag);
        rl__wb_f64(w, p.range_min);
        rl__wb_f64(w, p.range_max);
        for (size_t j = 0; p.a && j < nf; j++)
            rl__wb_f64(w, p.a[j]);
        for (size_t j = 0; p.b && j < nf; j++)
            rl__wb_f64(w, p.b[j]);
    }
}

static void put_section(rl_wbuf *w, uint32_t tag, uint32_t flags, const rl_model *m,
                        section_fn fn)
{
    rl_wbuf count = { 0 };
    fn(&count, m);
    rl__wb_u32(w, tag);
    rl__wb_u32(w, flags);
    rl__wb_u64(w, count.len);
    fn(w, m);
}

/* Header and sections; the caller appends the CRC. */
static void put_file(rl_wbuf *w, const rl_model *m, unsigned flags, uint64_t total)
{
    rl__wb_bytes(w, rl__format_magic, sizeof rl__format_magic);
    rl__wb_u32(w, RL__FORMAT_VERSION);
    rl__wb_u64(w, total);
    put_section(w, RL__TAG_ARCH, RL__SECTION_REQUIRED, m, put_arch);
    put_section(w, RL__TAG_PARM, RL__SECTION_REQUIRED, m, put_parm);
    put_section(w, RL__TAG_COMP, RL__SECTION_REQUIRED, m, put_comp);
    put_section(w, RL__TAG_WGHT, RL__SECTION_REQUIRED, m, put_wght);
    /* Training state: a reader that only predicts may skip it, and an
     * inference-only save leaves it out. */
    if (!(flags & RL_SAVE_INFERENCE_ONLY))
        put_section(w, RL__TAG_OPTS, 0, m, put_opts);
    /* Predictions mean nothing without the scaling they were trained on. */
    if (m->scaler)
        put_section(w, RL__TAG_SCAL, RL__SECTION_REQUIRED, m, put_scal);
    /* Which columns the outputs forecast is part of what they mean. */
    if (m->n_targets)
        put_section(w, RL__TAG_TRGT, RL__SECTION_REQUIRED, m, put_trgt);
    if (m->transform)
        put_section(w, RL__TAG_TRFM, RL__SECTION_REQUIRED, m, put_trfm);
}

size_t rl__format_size(const rl_model *m, unsigned flags)
{
    rl_wbuf count = { 0 };
    put_file(&count, m, flags, 0);
    return count.len + RL__FORMAT_TRAILER;
}

void rl__format_write(const rl_model *m, unsigned flags, void *buf)
{
    size_t total = rl__format_size(m, flags);
    rl_wbuf w = { .p = buf, .cap = total };
    put_file(&w, m, flags, total);
    rl__wb_u32(&w, rl__crc32(0, buf, w.len));
}
