/* rnnlite against reference numbers with tf.keras 2.x semantics.
 *
 * tests/reference/make_fixtures.py computes them in float64 (torch), from
 * float32-exact weights and inputs, and cross-checks its own cell, loss and
 * optimiser math against torch.nn and torch.optim. Each fixture case becomes
 * one test here: build the model through the public API, install the
 * reference weights, compare rl_predict() with the float64 forward pass, and
 * for training cases compare the weights after rl_fit() and the per-epoch
 * losses of rl_model_history(). Format: tests/reference/README.md. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnlite/rnnlite.h"

/* float32 arithmetic against float64. rnnlite's worst case uses about a
 * tenth of the forward limits and a fifth of the training ones (a few
 * optimiser steps compound the rounding). The generator keeps only cases
 * whose own torch float32 run stays within half of them, so a relu kink or
 * an Adam step on a near-zero gradient cannot make a case flaky.
 * Keep in step with make_fixtures.py. */
#define FWD_RTOL 5e-6
#define FWD_ATOL 5e-7
#define TRAIN_RTOL 2e-5
#define TRAIN_ATOL 3e-6
/* Stateful training (make_stateful_fixtures.py, Keras stateful=True): the
 * weights after 3 epochs to 1e-5 relative. Keep in step with the script. */
#define STATEFUL_RTOL 1e-5
#define STATEFUL_ATOL 1e-6

#define MAX_LAYERS 8
#define MAX_PARAMS 16

typedef struct ref_layer {
    char kind[24];
    size_t units;
    rl_activation act, rec_act;
    int return_sequences;
} ref_layer;

typedef struct ref_case {
    char name[64];
    size_t time_steps, n_features, n_samples;
    size_t n_layers;
    ref_layer layer[MAX_LAYERS];
    float *w[MAX_LAYERS];
    size_t n_w[MAX_LAYERS];
    float *x;
    size_t n_x;
    double *y;          /* forward output of the reference weights */
    size_t n_y;

    int train;
    int stateful;       /* RL_PARAM_STATEFUL = 1 (stateful.txt) */
    rl_optimizer opt;
    rl_loss loss;
    size_t epochs, batch, fits;   /* rl_fit() is called `fits` times */
    rl_param param[MAX_PARAMS];
    double param_value[MAX_PARAMS];
    size_t n_params;
    float *y_true;
    size_t n_y_true;
    double *hist;       /* per-epoch losses of the last fit */
    size_t n_hist;
    double *w_after[MAX_LAYERS];
    size_t n_w_after[MAX_LAYERS];

    rl_model *model;    /* of the running test; the teardown frees it */
} ref_case;

/* ------------------------------------------------------------ parsing */

typedef struct reader {
    char *p;
    const char *file;
} reader;

/* Next whitespace-separated token, NUL-terminated in place; NULL at the end.
 * '#' starts a comment up to the end of the line. */
static const char *next_token(reader *r)
{
    for (;;) {
        while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
            r->p++;
        if (*r->p != '#')
            break;
        while (*r->p && *r->p != '\n')
            r->p++;
    }
    if (!*r->p)
        return NULL;
    const char *tok = r->p;
    while (*r->p && *r->p != ' ' && *r->p != '\t' && *r->p != '\n' && *r->p != '\r')
        r->p++;
    if (*r->p)
        *r->p++ = '\0';
    return tok;
}

static int parse_error(const reader *r, const char *what, const char *tok)
{
    fprintf(stderr, "%s: expected %s, got '%s'\n", r->file, what, tok ? tok : "end of file");
    return 0;
}

static int read_word(reader *r, const char *want)
{
    const char *tok = next_token(r);
    return (tok && strcmp(tok, want) == 0) || parse_error(r, want, tok);
}

static int read_double(reader *r, double *v)
{
    const char *tok = next_token(r);
    char *end;
    if (!tok)
        return parse_error(r, "a number", tok);
    *v = strtod(tok, &end);
    return *end == '\0' || parse_error(r, "a number", tok);
}

static int read_size(reader *r, size_t *v)
{
    double d;
    if (!read_double(r, &d))
        return 0;
    if (!(d >= 0 && d < 1e9 && d == floor(d)))
        return parse_error(r, "a count", "non-integer");
    *v = (size_t)d;
    return 1;
}

static double *read_doubles(reader *r, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; v && i < n; i++) {
        if (!read_double(r, &v[i])) {
            free(v);
            return NULL;
        }
    }
    return v;
}

/* The generator wrote float32-exact values, so the conversion is exact. */
static float *read_floats(reader *r, size_t n)
{
    double *d = read_doubles(r, n);
    float *v = d ? malloc((n ? n : 1) * sizeof *v) : NULL;
    for (size_t i = 0; v && i < n; i++)
        v[i] = (float)d[i];
    free(d);
    return v;
}

