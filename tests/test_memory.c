/* Memory for embedded hosts (issue 10, item 5), through the public hook:
 * every allocation of this test program goes through rl_set_allocator's
 * counting allocator, set before anything else.
 * - rl_model_memory_needed / rl_stream_memory_needed equal, byte for byte,
 *   what compile, a pass, a fit and rl_stream_create then allocate;
 * - the host's allocator sees every block come back (no leak), blocks are
 *   64-byte aligned although the host's are not, and the allocator cannot
 *   be changed while a block is alive;
 * - allocation failure injected through the host allocator at every
 *   allocation of load (buffer and file), forecast, stream create / load /
 *   clone, fit and predict: RL_E_NOMEM, no handle, the model's bytes as
 *   before, no leak; then the same call succeeds and equals a twin's. */
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "model.h"
#include "rnnlite/rnnlite.h"

/* ---- the host's allocator: counts, misaligns, fails on demand ----------- */

typedef struct host {
    size_t live, calls;
    size_t live_bytes;   /* bytes of live blocks, less the BLOCK_EXTRA the library adds to each */
    size_t fail_at;   /* 0: never */
} host;

static host g_host;

/* What the library adds to each block it asks a host for: 64 bytes of
 * alignment room and a pointer (72 with 64-bit pointers, 68 with 32). */
#define BLOCK_EXTRA (64 + sizeof(void *))

static void *host_malloc(size_t size, void *user)
{
    host *h = user;
    h->calls++;
    if (h->fail_at && h->calls == h->fail_at)
        return NULL;
    /* 24 bytes past a 16-byte boundary: never 64-aligned by luck. */
    unsigned char *p = malloc(size + 24);
    if (!p)
        return NULL;
    h->live++;
    h->live_bytes += size - BLOCK_EXTRA;
    void *base = p;
    memcpy(p, &base, sizeof base);
    memcpy(p + 8, &size, sizeof size);
    return p + 24;
}

static void host_free(void *ptr, void *user)
{
    host *h = user;
    if (!ptr)
        return;
    unsigned char *p;
    size_t size;
    memcpy(&p, (unsigned char *)ptr - 24, sizeof p);
    memcpy(&size, (unsigned char *)ptr - 16, sizeof size);
    h->live--;
    h->live_bytes -= size - BLOCK_EXTRA;
    free(p);
}

#define T 3
#define F 2
#define N 16

static float xs[N * T * F], ys[N * F], series[12 * F];

static rl_model *model(size_t units)
{
    rl_model *m = NULL;
    assert_int_equal(rl_model_create(&m, T, F), RL_OK);
    assert_int_equal(rl_model_add_lstm(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 1), RL_OK);
    assert_int_equal(rl_model_add_gru(m, units, RL_ACT_TANH, RL_ACT_SIGMOID, 0), RL_OK);
    assert_int_equal(rl_model_add_dense(m, F, RL_ACT_LINEAR), RL_OK);
    assert_int_equal(rl_model_set_param(m, RL_PARAM_SEED, 3), RL_OK);
    return m;
}

/* Bytes the library asks for while the test hook is set. */
static size_t asked;
static int count_bytes(size_t bytes, void *user)
{
    (void)user;
    asked += bytes;
    return 0;
}

