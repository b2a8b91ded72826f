/* rl_stream_load_buffer on arbitrary bytes (issue 10, item 6). The first
 * byte picks one of two fixed models (window-friendly LSTM, a stacked GRU
 * with a scaler); the rest is the stream buffer, whose model fingerprint
 * and CRC are fixed up so that mutations reach the parser. A stream that
 * loads must push, and round-trip: save, load, save give the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "fuzz_util.h"
#include "rnnlite/rnnlite.h"
#include "stream.h"

#define FINGERPRINT_AT 16

static rl_model *build(int which)
{
    rl_model *m = NULL;
    if (which == 0) {
        if (rl_model_create(&m, 4, 2) != RL_OK ||
            rl_model_add_lstm(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, 0) != RL_OK ||
            rl_model_add_dense(m, 1, RL_ACT_LINEAR) != RL_OK)
            abort();
    } else {
        if (rl_model_create(&m, 3, 2) != RL_OK ||
            rl_model_add_gru(m, 2, RL_ACT_TANH, RL_ACT_SIGMOID, 1) != RL_OK ||
            rl_model_add_simple_rnn(m, 2, RL_ACT_RELU, 0) != RL_OK ||
            rl_model_add_dense(m, 2, RL_ACT_LINEAR) != RL_OK)
            abort();
    }
    if (rl_model_set_param(m, RL_PARAM_SEED, 7 + which) != RL_OK ||
        rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE) != RL_OK)
        abort();
    if (which == 1) {
        const float data[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
        rl_scaler *s = NULL;
        if (rl_scaler_create_minmax(&s, 0, 1) != RL_OK || rl_scaler_fit(s, data, 4, 2) != RL_OK ||
            rl_model_set_scaler(m, s) != RL_OK)
            abort();
        rl_scaler_destroy(s);
    }
    return m;
}

/* The models are made once per process and only read afterwards (a stream
 * never writes to its model), so runs do not influence each other. */
rl_model *fz_stream_model(int which);
rl_model *fz_stream_model(int which)
{
    static rl_model *models[2];
    if (!models[which])
        models[which] = build(which);
    return models[which];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 16))
        return 0;
    const rl_model *m = fz_stream_model(data[0] & 1);
    size_t n = size - 1;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, n);
    if (n >= FINGERPRINT_AT + 8 + 4) {
        uint64_t fp = rl__stream_fingerprint(m);
        for (int i = 0; i < 8; i++)
            buf[FINGERPRINT_AT + i] = (uint8_t)(fp >> (8 * i));
        uint32_t crc = rl__crc32(0, buf, n - 4);
        for (int i = 0; i < 4; i++)
            buf[n - 4 + i] = (uint8_t)(crc >> (8 * i));
    }
    rl_stream *s = (rl_stream *)buf;
    rl_status st = rl_stream_load_buffer(&s, m, buf, n);
    free(buf);
    if (st != RL_OK) {
        if (s != NULL)
            abort();
        return 0;
    }
    size_t steps, features;
    if (rl_model_input_shape(m, &steps, &features) != RL_OK)
        abort();
    const float obs[2] = { 0.25f, -0.5f };
    float pred[8];
    st = rl_stream_push(s, obs, features, pred, 8);
    if (st != RL_OK && st != RL_E_NUMERIC && st != RL_E_STATE)   /* STATE: the count is at its cap */
        abort();
    void *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    rl_stream *again = NULL;
    if (rl_stream_save_buffer(s, &a, &na) == RL_OK) {
        if (rl_stream_load_buffer(&again, m, a, na) != RL_OK)
            abort();
        if (rl_stream_save_buffer(again, &b, &nb) != RL_OK || na != nb || memcmp(a, b, na) != 0)
            abort();
    }
    rl_free(a);
    rl_free(b);
    rl_stream_destroy(again);
    rl_stream_destroy(s);
    return 0;
}
