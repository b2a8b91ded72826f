/* Writes the bytes that must be the same on every architecture and kernel
 * path (docs/portability.md): models trained from one seed and one data set,
 * saved, with their predictions; and the committed golden files of
 * tests/golden/, loaded, predicted, saved again and trained further.
 * tests/cross-check.sh runs it on x86 (each kernel path) and under qemu on
 * aarch64 (scalar and NEON), s390x and i686, and compares the directories
 * byte for byte with cmp.
 *
 *   samebits OUT_DIR GOLDEN_DIR
 *
 * Public API only. The data are made with + - * / on floats and integer
 * hashing, never libm: a libm may round sin() differently on another
 * architecture, and that would test libm instead of rnnlite. Predictions are
 * written as C99 hex floats (exact, and the same text on any byte order). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

#define STEPS 7
#define FEATURES 3
#define N_TRAIN 61   /* not a multiple of the batch: a ragged last batch */
#define N_PRED 9
#define MAX_OUT (STEPS * 37)

static const char *out_dir;
static int failures;

#define CHECK(call)                                                                            \
    do {                                                                                       \
        rl_status s_ = (call);                                                                 \
        if (s_ != RL_OK) {                                                                     \
            fprintf(stderr, "samebits: %s:%d: %s: %s\n", __FILE__, __LINE__, #call,            \
                    rl_status_string(s_));                                                     \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

/* Uniform in [-0.5, 0.5): 24 hash bits scaled by 2^-24, exact in float. */
static float noise(uint32_t t, uint32_t f)
{
    uint32_t h = t * 2654435761u ^ (f + 1) * 2246822519u;
    h ^= h >> 15;
    h *= 2654435761u;
    h ^= h >> 13;
    return (float)(h >> 8) * (1.0f / 16777216.0f) - 0.5f;
}

/* Three series: two rotations (a sine and a cosine made by a fixed 2x2
 * rotation per step, IEEE arithmetic only) and a sawtooth, with noise. */
static void make_series(float *s, size_t n_points)
{
    float c = 1.0f, d = 0.0f;
    const float cr = 0.980066578f, sr = 0.198669331f;   /* rotation by 0.2 rad */
    for (size_t t = 0; t < n_points; t++) {
        s[t * FEATURES + 0] = d + 0.05f * noise((uint32_t)t, 0);
        s[t * FEATURES + 1] = 0.5f * c + 0.05f * noise((uint32_t)t, 1);
        s[t * FEATURES + 2] = (float)(t % 11) / 11.0f - 0.5f + 0.02f * noise((uint32_t)t, 2);
        float c2 = c * cr - d * sr, d2 = c * sr + d * cr;
        c = c2;
        d = d2;
    }
}

/* Windows of STEPS rows; targets: column 0 at the next step, or at every
 * step one ahead (sequence outputs). */
static void windows(const float *s, size_t first, size_t n, size_t out_steps, float *x, float *y)
{
    for (size_t i = 0; i < n; i++) {
        memcpy(x + i * STEPS * FEATURES, s + (first + i) * FEATURES, STEPS * FEATURES * sizeof(float));
        for (size_t t = 0; t < out_steps; t++)
            y[i * out_steps + t] = s[(first + i + t + (out_steps == 1 ? STEPS : 1)) * FEATURES];
    }
}

static void write_file(const char *name, const void *data, size_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void save(const rl_model *m, const char *name)
{
    void *buf = NULL;
    size_t size = 0;
    CHECK(rl_model_save_buffer(m, &buf, &size));
    write_file(name, buf, size);
    rl_free(buf);
}

static void write_predictions(const char *name, const float *v, size_t n)
{
    static char text[N_PRED * MAX_OUT * 20 + 16];
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%a\n", (double)v[i]);
    write_file(name, text, at);
}

static size_t out_len(rl_model *m)
{
    size_t steps, units;
    CHECK(rl_model_output_shape(m, &steps, &units));
    return steps * units;
}

static void predict_and_write(rl_model *m, const float *x, const char *name)
{
    static float pred[N_PRED * MAX_OUT];
    size_t per = out_len(m);
    if (per > MAX_OUT) {
        fprintf(stderr, "samebits: %s: output too wide\n", name);
        exit(1);
    }
    CHECK(rl_predict(m, x, N_PRED, pred, N_PRED * per));
    write_predictions(name, pred, N_PRED * per);
}

static float series[(N_TRAIN + N_PRED + 2 * STEPS + 8) * FEATURES];

/* Trains `m` for `epochs`, saves it, writes its predictions on later windows. */
static void train_and_write(rl_model *m, const char *name, size_t epochs, size_t batch)
{
    static float x[N_TRAIN * STEPS * FEATURES], y[N_TRAIN * STEPS];
    size_t steps, units;
    CHECK(rl_model_output_shape(m, &steps, &units));
    windows(series, 0, N_TRAIN, steps, x, y);
    CHECK(rl_fit(m, x, y, N_TRAIN, epochs, batch));
    char file[256];
    snprintf(file, sizeof file, "train_%s.rlm", name);
    save(m, file);
    windows(series, N_TRAIN + 1, N_PRED, steps, x, y);
    snprintf(file, sizeof file, "train_%s.pred", name);
    predict_and_write(m, x, file);
}

static rl_model *create(unsigned seed, unsigned threads)
{
    rl_model *m = NULL;
    CHECK(rl_model_create(&m, STEPS, FEATURES));
    CHECK(rl_model_set_param(m, RL_PARAM_SEED, seed));
    CHECK(rl_model_set_param(m, RL_PARAM_THREADS, threads));
    return m;
}

/* Layer widths are chosen so the SIMD paths meet full register tiles,
 * ragged columns (37 = 2 x 16 + 5) and the few-rows case (batch < tile). */
static void trained_models(void)
{
    rl_model *m = create(11, 1);
    CHECK(rl_model_add_lstm(m, 37, RL_ACT_TANH, RL_ACT_SIGMOID, 1));
    CHECK(rl_model_add_lstm(m, 9, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE));
    train_and_write(m, "lstm", 3, 16);
    rl_model_destroy(m);

    m = create(12, 2);   /* two threads split the matrix products */
    CHECK(rl_model_add_gru(m, 37, RL_ACT_TANH, RL_ACT_SIGMOID, 1));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_set_param(m, RL_PARAM_RHO, 0.8));
    CHECK(rl_model_compile(m, RL_OPT_RMSPROP, RL_LOSS_HUBER));
    train_and_write(m, "gru_seq", 3, 5);
    rl_model_destroy(m);

    m = create(13, 1);
    CHECK(rl_model_add_simple_rnn(m, 20, RL_ACT_RELU, 1));
    CHECK(rl_model_add_gru(m, 6, RL_ACT_TANH, RL_ACT_SIGMOID, 0));
    CHECK(rl_model_add_dense(m, 17, RL_ACT_SIGMOID));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_set_param(m, RL_PARAM_MOMENTUM, 0.9));
    CHECK(rl_model_set_param(m, RL_PARAM_CLIPNORM, 1.0));
    CHECK(rl_model_compile(m, RL_OPT_SGD, RL_LOSS_MAE));
    train_and_write(m, "mixed", 4, 8);
    rl_model_destroy(m);

    m = create(14, 3);
    CHECK(rl_model_add_simple_rnn(m, 24, RL_ACT_TANH, 0));
    CHECK(rl_model_add_dense(m, 1, RL_ACT_LINEAR));
    CHECK(rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE));
    train_and_write(m, "simple_rnn", 3, 32);
    rl_model_destroy(m);
}

