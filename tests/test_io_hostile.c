/* Loading untrusted bytes: every truncation and every single-byte change of
 * a small model file is rejected (the CRC); the same changes with the CRC
 * fixed up give an error or a valid model, never a crash (run under ASan);
 * hand-made files with the CRC recomputed show that the structural checks,
 * not the CRC, reject huge counts, unknown kinds, broken layer chains,
 * wrong weight counts and NaN weights; the compatibility rules of
 * docs/format.md (optional and required sections, older and newer PARM);
 * and allocation failures during a load. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "crc32.h"
#include "model.h"
#include "rnnlite/rnnlite.h"

#define STEPS 3
#define FEATURES 2
#define N_SAMPLES 10

/* ---- a small model and its file ----------------------------------------- */

/* LSTM(2, sequences) -> GRU(2) -> Dense(1) with a non-default RHO; when
 * trained (one epoch) it also gets a MinMax scaler: every section is present. */
static rl_model *small_model(int trained)
{
    rl_model *m = NULL;
    float x[N_SAMPLES * STEPS * FEATURES], y[N_SAMPLES];
    tu_fill_uniform(x, N_SAMPLES * STEPS * FEATURES, 5, -1, 1);
    tu_fill_uniform(y, N_SAMPLES, 6, -1, 1);
    assert_int_equal(rl_model_create(&m, STEPS, FEATURES), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, 2, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, 2, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_RHO, 0.7), RL_OK);
    assert_int_equal(rl_model_compile(m, RL_OPT_RMSPROP, RL_LOSS_MSE), RL_OK);
    if (!trained)
        return m;
    assert_int_equal(rl_fit(m, x, y, N_SAMPLES, 1, 4), RL_OK);
    rl_scaler *s = NULL;
    assert_int_equal(rl_scaler_create_minmax(&s, 0, 1), RL_OK);
    assert_int_equal(rl_scaler_fit(s, x, N_SAMPLES * STEPS, FEATURES), RL_OK);
    assert_int_equal(rl_model_set_scaler(m, s), RL_OK);
    rl_scaler_destroy(s);
    return m;
}

static unsigned char *small_file(size_t *size)
{
    rl_model *m = small_model(1);
    void *buf;
    assert_int_equal(rl_model_save_buffer(m, &buf, size), RL_OK);
    rl_model_destroy(m);
    return buf;
}

/* ---- loading and checking -------------------------------------------------- */

/* A loaded model must work: predict on an input of its shape. */
static void exercise(rl_model *m)
{
    size_t steps, features, out_steps, units;
    assert_int_equal(rl_model_input_shape(m, &steps, &features), RL_OK);
    assert_int_equal(rl_model_output_shape(m, &out_steps, &units), RL_OK);
    if (steps * features > 4096 || out_steps * units > 4096)
        return;   /* a valid but large shape: loading it was the point */
    float *x = calloc(2 * steps * features, sizeof(float));
    float *y = calloc(2 * out_steps * units, sizeof(float));
    tu_fill_uniform(x, 2 * steps * features, 9, -1, 1);
    assert_int_equal(rl_predict(m, x, 2, y, 2 * out_steps * units), RL_OK);
    free(x);
    free(y);
}

/* Loads the bytes; returns the status; a model that loads is exercised. */
static rl_status try_load(const void *buf, size_t size)
{
    rl_model *m = (rl_model *)&m;   /* poisoned: must come back NULL on failure */
    rl_status s = rl_model_load_buffer(&m, buf, size);
    if (s == RL_OK) {
        assert_non_null(m);
        exercise(m);
        rl_model_destroy(m);
    } else {
        assert_null(m);
    }
    return s;
}

static void fix_crc(unsigned char *b, size_t size)
{
    tu_put_le(b + size - 4, rl__crc32(0, b, size - 4), 4);
}

/* ---- a file as a list of sections, to edit and reassemble ---------------- */

#define MAX_SECTIONS 16

typedef struct section {
    char tag[5];
    uint32_t flags;
    unsigned char *data;
    size_t len;
} section;

typedef struct file {
    uint32_t version;
    section s[MAX_SECTIONS];
    size_t n;
} file;

