/* Model files: round trips through files and buffers (same bytes out, same
 * predictions, same training state), resuming a fit across a save, the
 * save_to size protocol, atomic saves under injected faults at every byte,
 * the byte layout of docs/format.md read independently, and the committed
 * golden files of tests/golden/ that every later version must still load. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "io_file.h"
#include "model.h"
#include "rnnlite/rnnlite.h"
#include "scaler.h"

#define STEPS 4
#define FEATURES 2
#define N_SAMPLES 23   /* batches of 5 leave a short last batch */
#define BATCH 5
#define N_VARIANTS 5

/* ---- models ---------------------------------------------------------- */

/* Every layer kind, alone and stacked, with sequence and vector outputs. */
static rl_model *build(int variant, rl_optimizer opt, int shuffle)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, STEPS, FEATURES), RL_OK);
    switch (variant) {
    case 0:   /* Dense on every step */
        assert_int_equal(rl_model_add_dense(m, 3, RL_ACT_RELU), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
        break;
    case 1:
        assert_int_equal(rl_model_add_simple_rnn(m, 5, RL_ACT_TANH, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
        break;
    case 2:
        assert_int_equal(rl_model_add_lstm(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
        assert_int_equal(rl_model_add_lstm(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 2, RL_ACT_LINEAR), RL_OK);
        break;
    case 3:   /* sequence output */
        assert_int_equal(rl_model_add_gru(m, 4, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
        break;
    default:
        assert_int_equal(rl_model_add_simple_rnn(m, 3, RL_ACT_RELU, 1), RL_OK);
        assert_int_equal(rl_model_add_gru(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
        assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_TANH), RL_OK);
        break;
    }
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 11 + variant), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SHUFFLE, shuffle), RL_OK);
    assert_int_equal(rl_model_compile(m, opt, RL_LOSS_MSE), RL_OK);
    return m;
}

static size_t out_len(const rl_model *m)
{
    size_t steps, units;
    assert_int_equal(rl_model_output_shape(m, &steps, &units), RL_OK);
    return steps * units;
}

typedef struct data {
    float x[N_SAMPLES * STEPS * FEATURES];
    float y[N_SAMPLES * STEPS * 2];   /* room for the largest output */
} data;

static void make_data(data *d, uint64_t seed)
{
    tu_fill_uniform(d->x, sizeof d->x / sizeof d->x[0], seed, -1, 1);
    tu_fill_uniform(d->y, sizeof d->y / sizeof d->y[0], seed + 1, -1, 1);
}

static void fit(rl_model *m, const data *d, size_t epochs)
{
    assert_int_equal(rl_fit(m, d->x, d->y, N_SAMPLES, epochs, BATCH), RL_OK);
}

static void save_buffer(const rl_model *m, void **buf, size_t *size)
{
    assert_int_equal(rl_model_save_buffer(m, buf, size), RL_OK);
    assert_non_null(*buf);
}

static rl_model *reload(const rl_model *m)
{
    void *buf;
    size_t size;
    save_buffer(m, &buf, &size);
    rl_model *l = NULL;
    assert_int_equal(rl_model_load_buffer(&l, buf, size), RL_OK);
    assert_non_null(l);
    rl_free(buf);
    return l;
}

/* Bit-identical predictions of two models on the same input. */
static void assert_same_predictions(rl_model *a, rl_model *b, const float *x)
{
    size_t n = N_SAMPLES * out_len(a);
    assert_int_equal(out_len(b) * N_SAMPLES, n);
    float *ya = calloc(n, sizeof(float)), *yb = calloc(n, sizeof(float));
    assert_int_equal(rl_predict(a, x, N_SAMPLES, ya, n), RL_OK);
    assert_int_equal(rl_predict(b, x, N_SAMPLES, yb, n), RL_OK);
    assert_memory_equal(ya, yb, n * sizeof(float));
    free(ya);
    free(yb);
}

/* Everything a file carries, compared bit for bit (threads excepted: a
 * loaded model starts on one thread). */
static void assert_same_model(const rl_model *a, const rl_model *b)
{
    assert_int_equal(a->time_steps, b->time_steps);
    assert_int_equal(a->n_features, b->n_features);
    assert_int_equal(a->n_layers, b->n_layers);
    for (size_t i = 0; i < a->n_layers; i++) {
        const rl_layer *la = &a->layers[i], *lb = &b->layers[i];
        assert_ptr_equal(la->ops, lb->ops);
        assert_int_equal(la->in, lb->in);
        assert_int_equal(la->units, lb->units);
        assert_int_equal(la->act, lb->act);
        assert_int_equal(la->rec_act, lb->rec_act);
        assert_int_equal(la->return_sequences, lb->return_sequences);
        assert_int_equal(la->n_w, lb->n_w);
        assert_memory_equal(la->w, lb->w, la->n_w * sizeof(float));
        assert_memory_equal(a->slots[i].slot[0], b->slots[i].slot[0], la->n_w * sizeof(float));
        assert_memory_equal(a->slots[i].slot[1], b->slots[i].slot[1], la->n_w * sizeof(float));
    }
    for (int p = 0; p < RL_PARAM_COUNT; p++)
        if (p != RL_PARAM_THREADS)
            assert_memory_equal(&a->params[p], &b->params[p], sizeof(double));
    assert_int_equal(a->params_set & ~(1u << RL_PARAM_THREADS), b->params_set);
    assert_int_equal(a->opt, b->opt);
    assert_int_equal(a->loss, b->loss);
    assert_int_equal(a->opt_steps, b->opt_steps);
    assert_memory_equal(a->rng.s, b->rng.s, sizeof a->rng.s);
    assert_int_equal(b->compiled, 1);
}

/* ---- round trips ------------------------------------------------------- */

static void test_buffer_round_trip(void **state)
{
    (void)state;
    data d;
    make_data(&d, 1);
    for (int v = 0; v < N_VARIANTS; v++) {
        rl_model *m = build(v, (rl_optimizer)(v % 3), 1);
        fit(m, &d, 2);   /* non-trivial weights, slots and rng */
        rl_model *l = reload(m);
        assert_same_model(m, l);
        assert_same_predictions(m, l, d.x);
        /* A loaded model saves to the same bytes. */
        void *b1, *b2;
        size_t n1, n2;
        save_buffer(m, &b1, &n1);
        save_buffer(l, &b2, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        rl_free(b1);
        rl_free(b2);
        rl_model_destroy(m);
        rl_model_destroy(l);
    }
}

static char g_dir[256];

static int make_dir(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/rl_test_io_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    DIR *dir = opendir(g_dir);
    if (!dir)
        return -1;
    struct dirent *e;
    char path[512];
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", g_dir, e->d_name);
            unlink(path);
        }
    }
    closedir(dir);
    return rmdir(g_dir);
}

static const char *dir_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    return path;
}

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static void test_file_round_trip(void **state)
{
    (void)state;
    data d;
    make_data(&d, 2);
    rl_model *m = build(2, RL_OPT_ADAM, 1);
    fit(m, &d, 1);
    char path[512];
    snprintf(path, sizeof path, "%s", dir_path("lstm.rlm"));
    assert_int_equal(rl_model_save(m, path), RL_OK);
    rl_model *l = NULL;
    assert_int_equal(rl_model_load(&l, path), RL_OK);
    assert_same_model(m, l);
    assert_same_predictions(m, l, d.x);
    /* The file holds exactly the buffer image. */
    size_t fsize, bsize;
    unsigned char *file = read_file(path, &fsize);
    void *buf;
    save_buffer(m, &buf, &bsize);
    assert_int_equal(fsize, bsize);
    assert_memory_equal(file, buf, fsize);
    /* Saving again replaces the file. */
    fit(m, &d, 1);
    assert_int_equal(rl_model_save(m, path), RL_OK);
    rl_model *l2 = NULL;
    assert_int_equal(rl_model_load(&l2, path), RL_OK);
    assert_same_model(m, l2);
    free(file);
    rl_free(buf);
    rl_model_destroy(m);
    rl_model_destroy(l);
    rl_model_destroy(l2);
    unlink(path);
}

static void assert_same_scaler(const rl_scaler *a, const rl_scaler *b)
{
    size_t n = rl__scaler_features(a);
    assert_int_equal(rl__scaler_kind(a), rl__scaler_kind(b));
    assert_int_equal(n, rl__scaler_features(b));
    double alo, ahi, blo, bhi;
    rl__scaler_range(a, &alo, &ahi);
    rl__scaler_range(b, &blo, &bhi);
    assert_memory_equal(&alo, &blo, sizeof alo);
    assert_memory_equal(&ahi, &bhi, sizeof ahi);
    assert_memory_equal(rl__scaler_a(a), rl__scaler_a(b), n * sizeof(double));
    assert_memory_equal(rl__scaler_b(a), rl__scaler_b(b), n * sizeof(double));
}

static void test_scaler_round_trip(void **state)
{
    (void)state;
    float series[40 * 3], out_a[40 * 3], out_b[40 * 3];
    tu_fill_uniform(series, 40 * 3, 3, -50, 120);
    for (int kind = 0; kind < 2; kind++) {
        rl_scaler *s = NULL;
        if (kind == 0)
            assert_int_equal(rl_scaler_create_minmax(&s, -1, 1), RL_OK);
        else
            assert_int_equal(rl_scaler_create_standard(&s), RL_OK);
        assert_int_equal(rl_scaler_fit(s, series, 40, 3), RL_OK);
        rl_model *m = build(1, RL_OPT_ADAM, 1);
        assert_int_equal(rl_model_set_scaler(m, s), RL_OK);
        rl_model *l = reload(m);
        rl_scaler *back = NULL;
        assert_int_equal(rl_model_get_scaler(l, &back), RL_OK);
        assert_same_scaler(s, back);
        assert_int_equal(rl_scaler_transform(s, series, out_a, 40, 3), RL_OK);
        assert_int_equal(rl_scaler_transform(back, series, out_b, 40, 3), RL_OK);
        assert_memory_equal(out_a, out_b, sizeof out_a);
        rl_scaler_destroy(back);
        rl_scaler_destroy(s);
        rl_model_destroy(m);
        rl_model_destroy(l);
    }
    /* No scaler in, no scaler out. */
    rl_model *m = build(0, RL_OPT_SGD, 1), *l = reload(m);
    rl_scaler *none = (rl_scaler *)&none;
    assert_int_equal(rl_model_get_scaler(l, &none), RL_E_STATE);
    assert_null(none);
    rl_model_destroy(m);
    rl_model_destroy(l);
}

/* fit(a) + save + load + fit(b) trains exactly as fit(a + b), for every
 * optimiser (their slots, the step count and the shuffle stream all travel). */
static void resume_matches(int shuffle)
{
    data d;
    make_data(&d, 4);
    for (int opt = RL_OPT_SGD; opt <= RL_OPT_RMSPROP; opt++) {
        for (int v = 1; v < N_VARIANTS; v += 1) {
            rl_model *whole = build(v, (rl_optimizer)opt, shuffle);
            rl_model *first = build(v, (rl_optimizer)opt, shuffle);
            if (opt != RL_OPT_ADAM) {   /* give SGD and RMSprop a second slot to carry */
                assert_int_equal(rl_model_set_param(whole, RL_PARAM_MOMENTUM, 0.5), RL_OK);
                assert_int_equal(rl_model_set_param(first, RL_PARAM_MOMENTUM, 0.5), RL_OK);
            }
            fit(whole, &d, 4);
            fit(first, &d, 2);
            rl_model *resumed = reload(first);
            fit(resumed, &d, 2);
            assert_same_model(whole, resumed);
            rl_model_destroy(whole);
            rl_model_destroy(first);
            rl_model_destroy(resumed);
        }
    }
}

static void test_resume_fit_without_shuffle(void **state)
{
    (void)state;
    resume_matches(0);
}

static void test_resume_fit_with_shuffle(void **state)
{
    (void)state;
    resume_matches(1);
}

static void test_params_travel(void **state)
{
    (void)state;
    /* Defaults stay defaults: SGD's learning rate is SGD's default again. */
    rl_model *m = build(1, RL_OPT_SGD, 1), *l = reload(m);
    double v;
    assert_int_equal(rl_model_get_param(l, RL_PARAM_LEARNING_RATE, &v), RL_OK);
    assert_true(v == 0.01);
    assert_int_equal(l->params_set, m->params_set);
    rl_model_destroy(m);
    rl_model_destroy(l);

    /* Set values come back set, except threads: a property of the host. */
    rl_model *a = NULL;
    assert_int_equal(rl_model_create(&a, STEPS, FEATURES), RL_OK);
    assert_int_equal(rl_model_add_lstm(a, 2, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_set_param(a, RL_PARAM_LEARNING_RATE, 0.0123), RL_OK);
    assert_int_equal(rl_model_set_param(a, RL_PARAM_CLIPNORM, 2.5), RL_OK);
    assert_int_equal(rl_model_set_param(a, RL_PARAM_PATIENCE, 3), RL_OK);
    assert_int_equal(rl_model_set_param(a, RL_PARAM_VALIDATION_SPLIT, 0.25), RL_OK);
    assert_int_equal(rl_model_set_param(a, RL_PARAM_THREADS, 2), RL_OK);
    assert_int_equal(rl_model_compile(a, RL_OPT_RMSPROP, RL_LOSS_HUBER), RL_OK);
    l = reload(a);
    assert_same_model(a, l);
    assert_int_equal(rl_model_get_param(l, RL_PARAM_THREADS, &v), RL_OK);
    assert_true(v == 1);
    assert_int_equal(l->pool_threads, 1);
    assert_int_equal(rl_model_get_param(l, RL_PARAM_LEARNING_RATE, &v), RL_OK);
    assert_true(v == 0.0123);
    assert_int_equal(l->loss, RL_LOSS_HUBER);
    rl_model_destroy(a);
    rl_model_destroy(l);
}

/* ---- save_to and statuses ------------------------------------------------ */

static void test_save_to(void **state)
{
    (void)state;
    rl_model *m = build(3, RL_OPT_ADAM, 1);
    void *ref;
    size_t ref_size, size = 0;
    save_buffer(m, &ref, &ref_size);
    assert_int_equal(rl_model_save_to(m, NULL, 0, &size), RL_OK);
    assert_int_equal(size, ref_size);

    unsigned char *buf = malloc(ref_size + 8);
    memset(buf, 0xab, ref_size + 8);
    size = 0;
    assert_int_equal(rl_model_save_to(m, buf, ref_size - 1, &size), RL_E_SHAPE);
    assert_int_equal(size, ref_size);
    assert_true(strstr(rl_model_last_error(m), "needed") != NULL);
    for (size_t i = 0; i < ref_size + 8; i++)
        assert_int_equal(buf[i], 0xab);   /* a refused buffer is not written */

    assert_int_equal(rl_model_save_to(m, buf, ref_size + 8, &size), RL_OK);
    assert_int_equal(size, ref_size);
    assert_memory_equal(buf, ref, ref_size);
    assert_int_equal(buf[ref_size], 0xab);

    assert_int_equal(rl_model_save_to(m, NULL, 16, &size), RL_E_INVALID);
    assert_int_equal(rl_model_save_to(m, buf, ref_size, NULL), RL_E_INVALID);
    assert_int_equal(rl_model_save_to(NULL, buf, ref_size, &size), RL_E_INVALID);
    free(buf);
    rl_free(ref);
    rl_model_destroy(m);
}

static void test_statuses(void **state)
{
    (void)state;
    rl_model *m = NULL;
    void *buf = NULL;
    size_t size = 0;
    assert_int_equal(rl_model_create(&m, STEPS, FEATURES), RL_OK);
    assert_int_equal(rl_model_add_dense(m, 1, RL_ACT_LINEAR), RL_OK);
    /* Not compiled: nothing to save. */
    assert_int_equal(rl_model_save(m, dir_path("never.rlm")), RL_E_STATE);
    assert_true(strlen(rl_model_last_error(m)) > 0);
    assert_int_equal(rl_model_save_buffer(m, &buf, &size), RL_E_STATE);
    assert_null(buf);
    assert_int_equal(rl_model_save_to(m, NULL, 0, &size), RL_E_STATE);
    assert_int_equal(access(dir_path("never.rlm"), F_OK), -1);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);

    assert_int_equal(rl_model_save(NULL, "x"), RL_E_INVALID);
    assert_int_equal(rl_model_save(m, NULL), RL_E_INVALID);
    assert_int_equal(rl_model_save_buffer(NULL, &buf, &size), RL_E_INVALID);
    assert_int_equal(rl_model_save_buffer(m, NULL, &size), RL_E_INVALID);
    assert_int_equal(rl_model_save_buffer(m, &buf, NULL), RL_E_INVALID);

    /* An unwritable place: RL_E_IO with the path and the reason. */
    assert_int_equal(rl_model_save(m, "/nonexistent-dir-rnnlite/m.rlm"), RL_E_IO);
    assert_true(strstr(rl_model_last_error(m), "/nonexistent-dir-rnnlite/m.rlm") != NULL);
    assert_int_equal(rl_model_save(m, g_dir), RL_E_IO);   /* a directory */

    rl_model *l = (rl_model *)&l;
    assert_int_equal(rl_model_load(&l, dir_path("missing.rlm")), RL_E_IO);
    assert_null(l);
    assert_int_equal(rl_model_load(&l, g_dir), RL_E_IO);
    assert_int_equal(rl_model_load(&l, NULL), RL_E_INVALID);
    assert_int_equal(rl_model_load(NULL, "x"), RL_E_INVALID);
    assert_int_equal(rl_model_load_buffer(&l, NULL, 10), RL_E_INVALID);
    assert_int_equal(rl_model_load_buffer(NULL, "x", 1), RL_E_INVALID);
    assert_int_equal(rl_model_load_buffer(&l, "", 0), RL_E_FORMAT);
    assert_null(l);
    /* An empty file and a file of something else are not models. */
    FILE *f = fopen(dir_path("empty.rlm"), "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(rl_model_load(&l, dir_path("empty.rlm")), RL_E_FORMAT);
    f = fopen(dir_path("text.rlm"), "wb");
    fputs("time,value\n0,1.5\n1,2.5\n2,3.5\n", f);
    fclose(f);
    assert_int_equal(rl_model_load(&l, dir_path("text.rlm")), RL_E_FORMAT);
    assert_null(l);
    rl_free(NULL);
    rl_model_destroy(m);
}

/* ---- atomic saves ---------------------------------------------------------- */

typedef struct fault {
    rl_io_step step;
    size_t at;        /* RL_IO_WRITE: byte offset where the write fails */
    int fired;
} fault;

static int inject(rl_io_step step, size_t offset, size_t *len, void *user)
{
    fault *f = user;
    if (step != f->step || f->fired)
        return 0;
    if (step == RL_IO_WRITE) {
        if (f->at < offset || f->at >= offset + *len)
            return 0;
        *len = f->at - offset;   /* the bytes before the fault reach the file */
    }
    f->fired = 1;
    return 1;
}

/* Files beside `name` whose names start with it: left-over temporaries. */
static int stray_files(const char *name)
{
    DIR *dir = opendir(g_dir);
    assert_non_null(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL)
        if (strncmp(e->d_name, name, strlen(name)) == 0 && strcmp(e->d_name, name) != 0)
            n++;
    closedir(dir);
    return n;
}

static void assert_file_is(const char *path, const void *bytes, size_t size)
{
    size_t n;
    unsigned char *got = read_file(path, &n);
    assert_int_equal(n, size);
    assert_memory_equal(got, bytes, size);
    free(got);
}

static void test_atomic_save_under_faults(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s", dir_path("model.rlm"));

    rl_model *old = build(0, RL_OPT_SGD, 1), *new_model = build(1, RL_OPT_ADAM, 1);
    void *old_bytes, *new_bytes;
    size_t old_size, new_size;
    save_buffer(old, &old_bytes, &old_size);
    save_buffer(new_model, &new_bytes, &new_size);
    assert_int_equal(rl_model_save(old, path), RL_OK);
    assert_file_is(path, old_bytes, old_size);

    fault f = { RL_IO_WRITE, 0, 0 };
    rl__io_set_hook(inject, &f);
    for (size_t at = 0; at < new_size; at++) {
        f = (fault){ RL_IO_WRITE, at, 0 };
        assert_int_equal(rl_model_save(new_model, path), RL_E_IO);
        assert_true(f.fired);
        assert_file_is(path, old_bytes, old_size);
        assert_int_equal(stray_files("model.rlm"), 0);
    }
    assert_true(strstr(rl_model_last_error(new_model), "write") != NULL);
    const rl_io_step later[] = { RL_IO_CREATE, RL_IO_SYNC, RL_IO_CLOSE, RL_IO_RENAME };
    const char *names[] = { "create", "fsync", "close", "rename" };
    for (size_t k = 0; k < 4; k++) {
        f = (fault){ later[k], 0, 0 };
        assert_int_equal(rl_model_save(new_model, path), RL_E_IO);
        assert_true(f.fired);
        assert_true(strstr(rl_model_last_error(new_model), names[k]) != NULL);
        assert_file_is(path, old_bytes, old_size);
        assert_int_equal(stray_files("model.rlm"), 0);
    }
    rl__io_set_hook(NULL, NULL);

    /* Without faults the new model replaces the old one, and a new path works. */
    assert_int_equal(rl_model_save(new_model, path), RL_OK);
    assert_file_is(path, new_bytes, new_size);
    assert_int_equal(stray_files("model.rlm"), 0);
    rl_free(old_bytes);
    rl_free(new_bytes);
    rl_model_destroy(old);
    rl_model_destroy(new_model);
}

/* ---- the byte layout of docs/format.md, read without the library ---------- */

static void test_crc32_vectors(void **state)
{
    (void)state;
    /* The check values of CRC-32/ISO-HDLC (zlib, PNG, binascii.crc32). */
    assert_int_equal(rl__crc32(0, "", 0), 0);
    assert_int_equal(rl__crc32(0, "123456789", 9), 0xcbf43926u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(rl__crc32(0, fox, strlen(fox)), 0x414fa339u);
    assert_int_equal(rl__crc32(rl__crc32(0, fox, 10), fox + 10, strlen(fox) - 10), 0x414fa339u);
}

/* The PCLMULQDQ path against the tables on every length and alignment up
 * to 300 bytes (it runs on lengths >= 64, the tables finish the tail), and
 * a long pseudo-random buffer through both and through the dispatcher. */
static void test_crc32_paths_agree(void **state)
{
    (void)state;
    enum { N = 4096 + 64 };
    static unsigned char buf[N];
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    const char *fox = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(rl__crc32_tables(0, fox, strlen(fox)), 0x414fa339u);
    for (size_t off = 0; off < 16; off++)
        for (size_t len = 0; len <= 300; len++) {
            uint32_t want = rl__crc32_tables(0x12345678u, buf + off, len);
            assert_int_equal(rl__crc32(0x12345678u, buf + off, len), want);
            if (rl__crc32_pclmul_usable() && len >= 64) {
                size_t chunk = len & ~(size_t)15;
                uint32_t got = ~rl__crc32_pclmul(~0x12345678u, buf + off, chunk);
                assert_int_equal(rl__crc32_tables(got, buf + off + chunk, len - chunk), want);
            }
        }
    assert_int_equal(rl__crc32(7, buf, N), rl__crc32_tables(7, buf, N));
}

static void test_layout_matches_the_spec(void **state)
{
    (void)state;
    rl_model *m = build(2, RL_OPT_RMSPROP, 1);   /* LSTM(4, seq) -> LSTM(3) -> Dense(2) */
    unsigned char *b;
    size_t size;
    save_buffer(m, (void **)&b, &size);
    static const unsigned char magic[8] = { 0x89, 'R', 'L', 'M', 0x0d, 0x0a, 0x1a, 0x0a };
    assert_memory_equal(b, magic, 8);
    assert_int_equal(tu_get_le(b + 8, 4), 2);
    assert_int_equal(tu_get_le(b + 12, 8), size);
    assert_int_equal(tu_get_le(b + size - 4, 4), rl__crc32(0, b, size - 4));

    /* Sections in the writer's order, with their flags. */
    const char *tags[] = { "ARCH", "PARM", "COMP", "WGHT", "OPTS" };
    const unsigned flags[] = { 1, 1, 1, 1, 0 };
    size_t at = 20, payload[5];
    for (int k = 0; k < 5; k++) {
        assert_memory_equal(b + at, tags[k], 4);
        assert_int_equal(tu_get_le(b + at + 4, 4), flags[k]);
        payload[k] = at + 16;
        at += 16 + tu_get_le(b + at + 8, 8);
    }
    assert_int_equal(at, size - 4);

    const unsigned char *arch = b + payload[0];
    assert_int_equal(tu_get_le(arch, 8), STEPS);
    assert_int_equal(tu_get_le(arch + 8, 8), FEATURES);
    assert_int_equal(tu_get_le(arch + 16, 8), 3);
    const unsigned want[3][6] = { { 2, 2, 3, 1, FEATURES, 4 }, { 2, 2, 3, 0, 4, 3 },
                                  { 0, 0, 0, 0, 3, 2 } };
    for (int i = 0; i < 3; i++) {
        const unsigned char *l = arch + 24 + 32 * i;
        for (int k = 0; k < 4; k++)
            assert_int_equal(tu_get_le(l + 4 * k, 4), want[i][k]);
        assert_int_equal(tu_get_le(l + 16, 8), want[i][4]);
        assert_int_equal(tu_get_le(l + 24, 8), want[i][5]);
    }

    const unsigned char *parm = b + payload[1];
    assert_int_equal(tu_get_le(parm, 4), RL_PARAM_COUNT);
    assert_int_equal(tu_get_le(parm + 4, 8), m->params_set);
    uint64_t bits;
    memcpy(&bits, &m->params[RL_PARAM_RHO], 8);
    assert_int_equal(tu_get_le(parm + 12 + 8 * RL_PARAM_RHO, 8), bits);

    assert_int_equal(tu_get_le(b + payload[2], 4), RL_OPT_RMSPROP);
    assert_int_equal(tu_get_le(b + payload[2] + 4, 4), RL_LOSS_MSE);

    /* Layer 0's weights: count, then binary32 little-endian. */
    const unsigned char *w = b + payload[3];
    assert_int_equal(tu_get_le(w, 8), m->layers[0].n_w);
    for (size_t k = 0; k < m->layers[0].n_w; k++) {
        uint32_t u;
        memcpy(&u, &m->layers[0].w[k], 4);
        assert_int_equal(tu_get_le(w + 8 + 4 * k, 4), u);
    }
    const unsigned char *o = b + payload[4];
    assert_int_equal(tu_get_le(o, 8), m->opt_steps);
    for (int k = 0; k < 4; k++)
        assert_int_equal(tu_get_le(o + 8 + 8 * k, 8), m->rng.s[k]);
    rl_free(b);
    rl_model_destroy(m);
}

/* ---- golden files ---------------------------------------------------------- */

/* Files written by format version 1 (tests/golden/README.md): each must load
 * and predict what it predicted when it was written, in every later version. */
static const char *const golden_names[] = { "dense", "simple_rnn", "lstm", "gru", "mixed" };

static float *read_floats(FILE *f, size_t n)
{
    float *v = calloc(n ? n : 1, sizeof(float));
    char tok[64];
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fscanf(f, "%63s", tok), 1);
        char *end;
        v[i] = strtof(tok, &end);
        assert_true(*end == '\0');
    }
    return v;
}

static void test_golden_files(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof golden_names / sizeof golden_names[0]; g++) {
        char rel[128];
        snprintf(rel, sizeof rel, "golden/%s.rlm", golden_names[g]);
        rl_model *m = NULL;
        rl_status s = rl_model_load(&m, tu_data_path(rel));
        if (s != RL_OK)
            print_error("%s: %s\n", rel, rl_status_string(s));
        assert_int_equal(s, RL_OK);

        snprintf(rel, sizeof rel, "golden/%s.pred", golden_names[g]);
        FILE *f = fopen(tu_data_path(rel), "r");
        assert_non_null(f);
        char word[32];
        unsigned version;
        size_t n, steps, features, per_sample;
        int has_scaler;
        assert_int_equal(fscanf(f, "%31s %u %zu %zu %zu %zu %d", word, &version, &n, &steps,
                                &features, &per_sample, &has_scaler), 7);
        assert_string_equal(word, "rnnlite-golden");
        size_t ts, nf;
        assert_int_equal(rl_model_input_shape(m, &ts, &nf), RL_OK);
        assert_int_equal(ts, steps);
        assert_int_equal(nf, features);
        assert_int_equal(out_len(m), per_sample);
        float *x = read_floats(f, n * steps * features);
        float *want = read_floats(f, n * per_sample);
        float *got = calloc(n * per_sample, sizeof(float));
        double *want_d = calloc(n * per_sample, sizeof(double));
        for (size_t i = 0; i < n * per_sample; i++)
            want_d[i] = want[i];
        assert_int_equal(rl_predict(m, x, n, got, n * per_sample), RL_OK);
        tu_assert_close(got, want_d, n * per_sample, 1e-5, 1e-6, golden_names[g]);

        rl_scaler *sc = NULL;
        if (has_scaler) {
            /* The attached scaler scales the first sample as it did. */
            float *scaled_want = read_floats(f, steps * features);
            float *scaled = calloc(steps * features, sizeof(float));
            double *scaled_want_d = calloc(steps * features, sizeof(double));
            assert_int_equal(rl_model_get_scaler(m, &sc), RL_OK);
            assert_int_equal(rl_scaler_transform(sc, x, scaled, steps, features), RL_OK);
            for (size_t i = 0; i < steps * features; i++)
                scaled_want_d[i] = scaled_want[i];
            tu_assert_close(scaled, scaled_want_d, steps * features, 1e-6, 1e-6, "scaler");
            rl_scaler_destroy(sc);
            free(scaled_want);
            free(scaled_want_d);
            free(scaled);
        } else {
            assert_int_equal(rl_model_get_scaler(m, &sc), RL_E_STATE);
        }
        assert_int_equal(fscanf(f, "%31s", word), 1);
        assert_string_equal(word, "end");
        fclose(f);
        free(x);
        free(want);
        free(got);
        free(want_d);
        rl_model_destroy(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_vectors),
        cmocka_unit_test(test_crc32_paths_agree),
        cmocka_unit_test(test_layout_matches_the_spec),
        cmocka_unit_test(test_buffer_round_trip),
        cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_scaler_round_trip),
        cmocka_unit_test(test_resume_fit_without_shuffle),
        cmocka_unit_test(test_resume_fit_with_shuffle),
        cmocka_unit_test(test_params_travel),
        cmocka_unit_test(test_save_to),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_atomic_save_under_faults),
        cmocka_unit_test(test_golden_files),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
