/* A sensor host: reads observations one at a time, prints the model's
 * forecast of the next one after each, and checkpoints its stream to disk
 * so that a restart continues exactly where it stopped (docs/guide.md,
 * "Streaming").
 *
 *   stream_sensor train SERIES.csv MODEL      fit a small model on the first
 *                                             three quarters of a series and
 *                                             save it (scaler attached)
 *   stream_sensor run MODEL STATE [INPUT]     follow INPUT (default: stdin)
 *
 * INPUT has one observation per line: the last number on the line (so the
 * "time,value" CSVs of examples/data/ work as they are); lines without one
 * (comments, headers) are skipped. `run` prints "value<TAB>forecast of the
 * next value" per observation ("nan" until the window is full). After every
 * observation it writes STATE atomically (a temporary file, fsync, rename):
 * killed at any moment, the host finds either the old or the new state. At
 * start it resumes from STATE when the file exists. A state saved against
 * another model is refused (rnnlite checks a fingerprint of the model). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rnnlite/rnnlite.h>

enum { T = 12, UNITS = 16, EPOCHS = 150, MAX_POINTS = 100000 };

/* The last number on a line; 0 when there is none. */
static int last_number(const char *line, float *v)
{
    const char *p = line, *best = NULL;
    while (*p) {
        char *end;
        strtof(p, &end);
        if (end != p) {
            best = p;
            p = end;
        } else {
            p++;
        }
    }
    if (!best)
        return 0;
    *v = strtof(best, NULL);
    return isfinite(*v);
}

static float *read_series(FILE *f, size_t *n)
{
    float *v = malloc(MAX_POINTS * sizeof *v);
    char line[512];
    *n = 0;
    while (v && *n < MAX_POINTS && fgets(line, sizeof line, f))
        if (line[0] != '#' && last_number(line, &v[*n]))
            (*n)++;
    return v;
}

/* ---- train ------------------------------------------------------------------ */

static int fail_model(rl_status st, const rl_model *m, const char *what)
{
    fprintf(stderr, "stream_sensor: %s: %s: %s\n", what, rl_status_string(st),
            rl_model_last_error(m));
    return 1;
}

static int train(const char *series_path, const char *model_path)
{
    FILE *f = fopen(series_path, "r");
    if (!f) {
        fprintf(stderr, "stream_sensor: %s: %s\n", series_path, strerror(errno));
        return 1;
    }
    size_t n;
    float *series = read_series(f, &n);
    fclose(f);
    size_t n_train = n * 3 / 4, count = 0;
    if (!series || n_train < T + 2) {
        fprintf(stderr, "stream_sensor: %s: too few observations (%zu)\n", series_path, n);
        free(series);
        return 1;
    }
    rl_model *m = NULL;
    rl_scaler *sc = NULL;
    float *scaled = malloc(n_train * sizeof *scaled), *x = NULL, *y = NULL;
    rl_status st = rl_model_create(&m, T, 1);
    if (st != RL_OK || !scaled)
        return fail_model(st, m, "create");
    /* Scaled in the model, raw at the stream: the scaler is saved with it. */
    if ((st = rl_scaler_create_minmax(&sc, 0, 1)) != RL_OK ||
        (st = rl_scaler_fit(sc, series, n_train, 1)) != RL_OK ||
        (st = rl_scaler_transform(sc, series, scaled, n_train, 1)) != RL_OK ||
        (st = rl_model_set_scaler(m, sc)) != RL_OK || (st = rl_window_count(n_train, T, 1, &count)))
        return fail_model(st, m, "scaler");
    x = malloc(count * T * sizeof *x);
    y = malloc(count * sizeof *y);
    if (!x || !y ||
        (st = rl_window_make(scaled, n_train, 1, T, 1, 0, x, count * T, y, count)) != RL_OK ||
        (st = rl_model_add_lstm(m, UNITS, RL_ACT_TANH, RL_ACT_SIGMOID, 0)) != RL_OK ||
        (st = rl_model_add_dense(m, 1, RL_ACT_LINEAR)) != RL_OK ||
        (st = rl_model_set_param(m, RL_PARAM_SEED, 7)) != RL_OK ||
        (st = rl_model_set_param(m, RL_PARAM_LEARNING_RATE, 0.01)) != RL_OK ||
        (st = rl_model_compile(m, RL_OPT_ADAM, RL_LOSS_MSE)) != RL_OK ||
        (st = rl_fit(m, x, y, count, EPOCHS, 32)) != RL_OK ||
        (st = rl_model_save(m, model_path)) != RL_OK)
        return fail_model(st, m, "train");
    float loss[EPOCHS];
    size_t epochs;
    rl_model_history(m, loss, NULL, EPOCHS, &epochs);
    fprintf(stderr, "stream_sensor: trained on %zu of %zu observations, loss %.5f -> %.5f\n",
            n_train, n, (double)loss[0], (double)loss[epochs - 1]);
    free(series), free(scaled), free(x), free(y);
    rl_scaler_destroy(sc);
    rl_model_destroy(m);
    return 0;
}