static void parse(file *f, const unsigned char *b, size_t size)
{
    memset(f, 0, sizeof *f);
    f->version = (uint32_t)tu_get_le(b + 8, 4);
    size_t at = 20;
    while (at < size - 4) {
        assert_true(f->n < MAX_SECTIONS);
        section *s = &f->s[f->n++];
        memcpy(s->tag, b + at, 4);
        s->tag[4] = '\0';
        s->flags = (uint32_t)tu_get_le(b + at + 4, 4);
        s->len = (size_t)tu_get_le(b + at + 8, 8);
        s->data = calloc(s->len + 64, 1);   /* room to grow in place */
        memcpy(s->data, b + at + 16, s->len);
        at += 16 + s->len;
    }
    assert_int_equal(at, size - 4);
}

static void release(file *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->s[i].data);
}

/* Header, sections and a correct CRC: only the structural checks can object. */
static unsigned char *assemble(const file *f, size_t *size)
{
    size_t total = 24;
    for (size_t i = 0; i < f->n; i++)
        total += 16 + f->s[i].len;
    unsigned char *b = malloc(total);
    static const unsigned char magic[8] = { 0x89, 'R', 'L', 'M', 0x0d, 0x0a, 0x1a, 0x0a };
    memcpy(b, magic, 8);
    tu_put_le(b + 8, f->version, 4);
    tu_put_le(b + 12, total, 8);
    size_t at = 20;
    for (size_t i = 0; i < f->n; i++) {
        memcpy(b + at, f->s[i].tag, 4);
        tu_put_le(b + at + 4, f->s[i].flags, 4);
        tu_put_le(b + at + 8, f->s[i].len, 8);
        memcpy(b + at + 16, f->s[i].data, f->s[i].len);
        at += 16 + f->s[i].len;
    }
    fix_crc(b, total);
    *size = total;
    return b;
}

static section *find(file *f, const char *tag)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->s[i].tag, tag) == 0)
            return &f->s[i];
    fail_msg("no section %s", tag);
    return NULL;
}

static void drop(file *f, const char *tag)
{
    section *s = find(f, tag);
    free(s->data);
    size_t i = (size_t)(s - f->s);
    memmove(&f->s[i], &f->s[i + 1], (f->n - i - 1) * sizeof *s);
    f->n--;
}

static rl_status load_file(const file *f)
{
    size_t size;
    unsigned char *b = assemble(f, &size);
    rl_status s = try_load(b, size);
    free(b);
    return s;
}

/* ---- every prefix, every byte -------------------------------------------- */

static void test_every_truncation_is_rejected(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    assert_int_equal(try_load(b, size), RL_OK);
    for (size_t n = 0; n < size; n++) {
        unsigned char *prefix = malloc(n ? n : 1);   /* exact size: ASan sees any over-read */
        memcpy(prefix, b, n);
        assert_int_equal(try_load(prefix, n), RL_E_FORMAT);
        free(prefix);
    }
    rl_free(b);
}

/* CRC-32 detects every error burst of up to 32 bits: each changed byte must
 * be caught, whichever field it hits. */
static void test_every_byte_change_is_rejected(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    for (size_t i = 0; i < size; i++) {
        for (int how = 0; how < 2; how++) {
            unsigned char keep = b[i];
            b[i] = how ? (unsigned char)(keep + 1) : (unsigned char)(keep ^ 0xff);
            assert_int_equal(try_load(b, size), RL_E_FORMAT);
            b[i] = keep;
        }
    }
    rl_free(b);
}

/* With the CRC recomputed, a changed byte reaches the parser: it must give
 * an error or a model that works, and the container fields always an error. */
static void test_every_byte_change_with_valid_crc(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    size_t accepted = 0, rejected = 0;
    for (size_t i = 0; i < size - 4; i++) {
        for (int how = 0; how < 3; how++) {
            unsigned char keep = b[i];
            b[i] = how == 0 ? (unsigned char)(keep ^ 0xff)
                 : how == 1 ? (unsigned char)(keep + 1) : (unsigned char)(keep ^ 0x80);
            fix_crc(b, size);
            rl_status s = try_load(b, size);
            assert_true(s == RL_OK || s == RL_E_FORMAT);
            if (i < 20)   /* magic, version, total size */
                assert_int_equal(s, RL_E_FORMAT);
            if (s == RL_OK)
                accepted++;
            else
                rejected++;
            b[i] = keep;
        }
    }
    fix_crc(b, size);
    assert_int_equal(try_load(b, size), RL_OK);
    /* Most bytes are weights and optimiser state, which take any finite value. */
    assert_true(accepted > 0 && rejected > 0);
    rl_free(b);
}