static void memory_query_matches_allocations(void **state)
{
    (void)state;
    for (size_t units = 1; units <= 33; units += 16) {
        rl_model *m = model(units);
        size_t w, o, ws16, ws64;
        assert_int_equal(rl_model_memory_needed(m, 16, &w, &o, &ws16), RL_OK);
        assert_int_equal(rl_model_memory_needed(m, 64, NULL, NULL, &ws64), RL_OK);
        assert_true(w > 0 && o > 0 && ws64 > ws16);

        /* What compile keeps (its initialisers' scratch comes and goes). */
        size_t live = g_host.live_bytes;
        assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
        assert_int_equal(g_host.live_bytes - live, w + o);

        /* A fit of N samples in batches of 16 for 2 epochs: the batch
         * buffers, a size_t per sample (order) and 2 x 4 per epoch (history). */
        asked = 0;
        rl__set_alloc_hook(count_bytes, NULL);
        assert_int_equal(rl_fit(m, xs, ys, N, 2, 16), RL_OK);
        rl__set_alloc_hook(NULL, NULL);
        assert_int_equal(asked, ws16 + rl__block_bytes(N, sizeof(size_t)) + 2 * rl__block_bytes(2, 4));

        /* A predict of 64 samples grows the buffers to 64. */
        float *x = calloc(64 * T * F, sizeof(float)), *y = calloc(64 * F, sizeof(float));
        rl_model *fresh = model(units);
        assert_int_equal(rl_model_compile(fresh, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
        asked = 0;
        rl__set_alloc_hook(count_bytes, NULL);
        assert_int_equal(rl_predict(fresh, x, 64, y, 64 * F), RL_OK);
        rl__set_alloc_hook(NULL, NULL);
        assert_int_equal(asked, ws64);

        for (int mode = 0; mode < 2; mode++) {
            size_t need = 0;
            assert_int_equal(rl_stream_memory_needed(m, (rl_stream_mode)mode, &need), RL_OK);
            rl_stream *s = NULL;
            asked = 0;
            rl__set_alloc_hook(count_bytes, NULL);
            assert_int_equal(rl_stream_create(&s, m, (rl_stream_mode)mode), RL_OK);
            rl__set_alloc_hook(NULL, NULL);
            assert_int_equal(asked, need);
            rl_stream_destroy(s);
        }
        free(x);
        free(y);
        rl_model_destroy(fresh);
        rl_model_destroy(m);
    }
    /* Bad arguments. */
    rl_model *empty = NULL;
    size_t b;
    assert_int_equal(rl_model_create(&empty, T, F), RL_OK);
    assert_int_equal(rl_model_memory_needed(empty, 8, &b, NULL, NULL), RL_E_STATE);
    assert_int_equal(rl_stream_memory_needed(empty, RL_STREAM_WINDOW, &b), RL_E_STATE);
    assert_int_equal(rl_model_memory_needed(NULL, 8, &b, NULL, NULL), RL_E_INVALID);
    rl_model_destroy(empty);
    rl_model *m = model(2);
    assert_int_equal(rl_model_memory_needed(m, 0, &b, NULL, NULL), RL_E_INVALID);
    assert_int_equal(rl_model_memory_needed(m, SIZE_MAX / 2, &b, NULL, NULL), RL_E_NOMEM);
    rl_model_destroy(m);
}

static void host_allocator_serves_every_block(void **state)
{
    (void)state;
    size_t calls = g_host.calls, live = g_host.live;
    rl_model *m = model(5);
    assert_int_equal(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_true(g_host.calls > calls && g_host.live > live);
    assert_int_equal((uintptr_t)m->layers[0].w % 64, 0);
    /* Not while anything is alive, nor half a pair. */
    assert_int_equal(rl_set_allocator(NULL, NULL, NULL, NULL), RL_E_STATE);
    assert_int_equal(rl_set_allocator(host_malloc, NULL, NULL, &g_host), RL_E_INVALID);
    assert_int_equal(rl_fit(m, xs, ys, N, 1, 4), RL_OK);
    void *buf = NULL;
    size_t size = 0;
    assert_int_equal(rl_model_save_buffer(m, &buf, &size), RL_OK);
    rl_model *l = NULL;
    assert_int_equal(rl_model_load_buffer(&l, buf, size), RL_OK);
    rl_free(buf);
    rl_model_destroy(l);
    rl_model_destroy(m);
    assert_int_equal(g_host.live, live);   /* every block given back to the host */
}

/* ---- failure injection through the host's allocator ------------------- */

typedef enum op { OP_LOAD_BUFFER, OP_LOAD_FILE, OP_FORECAST, OP_STREAM_CREATE, OP_STREAM_LOAD,
                  OP_STREAM_CLONE, OP_FIT, OP_PREDICT, OP_COUNT } op;
static const char *const op_name[OP_COUNT] = { "load_buffer", "load", "forecast",
                                               "stream_create", "stream_load", "stream_clone",
                                               "fit", "predict" };

typedef struct fixture {
    rl_model *m;
    void *file;
    size_t file_size;
    void *stream_buf;
    size_t stream_size;
    rl_stream *stream;
    char path[256];
} fixture;

static void make_fixture(fixture *f)
{
    f->m = model(3);
    assert_int_equal(rl_model_compile(f->m, RL_OPT_ADAM, RL_LOSS_MSE), RL_OK);
    assert_int_equal(rl_model_save_buffer(f->m, &f->file, &f->file_size), RL_OK);
    assert_int_equal(rl_stream_create(&f->stream, f->m, RL_STREAM_STATEFUL), RL_OK);
    float pred[F];
    assert_int_equal(rl_stream_push(f->stream, series, F, pred, F), RL_OK);
    assert_int_equal(rl_stream_save_buffer(f->stream, &f->stream_buf, &f->stream_size), RL_OK);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->path, sizeof f->path, "%s/rl_memory_%ld.rlm", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    assert_int_equal(rl_model_save(f->m, f->path), RL_OK);
}

static void drop_fixture(fixture *f)
{
    unlink(f->path);
    rl_stream_destroy(f->stream);
    rl_free(f->file);
    rl_free(f->stream_buf);
    rl_model_destroy(f->m);
}

/* Runs the operation; what it creates goes to *made (a model or a stream). */
static rl_status run(op o, fixture *f, void **made, float *out, size_t out_len)
{
    switch (o) {
    case OP_LOAD_BUFFER: return rl_model_load_buffer((rl_model **)made, f->file, f->file_size);
    case OP_LOAD_FILE: return rl_model_load((rl_model **)made, f->path);
    case OP_FORECAST: return rl_forecast(f->m, series, 12, NULL, 0, 3, out, out_len);
    case OP_STREAM_CREATE: return rl_stream_create((rl_stream **)made, f->m, RL_STREAM_WINDOW);
    case OP_STREAM_LOAD:
        return rl_stream_load_buffer((rl_stream **)made, f->m, f->stream_buf, f->stream_size);
    case OP_STREAM_CLONE: return rl_stream_clone(f->stream, (rl_stream **)made);
    case OP_FIT: return rl_fit(f->m, xs, ys, N, 2, 4);
    case OP_PREDICT: return rl_predict(f->m, xs, N, out, out_len);
    default: return RL_E_INVALID;
    }
}

static int creates(op o)
{
    return o != OP_FORECAST && o != OP_FIT && o != OP_PREDICT;
}

static void drop_made(op o, void *made)
{
    if (o == OP_LOAD_BUFFER || o == OP_LOAD_FILE)
        rl_model_destroy(made);
    else if (creates(o))
        rl_stream_destroy(made);
}

static void *model_bytes(const rl_model *m, size_t *n)
{
    void *b = NULL;
    assert_int_equal(rl_model_save_buffer(m, &b, n), RL_OK);
    return b;
}

static void failures_change_nothing(void **state)
{
    (void)state;
    for (int o = 0; o < OP_COUNT; o++) {
        size_t tried = 0;
        for (size_t fail_at = 1;; fail_at++) {
            const size_t baseline = g_host.live;
            fixture f = { 0 };
            make_fixture(&f);
            size_t n_before, n_after;
            void *before = model_bytes(f.m, &n_before);
            size_t live = g_host.live;
            float out[N * F] = { 0 };
            void *made = creates((op)o) ? (void *)&made : NULL;   /* poisoned: NULL after a failure */
            g_host.calls = 0;
            g_host.fail_at = fail_at;
            rl_status s = run((op)o, &f, &made, out, N * F);
            g_host.fail_at = 0;
            const size_t calls = g_host.calls;
            if (s == RL_OK) {
                drop_made((op)o, made);
            } else {
                if (s != RL_E_NOMEM)
                    fail_msg("%s: allocation %zu failed gave %s", op_name[o], fail_at,
                             rl_status_string(s));
                if (creates((op)o))
                    assert_null(made);
                /* Nothing new is left behind, but buffers a fit or predict
                 * had grown before the failure may stay, for the next call. */
                if (creates((op)o) && g_host.live != live)
                    fail_msg("%s: allocation %zu failed left %zu blocks", op_name[o], fail_at,
                             g_host.live - live);
                void *after = model_bytes(f.m, &n_after);
                assert_int_equal(n_before, n_after);
                assert_memory_equal(before, after, n_before);
                rl_free(after);
                /* The same call now works. */
                made = NULL;
                assert_int_equal(run((op)o, &f, &made, out, N * F), RL_OK);
                drop_made((op)o, made);
                tried++;
            }
            rl_free(before);
            drop_fixture(&f);
            if (g_host.live != baseline)
                fail_msg("%s: failing allocation %zu leaked %zu blocks", op_name[o], fail_at,
                         g_host.live - baseline);
            if (calls < fail_at)
                break;   /* every allocation of the call was served: all tried */
        }
        if (o != OP_FORECAST && tried == 0)
            fail_msg("%s: allocates nothing?", op_name[o]);
    }
}

int main(void)
{
    /* First: no block of the library may be alive when the allocator is set. */
    if (rl_set_allocator(host_malloc, NULL, host_free, &g_host) != RL_OK)
        return 1;
    tu_fill_uniform(xs, N * T * F, 31, -1, 1);
    tu_fill_uniform(ys, N * F, 32, -1, 1);
    tu_fill_uniform(series, 12 * F, 33, -1, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_query_matches_allocations),
        cmocka_unit_test(host_allocator_serves_every_block),
        cmocka_unit_test(failures_change_nothing),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed || g_host.live != 0;
}