/* Golden files written on x86 by an earlier version: loaded here, they must
 * predict, save and train on exactly as on x86. */
static void golden_models(const char *golden_dir)
{
    static const char *const names[] = { "dense", "simple_rnn", "lstm", "gru", "mixed" };
    for (size_t g = 0; g < sizeof names / sizeof names[0]; g++) {
        char path[1024], file[256];
        snprintf(path, sizeof path, "%s/%s.rlm", golden_dir, names[g]);
        rl_model *m = NULL;
        rl_status s = rl_model_load(&m, path);
        if (s != RL_OK) {
            fprintf(stderr, "samebits: %s: %s\n", path, rl_status_string(s));
            failures++;
            continue;
        }
        size_t steps, features, out_steps, units;
        CHECK(rl_model_input_shape(m, &steps, &features));
        CHECK(rl_model_output_shape(m, &out_steps, &units));
        /* Inputs of the golden model's own shape, from the same series. */
        static float x[N_TRAIN * 16 * 16], y[N_TRAIN * 16 * 16];
        if (steps * features > 16 * 16 || out_steps * units > 16 * 16) {
            fprintf(stderr, "samebits: %s: unexpected shape\n", path);
            exit(1);
        }
        for (size_t i = 0; i < N_TRAIN * steps * features; i++)
            x[i] = series[i % (sizeof series / sizeof series[0])];
        for (size_t i = 0; i < N_TRAIN * out_steps * units; i++)
            y[i] = series[(i * 7 + 3) % (sizeof series / sizeof series[0])];
        snprintf(file, sizeof file, "golden_%s.rlm", names[g]);
        save(m, file);
        static float pred[N_TRAIN * 16 * 16];
        CHECK(rl_predict(m, x, N_PRED, pred, N_PRED * out_steps * units));
        snprintf(file, sizeof file, "golden_%s.pred", names[g]);
        write_predictions(file, pred, N_PRED * out_steps * units);
        /* Continued training: a model from x86 trained on here. */
        CHECK(rl_fit(m, x, y, N_TRAIN, 2, 8));
        snprintf(file, sizeof file, "golden_%s_continued.rlm", names[g]);
        save(m, file);
        rl_model_destroy(m);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: samebits OUT_DIR GOLDEN_DIR\n");
        return 2;
    }
    out_dir = argv[1];
    make_series(series, sizeof series / sizeof series[0] / FEATURES);
    trained_models();
    golden_models(argv[2]);
    printf("samebits: %s path, files in %s\n", rl_runtime_isa(), out_dir);
    return failures ? 1 : 0;
}