/* ---- hand-made hostile fields --------------------------------------------- */

typedef struct mutation {
    const char *what;
    const char *tag;
    size_t offset;     /* in the section's payload */
    int width;         /* 4 or 8 bytes */
    uint64_t value;
    rl_status expect;
} mutation;

#define L(i, field) (24 + 32 * (i) + (field))   /* ARCH layer record fields */
#define KIND 0
#define ACT 4
#define REC 8
#define SEQ 12
#define IN 16
#define UNITS 24
#define BIG (UINT64_C(1) << 63)
#define F32_NAN 0x7fc00000u
#define F32_INF 0x7f800000u
#define F64_NAN UINT64_C(0x7ff8000000000000)

/* Payload offsets in the small model: WGHT layer 0 count at 0, weights from
 * 8; OPTS steps at 0, rng at 8..39, layer 0 count at 40; SCAL kind 0, n 4,
 * range 12 and 20, a from 28, b from 28 + 8n. */
static const mutation mutations[] = {
    { "time_steps 0", "ARCH", 0, 8, 0, RL_E_FORMAT },
    { "time_steps 2^63", "ARCH", 0, 8, BIG, RL_E_FORMAT },
    { "time_steps over the limit", "ARCH", 0, 8, RL_MAX_STEPS + 1, RL_E_FORMAT },
    { "time_steps at the limit", "ARCH", 0, 8, RL_MAX_STEPS, RL_OK },
    { "n_features 0", "ARCH", 8, 8, 0, RL_E_FORMAT },
    { "n_features 2^63", "ARCH", 8, 8, BIG, RL_E_FORMAT },
    { "n_features 3 (chain)", "ARCH", 8, 8, 3, RL_E_FORMAT },
    { "n_layers 0", "ARCH", 16, 8, 0, RL_E_FORMAT },
    { "n_layers 2", "ARCH", 16, 8, 2, RL_E_FORMAT },
    { "n_layers 4", "ARCH", 16, 8, 4, RL_E_FORMAT },
    { "n_layers 65", "ARCH", 16, 8, RL_MAX_LAYERS + 1, RL_E_FORMAT },
    { "n_layers 2^63", "ARCH", 16, 8, BIG, RL_E_FORMAT },
    { "n_layers 2^64-1", "ARCH", 16, 8, UINT64_MAX, RL_E_FORMAT },
    { "unknown layer kind", "ARCH", L(0, KIND), 4, RL_LAYER_KIND_COUNT, RL_E_FORMAT },
    { "layer kind 2^32-1", "ARCH", L(1, KIND), 4, UINT32_MAX, RL_E_FORMAT },
    { "LSTM read as GRU", "ARCH", L(0, KIND), 4, RL_LAYER_GRU, RL_E_FORMAT },
    { "unknown activation", "ARCH", L(0, ACT), 4, 5, RL_E_FORMAT },
    { "activation 2^31", "ARCH", L(0, ACT), 4, UINT32_C(1) << 31, RL_E_FORMAT },
    { "unknown recurrent activation", "ARCH", L(1, REC), 4, 9, RL_E_FORMAT },
    { "Dense with a recurrent activation", "ARCH", L(2, REC), 4, RL_ACT_SIGMOID, RL_E_FORMAT },
    { "Dense returning sequences", "ARCH", L(2, SEQ), 4, 1, RL_E_FORMAT },
    { "return_sequences 2", "ARCH", L(0, SEQ), 4, 2, RL_E_FORMAT },
    { "GRU after a vector (chain)", "ARCH", L(0, SEQ), 4, 0, RL_E_FORMAT },
    { "input width mismatch (chain)", "ARCH", L(1, IN), 8, 3, RL_E_FORMAT },
    { "input width 2^63", "ARCH", L(2, IN), 8, BIG, RL_E_FORMAT },
    { "units 0", "ARCH", L(0, UNITS), 8, 0, RL_E_FORMAT },
    { "units 2^63", "ARCH", L(2, UNITS), 8, BIG, RL_E_FORMAT },
    { "units over the limit", "ARCH", L(2, UNITS), 8, RL_MAX_UNITS + 1, RL_E_FORMAT },
    { "units at the limit, weights absent", "ARCH", L(2, UNITS), 8, RL_MAX_UNITS, RL_E_FORMAT },
    { "units 3, chain broken", "ARCH", L(0, UNITS), 8, 3, RL_E_FORMAT },
    { "activation of the last layer changed", "ARCH", L(2, ACT), 4, RL_ACT_RELU, RL_OK },

    { "PARM count 0", "PARM", 0, 4, 0, RL_E_FORMAT },
    { "PARM count 65", "PARM", 0, 4, 65, RL_E_FORMAT },
    { "PARM count 2^32-1", "PARM", 0, 4, UINT32_MAX, RL_E_FORMAT },
    { "PARM set bit beyond count", "PARM", 4, 8, UINT64_C(1) << RL_PARAM_COUNT, RL_E_FORMAT },
    { "learning rate NaN", "PARM", 12, 8, F64_NAN, RL_E_FORMAT },
    { "beta1 1.0", "PARM", 12 + 8 * RL_PARAM_BETA1, 8, UINT64_C(0x3ff0000000000000),
      RL_E_FORMAT },
    { "seed 0.5", "PARM", 12 + 8 * RL_PARAM_SEED, 8, UINT64_C(0x3fe0000000000000),
      RL_E_FORMAT },
    { "threads 128", "PARM", 12 + 8 * RL_PARAM_THREADS, 8, UINT64_C(0x4060000000000000),
      RL_E_FORMAT },
    { "threads 8 (ignored)", "PARM", 12 + 8 * RL_PARAM_THREADS, 8,
      UINT64_C(0x4020000000000000), RL_OK },

    { "optimizer 3", "COMP", 0, 4, 3, RL_E_FORMAT },
    { "optimizer 2^32-1", "COMP", 0, 4, UINT32_MAX, RL_E_FORMAT },
    { "loss 3", "COMP", 4, 4, 3, RL_E_FORMAT },

    { "weight count + 1", "WGHT", 0, 8, 41, RL_E_FORMAT },
    { "weight count 2^63", "WGHT", 0, 8, BIG, RL_E_FORMAT },
    { "NaN weight", "WGHT", 8, 4, F32_NAN, RL_E_FORMAT },
    { "Inf weight", "WGHT", 12, 4, F32_INF, RL_E_FORMAT },
    { "-Inf weight", "WGHT", 16, 4, F32_INF | 0x80000000u, RL_E_FORMAT },
    { "subnormal weight", "WGHT", 8, 4, 1, RL_OK },

    { "rng state all zero", "OPTS", 8, 8, 0, RL_OK },   /* one word: still fine */
    { "opt_steps 2^64-1", "OPTS", 0, 8, UINT64_MAX, RL_OK },
    { "slot count mismatch", "OPTS", 40, 8, 39, RL_E_FORMAT },
    { "NaN slot (a diverged run's state)", "OPTS", 48, 4, F32_NAN, RL_OK },

    { "scaler kind 0", "SCAL", 0, 4, 0, RL_E_FORMAT },
    { "scaler kind 3", "SCAL", 0, 4, 3, RL_E_FORMAT },
    { "scaler features 0", "SCAL", 4, 8, 0, RL_E_FORMAT },
    { "scaler features 2^63", "SCAL", 4, 8, BIG, RL_E_FORMAT },
    { "scaler features 3", "SCAL", 4, 8, 3, RL_E_FORMAT },
    { "scaler range empty", "SCAL", 20, 8, 0, RL_E_FORMAT },   /* max = 0 = min */
    { "scaler column min NaN", "SCAL", 28, 8, F64_NAN, RL_E_FORMAT },
};