static int lookup(const char *const *names, size_t n, const char *tok, int *out)
{
    for (size_t i = 0; tok && i < n; i++) {
        if (strcmp(names[i], tok) == 0) {
            *out = (int)i;
            return 1;
        }
    }
    return 0;
}

/* Index = enum value. */
static const char *const act_names[] = { "linear", "relu", "tanh", "sigmoid", "hard_sigmoid" };
#define N_ACT_NAMES (sizeof act_names / sizeof act_names[0])
static const char *const opt_names[] = { "sgd", "adam", "rmsprop" };
static const char *const loss_names[] = { "mse", "mae", "huber" };

static int read_enum(reader *r, const char *const *names, size_t n, const char *what, int *out)
{
    const char *tok = next_token(r);
    return lookup(names, n, tok, out) || parse_error(r, what, tok);
}

static int read_param(reader *r, ref_case *c)
{
    static const struct {
        const char *name;
        rl_param p;
    } table[] = {
        { "learning_rate", RL_PARAM_LEARNING_RATE }, { "beta1", RL_PARAM_BETA1 },
        { "beta2", RL_PARAM_BETA2 },                 { "epsilon", RL_PARAM_EPSILON },
        { "momentum", RL_PARAM_MOMENTUM },           { "rho", RL_PARAM_RHO },
        { "clipnorm", RL_PARAM_CLIPNORM },
    };
    const char *tok = next_token(r);
    if (c->n_params == MAX_PARAMS)
        return parse_error(r, "fewer params", tok);
    for (size_t i = 0; tok && i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(tok, table[i].name) == 0) {
            c->param[c->n_params] = table[i].p;
            return read_double(r, &c->param_value[c->n_params++]);
        }
    }
    return parse_error(r, "a parameter name", tok);
}

static int read_layer(reader *r, ref_case *c)
{
    ref_layer *l = &c->layer[c->n_layers];
    const char *kind = next_token(r);
    int act, rec = RL_ACT_SIGMOID;
    size_t rs;
    if (c->n_layers == MAX_LAYERS || !kind || strlen(kind) >= sizeof l->kind)
        return parse_error(r, "a layer kind", kind);
    strcpy(l->kind, kind);
    if (!read_size(r, &l->units) || !read_enum(r, act_names, N_ACT_NAMES, "an activation", &act))
        return 0;
    const char *tok = next_token(r);
    if (!(tok && strcmp(tok, "-") == 0) && !lookup(act_names, N_ACT_NAMES, tok, &rec))
        return parse_error(r, "a recurrent activation or -", tok);
    if (!read_size(r, &rs))
        return 0;
    l->act = (rl_activation)act;
    l->rec_act = (rl_activation)rec;
    l->return_sequences = rs != 0;
    c->n_layers++;
    return 1;
}

/* "weights <layer> <count>" or "weights_after <layer> <count>": layer and count. */
static int read_layer_count(reader *r, const ref_case *c, size_t *layer, size_t *count)
{
    if (!read_size(r, layer) || !read_size(r, count))
        return 0;
    return *layer < c->n_layers || parse_error(r, "a layer index", "out of range");
}

static int read_train(reader *r, ref_case *c)
{
    int opt, loss;
    if (!read_enum(r, opt_names, 3, "an optimizer", &opt) ||
        !read_enum(r, loss_names, 3, "a loss", &loss) || !read_size(r, &c->epochs) ||
        !read_size(r, &c->batch) || !read_size(r, &c->fits))
        return 0;
    c->opt = (rl_optimizer)opt;
    c->loss = (rl_loss)loss;
    c->train = 1;
    return 1;
}

