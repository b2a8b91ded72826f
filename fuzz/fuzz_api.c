/* Sequences of public calls decoded from bytes (issue 10, item 6): a model
 * is built from the first bytes (shape, up to four layers of any kind and
 * activation, parameters including bad ones), then each following byte
 * picks a call -- compile, fit, predict, evaluate, weights in and out,
 * buffers round trip, scaler, targets, forecast, streams, threads,
 * placement, reset -- with sizes and values from the bytes (extremes, NaN
 * and infinities included). Whatever the order, no call may crash, leak or
 * trip a sanitizer; a failed call must leave a message; and the invariants
 * checked inline must hold (a saved model loads, loaded weights are the
 * saved ones). Sizes stay small so each input runs in milliseconds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "rnnlite/rnnlite.h"

enum { MAX_SAMPLES = 12, MAX_STEPS = 4, MAX_FEATURES = 3, MAX_UNITS = 5, MAX_OUT = 64 };

typedef struct session {
    fz_bytes in;
    rl_model *m;
    rl_stream *stream;
    size_t steps, features;
    float x[MAX_SAMPLES * MAX_STEPS * MAX_FEATURES];
    float y[MAX_SAMPLES * MAX_STEPS * MAX_UNITS];
} session;

static void fill(session *s, float *v, size_t n)
{
    /* Mostly tame data so that training does something; the occasional
     * extreme or non-finite value comes from fz_float. */
    for (size_t i = 0; i < n; i++)
        v[i] = (i % 5 == 0) ? fz_float(&s->in) : (float)((i * 37) % 19) / 19.0f - 0.5f;
}

/* A failed call on the model must leave a message. */
static void said_why(const session *s, rl_status st)
{
    if (st != RL_OK && s->m && rl_model_last_error(s->m)[0] == '\0')
        abort();
}

static void build(session *s)
{
    s->steps = 1 + fz_below(&s->in, MAX_STEPS);
    s->features = 1 + fz_below(&s->in, MAX_FEATURES);
    if (rl_model_create(&s->m, s->steps, s->features) != RL_OK)
        abort();
    size_t layers = 1 + fz_below(&s->in, 4);
    for (size_t i = 0; i < layers; i++) {
        size_t units = fz_below(&s->in, MAX_UNITS + 1);   /* 0 is a bad argument */
        rl_activation act = (rl_activation)fz_below(&s->in, 5);   /* 4 is unknown */
        rl_activation ract = (rl_activation)fz_below(&s->in, 5);
        int seq = (int)fz_below(&s->in, 2);
        rl_status st;
        switch (fz_below(&s->in, 4)) {
        case 0: st = rl_model_add_dense(s->m, units, act); break;
        case 1: st = rl_model_add_simple_rnn(s->m, units, act, seq); break;
        case 2: st = rl_model_add_lstm(s->m, units, act, ract, seq); break;
        default: st = rl_model_add_gru(s->m, units, act, ract, seq); break;
        }
        said_why(s, st);
    }
}