/* The largest allocation a load asks for, and a switch to fail allocations. */
typedef struct alloc_watch {
    size_t largest, count, fail_at;   /* fail the allocation numbered fail_at (from 0) */
    int failing;
} alloc_watch;

static int watch(size_t bytes, void *user)
{
    alloc_watch *w = user;
    if (bytes > w->largest)
        w->largest = bytes;
    return w->failing && w->count++ == w->fail_at;
}

static void test_hostile_fields(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    file base;
    parse(&base, b, size);
    assert_int_equal(load_file(&base), RL_OK);
    for (size_t k = 0; k < sizeof mutations / sizeof mutations[0]; k++) {
        const mutation *mu = &mutations[k];
        section *s = find(&base, mu->tag);
        assert_true(mu->offset + (size_t)mu->width <= s->len);
        unsigned char keep[8];
        memcpy(keep, s->data + mu->offset, (size_t)mu->width);
        tu_put_le(s->data + mu->offset, mu->value, mu->width);
        alloc_watch w = { 0 };
        rl__set_alloc_hook(watch, &w);
        rl_status got = load_file(&base);
        rl__set_alloc_hook(NULL, NULL);
        if (got != mu->expect)
            fail_msg("%s: got %s, want %s", mu->what, rl_status_string(got),
                     rl_status_string(mu->expect));
        /* Nothing is sized from a count before the bytes it covers are seen. */
        if (got != RL_OK && w.largest > 65536)
            fail_msg("%s: allocated %zu bytes", mu->what, w.largest);
        memcpy(s->data + mu->offset, keep, (size_t)mu->width);
    }
    release(&base);
    rl_free(b);
}