/* Body of one "case <name> ... end" record. */
static int read_case(reader *r, ref_case *c)
{
    const char *name = next_token(r);
    if (!name || strlen(name) >= sizeof c->name)
        return parse_error(r, "a case name", name);
    strcpy(c->name, name);
    if (!read_word(r, "model") || !read_size(r, &c->time_steps) ||
        !read_size(r, &c->n_features) || !read_size(r, &c->n_samples))
        return 0;
    for (;;) {
        const char *tok = next_token(r);
        size_t layer, n;
        if (!tok)
            return parse_error(r, "end", tok);
        if (strcmp(tok, "end") == 0)
            return 1;
        if (strcmp(tok, "layer") == 0) {
            if (!read_layer(r, c))
                return 0;
        } else if (strcmp(tok, "weights") == 0) {
            if (!read_layer_count(r, c, &layer, &n) || !(c->w[layer] = read_floats(r, n)))
                return 0;
            c->n_w[layer] = n;
        } else if (strcmp(tok, "weights_after") == 0) {
            if (!read_layer_count(r, c, &layer, &n) || !(c->w_after[layer] = read_doubles(r, n)))
                return 0;
            c->n_w_after[layer] = n;
        } else if (strcmp(tok, "x") == 0) {
            if (!read_size(r, &c->n_x) || !(c->x = read_floats(r, c->n_x)))
                return 0;
        } else if (strcmp(tok, "y") == 0) {
            if (!read_size(r, &c->n_y) || !(c->y = read_doubles(r, c->n_y)))
                return 0;
        } else if (strcmp(tok, "y_true") == 0) {
            if (!read_size(r, &c->n_y_true) || !(c->y_true = read_floats(r, c->n_y_true)))
                return 0;
        } else if (strcmp(tok, "loss_history") == 0) {
            if (!read_size(r, &c->n_hist) || !(c->hist = read_doubles(r, c->n_hist)))
                return 0;
        } else if (strcmp(tok, "param") == 0) {
            if (!read_param(r, c))
                return 0;
        } else if (strcmp(tok, "train") == 0) {
            if (!read_train(r, c))
                return 0;
        } else if (strcmp(tok, "stateful") == 0) {
            size_t v;
            if (!read_size(r, &v))
                return 0;
            c->stateful = v != 0;
        } else {
            return parse_error(r, "a record keyword", tok);
        }
    }
}

static void free_case(ref_case *c)
{
    for (size_t i = 0; i < MAX_LAYERS; i++) {
        free(c->w[i]);
        free(c->w_after[i]);
    }
    free(c->x);
    free(c->y);
    free(c->y_true);
    free(c->hist);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;
    if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1)) != NULL) {
        if (fread(buf, 1, (size_t)size, f) == (size_t)size) {
            buf[size] = '\0';
        } else {
            free(buf);
            buf = NULL;
        }
    }
    if (f)
        fclose(f);
    return buf;
}

/* Appends the cases of one file to *cases (grown with realloc). */
static int load_cases(const char *path, ref_case **cases, size_t *n)
{
    char *text = slurp(path);
    reader r = { text, path };
    const char *tok;
    int ok = text != NULL;
    if (!ok)
        fprintf(stderr, "cannot read %s\n", path);
    while (ok && (tok = next_token(&r)) != NULL) {
        ref_case *grown = realloc(*cases, (*n + 1) * sizeof **cases);
        ok = grown != NULL && (strcmp(tok, "case") == 0 || parse_error(&r, "case", tok));
        if (grown)
            *cases = grown;
        if (ok) {
            memset(&grown[*n], 0, sizeof grown[*n]);
            ok = read_case(&r, &grown[*n]);
            (*n)++;   /* counted even when half read, so free_case() sees it */
        }
    }
    free(text);
    return ok;
}

/* -------------------------------------------------------------- tests */

/* assert RL_OK, showing the library's own message otherwise. */
static void expect_ok(const ref_case *c, rl_status s, const char *call)
{
    if (s != RL_OK) {
        print_error("%s: %s returned %s: %s\n", c->name, call, rl_status_string(s),
                    rl_model_last_error(c->model));
        fail();
    }
}

static void build_model(ref_case *c)
{
    expect_ok(c, rl_model_create(&c->model, c->time_steps, c->n_features), "rl_model_create");
    for (size_t i = 0; i < c->n_layers; i++) {
        const ref_layer *l = &c->layer[i];
        rl_status s = RL_E_INVALID;
        if (strcmp(l->kind, "dense") == 0)
            s = rl_model_add_dense(c->model, l->units, l->act);
        else if (strcmp(l->kind, "simple_rnn") == 0)
            s = rl_model_add_simple_rnn(c->model, l->units, l->act, l->return_sequences);
        else if (strcmp(l->kind, "lstm") == 0)
            s = rl_model_add_lstm(c->model, l->units, l->act, l->rec_act, l->return_sequences);
        else if (strcmp(l->kind, "gru") == 0)
            s = rl_model_add_gru(c->model, l->units, l->act, l->rec_act, l->return_sequences);
        else if (strcmp(l->kind, "gru_reset_before") == 0)
            s = rl_model_add_gru_reset_before(c->model, l->units, l->act, l->rec_act,
                                              l->return_sequences);
        else
            fail_msg("%s: unknown layer kind %s", c->name, l->kind);
        expect_ok(c, s, l->kind);
    }
    /* The reference trains on the batches in order. */
    expect_ok(c, rl_model_set_param(c->model, RL_PARAM_SHUFFLE, 0), "set_param(shuffle)");
    expect_ok(c, rl_model_set_param(c->model, RL_PARAM_STATEFUL, c->stateful), "set_param(stateful)");
    for (size_t i = 0; i < c->n_params; i++)
        expect_ok(c, rl_model_set_param(c->model, c->param[i], c->param_value[i]), "set_param");
    expect_ok(c,
              c->train ? rl_model_compile(c->model, c->opt, c->loss)
                       : rl_model_compile(c->model, RL_OPT_ADAM, RL_LOSS_MSE),
              "rl_model_compile");

    for (size_t i = 0; i < c->n_layers; i++) {
        size_t count = 0;
        expect_ok(c, rl_model_weight_count(c->model, i, &count), "rl_model_weight_count");
        assert_int_equal(count, c->n_w[i]);
        expect_ok(c, rl_model_set_weights(c->model, i, c->w[i], count), "rl_model_set_weights");
    }
}