/* ---- run ------------------------------------------------------------------------ */

/* STATE's bytes, or NULL when the file does not exist (*size 0) or fails. */
static void *read_file(const char *path, size_t *size, int *missing)
{
    FILE *f = fopen(path, "rb");
    *size = 0;
    *missing = !f && errno == ENOENT;
    if (!f)
        return NULL;
    void *buf = NULL;
    long len;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)len)) != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len)
        *size = (size_t)len;
    fclose(f);
    return buf;
}

/* Writes the stream's state to path atomically. */
static int checkpoint(const rl_stream *s, const char *path)
{
    void *buf = NULL;
    size_t size = 0;
    char tmp[4096];
    if (rl_stream_save_buffer(s, &buf, &size) != RL_OK ||
        snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        rl_free(buf);
        return 0;
    }
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(buf, 1, size, f) == size && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (f && fclose(f) == 0) && ok;
    ok = ok && rename(tmp, path) == 0;
    rl_free(buf);
    return ok;
}

static int run(const char *model_path, const char *state_path, FILE *in)
{
    rl_model *m = NULL;
    rl_stream *s = NULL;
    rl_status st = rl_model_load(&m, model_path);
    if (st != RL_OK)
        return fail_model(st, m, model_path);
    int missing = 0, r = 1;
    size_t size = 0;
    void *saved = read_file(state_path, &size, &missing);
    if (saved) {
        st = rl_stream_load_buffer(&s, m, saved, size);
        if (st != RL_OK) {
            fprintf(stderr, "stream_sensor: %s: %s: %s\n", state_path, rl_status_string(st),
                    rl_model_last_error(m));
            goto done;
        }
        size_t seen = 0;
        rl_stream_seen(s, &seen);
        fprintf(stderr, "stream_sensor: resumed from %s after %zu observations\n", state_path, seen);
    } else if (missing) {
        if ((st = rl_stream_create(&s, m, RL_STREAM_WINDOW)) != RL_OK) {
            fail_model(st, m, "stream");
            goto done;
        }
    } else {
        fprintf(stderr, "stream_sensor: %s: cannot read it\n", state_path);
        goto done;
    }
    char line[512];
    float obs, pred;
    while (fgets(line, sizeof line, in)) {
        if (line[0] == '#' || !last_number(line, &obs))
            continue;
        if ((st = rl_stream_push(s, &obs, 1, &pred, 1)) != RL_OK) {
            fprintf(stderr, "stream_sensor: %s\n", rl_stream_last_error(s));
            goto done;
        }
        printf("%.9g\t%.9g\n", (double)obs, (double)pred);
        fflush(stdout);
        if (!checkpoint(s, state_path)) {
            fprintf(stderr, "stream_sensor: %s: checkpoint failed: %s\n", state_path,
                    strerror(errno));
            goto done;
        }
    }
    r = 0;
done:
    free(saved);
    rl_stream_destroy(s);   /* the stream before its model */
    rl_model_destroy(m);
    return r;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "train") == 0)
        return train(argv[2], argv[3]);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "run") == 0) {
        FILE *in = argc == 5 ? fopen(argv[4], "r") : stdin;
        if (!in) {
            fprintf(stderr, "stream_sensor: %s: %s\n", argv[4], strerror(errno));
            return 1;
        }
        int r = run(argv[2], argv[3], in);
        if (in != stdin)
            fclose(in);
        return r;
    }
    fprintf(stderr, "usage: stream_sensor train SERIES.csv MODEL\n"
                    "       stream_sensor run MODEL STATE [INPUT]\n");
    return 2;
}