/* The rng words all zero: the one state xoshiro never leaves. */
static void test_dead_rng_state(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    file f;
    parse(&f, b, size);
    memset(find(&f, "OPTS")->data + 8, 0, 32);
    assert_int_equal(load_file(&f), RL_E_FORMAT);
    release(&f);
    rl_free(b);
}

static void test_hostile_container(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);

    /* Header fields, CRC kept correct. */
    unsigned char *c = malloc(size + 1);   /* exact: ASan sees any over-read */
    const struct { size_t at; int width; uint64_t value; } header[] = {
        { 0, 4, 0x4d4c5289u ^ 1 },   /* magic */
        { 8, 4, 0 },                 /* version 0 */
        { 8, 4, 3 },                 /* a future version */
        { 8, 4, UINT32_MAX },
        { 12, 8, 0 },                /* total size */
        { 12, 8, UINT64_MAX },
    };
    for (size_t k = 0; k < sizeof header / sizeof header[0]; k++) {
        memcpy(c, b, size);
        tu_put_le(c + header[k].at, header[k].value, header[k].width);
        fix_crc(c, size);
        assert_int_equal(try_load(c, size), RL_E_FORMAT);
    }
    for (int d = -1; d <= 1; d += 2) {   /* total size off by one */
        memcpy(c, b, size);
        tu_put_le(c + 12, size + (size_t)d, 8);
        fix_crc(c, size);
        assert_int_equal(try_load(c, size), RL_E_FORMAT);
    }
    /* A trailing byte, whether or not the size field and CRC cover it. */
    memcpy(c, b, size);
    c[size] = 0;
    assert_int_equal(try_load(c, size + 1), RL_E_FORMAT);
    c[size - 4] = 0;   /* one more body byte, then the CRC */
    tu_put_le(c + 12, size + 1, 8);
    fix_crc(c, size + 1);
    assert_int_equal(try_load(c, size + 1), RL_E_FORMAT);

    /* Section headers: lengths past the end, reserved flag bits. */
    const uint64_t lengths[] = { UINT64_MAX, BIG, size, size - 20 - 16 - 4 + 1 };
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        memcpy(c, b, size);
        tu_put_le(c + 20 + 8, lengths[k], 8);
        fix_crc(c, size);
        assert_int_equal(try_load(c, size), RL_E_FORMAT);
    }
    memcpy(c, b, size);
    tu_put_le(c + 20 + 4, 3, 4);
    fix_crc(c, size);
    assert_int_equal(try_load(c, size), RL_E_FORMAT);
    free(c);
    rl_free(b);
}