static void check_forward(ref_case *c)
{
    size_t steps = 0, units = 0;
    expect_ok(c, rl_model_output_shape(c->model, &steps, &units), "rl_model_output_shape");
    assert_int_equal(c->n_samples * steps * units, c->n_y);
    assert_int_equal(c->n_samples * c->time_steps * c->n_features, c->n_x);

    float *y = malloc(c->n_y * sizeof *y);
    assert_non_null(y);
    expect_ok(c, rl_predict(c->model, c->x, c->n_samples, y, c->n_y), "rl_predict");
    char what[96];
    snprintf(what, sizeof what, "%s: predict y", c->name);
    tu_assert_close(y, c->y, c->n_y, FWD_RTOL, FWD_ATOL, what);
    free(y);
}

static void check_training(ref_case *c)
{
    char what[96];
    const double rtol = c->stateful ? STATEFUL_RTOL : TRAIN_RTOL;
    const double atol = c->stateful ? STATEFUL_ATOL : TRAIN_ATOL;
    assert_int_equal(c->n_y_true, c->n_y);
    for (size_t f = 0; f < c->fits; f++)
        expect_ok(c, rl_fit(c->model, c->x, c->y_true, c->n_samples, c->epochs, c->batch), "rl_fit");

    float hist[64];
    size_t n_epochs = 0;
    assert_true(c->n_hist <= sizeof hist / sizeof hist[0]);
    expect_ok(c, rl_model_history(c->model, hist, NULL, sizeof hist / sizeof hist[0], &n_epochs),
              "rl_model_history");
    assert_int_equal(n_epochs, c->n_hist);
    snprintf(what, sizeof what, "%s: epoch loss", c->name);
    tu_assert_close(hist, c->hist, c->n_hist, rtol, atol, what);

    for (size_t i = 0; i < c->n_layers; i++) {
        float *w = malloc(c->n_w_after[i] * sizeof *w);
        assert_non_null(w);
        assert_int_equal(c->n_w_after[i], c->n_w[i]);
        expect_ok(c, rl_model_get_weights(c->model, i, w, c->n_w_after[i]), "rl_model_get_weights");
        snprintf(what, sizeof what, "%s: layer %zu (%s) weights after fit", c->name, i,
                 c->layer[i].kind);
        tu_assert_close(w, c->w_after[i], c->n_w_after[i], rtol, atol, what);
        free(w);
    }
}

static void test_case(void **state)
{
    ref_case *c = *state;
    build_model(c);
    check_forward(c);
    if (c->train)
        check_training(c);
}

static int destroy_model(void **state)
{
    ref_case *c = *state;
    rl_model_destroy(c->model);
    c->model = NULL;
    return 0;
}

int main(void)
{
    static const char *const files[] = { "reference/forward.txt", "reference/train.txt",
                                         "reference/stateful.txt" };
    ref_case *cases = NULL;
    size_t n = 0;
    int ok = 1;
    for (size_t i = 0; ok && i < sizeof files / sizeof files[0]; i++)
        ok = load_cases(tu_data_path(files[i]), &cases, &n);
    if (!ok || n == 0) {
        printf("Bail out! reference fixtures missing or malformed (see stderr)\n");
        for (size_t i = 0; i < n; i++)
            free_case(&cases[i]);
        free(cases);
        return 1;
    }

    /* One named test per fixture case; sized at run time. */
    struct CMUnitTest tests[n];
    for (size_t i = 0; i < n; i++) {
        tests[i] = (struct CMUnitTest){ .name = cases[i].name,
                                        .test_func = test_case,
                                        .teardown_func = destroy_model,
                                        .initial_state = &cases[i] };
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    for (size_t i = 0; i < n; i++)
        free_case(&cases[i]);
    free(cases);
    return failed;
}