static void op(session *s, unsigned code)
{
    rl_model *m = s->m;
    size_t n = 1 + fz_below(&s->in, MAX_SAMPLES);
    size_t out_steps = 0, units = 0;
    int shaped = rl_model_output_shape(m, &out_steps, &units) == RL_OK;
    size_t y_len = shaped ? n * out_steps * units : 0;
    if (y_len > sizeof s->y / sizeof s->y[0])
        y_len = sizeof s->y / sizeof s->y[0];
    rl_status st = RL_OK;
    switch (code % 16) {
    case 0:
        st = rl_model_compile(m, (rl_optimizer)fz_below(&s->in, 4), (rl_loss)fz_below(&s->in, 4));
        break;
    case 1: {
        static const double values[8] = { 0, 0.5, 1, 2, 1e-9, 1e9, -1, NAN };
        rl_param p = (rl_param)fz_below(&s->in, RL_PARAM_COUNT + 1);
        double v = values[fz_below(&s->in, 8)];
        if (p == RL_PARAM_THREADS && v > 2)
            v = 2;   /* threads cost real time: at most 2 */
        st = rl_model_set_param(m, p, v);
        break;
    }
    case 2:
    case 3: {
        fill(s, s->x, n * s->steps * s->features);
        fill(s, s->y, y_len);
        if (y_len == n * out_steps * units)
            st = rl_fit(m, s->x, s->y, n, 1 + fz_below(&s->in, 2), 1 + fz_below(&s->in, n + 1));
        break;
    }
    case 4: {
        fill(s, s->x, n * s->steps * s->features);
        float out[MAX_SAMPLES * MAX_STEPS * MAX_UNITS];
        st = rl_predict(m, s->x, n, out, fz_below(&s->in, 2) ? y_len : y_len / 2);
        break;
    }
    case 5: {
        fill(s, s->x, n * s->steps * s->features);
        fill(s, s->y, y_len);
        float loss;
        if (y_len == n * out_steps * units)
            st = rl_evaluate(m, s->x, s->y, n, &loss);
        break;
    }
    case 6: {
        size_t layer = fz_below(&s->in, 5), count = 0;
        if (rl_model_weight_count(m, layer, &count) == RL_OK && count <= 256) {
            float w[256];
            st = rl_model_get_weights(m, layer, w, count);
            if (st == RL_OK) {
                w[fz_below(&s->in, count)] = fz_float(&s->in);
                st = rl_model_set_weights(m, layer, w, count - fz_below(&s->in, 2));
            }
        }
        break;
    }
    case 7: {
        /* Round trip through buffers: what was saved loads, and a loaded
         * model saves the same bytes again (the first save may differ:
         * threads are not carried by a file). */
        void *a = NULL, *b = NULL, *c = NULL;
        size_t na = 0, nb = 0, nc = 0;
        unsigned flags = (unsigned)fz_below(&s->in, 3);   /* 2 is an unknown flag */
        st = rl_model_save_buffer_flags(m, &a, &na, flags);
        if (st == RL_OK) {
            rl_model *l = NULL, *l2 = NULL;
            if (rl_model_load_buffer(&l, a, na) != RL_OK ||
                rl_model_save_buffer_flags(l, &b, &nb, flags) != RL_OK ||
                rl_model_load_buffer(&l2, b, nb) != RL_OK ||
                rl_model_save_buffer_flags(l2, &c, &nc, flags) != RL_OK || nb != nc ||
                memcmp(b, c, nb) != 0)
                abort();
            rl_model_destroy(l);
            rl_model_destroy(l2);
        }
        rl_free(a);
        rl_free(b);
        rl_free(c);
        break;
    }
    case 8: {
        rl_scaler *sc = NULL;
        if (rl_scaler_create_standard(&sc) != RL_OK)
            abort();
        fill(s, s->x, n * s->features);
        if (rl_scaler_fit(sc, s->x, n, s->features - fz_below(&s->in, 2)) == RL_OK)
            st = rl_model_set_scaler(m, sc);
        rl_scaler_destroy(sc);
        break;
    }
    case 9: {
        size_t cols[3] = { fz_below(&s->in, 4), fz_below(&s->in, 4), fz_below(&s->in, 4) };
        st = rl_model_set_targets(m, cols, 1 + fz_below(&s->in, 3));
        break;
    }
    case 10: {
        float history[MAX_STEPS * 2 * MAX_FEATURES], out[MAX_OUT];
        size_t points = s->steps + fz_below(&s->in, s->steps + 1);
        fill(s, history, points * s->features);
        st = rl_forecast(m, history, points, NULL, 0, 1 + fz_below(&s->in, 3), out,
                         fz_below(&s->in, MAX_OUT));
        break;
    }
    case 11:
        rl_stream_destroy(s->stream);
        s->stream = NULL;
        st = rl_stream_create(&s->stream, m, (rl_stream_mode)fz_below(&s->in, 3));
        break;
    case 12:
        if (s->stream) {
            float obs[MAX_FEATURES], pred[MAX_OUT];
            fill(s, obs, s->features);
            (void)rl_stream_push(s->stream, obs, s->features, pred, fz_below(&s->in, MAX_OUT));
        }
        break;
    case 13:
        st = rl_model_reset_states(m);
        break;
    case 14:
        st = rl_model_set_thread_placement(m, (rl_thread_placement)fz_below(&s->in, 4));
        break;
    default: {
        size_t epochs = 0;
        float hist[4];
        st = rl_model_history(m, hist, NULL, 4, &epochs);
        if (rl_model_last_error(m) == NULL || rl_status_string(st) == NULL)
            abort();
        break;
    }
    }
    said_why(s, st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    session s = { .in = { data, size, 0 } };
    build(&s);
    for (int calls = 0; calls < 24 && s.in.at < s.in.n; calls++)
        op(&s, fz_u8(&s.in));
    /* A stream must not outlive its model. */
    rl_stream_destroy(s.stream);
    rl_model_destroy(s.m);
    return 0;
}