static void test_hostile_section_lists(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    const char *required[] = { "ARCH", "PARM", "COMP", "WGHT" };
    for (int k = 0; k < 4; k++) {   /* a required section missing */
        file f;
    parse(&f, b, size);
        drop(&f, required[k]);
        assert_int_equal(load_file(&f), RL_E_FORMAT);
        release(&f);
    }
    const char *dup[] = { "ARCH", "WGHT", "OPTS", "SCAL" };
    for (int k = 0; k < 4; k++) {   /* a known section twice */
        file f;
    parse(&f, b, size);
        section *s = find(&f, dup[k]);
        f.s[f.n] = *s;
        f.s[f.n].data = malloc(s->len + 1);
        memcpy(f.s[f.n].data, s->data, s->len);
        f.n++;
        assert_int_equal(load_file(&f), RL_E_FORMAT);
        release(&f);
    }
    /* A float section one weight short or long, lengths kept consistent. */
    for (int d = -4; d <= 4; d += 8) {
        file f;
    parse(&f, b, size);
        section *s = find(&f, "WGHT");
        s->len = (size_t)((long)s->len + d);
        assert_int_equal(load_file(&f), RL_E_FORMAT);
        release(&f);
    }
    {   /* the weights of a layer of 2^62 floats, as counts and an honest length field */
        file f;
    parse(&f, b, size);
        section *s = find(&f, "WGHT");
        tu_put_le(s->data, UINT64_C(1) << 62, 8);
        assert_int_equal(load_file(&f), RL_E_FORMAT);
        release(&f);
    }
    rl_free(b);
}

/* ---- compatibility rules of docs/format.md ------------------------------- */

static rl_model *load_ok(const file *f)
{
    size_t size;
    unsigned char *b = assemble(f, &size);
    rl_model *m = NULL;
    assert_int_equal(rl_model_load_buffer(&m, b, size), RL_OK);
    free(b);
    return m;
}

static void add_section(file *f, const char *tag, uint32_t flags, size_t len)
{
    section *s = &f->s[f->n++];
    memcpy(s->tag, tag, 5);
    s->flags = flags;
    s->len = len;
    s->data = calloc(len + 1, 1);
    for (size_t i = 0; i < len; i++)
        s->data[i] = (unsigned char)(i * 37 + 1);
}

static void assert_same_weights(const rl_model *a, const rl_model *b)
{
    assert_int_equal(a->n_layers, b->n_layers);
    for (size_t i = 0; i < a->n_layers; i++)
        assert_memory_equal(a->layers[i].w, b->layers[i].w, a->layers[i].n_w * sizeof(float));
}

static void reverse(file *f)
{
    for (size_t i = 0; i < f->n / 2; i++) {
        section t = f->s[i];
        f->s[i] = f->s[f->n - 1 - i];
        f->s[f->n - 1 - i] = t;
    }
}

static void test_unknown_sections(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    rl_model *ref = NULL;
    assert_int_equal(rl_model_load_buffer(&ref, b, size), RL_OK);

    file f;
    parse(&f, b, size);
    add_section(&f, "XTRA", 0, 100);   /* optional, from a later version: skipped */
    add_section(&f, "NONE", 0, 0);
    rl_model *m = load_ok(&f);
    assert_same_weights(ref, m);
    rl_model_destroy(m);
    add_section(&f, "MUST", 1, 8);     /* required and unknown: refused */
    assert_int_equal(load_file(&f), RL_E_FORMAT);
    release(&f);

    parse(&f, b, size);   /* any order */
    reverse(&f);
    m = load_ok(&f);
    assert_same_weights(ref, m);
    assert_memory_equal(ref->rng.s, m->rng.s, sizeof m->rng.s);
    rl_model_destroy(m);
    release(&f);
    rl_model_destroy(ref);
    rl_free(b);
}

/* Without OPTS a model loads with the state of a fresh compile; without
 * SCAL it has no scaler. */
