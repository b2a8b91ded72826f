/* Writes the seed corpora of the harnesses into fuzz/corpus/<name>/ (run
 * once by hand: `build-fuzz/fuzz/make_seeds fuzz/corpus`; the output is
 * committed). load: files of every layer kind, stacking, optimiser, with a
 * scaler, targets, inference-only; stream: both harness models in both
 * modes after 0, 2 and 5 observations; api: call sequences that build a
 * valid model of each kind and go through the calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

rl_model *fz_stream_model(int which);

static const char *dir;

static void write_file(const char *sub, const char *name, const void *p, size_t n,
                       const unsigned char *prefix)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || (prefix && fwrite(prefix, 1, 1, f) != 1) || fwrite(p, 1, n, f) != n) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

static void check(rl_status s, const char *what)
{
    if (s != RL_OK) {
        fprintf(stderr, "%s: %s\n", what, rl_status_string(s));
        exit(1);
    }
}

static void load_seeds(void)
{
    static const struct {
        const char *name;
        int kinds[3];   /* 0 none, 1 dense, 2 rnn, 3 lstm, 4 gru */
        rl_optimizer opt;
        int scaler, targets, inference, fit;
    } specs[] = {
        { "dense", { 1, 1, 0 }, RL_OPT_SGD, 0, 0, 0, 0 },
        { "rnn", { 2, 1, 0 }, RL_OPT_RMSPROP, 0, 0, 0, 1 },
        { "lstm", { 3, 1, 0 }, RL_OPT_ADAM, 1, 0, 0, 1 },
        { "gru", { 4, 1, 0 }, RL_OPT_ADAM, 0, 1, 0, 1 },
        { "stacked", { 3, 4, 1 }, RL_OPT_ADAM, 1, 1, 0, 1 },
        { "inference_only", { 4, 2, 1 }, RL_OPT_SGD, 1, 0, 1, 0 },
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        rl_model *m = NULL;
        check(rl_model_create(&m, 3, 2), "create");
        for (int k = 0; k < 3; k++) {
            int last = k == 2 || specs[i].kinds[k + 1] == 0;
            int seq = !last && specs[i].kinds[k + 1] != 1;
            switch (specs[i].kinds[k]) {
            case 1: check(rl_model_add_dense(m, last ? 2 : 3, RL_ACT_RELU), "dense"); break;
            case 2: check(rl_model_add_simple_rnn(m, 3, RL_ACT_TANH, seq), "rnn"); break;
            case 3: check(rl_model_add_lstm(m, 3, RL_ACT_TANH, RL_ACT_SIGMOID, seq), "lstm"); break;
            case 4: check(rl_model_add_gru(m, 2, RL_ACT_TANH, RL_ACT_SIGMOID, seq), "gru"); break;
            default: break;
            }
        }
        check(rl_model_set_param(m, RL_PARAM_SEED, (double)i), "seed");
        check(rl_model_compile(m, specs[i].opt, RL_LOSS_MSE), "compile");
        float x[8 * 3 * 2], y[8 * 2];
        for (size_t j = 0; j < sizeof x / sizeof x[0]; j++)
            x[j] = (float)((j * 7) % 11) / 11.0f;
        for (size_t j = 0; j < sizeof y / sizeof y[0]; j++)
            y[j] = (float)((j * 5) % 7) / 7.0f;
        if (specs[i].targets) {
            const size_t cols[2] = { 1, 0 };
            check(rl_model_set_targets(m, cols, 2), "targets");
        }
        if (specs[i].fit)
            check(rl_fit(m, x, y, 8, 2, 4), "fit");
        if (specs[i].scaler) {
            rl_scaler *s = NULL;
            check(rl_scaler_create_minmax(&s, -1, 1), "scaler");
            check(rl_scaler_fit(s, x, 24, 2), "scaler fit");
            check(rl_model_set_scaler(m, s), "attach");
            rl_scaler_destroy(s);
        }
        void *buf = NULL;
        size_t n = 0;
        check(rl_model_save_buffer_flags(m, &buf, &n, specs[i].inference ? RL_SAVE_INFERENCE_ONLY : 0),
              "save");
        char name[64];
        snprintf(name, sizeof name, "%s.rlm", specs[i].name);
        write_file("load", name, buf, n, NULL);
        rl_free(buf);
        rl_model_destroy(m);
    }
}

static void stream_seeds(void)
{
    for (int which = 0; which < 2; which++)
        for (int mode = 0; mode < 2; mode++)
            for (int pushes = 0; pushes <= 5; pushes += pushes ? 3 : 2) {
                const rl_model *m = fz_stream_model(which);
                rl_stream *s = NULL;
                check(rl_stream_create(&s, m, (rl_stream_mode)mode), "stream");
                for (int p = 0; p < pushes; p++) {
                    const float obs[2] = { 0.1f * (float)p, 1.0f - 0.2f * (float)p };
                    float pred[8];
                    check(rl_stream_push(s, obs, 2, pred, 8), "push");
                }
                void *buf = NULL;
                size_t n = 0;
                check(rl_stream_save_buffer(s, &buf, &n), "save stream");
                char name[64];
                snprintf(name, sizeof name, "model%d_mode%d_push%d.rls", which, mode, pushes);
                const unsigned char prefix = (unsigned char)which;
                write_file("stream", name, buf, n, &prefix);
                rl_free(buf);
                rl_stream_destroy(s);
            }
}

/* Encodes what fuzz_api.c decodes: fz_below takes two bytes, ops one. */
typedef struct seq {
    unsigned char b[256];
    size_t n;
} seq;

static void below(seq *s, unsigned v)
{
    s->b[s->n++] = (unsigned char)v;
    s->b[s->n++] = (unsigned char)(v >> 8);
}

static void api_seeds(void)
{
    for (unsigned kind = 0; kind < 4; kind++) {
        seq s = { { 0 }, 0 };
        below(&s, 2);      /* steps 3 */
        below(&s, 1);      /* features 2 */
        below(&s, 1);      /* two layers */
        below(&s, 3), below(&s, 2), below(&s, 3), below(&s, 0), below(&s, kind);
        below(&s, 1), below(&s, 0), below(&s, 0), below(&s, 0), below(&s, 0);   /* Dense(1) */
        static const unsigned char ops[] = { 0, 2, 4, 5, 6, 7, 9, 10, 11, 12, 12, 13, 14, 15, 8, 3 };
        for (size_t i = 0; i < sizeof ops; i++) {
            s.b[s.n++] = ops[i];
            for (int pad = 0; pad < 6; pad++)   /* arguments: small values */
                below(&s, (unsigned)(kind + i + pad) % 2);
        }
        char name[32];
        snprintf(name, sizeof name, "kind%u.bin", kind);
        write_file("api", name, s.b, s.n, NULL);
    }
}

int main(int argc, char **argv)
{
    dir = argc > 1 ? argv[1] : "fuzz/corpus";
    load_seeds();
    stream_seeds();
    api_seeds();
    return 0;
}