static void test_optional_sections_absent(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    file f;
    parse(&f, b, size);
    drop(&f, "OPTS");
    drop(&f, "SCAL");
    rl_model *m = load_ok(&f);
    rl_model *fresh = small_model(0);   /* the state compile gives */
    rl_model *ref = NULL;
    assert_int_equal(rl_model_load_buffer(&ref, b, size), RL_OK);
    assert_same_weights(ref, m);
    assert_int_equal(m->opt_steps, 0);
    for (size_t i = 0; i < m->n_layers; i++)
        for (size_t k = 0; k < m->layers[i].n_w; k++)
            assert_true(m->slots[i].slot[0][k] == 0 && m->slots[i].slot[1][k] == 0);
    assert_memory_equal(m->rng.s, fresh->rng.s, sizeof m->rng.s);
    assert_true(ref->opt_steps > 0);   /* the full file did carry a state */
    rl_scaler *s = NULL;
    assert_int_equal(rl_model_get_scaler(m, &s), RL_E_STATE);
    rl_model_destroy(m);
    rl_model_destroy(fresh);
    rl_model_destroy(ref);
    release(&f);
    rl_free(b);
}

/* An older file has fewer parameters (the rest take their defaults); a newer
 * one more (ignored while at their default, refused when set). */
static void test_parameter_counts(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    file f;
    parse(&f, b, size);
    section *p = find(&f, "PARM");
    uint64_t set = tu_get_le(p->data + 4, 8);
    assert_true(set & (1u << RL_PARAM_RHO));

    /* Older: the last parameter (STATEFUL) unknown to the writer. */
    const uint64_t last = UINT64_C(1) << (RL_PARAM_COUNT - 1);
    tu_put_le(p->data + 4, set | last, 8);
    tu_put_le(p->data, RL_PARAM_COUNT - 1, 4);
    p->len -= 8;
    assert_int_equal(load_file(&f), RL_E_FORMAT);   /* its set bit is still there */
    tu_put_le(p->data + 4, set & ~last, 8);
    rl_model *m = load_ok(&f);
    double v;
    assert_int_equal(rl_model_get_param(m, RL_PARAM_STATEFUL, &v), RL_OK);
    assert_true(v == 0);
    rl_model_destroy(m);

    /* Newer: one more parameter. */
    tu_put_le(p->data, RL_PARAM_COUNT + 1, 4);
    tu_put_le(p->data + 4, set, 8);
    p->len += 16;
    tu_put_le(p->data + 12 + 8 * RL_PARAM_COUNT, UINT64_C(0x4000000000000000), 8);
    m = load_ok(&f);
    assert_int_equal(rl_model_get_param(m, RL_PARAM_RHO, &v), RL_OK);
    assert_true(v == 0.7);
    rl_model_destroy(m);
    tu_put_le(p->data + 4, set | UINT64_C(1) << RL_PARAM_COUNT, 8);
    assert_int_equal(load_file(&f), RL_E_FORMAT);
    release(&f);
    rl_free(b);
}

/* ---- allocation failures --------------------------------------------------- */

static void test_allocation_failures(void **state)
{
    (void)state;
    size_t size;
    unsigned char *b = small_file(&size);
    rl_model *src = small_model(1);
    alloc_watch w = { 0 };
    rl__set_alloc_hook(watch, &w);
    for (size_t k = 0;; k++) {
        w = (alloc_watch){ .fail_at = k, .failing = 1 };
        rl_model *m = (rl_model *)&m;
        rl_status s = rl_model_load_buffer(&m, b, size);
        if (s == RL_OK) {
            assert_true(k > 3);   /* the loop did fail some allocations */
            rl_model_destroy(m);
            break;
        }
        assert_int_equal(s, RL_E_NOMEM);
        assert_null(m);
    }
    w = (alloc_watch){ .fail_at = 0, .failing = 1 };
    void *out = NULL;
    size_t n = 0;
    assert_int_equal(rl_model_save_buffer(src, &out, &n), RL_E_NOMEM);
    assert_null(out);
    rl__set_alloc_hook(NULL, NULL);
    rl_model_destroy(src);
    rl_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_truncation_is_rejected),
        cmocka_unit_test(test_every_byte_change_is_rejected),
        cmocka_unit_test(test_every_byte_change_with_valid_crc),
        cmocka_unit_test(test_hostile_fields),
        cmocka_unit_test(test_dead_rng_state),
        cmocka_unit_test(test_hostile_container),
        cmocka_unit_test(test_hostile_section_lists),
        cmocka_unit_test(test_unknown_sections),
        cmocka_unit_test(test_optional_sections_absent),
        cmocka_unit_test(test_parameter_counts),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
